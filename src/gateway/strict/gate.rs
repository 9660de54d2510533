//! The Gate v2 client contract: sale, refund and status bodies, read from
//! `schemas/requests/gate.json`, and the spec 6 signature under the project's key.

use std::sync::OnceLock;

use serde_json::Value;

use super::clauses;
use super::contract::{Checked, Declared, Incoming, ProjectKeys, declared, is_empty_body, json_object};
use crate::signature::gate as signature;

/// The request schemas of Gate v2, compiled into the binary.
const SCHEMA: &str = include_str!("../../../schemas/requests/gate.json");

/// How many type violations one request reports.
const LISTED: usize = 5;

/// A Gate method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `…/{payment_method}/sale`.
    Sale,
    /// `…/{payment_method}/refund`.
    Refund,
    /// `/v2/payment/status`.
    Status,
}

impl Method {
    fn def(self) -> &'static str {
        match self {
            Method::Sale => "sale",
            Method::Refund => "refund",
            Method::Status => "status",
        }
    }
}

/// One method's schema: as written (for `required`) and compiled without `required` (types).
struct Rules {
    schema: Value,
    types: jsonschema::Validator,
}

fn rules(method: Method) -> &'static Rules {
    static RULES: OnceLock<[Rules; 3]> = OnceLock::new();
    let all = RULES.get_or_init(|| {
        let document: Value = serde_json::from_str(SCHEMA).expect("schemas/requests/gate.json is JSON");
        [Method::Sale, Method::Refund, Method::Status].map(|method| {
            let schema = document.get("$defs").and_then(|defs| defs.get(method.def())).cloned().unwrap_or(Value::Null);
            let mut loose = schema.clone();
            strip_required(&mut loose);
            let types = jsonschema::validator_for(&loose).expect("a method of schemas/requests/gate.json compiles");
            Rules { schema, types }
        })
    });
    match method {
        Method::Sale => &all[0],
        Method::Refund => &all[1],
        Method::Status => &all[2],
    }
}

fn strip_required(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.remove("required");
            map.values_mut().for_each(strip_required);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_required),
        _ => {}
    }
}

/// The method a path names.
pub fn method_of(path: &str) -> Option<Method> {
    if path == "/v2/payment/status" {
        return Some(Method::Status);
    }
    let rest = path.strip_prefix("/v2/payment/online-banking/")?;
    match rest.split_once('/') {
        Some((method, "sale")) if !method.is_empty() => Some(Method::Sale),
        Some((method, "refund")) if !method.is_empty() => Some(Method::Refund),
        _ => None,
    }
}

/// Checks a Gate request.
pub fn check(method: Method, incoming: &Incoming<'_>, keys: &ProjectKeys) -> Checked {
    let mut checked = Checked::default();
    checked.exercise(clauses::GATE_JSON_BODY);
    if declared(incoming.content_type) != Declared::Json {
        let sent = incoming.content_type.map_or("no Content-Type".into(), |ct| {
            format!("Content-Type `{}`", ct.chars().take(60).collect::<String>())
        });
        checked.find(clauses::GATE_JSON_BODY, format!("a Gate body is sent as application/json; this one has {sent}"));
    }
    if is_empty_body(incoming.body) {
        checked.find(clauses::GATE_JSON_BODY, "the body is empty");
        return checked;
    }
    let body = match json_object(incoming.body) {
        Ok(object) => Value::Object(object),
        Err(message) => {
            checked.find(clauses::GATE_JSON_BODY, message);
            return checked;
        }
    };
    let rules = rules(method);
    checked.exercise(clauses::GATE_REQUIRED_FIELDS);
    let mut missing = Vec::new();
    missing_fields(&rules.schema, &body, "", &mut missing);
    for path in missing {
        checked.find(clauses::GATE_REQUIRED_FIELDS, format!("{} is sent without {path}", method.def()));
    }
    checked.exercise(clauses::GATE_FIELD_TYPES);
    for error in rules.types.iter_errors(&body).take(LISTED) {
        let at = error.instance_path().to_string();
        checked.find(clauses::GATE_FIELD_TYPES, format!("{} at `{at}`: {}", method.def(), cut(&error.to_string())));
    }
    let project = body.pointer("/general/project_id").and_then(Value::as_u64);
    if let Some(key) = project.and_then(|id| keys.get(&id))
        && signature::carried_signature(&body).is_some_and(|s| !s.trim().is_empty())
    {
        checked.exercise(clauses::GATE_SIGNATURE);
        if !signature::verify(&body, key).is_valid() {
            checked.find(
                clauses::GATE_SIGNATURE,
                format!(
                    "{}: general.signature is not the spec 6 signature of the body under the project's key",
                    method.def()
                ),
            );
        }
    }
    checked
}

fn cut(text: &str) -> String {
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text.to_string()
    }
}

/// The required fields missing from `value`, as dotted paths, following `properties`.
fn missing_fields(schema: &Value, value: &Value, at: &str, missing: &mut Vec<String>) {
    let Some(object) = value.as_object() else { return };
    let path = |name: &str| if at.is_empty() { name.to_string() } else { format!("{at}.{name}") };
    for name in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        let absent = match object.get(name) {
            None | Some(Value::Null) => true,
            Some(Value::String(text)) => text.trim().is_empty(),
            Some(_) => false,
        };
        if absent {
            missing.push(path(name));
        }
    }
    for (name, property) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
        if let Some(inner) = object.get(name) {
            missing_fields(property, inner, &path(name), missing);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn checked(path: &str, mut body: Value, key: &str) -> Checked {
        let signature = signature::sign(&body, key);
        body["general"]["signature"] = Value::from(signature);
        let bytes = body.to_string().into_bytes();
        let incoming = Incoming { path, query: None, content_type: Some("application/json"), body: &bytes };
        let keys = ProjectKeys::from([(35, "k".to_string())]);
        check(method_of(path).expect("a Gate method"), &incoming, &keys)
    }

    #[test]
    fn valid_refunds_and_status_requests_break_nothing() {
        let general = json!({"project_id": 35, "payment_id": "p1"});
        let full = json!({"general": general, "customer": {"ip_address": "1.2.3.4"}, "payment": {"description": "r"}});
        let partial = json!({"general": general, "customer": {"ip_address": "1.2.3.4"},
                             "payment": {"description": "r", "amount": 500, "currency": "RUB"}});
        for (path, body) in [
            ("/v2/payment/online-banking/alfa-click/refund", full),
            ("/v2/payment/online-banking/alfa-click/refund", partial),
            ("/v2/payment/status", json!({"general": general})),
        ] {
            let found = checked(path, body, "k");
            assert_eq!(found.findings, Vec::new(), "{path}");
            assert!(found.exercised.contains(&clauses::GATE_SIGNATURE));
        }
    }

    #[test]
    fn a_partial_refund_without_its_currency_breaks_the_field_types() {
        let body = json!({"general": {"project_id": 35, "payment_id": "p1"}, "customer": {"ip_address": "1.2.3.4"},
                          "payment": {"description": "r", "amount": 500}});
        let found = checked("/v2/payment/online-banking/alfa-click/refund", body, "k");
        assert_eq!(found.broken(), vec![clauses::GATE_FIELD_TYPES]);
    }
}
