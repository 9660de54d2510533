//! `render_snapshot`: the one function that turns a response into snapshot text, used by
//! `paycheck run` and by the `cargo test` harness alike, so both agree on the committed files.
//!
//! The text reads like the response: the status line, the headers that matter, a blank line and
//! the body. A JSON body is pretty-printed with its keys sorted, and every volatile value is
//! replaced by a named placeholder: the fields the response's schema marks `"x-volatile": name`
//! (reported by the validator as annotations at their instance locations), the case's own
//! `redact:` queries, and any field whose name says it holds a signature, password or secret. The
//! target's URL becomes `[target]` (ports change from run to run), and secrets are masked last.

use serde_json::{Map, Value};

use crate::secret::Masker;
use crate::suite::case::SnapshotSpec;
use crate::suite::schema_registry::CompiledSchema;

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
}

/// What normalisation knows besides the response.
pub struct Normalisation<'a> {
    /// The schema the response was checked against, whose `x-volatile` fields are redacted.
    pub schema: Option<&'a CompiledSchema>,
    /// The step's snapshot settings: its own redactions and extra headers.
    pub spec: &'a SnapshotSpec,
    /// Masks secrets.
    pub masker: &'a Masker,
    /// URLs of the target (its root, its API bases), replaced by `[target]`.
    pub target_urls: &'a [String],
}

/// Renders the snapshot text of a response.
pub fn render_snapshot(input: &SnapshotInput<'_>, normalisation: &Normalisation<'_>) -> String {
    let mut text = format!("HTTP {}\n", input.status);
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
        text.push_str(&format!("{name}: {value}\n"));
    }
    text.push('\n');
    if input.body.is_empty() {
        text.push_str("(empty body)");
    } else {
        match serde_json::from_slice::<Value>(input.body) {
            Ok(document) => {
                let document = normalise_json(document, normalisation);
                text.push_str(&serde_json::to_string_pretty(&document).unwrap_or_default());
            }
            Err(_) => text.push_str(&String::from_utf8_lossy(input.body)),
        }
    }
    let mut urls: Vec<&String> = normalisation.target_urls.iter().filter(|url| !url.is_empty()).collect();
    urls.sort_by_key(|url| std::cmp::Reverse(url.len()));
    for url in urls {
        text = text.replace(url.as_str(), "[target]");
    }
    normalise_text(&normalisation.masker.mask(&text))
}

/// The normalisation insta applies to snapshot contents: no trailing whitespace, `\n` line ends.
pub fn normalise_text(text: &str) -> String {
    text.trim_end().replace("\r\n", "\n")
}

/// Redacts volatile values and sorts keys.
fn normalise_json(document: Value, normalisation: &Normalisation<'_>) -> Value {
    let mut replacements: Vec<(String, String)> = Vec::new();
    if let Some(schema) = normalisation.schema {
        replacements.extend(volatile_locations(schema, &document));
    }
    for redaction in &normalisation.spec.redact {
        for location in redaction.path.query_located(&document).locations() {
            replacements.push((location.to_json_pointer(), redaction.placeholder.clone()));
        }
    }
    let mut document = document;
    for (pointer, placeholder) in replacements {
        if let Some(value) = document.pointer_mut(&pointer)
            && !value.is_null()
        {
            *value = Value::String(format!("[{placeholder}]"));
        }
    }
    redact_sensitive_fields(&mut document);
    sort_keys(document)
}

/// The instance locations (JSON Pointers) the schema marks volatile, with their placeholders.
pub fn volatile_locations(schema: &CompiledSchema, document: &Value) -> Vec<(String, String)> {
    let evaluation = schema.validator.evaluate(document);
    evaluation
        .iter_annotations()
        .filter_map(|entry| {
            let name = entry.annotations.value().get(VOLATILE_KEYWORD)?.as_str()?;
            Some((entry.instance_location.as_str().to_string(), name.to_string()))
        })
        .collect()
}

/// Replaces the values of fields named like signatures, passwords and secrets, at any depth.
fn redact_sensitive_fields(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                match sensitive_field_placeholder(key) {
                    Some(placeholder) if !field.is_null() => *field = Value::String(placeholder.to_string()),
                    _ => redact_sensitive_fields(field),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_sensitive_fields),
        _ => {}
    }
}

fn sensitive_field_placeholder(key: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    if key.contains("signature") || key == "sign" {
        Some("[signature]")
    } else if key.contains("password") || key.contains("secret") || key == "token" || key.ends_with("_token") {
        Some("[secret]")
    } else {
        None
    }
}

fn is_sensitive_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["authorization", "cookie", "signature", "token", "secret", "api-key", "apikey"]
        .iter()
        .any(|word| name.contains(word))
}

fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(fields) => {
            let mut entries: Vec<(String, Value)> = fields.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(key, value)| (key, sort_keys(value))).collect::<Map<_, _>>())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
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
    fn schema_volatile_fields_case_redactions_secrets_and_sorted_keys() {
        let (_dir, registry) = registry();
        let schema = registry.get("order.json").unwrap().unwrap();
        let spec = SnapshotSpec {
            name: "status".into(),
            redact: vec![Redaction {
                source: "$.note".into(),
                path: serde_json_path::JsonPath::parse("$.note").unwrap(),
                placeholder: "note".into(),
            }],
            headers: vec!["x-request-id".into()],
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
            &SnapshotInput { status: 200, headers: &headers, body },
            &Normalisation { schema: Some(schema), spec: &spec, masker: &masker, target_urls: &urls },
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
    fn a_body_without_schema_or_json_is_kept_as_text() {
        let spec = SnapshotSpec::default();
        let masker = Masker::default();
        let text = render_snapshot(
            &SnapshotInput { status: 302, headers: &[], body: b"<html>moved</html>\r\n\r\n" },
            &Normalisation { schema: None, spec: &spec, masker: &masker, target_urls: &[] },
        );
        assert_eq!(text, "HTTP 302\n\n<html>moved</html>");
    }
}
