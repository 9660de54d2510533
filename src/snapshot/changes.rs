//! Which fields two snapshots of an exchange differ in: the status line, each header kept, and
//! each JSON field (by JSONPath), so that "what changed" can name the field and group the same
//! change over many exchanges. A body that is not JSON differs as a whole (`body`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::outcome::{FieldChange, FieldChangeKind};

/// At most this many field changes per exchange (a body replaced wholesale lists many).
pub const MAX_FIELDS: usize = 64;
/// JSON deeper than this is compared as a whole.
const MAX_DEPTH: usize = 32;

/// The parts of a snapshot's text (see `render_snapshot`).
struct Parts<'a> {
    status: &'a str,
    headers: BTreeMap<&'a str, &'a str>,
    body: &'a str,
}

fn parts(text: &str) -> Parts<'_> {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default();
    let headers = lines.filter_map(|line| line.split_once(": ")).collect();
    Parts { status, headers, body }
}

/// The fields the new snapshot text differs from the accepted one in: status, headers, then
/// body fields in the accepted answer's order (keys are sorted in snapshots), added ones last.
pub fn field_changes(accepted: &str, new: &str) -> Vec<FieldChange> {
    let (old, new) = (parts(accepted), parts(new));
    let mut changes = Vec::new();
    if old.status != new.status {
        changes.push(change("status", FieldChangeKind::Changed));
    }
    let names: std::collections::BTreeSet<&str> = old.headers.keys().chain(new.headers.keys()).copied().collect();
    for name in names {
        let kind = match (old.headers.get(name), new.headers.get(name)) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(_), Some(_)) => FieldChangeKind::Changed,
            (None, _) => FieldChangeKind::Added,
            (_, None) => FieldChangeKind::Removed,
        };
        changes.push(change(&format!("header {name}"), kind));
    }
    if old.body != new.body {
        match (serde_json::from_str::<Value>(old.body), serde_json::from_str::<Value>(new.body)) {
            (Ok(a), Ok(b)) => json_changes("$", &a, &b, &mut changes, 0),
            _ => changes.push(change("body", FieldChangeKind::Changed)),
        }
    }
    changes.truncate(MAX_FIELDS);
    changes
}

fn change(field: &str, kind: FieldChangeKind) -> FieldChange {
    FieldChange { field: field.to_string(), kind }
}

fn json_changes(path: &str, old: &Value, new: &Value, changes: &mut Vec<FieldChange>, depth: usize) {
    if changes.len() >= MAX_FIELDS || old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) if depth < MAX_DEPTH => {
            for (key, value) in a {
                let field = member(path, key);
                match b.get(key) {
                    Some(other) => json_changes(&field, value, other, changes, depth + 1),
                    None => changes.push(change(&field, FieldChangeKind::Removed)),
                }
            }
            for key in b.keys().filter(|key| !a.contains_key(*key)) {
                changes.push(change(&member(path, key), FieldChangeKind::Added));
            }
        }
        (Value::Array(a), Value::Array(b)) if depth < MAX_DEPTH => {
            for index in 0..a.len().max(b.len()) {
                let field = format!("{path}[{index}]");
                match (a.get(index), b.get(index)) {
                    (Some(x), Some(y)) => json_changes(&field, x, y, changes, depth + 1),
                    (Some(_), None) => changes.push(change(&field, FieldChangeKind::Removed)),
                    (None, _) => changes.push(change(&field, FieldChangeKind::Added)),
                }
            }
        }
        _ => changes.push(change(path, FieldChangeKind::Changed)),
    }
}

/// `$.name`, or `$['odd name']` when the key is not a plain identifier.
fn member(path: &str, key: &str) -> String {
    let plain = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain { format!("{path}.{key}") } else { format!("{path}[{}]", serde_json::to_string(key).unwrap_or_default()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_status_headers_and_json_fields() {
        let old = "HTTP 200\ncontent-type: application/json\n\n{\n  \"a\": 1,\n  \"items\": [{\"x\": 1}],\n  \"gone\": true\n}";
        let new = "HTTP 201\ncontent-type: text/json\nx-new: 1\n\n{\n  \"a\": \"1\",\n  \"items\": [{\"x\": 2}, {}],\n  \"odd key\": 0\n}";
        let fields: Vec<String> = field_changes(old, new).iter().map(ToString::to_string).collect();
        assert_eq!(
            fields,
            [
                "`status` changed",
                "`header content-type` changed",
                "`header x-new` added",
                "`$.a` changed",
                "`$.items[0].x` changed",
                "`$.items[1]` added",
                "`$.gone` removed",
                "`$[\"odd key\"]` added",
            ]
        );
        assert_eq!(field_changes("HTTP 200\n\n<p>a</p>", "HTTP 200\n\n<p>b</p>")[0].field, "body");
        assert!(field_changes(old, old).is_empty());
    }
}
