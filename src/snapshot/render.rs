//! `render_snapshot`: the one function that turns a response into snapshot text, used by
//! `paycheck run` and by the `cargo test` harness alike, so both agree on the committed files.
//!
//! The text reads like the response: the status line, the headers that matter, a blank line and
//! the body. A JSON body is pretty-printed with its keys sorted. A string equal to one of the
//! case's inputs becomes a reference (`{{order_number}}`, see [`super::inputs`]); then every
//! volatile value becomes a named placeholder: the case's own `redact:` queries, the target's
//! `snapshot_redact`, every field whose name a schema marks `"x-volatile": name` (by name, in
//! every answer, whether it has a schema or not: see [`super::volatile`]), and any field whose
//! name says it holds a signature (`checksum` too), password or secret. The target's URL becomes
//! `[target]` (ports change from run to run), generated order numbers `[order_number]`, and
//! secrets are masked last.

use serde_json::Value;

use super::normalise::write_normalised_json;
use super::replacements::Replacements;
use super::volatile::{VolatileFields, redact_generated_order_numbers};
use crate::secret::Masker;
use crate::suite::case::{Redaction, SnapshotSpec};

/// The annotation keyword schemas use to mark a volatile value.
pub const VOLATILE_KEYWORD: &str = "x-volatile";

/// A response as the snapshot sees it.
pub struct SnapshotInput<'a> {
    /// HTTP status.
    pub status: u16,
    /// Response headers (names in any case).
    pub headers: &'a [(String, String)],
    /// The whole body.
    pub body: &'a [u8],
    /// The body already parsed as JSON, when the caller has it (else it is parsed here).
    pub json: Option<Value>,
}

/// What normalisation knows besides the response.
pub struct Normalisation<'a> {
    /// The step's snapshot settings: its own redactions and extra headers.
    pub spec: &'a SnapshotSpec,
    /// Masks secrets.
    pub masker: &'a Masker,
    /// URLs of the target (its root, its API bases), replaced by `[target]`.
    pub target_urls: &'a Replacements,
    /// The target's own redactions (`snapshot_redact` in `paycheck.toml`).
    pub target_redactions: &'a [Redaction],
    /// The case's inputs, written as references.
    pub inputs: &'a Replacements,
    /// Field names the suite's schemas mark volatile.
    pub volatile_fields: &'a VolatileFields,
}

/// Renders the snapshot text of a response.
pub fn render_snapshot(input: SnapshotInput<'_>, normalisation: &Normalisation<'_>) -> String {
    let mut text = String::with_capacity(input.body.len() * 2 + 64);
    text.push_str("HTTP ");
    text.push_str(&input.status.to_string());
    text.push('\n');
    let mut wanted: Vec<&str> = vec!["content-type"];
    wanted.extend(normalisation.spec.headers.iter().map(String::as_str));
    wanted.sort_unstable();
    wanted.dedup();
    for name in wanted {
        let values: Vec<&str> = input
            .headers
            .iter()
            .filter(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect();
        if values.is_empty() {
            continue;
        }
        let value = if is_sensitive_header(name) { "[redacted]".to_string() } else { values.join(", ") };
        text.push_str(name);
        text.push_str(": ");
        text.push_str(&value);
        text.push('\n');
    }
    text.push('\n');
    let mut structured = true;
    if input.body.is_empty() {
        text.push_str("(empty body)");
    } else {
        let document = match input.json {
            Some(document) => Ok(document),
            None => serde_json::from_slice::<Value>(input.body),
        };
        match document {
            Ok(document) => {
                let mut bytes = std::mem::take(&mut text).into_bytes();
                write_normalised_json(&mut bytes, document, normalisation);
                text = String::from_utf8(bytes)
                    .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
            }
            Err(_) => {
                structured = false;
                text.push_str(&String::from_utf8_lossy(input.body));
            }
        }
    }
    let text = normalisation.target_urls.apply(text);
    let text = redact_generated_order_numbers(normalisation.inputs.apply(text));
    // The line breaks of a JSON answer's text are the renderer's own; those of any other body
    // are the target's (base64 wrapped over lines, say), which the masker must see through.
    let masked = if structured {
        normalisation.masker.mask_owned_structured(text)
    } else {
        normalisation.masker.mask_owned(text)
    };
    cut(normalise_owned_text(masked))
}

/// The target's URLs (its root, its API bases), each written `[target]` in snapshots (ports
/// change from run to run), longest first.
pub fn target_urls(urls: impl IntoIterator<Item = String>) -> Replacements {
    let mut urls: Vec<String> = urls.into_iter().collect();
    urls.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    urls.dedup();
    Replacements::new(urls.into_iter().map(|url| (url, "[target]".to_string())))
}

/// The most a snapshot's text keeps: a larger answer is cut (after masking, so that no part of a
/// secret is left at the cut) with a note of its full length.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

fn cut(text: String) -> String {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let end = crate::text::floor_char_boundary(&text, MAX_TEXT_BYTES);
    format!("{}\n… (cut: the snapshot keeps {MAX_TEXT_BYTES} of {} bytes)", &text[..end], text.len())
}

/// The normalisation insta applies to snapshot contents: no trailing whitespace, `\n` line
/// ends. A text that is already normalised is borrowed.
pub fn normalised(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.trim_end();
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// As [`normalised`], in place where it can be.
pub fn normalise_owned_text(mut text: String) -> String {
    if text.contains('\r') {
        return normalised(&text).into_owned();
    }
    text.truncate(text.trim_end().len());
    text
}

/// True for `{{name}}`, a reference to one of the case's inputs.
pub fn is_reference(text: &str) -> bool {
    text.starts_with("{{") && text.ends_with("}}")
}

fn is_sensitive_header(name: &str) -> bool {
    // Every snapshot shows its content type: spare it the search.
    if name.eq_ignore_ascii_case("content-type") {
        return false;
    }
    let name = name.to_ascii_lowercase();
    ["authorization", "cookie", "signature", "token", "secret", "api-key", "apikey"]
        .iter()
        .any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::case::Redaction;
    use crate::suite::schema_registry::SchemaRegistry;

    fn registry() -> (tempfile::TempDir, SchemaRegistry) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("common.json"),
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": {"order_id": {"type": "string", "x-volatile": "order_id"},
                          "timestamp": {"type": "string", "x-volatile": "timestamp"}}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("order.json"),
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                "properties": {"orderId": {"$ref": "common.json#/$defs/order_id"},
                               "history": {"type": "array", "items": {"properties": {"at": {"$ref": "common.json#/$defs/timestamp"}}}},
                               "gwOrderId": {"anyOf": [{"type": "null"}, {"$ref": "common.json#/$defs/order_id"}]}}}"#,
        )
        .unwrap();
        let (registry, diagnostics) = SchemaRegistry::load(dir.path());
        assert!(diagnostics.is_empty(), "{}", diagnostics.render(false));
        (dir, registry)
    }

    #[test]
    fn volatile_field_names_case_redactions_secrets_and_sorted_keys() {
        let (_dir, registry) = registry();
        let spec = SnapshotSpec {
            name: "status".into(),
            redact: vec![Redaction {
                source: "$.note".into(),
                path: serde_json_path::JsonPath::parse("$.note").unwrap(),
                placeholder: "note".into(),
            }],
            headers: vec!["x-request-id".into()],
            off: false,
        };
        let masker = Masker::new(["hunter2".to_string()]);
        let urls = vec!["http://127.0.0.1:4321".to_string()];
        let body = br#"{"zeta": 1, "orderId": "5c1f", "gwOrderId": null, "note": "n-1",
            "history": [{"at": "2026-01-01T00:00:00Z", "what": "created"}],
            "echo": "password=hunter2", "general": {"signature": "abc=="},
            "formUrl": "http://127.0.0.1:4321/pay?mdOrder=1"}"#;
        let headers = vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            ("X-Request-Id".to_string(), "r-1".to_string()),
            ("Date".to_string(), "today".to_string()),
        ];
        let text = render_snapshot(
            SnapshotInput { status: 200, headers: &headers, body, json: None },
            &Normalisation {
                spec: &spec,
                masker: &masker,
                target_urls: &target_urls(urls),
                target_redactions: &[],
                inputs: &Replacements::default(),
                volatile_fields: &VolatileFields::of_registry(&registry),
            },
        );
        assert_eq!(
            text,
            r#"HTTP 200
content-type: application/json
x-request-id: r-1

{
  "echo": "password=[masked]",
  "formUrl": "[target]/pay?mdOrder=1",
  "general": {
    "signature": "[signature]"
  },
  "gwOrderId": null,
  "history": [
    {
      "at": "[timestamp]",
      "what": "created"
    }
  ],
  "note": "[note]",
  "orderId": "[order_id]",
  "zeta": 1
}"#
        );
    }

    #[test]
    fn a_huge_body_is_cut_with_its_length() {
        let spec = SnapshotSpec::default();
        let masker = Masker::default();
        let body = "é".repeat(MAX_TEXT_BYTES);
        let text = render_snapshot(
            SnapshotInput { status: 200, headers: &[], body: body.as_bytes(), json: None },
            &Normalisation {
                spec: &spec,
                masker: &masker,
                target_urls: &Replacements::default(),
                target_redactions: &[],
                inputs: &Replacements::default(),
                volatile_fields: &VolatileFields::default(),
            },
        );
        assert!(text.len() < MAX_TEXT_BYTES + 100, "{}", text.len());
        assert!(text.ends_with(&format!("(cut: the snapshot keeps {MAX_TEXT_BYTES} of {} bytes)", body.len() + 10)));
    }

    #[test]
    fn a_body_without_schema_or_json_is_kept_as_text() {
        let spec = SnapshotSpec::default();
        let masker = Masker::default();
        let text = render_snapshot(
            SnapshotInput { status: 302, headers: &[], body: b"<html>moved</html>\r\n\r\n", json: None },
            &Normalisation {
                spec: &spec,
                masker: &masker,
                target_urls: &Replacements::default(),
                target_redactions: &[],
                inputs: &Replacements::default(),
                volatile_fields: &VolatileFields::default(),
            },
        );
        assert_eq!(text, "HTTP 302\n\n<html>moved</html>");
    }
}
