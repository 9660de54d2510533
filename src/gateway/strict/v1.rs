//! The v1 client contract (both path families): the rules of each method, read from
//! `schemas/requests/v1.json`, and the checks of one request against them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::clauses;
use super::contract::{
    Checked, Declared, Incoming, clause_named, declared, form_pairs, is_empty_body, json_object, quote,
};

/// The request schemas of v1, compiled into the binary.
const SCHEMA: &str = include_str!("../../../schemas/requests/v1.json");

/// The path family a request came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/v1`: JSON bodies.
    Router,
    /// `/payment/rest`: form bodies.
    Bank,
}

/// A v1 method on a family.
#[derive(Clone, Copy)]
pub struct MethodCall {
    family: Family,
    rules: &'static Rules,
}

/// One method's rules.
struct Rules {
    name: String,
    known: Vec<String>,
    required: Vec<String>,
    /// Groups of which one alternative (a set of names) must be present in full.
    alternatives: Vec<Vec<Vec<String>>>,
    formats: Vec<Format>,
}

/// A parameter's format and the clause it belongs to.
struct Format {
    name: String,
    clause: &'static str,
    validator: Option<jsonschema::Validator>,
}

fn rules() -> &'static BTreeMap<String, Rules> {
    static RULES: OnceLock<BTreeMap<String, Rules>> = OnceLock::new();
    RULES.get_or_init(|| load(SCHEMA))
}

/// Reads the methods' rules from the schema document; the document is built in, and a test
/// loads it, so a broken one fails the build's tests rather than a request.
fn load(text: &str) -> BTreeMap<String, Rules> {
    let document: Value = serde_json::from_str(text).expect("schemas/requests/v1.json is JSON");
    let defs = document.get("$defs").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut methods = BTreeMap::new();
    for (key, def) in &defs {
        let Some(name) = key.strip_prefix("method:") else { continue };
        let properties = def.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
        let mut formats = Vec::new();
        for (param, schema) in &properties {
            let target = resolve(schema, &defs);
            let Some(clause) = clause_named(&target) else { continue };
            let validator = (param != "jsonParams").then(|| {
                jsonschema::validator_for(&target).expect("a parameter's schema in schemas/requests/v1.json compiles")
            });
            formats.push(Format { name: param.clone(), clause, validator });
        }
        let alternatives = def
            .get("allOf")
            .and_then(Value::as_array)
            .map(|all| {
                all.iter()
                    .filter_map(|part| part.get("anyOf").and_then(Value::as_array))
                    .map(|any_of| alternatives_of(any_of))
                    .collect()
            })
            .unwrap_or_default();
        methods.insert(
            name.to_string(),
            Rules {
                name: name.to_string(),
                known: properties.keys().cloned().collect(),
                required: names(def.get("required")),
                alternatives,
                formats,
            },
        );
    }
    methods
}

fn alternatives_of(any_of: &[Value]) -> Vec<Vec<String>> {
    any_of.iter().map(|branch| names(branch.get("required"))).collect()
}

fn names(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default()
}

/// A property's schema with its local `$ref` replaced by the definition (one level: the
/// definitions themselves hold no reference).
fn resolve(schema: &Value, defs: &Map<String, Value>) -> Value {
    let target = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .and_then(|name| defs.get(name));
    target.cloned().unwrap_or_else(|| schema.clone())
}

/// The method a path names: `/v1/register.do`, `/payment/rest/deposit.do`, ...
pub fn method_of(path: &str) -> Option<MethodCall> {
    let (family, method) = if let Some(method) = path.strip_prefix("/v1/") {
        (Family::Router, method)
    } else {
        (Family::Bank, path.strip_prefix("/payment/rest/")?)
    };
    if family == Family::Bank && method.starts_with("alfapay/") {
        return None;
    }
    rules().get(method).map(|rules| MethodCall { family, rules })
}

impl std::fmt::Debug for MethodCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {}", self.family, self.rules.name)
    }
}

/// Checks a v1 request.
pub fn check(call: MethodCall, incoming: &Incoming<'_>) -> Checked {
    let mut checked = Checked::default();
    let query = match incoming.query.filter(|q| !q.is_empty()) {
        Some(query) => match form_pairs(query.as_bytes(), "query string") {
            Ok(pairs) => pairs,
            Err(message) => {
                checked.find(clauses::BODY_WELL_FORMED, message);
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let body = body_params(call.family, incoming, &mut checked);
    let mut params: Map<String, Value> = Map::new();
    for (name, value) in &query {
        params.insert(name.clone(), Value::String(value.clone()));
    }
    if !query.is_empty() && !body.is_empty() {
        checked.exercise(clauses::QUERY_BODY_CONFLICT);
        for (name, value) in &query {
            if let Some(in_body) = body.get(name)
                && as_text(in_body) != *value
            {
                checked.find(
                    clauses::QUERY_BODY_CONFLICT,
                    format!(
                        "`{name}` is {} in the query string and {} in the body (the body wins)",
                        quote(&Value::String(value.clone())),
                        quote(in_body)
                    ),
                );
            }
        }
    }
    params.extend(body);
    check_params(call.rules, &params, &mut checked);
    checked
}

/// The body's parameters (none when the body is empty), checking its encoding on the way.
fn body_params(family: Family, incoming: &Incoming<'_>, checked: &mut Checked) -> Map<String, Value> {
    if is_empty_body(incoming.body) {
        return Map::new();
    }
    checked.exercise(clauses::BODY_ENCODING);
    checked.exercise(clauses::BODY_WELL_FORMED);
    let declared = declared(incoming.content_type);
    let (expected, expected_name) = match family {
        Family::Router => (Declared::Json, "application/json"),
        Family::Bank => (Declared::Form, "application/x-www-form-urlencoded"),
    };
    if declared != expected {
        let sent =
            incoming.content_type.map_or("no Content-Type".to_string(), |ct| format!("Content-Type `{}`", cut(ct)));
        let prefix = match family {
            Family::Router => "/v1",
            Family::Bank => "/payment/rest",
        };
        checked.find(
            clauses::BODY_ENCODING,
            format!("a body to {prefix} is sent as {expected_name}; this one has {sent}"),
        );
    }
    let as_json = match declared {
        Declared::Json => true,
        Declared::Form => false,
        Declared::Missing | Declared::Other => incoming.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'),
    };
    if as_json {
        json_object(incoming.body).unwrap_or_else(|message| {
            checked.find(clauses::BODY_WELL_FORMED, message);
            Map::new()
        })
    } else {
        match form_pairs(incoming.body, "form body") {
            Ok(pairs) => pairs.into_iter().map(|(name, value)| (name, Value::String(value))).collect(),
            Err(message) => {
                checked.find(clauses::BODY_WELL_FORMED, message);
                Map::new()
            }
        }
    }
}

fn cut(text: &str) -> String {
    text.chars().take(60).collect()
}

/// A value as it compares with query text.
fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Present: not null and not empty text (the gateway reads those as absent).
fn present<'a>(params: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    match params.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.is_empty() => None,
        Some(value) => Some(value),
    }
}

fn check_params(rules: &Rules, params: &Map<String, Value>, checked: &mut Checked) {
    let method = rules.name.as_str();
    checked.exercise(clauses::PARAMETER_NAMES);
    for name in params.keys() {
        if rules.known.iter().any(|known| known == name) {
            continue;
        }
        if let Some(known) = rules.known.iter().find(|known| known.eq_ignore_ascii_case(name)) {
            checked.find(clauses::PARAMETER_NAMES, format!("`{}` is spelt `{known}` in {method}", cut(name)));
        }
    }
    checked.exercise(clauses::CREDENTIALS);
    let login = present(params, "userName").is_some() && present(params, "password").is_some();
    if !login && present(params, "token").is_none() {
        let missing = if present(params, "userName").is_some() {
            "password"
        } else if present(params, "password").is_some() {
            "userName"
        } else {
            "userName and password (or token)"
        };
        checked.find(clauses::CREDENTIALS, format!("{method} is sent without {missing}"));
    }
    checked.exercise(clauses::REQUIRED_PARAMS);
    for name in &rules.required {
        if present(params, name).is_none() {
            checked.find(clauses::REQUIRED_PARAMS, format!("{method} is sent without `{name}`"));
        }
    }
    for group in &rules.alternatives {
        if !group.iter().any(|alternative| alternative.iter().all(|name| present(params, name).is_some())) {
            let options: Vec<String> = group.iter().map(|names| names.join(" and ")).collect();
            checked.find(clauses::REQUIRED_PARAMS, format!("{method} is sent without {}", options.join(" or ")));
        }
    }
    for format in &rules.formats {
        let Some(value) = present(params, &format.name) else { continue };
        checked.exercise(format.clause);
        let holds = match &format.validator {
            Some(validator) => validator.is_valid(value),
            None => json_params_hold(value),
        };
        if !holds {
            let shown = if format.clause == clauses::CREDENTIALS { "a value".to_string() } else { quote(value) };
            checked.find(
                format.clause,
                format!("`{}` is {shown}, not what {method} takes (see {})", format.name, format.clause),
            );
        }
    }
}

/// jsonParams: an object (JSON body) or the text of one (form, query string).
fn json_params_hold(value: &Value) -> bool {
    match value {
        Value::Object(_) => true,
        Value::String(text) => matches!(serde_json::from_str::<Value>(text), Ok(Value::Object(_))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_of_both_families_has_rules() {
        for method in [
            "register.do",
            "registerPreAuth.do",
            "instantPayment.do",
            "paymentorder.do",
            "getOrderStatusExtended.do",
            "getOrderStatus.do",
            "deposit.do",
            "reverse.do",
            "decline.do",
            "refund.do",
        ] {
            assert!(method_of(&format!("/v1/{method}")).is_some(), "{method} on /v1");
            assert!(method_of(&format!("/payment/rest/{method}")).is_some(), "{method} on /payment/rest");
        }
        assert!(method_of("/v1/alfapay/paymentOrder.do").is_some());
        assert!(method_of("/payment/rest/alfapay/paymentOrder.do").is_none());
        assert!(method_of("/_paycheck/clock").is_none());
    }

    #[test]
    fn every_x_clause_of_the_schema_is_a_client_clause() {
        let document: Value = serde_json::from_str(SCHEMA).expect("JSON");
        let text = document.to_string();
        for part in text.split("\"x-clause\":\"").skip(1) {
            let id = part.split('"').next().unwrap_or_default();
            assert!(clauses::known(id).is_some(), "unknown clause {id}");
        }
        assert!(rules().values().all(|rules| !rules.formats.is_empty()));
    }
}
