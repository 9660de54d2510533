//! The secret, the encodings an echoing target writes it in, and the scan for it in outputs.

use base64::Engine as _;

/// The merchant's password: an underscore, a slash and a plus, which encodings change.
pub const SECRET: &str = "Zq9_s3cret/pw+Kx7";
/// The environment variable the target's configuration reads it from.
pub const SECRET_VARIABLE: &str = "PAYCHECK_HOSTILE_PASSWORD";

/// Each encoding of the secret an echoing target writes, by name, as it stands in a JSON string
/// (`\n` is an escaped line break there).
pub fn echoed() -> Vec<(&'static str, String)> {
    let base64 = base64::engine::general_purpose::STANDARD.encode(SECRET);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("test_user:{SECRET}"));
    let every_char = |encode: fn(char) -> String| SECRET.chars().map(encode).collect::<String>();
    vec![
        ("raw", SECRET.to_string()),
        ("form-encoded", form_urlencoded::byte_serialize(SECRET.as_bytes()).collect()),
        ("JSON-escaped", SECRET.replace('/', "\\/")),
        ("\\u-escaped", every_char(|c| format!("\\u{:04x}", u32::from(c)))),
        ("partly \\u-escaped", SECRET.replace('_', "\\u005f")),
        ("percent-encoded", every_char(|c| format!("%{:02X}", u32::from(c)))),
        ("partly percent-encoded", SECRET.replace('_', "%5F")),
        ("partly percent-encoded, lower case", SECRET.replace('_', "%5f").replace('/', "%2f")),
        ("HTML decimal entities", every_char(|c| format!("&#{};", u32::from(c)))),
        ("a HTML decimal entity", format!("&#90;{}", &SECRET[1..])),
        ("a HTML decimal entity without `;`", format!("&#90{}", &SECRET[1..])),
        ("HTML hex entities", SECRET.replace('_', "&#x5f;").replace('Z', "&#X5A;")),
        ("hex", hex::encode(SECRET)),
        ("base64", base64.clone()),
        ("Basic credentials", basic.clone()),
        ("base64 wrapped every 8 characters", wrap(&base64, 8, "\\n")),
        ("base64 wrapped with CRLF", wrap(&basic, 8, "\\r\\n")),
    ]
}

fn wrap(text: &str, width: usize, newline: &str) -> String {
    text.as_bytes()
        .chunks(width)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect::<Vec<_>>()
        .join(newline)
}

/// A JSON answer with every encoding of the password the request carried (empty when it had
/// none), one field each, and the request's body itself.
pub fn echo_json(request_body: &str) -> String {
    let fields: Vec<String> = echoed_for(request_body)
        .into_iter()
        .enumerate()
        .map(|(index, (_, text))| format!("\"echo{index}\":\"{}\"", text.replace('"', "\\\"")))
        .collect();
    let request = serde_json::to_string(request_body).unwrap_or_default();
    format!("{{\"errorCode\":\"0\",\"request\":{request},{}}}", fields.join(","))
}

/// The same as an HTML page, not JSON: one line per encoding, real line breaks in wrapped base64.
pub fn echo_text(request_body: &str) -> String {
    let lines: Vec<String> = echoed_for(request_body)
        .into_iter()
        .map(|(name, text)| format!("<p>{name}: {}</p>", text.replace("\\r\\n", "\r\n").replace("\\n", "\n")))
        .collect();
    format!("<html><body>\n{}\n</body></html>", lines.join("\n"))
}

/// The encodings, when the request carried the password.
fn echoed_for(request_body: &str) -> Vec<(&'static str, String)> {
    if request_body.contains(SECRET) { echoed() } else { Vec::new() }
}

/// Text with the secret across each place a report cuts a body: 512 bytes (an error quoting a
/// body) and 64 KiB (a response kept in a report).
pub fn across_cuts() -> String {
    let mut text = "a".repeat(512 - 9);
    text.push_str(SECRET);
    text.push_str(&"b".repeat(64 * 1024 - 9 - text.len()));
    text.push_str(SECRET);
    text.push_str(&"c".repeat(1000));
    text
}

/// What must never appear in an output: every echoed form, as written and as a report escapes
/// it, and every 6-character piece of the secret (a cut showing part of it).
pub fn forbidden() -> Vec<String> {
    let mut forbidden = Vec::new();
    for (_, form) in echoed() {
        let pieces: Vec<String> = if form.contains("\\n") {
            form.split("\\n").map(|line| line.trim_start_matches("\\r").trim_end_matches("\\r").to_string()).collect()
        } else {
            vec![form]
        };
        let user_only = base64::engine::general_purpose::STANDARD.encode("test_user:");
        for piece in pieces.into_iter().filter(|piece| piece.len() >= 8 && !user_only.contains(piece.as_str())) {
            forbidden.push(piece.replace('&', "&amp;"));
            forbidden.push(piece.replace('\\', "\\\\"));
            forbidden.push(piece);
        }
    }
    let chars: Vec<char> = SECRET.chars().collect();
    for window in chars.windows(6) {
        forbidden.push(window.iter().collect());
    }
    let engine = &base64::engine::general_purpose::STANDARD;
    for prefix in ["test_user:", "test_user:x", "test_user:xy"] {
        let encoded = engine.encode(format!("{prefix}{SECRET}"));
        let start = (prefix.len() * 8).div_ceil(6) + 1;
        forbidden.push(encoded[start..start + 12].to_string());
    }
    forbidden.sort();
    forbidden.dedup();
    forbidden
}

/// The forbidden texts found in an output.
pub fn leaks(text: &str) -> Vec<String> {
    forbidden().into_iter().filter(|form| text.contains(form.as_str())).collect()
}
