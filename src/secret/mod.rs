//! Masking secrets (passwords, keys, tokens) in everything the runner writes.
//!
//! A secret can reach an output in many forms: as written (also inside a signature base string,
//! which joins values as `path:value;…`), form-urlencoded, percent-encoded, JSON-escaped (also
//! with `\/` and `\uXXXX` escapes, as PHP and Python write them), hex, and base64 — alone or
//! inside a longer base64 text such as an `Authorization: Basic` header. The masker replaces each
//! form with `[masked]`, or `[masked:NAME]` when the secret has a name (the environment variable
//! it comes from), so that `--curl` can put `${NAME}` back in its place.

mod decoded;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine as _;

/// What a secret without a name is replaced with.
pub const MASK: &str = "[masked]";

/// The shortest base64 run, in characters, searched for inside longer base64 text (shorter
/// ones would match by chance).
const MIN_EMBEDDED_BASE64: usize = 8;

/// Replaces every known secret, in every form it can take on the wire, with a mask, in one
/// pass over the text per kind of form whatever the number of secrets.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    /// Every form of every secret; the longest match wins where forms overlap.
    forms: Option<Patterns>,
    /// Base64 fragments that only a secret produces, whatever its offset in the encoded text;
    /// the whole base64 run around a match is masked.
    embedded_base64: Option<Patterns>,
}

/// Patterns searched in one pass, and the mask of each.
#[derive(Debug, Clone)]
struct Patterns {
    automaton: AhoCorasick,
    masks: Vec<String>,
}

impl Patterns {
    fn build(mut patterns: Vec<(String, String)>) -> Option<Patterns> {
        patterns.retain(|(pattern, _)| !pattern.is_empty());
        patterns.sort();
        patterns.dedup_by(|a, b| a.0 == b.0);
        if patterns.is_empty() {
            return None;
        }
        // A contiguous NFA builds in a fraction of a DFA's time (the DFA was a sixth of a
        // one-case run's start-up) and scans the short texts masked here about as fast.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(patterns.iter().map(|(pattern, _)| pattern))
            .ok()?;
        Some(Patterns { automaton, masks: patterns.into_iter().map(|(_, mask)| mask).collect() })
    }
}

impl Masker {
    /// A masker for these secret values (empty values are ignored), each masked as `[masked]`.
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Masker {
        Masker::labelled(secrets.into_iter().map(|secret| (secret, String::new())))
    }

    /// A masker for named secrets: each is masked as `[masked:NAME]` (`[masked]` when the name
    /// is empty). Names are environment variable names.
    pub fn labelled(secrets: impl IntoIterator<Item = (String, String)>) -> Masker {
        let mut forms = Vec::new();
        let mut embedded_base64 = Vec::new();
        for (secret, label) in secrets {
            if secret.is_empty() {
                continue;
            }
            let mask = mask_for(&label);
            for form in wire_forms(&secret) {
                forms.push((form, mask.clone()));
            }
            for fragment in base64_fragments(secret.as_bytes()) {
                embedded_base64.push((fragment, mask.clone()));
            }
        }
        Masker { forms: Patterns::build(forms), embedded_base64: Patterns::build(embedded_base64) }
    }

    /// True when there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.forms.is_none()
    }

    /// The text with every secret form replaced: first the forms as they stand in the text, then
    /// those that only show once its escapes are decoded (`test\u005fuser`, `test%5Fuser`,
    /// `&#116;est`, base64 wrapped over lines), whose whole escaped span is replaced.
    pub fn mask(&self, text: &str) -> String {
        if !self.finds_any(text) {
            return text.to_string();
        }
        self.mask_found(text)
    }

    /// As [`Masker::mask`], handing back a text without secrets as it came, uncopied.
    pub fn mask_owned(&self, text: String) -> String {
        if !self.finds_any(&text) {
            return text;
        }
        self.mask_found(&text)
    }

    /// As [`Masker::mask_owned`], for a text whose line breaks are all its writer's own: a
    /// pretty-printed JSON document (which escapes any line break inside a string) under a
    /// status line and headers. No secret can be wrapped across such line breaks, so the text
    /// is decoded and searched again only when it holds an escape.
    pub fn mask_owned_structured(&self, text: String) -> String {
        if !self.finds_any_with(&text, decoded::has_escape) {
            return text;
        }
        self.mask_found(&text)
    }

    /// The text, known to hold a secret, masked.
    fn mask_found(&self, text: &str) -> String {
        let masked = self.mask_forms(text);
        if !decoded::may_change(&masked) {
            return masked;
        }
        self.mask_decoded(&masked).unwrap_or(masked)
    }

    /// The first `max_bytes` bytes (at most) of the masked text: the whole text is masked before
    /// it is cut, so that a cut never leaves part of a secret behind.
    pub fn mask_prefix(&self, text: &str, max_bytes: usize) -> String {
        if !self.finds_any(text) {
            return text[..crate::text::floor_char_boundary(text, max_bytes)].to_string();
        }
        let mut masked = self.mask_found(text);
        masked.truncate(crate::text::floor_char_boundary(&masked, max_bytes));
        masked
    }

    /// True when the text holds a secret in a form the masker knows, as it stands or decoded
    /// (searched without copying the text, so that a large text without secrets costs little).
    fn finds_any(&self, text: &str) -> bool {
        self.finds_any_with(text, decoded::may_change)
    }

    /// [`Masker::finds_any`], searching the decoded text when `worth_decoding` says so.
    fn finds_any_with(&self, text: &str, worth_decoding: fn(&str) -> bool) -> bool {
        // Called for every text recorded (a dozen per request): no allocation.
        let automata =
            || [&self.forms, &self.embedded_base64].into_iter().flatten().map(|patterns| &patterns.automaton);
        if self.forms.is_none() && self.embedded_base64.is_none() {
            return false;
        }
        // Decoding never lengthens a text: one shorter than every pattern holds none, as it
        // stands or decoded (most checked values are a few characters long).
        if automata().all(|automaton| text.len() < automaton.min_pattern_len()) {
            return false;
        }
        if automata().any(|automaton| automaton.is_match(text)) {
            return true;
        }
        let longest = automata().map(AhoCorasick::max_pattern_len).max().unwrap_or(0);
        worth_decoding(text)
            && decoded::any_block(text, longest, |block| automata().any(|automaton| automaton.is_match(block)))
    }

    /// The masked text, or, when it is longer than `max_bytes`, its first `max_bytes` bytes
    /// followed by `… (N bytes in all)` (masked before it is cut, as [`Masker::mask_prefix`]).
    pub fn mask_quote(&self, text: &str, max_bytes: usize) -> String {
        let mut masked = self.mask(text);
        if masked.len() > max_bytes {
            masked.truncate(crate::text::floor_char_boundary(&masked, max_bytes));
            masked.push_str(&format!("… ({} bytes in all)", text.len()));
        }
        masked
    }

    /// The forms as they stand in the text.
    fn mask_forms(&self, text: &str) -> String {
        let mut out = match &self.embedded_base64 {
            Some(fragments) if fragments.automaton.is_match(text) => mask_base64_runs(text, fragments),
            _ => text.to_string(),
        };
        if let Some(forms) = &self.forms
            && forms.automaton.is_match(&out)
        {
            let mut masked = String::with_capacity(out.len());
            forms.automaton.replace_all_with(&out, &mut masked, |found, _, masked| {
                masked.push_str(&forms.masks[found.pattern().as_usize()]);
                true
            });
            out = masked;
        }
        out
    }

    /// The forms found in the decoded text, each replaced where it stands in the text; `None`
    /// when there is none.
    fn mask_decoded(&self, text: &str) -> Option<String> {
        let plain = decoded::decode(text);
        let mut found: Vec<(usize, usize, &str)> = Vec::new();
        if let Some(forms) = &self.forms {
            for hit in forms.automaton.find_iter(&plain) {
                found.push((hit.start(), hit.end(), &forms.masks[hit.pattern().as_usize()]));
            }
        }
        if let Some(fragments) = &self.embedded_base64 {
            for hit in fragments.automaton.find_iter(&plain) {
                let (start, end) = base64_run_around_bytes(&plain, hit.start(), hit.end());
                found.push((start, end, &fragments.masks[hit.pattern().as_usize()]));
            }
        }
        if found.is_empty() {
            return None;
        }
        found.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
        let mut merged: Vec<(usize, usize, &str)> = Vec::with_capacity(found.len());
        for (start, end, mask) in found {
            match merged.last_mut() {
                Some(last) if start < last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end, mask)),
            }
        }
        let ranges: Vec<(usize, usize)> = merged.iter().map(|&(start, end, _)| (start, end)).collect();
        let spans = decoded::source_spans(text, &ranges);
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for ((start, end), (_, _, mask)) in spans.into_iter().zip(merged) {
            out.push_str(&text[copied..start]);
            out.push_str(mask);
            copied = end;
        }
        out.push_str(&text[copied..]);
        Some(out)
    }
}

/// Replaces each base64 run holding a secret's fragment with the secret's mask.
fn mask_base64_runs(text: &str, fragments: &Patterns) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for found in fragments.automaton.find_iter(text) {
        if found.start() < copied {
            continue;
        }
        let (start, end) = base64_run_around(text, found.start(), found.end());
        let start = start.max(copied);
        out.push_str(&text[copied..start]);
        out.push_str(&fragments.masks[found.pattern().as_usize()]);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Every secret of a target with the environment variable it comes from (or, for the reference
/// gateway's built-in credentials, the variable a reader would set: `PAYCHECK_<ROLE>_<FIELD>`).
pub fn target_secrets(
    target: &crate::suite::target::Target,
    config: Option<&crate::suite::config::TargetConfig>,
) -> Vec<(String, String)> {
    use crate::suite::config::FieldValue;
    let variable = |parts: &[&str]| -> String {
        let joined = parts.join("_").to_ascii_uppercase();
        joined.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
    };
    let mut secrets = Vec::new();
    for (role, merchant) in &target.merchants {
        for field in &merchant.secret_fields {
            let Some(value) = merchant.fields.get(field) else { continue };
            let configured = config.and_then(|config| config.merchants.get(role)).and_then(|fields| fields.get(field));
            let label = match configured {
                Some(FieldValue::Env(reference)) => reference.env.clone(),
                _ => variable(&["PAYCHECK", role, field]),
            };
            secrets.push((value.clone(), label));
        }
    }
    for (name, value) in &target.secrets {
        let label = match config.and_then(|config| config.secrets.get(name)) {
            Some(reference) => reference.env.clone(),
            None => variable(&["PAYCHECK", "SECRET", name]),
        };
        secrets.push((value.clone(), label));
    }
    secrets
}

/// `[masked:NAME]`, or `[masked]` without a name.
pub fn mask_for(label: &str) -> String {
    if label.is_empty() { MASK.to_string() } else { format!("[masked:{label}]") }
}

/// The forms a secret takes as text on the wire.
fn wire_forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json.trim_matches('"').to_string();
    let ascii_json: String = json
        .chars()
        .flat_map(|c| {
            if c.is_ascii() {
                vec![c.to_string()]
            } else {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units).iter().map(|unit| format!("\\u{unit:04x}")).collect()
            }
        })
        .collect();
    let percent_all = percent_encode_all(secret);
    vec![
        secret.to_string(),
        form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>(),
        percent_all.clone(),
        lower_percent_escapes(&percent_all),
        json.replace('/', "\\/"),
        ascii_json.to_uppercase_escapes(),
        ascii_json,
        json,
        hex::encode(secret.as_bytes()),
        hex::encode_upper(secret.as_bytes()),
        base64::engine::general_purpose::STANDARD.encode(secret.as_bytes()),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret.as_bytes()),
    ]
}

trait UppercaseEscapes {
    fn to_uppercase_escapes(&self) -> String;
}

impl UppercaseEscapes for String {
    /// `\u00e9` → `\u00E9` (both spellings are valid JSON).
    fn to_uppercase_escapes(&self) -> String {
        let mut out = String::with_capacity(self.len());
        let mut rest = self.as_str();
        while let Some(index) = rest.find("\\u") {
            out.push_str(&rest[..index + 2]);
            let digits: String = rest[index + 2..].chars().take(4).collect();
            out.push_str(&digits.to_uppercase());
            rest = &rest[index + 2 + digits.len()..];
        }
        out.push_str(rest);
        out
    }
}

/// `%XX` for every byte that is not alphanumeric (another common URL-encoding of the same value).
fn percent_encode_all(secret: &str) -> String {
    secret
        .bytes()
        .map(|byte| if byte.is_ascii_alphanumeric() { (byte as char).to_string() } else { format!("%{byte:02X}") })
        .collect()
}

fn lower_percent_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|digit| digit.to_ascii_lowercase()));
        }
    }
    out
}

/// The base64 characters that depend only on the secret's bytes, for each of the three offsets
/// the secret can have inside longer encoded data, in both alphabets.
fn base64_fragments(secret: &[u8]) -> Vec<String> {
    let mut fragments = Vec::new();
    for offset in 0..3usize {
        let mut data = vec![0u8; offset];
        data.extend_from_slice(secret);
        let first = (8 * offset).div_ceil(6);
        let end = 8 * (offset + secret.len()) / 6;
        for engine in
            [&base64::engine::general_purpose::STANDARD_NO_PAD, &base64::engine::general_purpose::URL_SAFE_NO_PAD]
        {
            let encoded = engine.encode(&data);
            if let Some(fragment) = encoded.get(first..end.min(encoded.len()))
                && fragment.len() >= MIN_EMBEDDED_BASE64
            {
                fragments.push(fragment.to_string());
            }
        }
    }
    fragments
}

/// The whole run of base64 characters around `start..end` (with its padding).
fn base64_run_around(text: &str, start: usize, end: usize) -> (usize, usize) {
    base64_run_around_bytes(text.as_bytes(), start, end)
}

/// The same, in bytes (base64 characters are ASCII, so the run's ends are character boundaries).
fn base64_run_around_bytes(text: &[u8], start: usize, end: usize) -> (usize, usize) {
    let is_base64 = |byte: &u8| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'-' | b'_');
    let run_start = start - text[..start].iter().rev().take_while(|byte| is_base64(byte)).count();
    let mut run_end = end + text[end..].iter().take_while(|byte| is_base64(byte)).count();
    run_end += text[run_end..].iter().take_while(|byte| **byte == b'=').count();
    (run_start, run_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_wire_form() {
        let secret = "p@ss wörd/\"x\"".to_string();
        let masker = Masker::new([secret.clone()]);
        let form = form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>();
        let json = serde_json::to_string(&secret).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&secret);
        let php_json = json.replace('/', "\\/");
        let python_json = "\"p@ss w\\u00f6rd/\\\"x\\\"\"".to_string();
        let hex = hex::encode(&secret);
        for text in [secret.clone(), form, json, b64, php_json, python_json, hex] {
            let masked = masker.mask(&format!("before {text} after"));
            assert!(masked.contains(MASK), "{text} → {masked}");
            assert!(!masked.contains("ss w"), "{text} → {masked}");
            assert!(masked.starts_with("before ") && masked.ends_with(" after"), "{masked}");
        }
    }

    #[test]
    fn masks_a_secret_inside_longer_base64_and_inside_a_signature_base_string() {
        let masker = Masker::labelled([("s3cr3t-p4ssw0rd".to_string(), "PAYCHECK_PASSWORD".to_string())]);
        for user in ["a", "ab", "abc"] {
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:s3cr3t-p4ssw0rd"));
            let masked = masker.mask(&format!("Authorization: Basic {basic}"));
            assert_eq!(masked, "Authorization: Basic [masked:PAYCHECK_PASSWORD]", "user {user}");
        }
        let base = "customer:id:c1;general:password:s3cr3t-p4ssw0rd;payment:amount:100";
        assert_eq!(masker.mask(base), "customer:id:c1;general:password:[masked:PAYCHECK_PASSWORD];payment:amount:100");
    }

    #[test]
    fn leaves_other_text_alone() {
        let masker = Masker::new(["test_user_password".to_string()]);
        assert_eq!(
            masker.mask("userName=test_user&password=test_user_password"),
            "userName=test_user&password=[masked]"
        );
        assert_eq!(masker.mask("dGVzdA== plain text"), "dGVzdA== plain text");
    }

    #[test]
    fn masks_a_secret_written_partly_or_wholly_escaped() {
        let masker = Masker::new(["test_user_password".to_string()]);
        for escaped in [
            r"test\u005fuser\u005fpassword",
            r"\u0074\u0065\u0073\u0074\u005F\u0075ser_password",
            "test%5Fuser_password",
            "test%5fuser%5Fpassword",
            "&#116;est_user_password",
            "&#x74;est&#x5F;user&#95;password",
            "&#116est_user_password",
            r"te&#115;t%5Fuser\u005fpassword",
        ] {
            assert_eq!(masker.mask(&format!("<p>{escaped}</p>")), "<p>[masked]</p>", "{escaped}");
        }
    }

    #[test]
    fn masks_base64_wrapped_over_lines() {
        let masker = Masker::new(["test_user_password".to_string()]);
        for prefix in ["", "a:", "ab:", "some longer text before the secret: "] {
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{prefix}test_user_password and after"));
            for width in [4, 7, 8, 76] {
                for newline in ["\n", "\r\n", r"\n"] {
                    let lines: Vec<String> = encoded
                        .as_bytes()
                        .chunks(width)
                        .map(|line| String::from_utf8_lossy(line).into_owned())
                        .collect();
                    let wrapped = lines.join(newline);
                    let masked = masker.mask(&format!("before {wrapped} after"));
                    assert!(masked.contains(MASK), "{wrapped:?} → {masked:?}");
                    let rest = masked.replace(MASK, "");
                    let joined: String = rest.split(newline).collect();
                    assert!(!joined.contains(&encoded[encoded.len() / 2..][..8]), "{wrapped:?} → {masked:?}");
                }
            }
        }
    }

    #[test]
    fn a_structured_text_is_masked_as_written_and_escaped_but_never_joined_across_its_lines() {
        let masker = Masker::new(["test_user_password".to_string()]);
        let pretty =
            |value: &str| format!("HTTP 200\ncontent-type: application/json\n\n{{\n  \"echo\": \"{value}\"\n}}");
        for written in
            ["test_user_password", r"test\u005fuser_password", "test%5Fuser_password", "&#116;est_user_password"]
        {
            let masked = masker.mask_owned_structured(pretty(written));
            assert_eq!(masked, pretty("[masked]"), "{written}");
            assert_eq!(masker.mask_owned(pretty(written)), masked, "{written}");
        }
        let clean = pretty("nothing secret here");
        assert_eq!(masker.mask_owned_structured(clean.clone()), clean);
        // Its line breaks are the renderer's: text that ends one line and text that starts the
        // next are two things, not one secret (which `mask` would join).
        let split = "HTTP 200\nx-note: test_user\n_password".to_string();
        assert_eq!(masker.mask_owned_structured(split.clone()), split);
        assert!(masker.mask(&split).contains(MASK));
    }

    #[test]
    fn a_cut_never_leaves_part_of_a_secret() {
        let masker = Masker::new(["s3cr3t-p4ssw0rd".to_string()]);
        let text = r#"{"password":"s3cr3t-p4ssw0rd","echo":"s3cr3t\u002dp4ssw0rd"}"#;
        for cut in 0..=text.len() {
            let prefix = masker.mask_prefix(text, cut);
            assert!(prefix.len() <= cut, "{prefix}");
            assert!(!prefix.contains("s3cr"), "cut at {cut}: {prefix}");
        }
    }
}
