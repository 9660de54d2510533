//! Checking one request against the client contract: which API method it calls, its body decoded
//! as declared, then the method's rules ([`super::v1`], [`super::gate`]). Pure: no I/O.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::clauses;

/// A request as the contract sees it (the body already decompressed).
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// The path, without the query.
    pub path: &'a str,
    /// The raw query string.
    pub query: Option<&'a str>,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

/// One clause a request breaks, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The client clause.
    pub clause: &'static str,
    /// What is wrong (values quoted are cut short; the caller masks secrets).
    pub message: String,
}

/// What checking one request found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// The clauses the request was checked against.
    pub exercised: Vec<&'static str>,
    /// The clauses it breaks (possibly several times each).
    pub findings: Vec<Finding>,
}

impl Checked {
    pub(super) fn exercise(&mut self, clause: &'static str) {
        if !self.exercised.contains(&clause) {
            self.exercised.push(clause);
        }
    }

    pub(super) fn find(&mut self, clause: &'static str, message: impl Into<String>) {
        self.exercise(clause);
        self.findings.push(Finding { clause, message: message.into() });
    }

    /// The clauses broken, each once, in the order found.
    pub fn broken(&self) -> Vec<&'static str> {
        let mut broken: Vec<&'static str> = Vec::new();
        for finding in &self.findings {
            if !broken.contains(&finding.clause) {
                broken.push(finding.clause);
            }
        }
        broken
    }
}

/// The Gate projects' secret keys, by project id (to check signatures); empty when unknown.
pub type ProjectKeys = BTreeMap<u64, String>;

/// Checks a request against the client contract; `None` when its path is no API method (a page,
/// an admin endpoint, an unknown path): such requests are not the contract's business.
pub fn check(incoming: &Incoming<'_>, keys: &ProjectKeys) -> Option<Checked> {
    if let Some(method) = super::v1::method_of(incoming.path) {
        return Some(super::v1::check(method, incoming));
    }
    super::gate::method_of(incoming.path).map(|method| super::gate::check(method, incoming, keys))
}

/// A body's encoding as declared by its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Declared {
    Json,
    Form,
    Missing,
    Other,
}

pub(super) fn declared(content_type: Option<&str>) -> Declared {
    let Some(text) = content_type else { return Declared::Missing };
    let essence = text.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Declared::Json
    } else if essence == "application/x-www-form-urlencoded" {
        Declared::Form
    } else {
        Declared::Other
    }
}

/// Whether a body is empty (whitespace only counts as empty, spec SDK-1).
pub(super) fn is_empty_body(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// A JSON object body, or why not.
pub(super) fn json_object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err("the JSON body is not an object".into()),
        Err(error) => Err(format!("the body is not valid JSON ({error})")),
    }
}

/// Form pairs, or why not (the text must be UTF-8, before and after percent-decoding).
pub(super) fn form_pairs(bytes: &[u8], what: &str) -> Result<Vec<(String, String)>, String> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(format!("the {what} is not UTF-8"));
    }
    let mut pairs = Vec::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        if name.contains('\u{FFFD}') || value.contains('\u{FFFD}') {
            return Err(format!("the {what} decodes to bytes that are not UTF-8"));
        }
        pairs.push((name.into_owned(), value.into_owned()));
    }
    Ok(pairs)
}

/// A value quoted in a message: JSON text cut at 40 characters.
pub(super) fn quote(value: &Value) -> String {
    let text = match value {
        Value::String(text) => format!("{text:?}"),
        other => other.to_string(),
    };
    if text.chars().count() > 40 { format!("{}…", text.chars().take(40).collect::<String>()) } else { text }
}

/// Clause ids named in a schema's `x-clause`, checked against the contract's list.
pub(super) fn clause_named(schema: &Value) -> Option<&'static str> {
    schema.get("x-clause").and_then(Value::as_str).and_then(clauses::known)
}
