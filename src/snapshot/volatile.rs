//! Volatile values the step's own schema cannot name: many steps check a response with matchers
//! only, and a callback or an HTML page has no schema. Two sources keep their snapshots stable:
//!
//! - [`VolatileFields`]: the field names any of the suite's schemas marks `x-volatile` (directly,
//!   through a `$ref` or one branch of an `anyOf`), applied to every JSON answer by name, at any
//!   depth. A name volatile in one answer is treated as volatile in all: a snapshot that changes
//!   between two clean runs is worse than one that hides a value the case's checks still assert.
//! - [`GENERATED_ORDER_NUMBER`]: the shape of `unique_order_number()`'s values (`pc<run>-<process>-<n>`),
//!   which differ from run to run wherever they appear (a page that shows the order number).

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use foldhash::fast::RandomState;
use serde_json::Value;

use crate::suite::schema_registry::SchemaRegistry;

use super::render::VOLATILE_KEYWORD;

/// The values `unique_order_number()` generates: `pc`, the run's base-36 start time, `-`, the
/// base-36 process id, `-`, a base-36 counter. Its word boundaries are ASCII ones: every
/// snapshotted text is searched, and a Unicode boundary keeps the regex off its fastest engine.
pub static GENERATED_ORDER_NUMBER: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?-u:\b)pc[0-9a-z]{7,10}-[0-9a-z]{1,7}-[0-9a-z]{1,13}(?-u:\b)").expect("a valid pattern")
});

/// The placeholder of a generated order number.
pub const GENERATED_ORDER_NUMBER_PLACEHOLDER: &str = "[order_number]";

/// How deep `$ref` chains and schema documents are followed.
const MAX_DEPTH: usize = 64;

/// Field names some schema marks volatile, with their placeholder (the one most declarations
/// give, then the first by name, when schemas give a name several).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolatileFields {
    /// Field name → its placeholder as written, `[name]` (looked up for every key of every answer,
    /// hence foldhash rather than SipHash).
    names: HashMap<String, String, RandomState>,
}

impl VolatileFields {
    /// The names of the registry's schemas.
    pub fn of_registry(registry: &SchemaRegistry) -> VolatileFields {
        let mut seen: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for name in registry.names() {
            if let Some(document) = registry.document(name) {
                walk(registry, name, document, &mut seen, 0);
            }
        }
        let names = seen
            .into_iter()
            .filter_map(|(name, placeholders)| {
                let most = placeholders.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))?;
                Some((name, format!("[{}]", most.0)))
            })
            .collect();
        VolatileFields { names }
    }

    /// The placeholder of a field name, if a schema marks it volatile.
    pub fn placeholder(&self, name: &str) -> Option<&str> {
        self.names.get(name).map(|placeholder| &placeholder[1..placeholder.len() - 1])
    }

    /// True when no name is known.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The `[placeholder]` a volatile field's value is written as: a scalar that is not already
    /// a placeholder or a reference (a null, an object and an array stay as they are).
    pub fn replacement(&self, key: &str, field: &Value) -> Option<&str> {
        let placeholder = self.names.get(key)?;
        match field {
            Value::Null | Value::Object(_) | Value::Array(_) => None,
            Value::String(text) if is_placeholder(text) => None,
            _ => Some(placeholder),
        }
    }
}

fn is_placeholder(text: &str) -> bool {
    (text.starts_with('[') && text.ends_with(']')) || super::render::is_reference(text)
}

/// Notes every `properties` member of a schema document that is volatile, with its placeholder.
fn walk(
    registry: &SchemaRegistry,
    document_name: &str,
    value: &Value,
    seen: &mut BTreeMap<String, BTreeMap<String, usize>>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(fields) => {
            if let Some(Value::Object(properties)) = fields.get("properties") {
                for (name, schema) in properties {
                    if let Some(placeholder) = volatile_placeholder(registry, document_name, schema, 0) {
                        *seen.entry(name.clone()).or_default().entry(placeholder).or_default() += 1;
                    }
                }
            }
            for field in fields.values() {
                walk(registry, document_name, field, seen, depth + 1);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| walk(registry, document_name, item, seen, depth + 1)),
        _ => {}
    }
}

/// The placeholder a (sub)schema gives its value: its own `x-volatile`, its `$ref`'s, or one of
/// its `anyOf`/`oneOf` branches'.
fn volatile_placeholder(
    registry: &SchemaRegistry,
    document_name: &str,
    schema: &Value,
    depth: usize,
) -> Option<String> {
    if depth > 8 {
        return None;
    }
    if let Some(name) = schema.get(VOLATILE_KEYWORD).and_then(Value::as_str) {
        return Some(name.to_string());
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let target_name = if file.is_empty() {
            document_name.to_string()
        } else {
            match document_name.rsplit_once('/') {
                Some((folder, _)) => format!("{folder}/{file}"),
                None => file.to_string(),
            }
        };
        let document = registry.document(&target_name)?;
        let target = document.pointer(pointer)?;
        return volatile_placeholder(registry, &target_name, target, depth + 1);
    }
    ["anyOf", "oneOf"]
        .iter()
        .filter_map(|keyword| schema.get(*keyword)?.as_array())
        .flatten()
        .find_map(|branch| volatile_placeholder(registry, document_name, branch, depth + 1))
}

/// The text with every generated order number replaced by [`GENERATED_ORDER_NUMBER_PLACEHOLDER`].
pub fn redact_generated_order_numbers(text: String) -> String {
    match GENERATED_ORDER_NUMBER.replace_all(&text, GENERATED_ORDER_NUMBER_PLACEHOLDER) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(replaced) => replaced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_volatile_somewhere_are_redacted_everywhere() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("common.json"),
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": {"ts": {"type": "integer", "x-volatile": "timestamp"}}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("a.json"),
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                "properties": {"date": {"$ref": "common.json#/$defs/ts"},
                               "id": {"type": "integer", "x-volatile": "operation_id"},
                               "gw": {"anyOf": [{"type": "null"}, {"$ref": "common.json#/$defs/ts"}]},
                               "inner": {"type": "object", "properties": {"id": {"type": "integer"}}}}}"#,
        )
        .unwrap();
        let (registry, diagnostics) = SchemaRegistry::load(dir.path());
        assert!(diagnostics.is_empty(), "{}", diagnostics.render(false));
        let fields = VolatileFields::of_registry(&registry);
        assert_eq!(fields.placeholder("date"), Some("timestamp"));
        assert_eq!(fields.placeholder("gw"), Some("timestamp"));
        assert_eq!(fields.placeholder("id"), Some("operation_id"));
        assert_eq!(fields.placeholder("inner"), None);
        let redacted = |key: &str, value: Value| fields.replacement(key, &value).map(str::to_string);
        assert_eq!(redacted("date", json!(17)).as_deref(), Some("[timestamp]"));
        assert_eq!(redacted("id", json!("17")).as_deref(), Some("[operation_id]"));
        assert_eq!(redacted("n", json!(1)), None);
        assert_eq!(redacted("gw", Value::Null), None);
        assert_eq!(redacted("date", json!("[timestamp]")), None);
        assert_eq!(redacted("date", json!("{{order_date}}")), None);
        assert_eq!(redacted("date", json!({"at": 1})), None);
        assert_eq!(
            redact_generated_order_numbers("<h1>Order pcmx3794gb-2hwzk-46</h1> pcmx3794gb-1-p, pc-1".to_string()),
            "<h1>Order [order_number]</h1> [order_number], pc-1"
        );
    }
}
