//! Matchers: what an expectation requires of a value.
//!
//! Written in a case as a plain value (equality) or as a map of conditions that must all hold:
//!
//! ```yaml
//! "$.amount": 10000                       # equality
//! "$.state": { one_of: [DEPOSITED, REFUNDED] }
//! "$.formUrl": { regex: "mdOrder=", type: string }
//! "$.refunds[*].amount": { len: 2, expr: "value | sum <= 10000" }
//! "$.errorCode": { code: 0 }              # "0", 0, or absent: sources disagree on the type
//! "$.orderId": { absent: true }
//! ```

use std::cmp::Ordering;
use std::fmt;

use serde_json::Value;

use crate::suite::suggest;
use crate::template::cache::SourceCache;
use crate::template::{Scope, Template, TemplateError, TemplateValue};

/// Every regex compiled so far, by its pattern (a `Regex` is cheap to clone: clones share it).
static REGEXES: SourceCache<regex::Regex> = SourceCache::new();

/// The matcher keys, in the order they are documented.
pub const KEYS: &[&str] = &[
    "eq", "ne", "one_of", "regex", "type", "gt", "gte", "lt", "lte", "absent", "present", "code", "len", "contains",
    "expr",
];

/// The JSON types `type:` accepts.
pub const TYPES: &[&str] = &["string", "number", "integer", "boolean", "object", "array", "null"];

/// A set of conditions, all of which must hold.
#[derive(Debug)]
pub struct Matcher {
    conditions: Vec<Condition>,
}

#[derive(Debug)]
enum Condition {
    Equals(TemplateValue),
    NotEquals(TemplateValue),
    OneOf(Vec<TemplateValue>),
    Regex(regex::Regex),
    Type(String),
    Compare(Comparison, TemplateValue),
    Absent,
    Present,
    Code(String),
    Length(TemplateValue),
    Contains(TemplateValue),
    Expression(Template),
}

#[derive(Debug, Clone, Copy)]
enum Comparison {
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

impl Comparison {
    fn symbol(self) -> &'static str {
        match self {
            Comparison::Greater => ">",
            Comparison::GreaterOrEqual => ">=",
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
        }
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Comparison::Greater => ordering == Ordering::Greater,
            Comparison::GreaterOrEqual => ordering != Ordering::Less,
            Comparison::Less => ordering == Ordering::Less,
            Comparison::LessOrEqual => ordering != Ordering::Greater,
        }
    }
}

/// A matcher that could not be built from what the case wrote.
#[derive(Debug, Clone)]
pub struct MatcherError {
    /// What is wrong.
    pub message: String,
    /// A suggestion or the list of what is allowed.
    pub help: Option<String>,
}

impl MatcherError {
    fn new(message: impl Into<String>) -> MatcherError {
        MatcherError { message: message.into(), help: None }
    }
}

/// Why a value did not match.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// What the matcher wanted, in one line (`== 10000`, `one of [1, 2]`).
    pub expected: String,
    /// What was there (`9000`, `(absent)`).
    pub actual: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, got {}", self.expected, self.actual)
    }
}

impl Matcher {
    /// Builds a matcher from its YAML form: a map of conditions, or any other value for equality.
    pub fn parse(spec: &Value) -> Result<Matcher, MatcherError> {
        let Value::Object(fields) = spec else {
            return Ok(Matcher { conditions: vec![Condition::Equals(compile_value(spec)?)] });
        };
        if fields.is_empty() {
            return Err(MatcherError {
                message: "empty matcher".into(),
                help: Some(format!("use one or more of: {}", KEYS.join(", "))),
            });
        }
        let mut conditions = Vec::with_capacity(fields.len());
        for (key, argument) in fields {
            conditions.push(parse_condition(key, argument)?);
        }
        Ok(Matcher { conditions })
    }

    /// A matcher that requires equality with a value.
    pub fn equals(value: Value) -> Matcher {
        Matcher { conditions: vec![Condition::Equals(TemplateValue::Literal(value))] }
    }

    /// True when the matcher accepts an absent value (so a missing field is not an error by itself).
    pub fn accepts_absent(&self) -> bool {
        self.conditions.iter().all(|condition| match condition {
            Condition::Absent => true,
            Condition::Code(code) => code == "0",
            _ => false,
        })
    }

    /// The names the matcher's templates read.
    pub fn variables(&self) -> Vec<String> {
        let mut names = Vec::new();
        for condition in &self.conditions {
            match condition {
                Condition::Equals(value)
                | Condition::NotEquals(value)
                | Condition::Compare(_, value)
                | Condition::Length(value)
                | Condition::Contains(value) => names.extend(value.variables()),
                Condition::OneOf(values) => names.extend(values.iter().flat_map(TemplateValue::variables)),
                Condition::Expression(template) => names
                    .extend(template.variables().into_iter().filter(|name| name.split('.').next() != Some("value"))),
                _ => {}
            }
        }
        names
    }

    /// Checks a value (`None` when absent); every condition must hold. On success, returns what
    /// the matcher wanted, in one line (for reports of passed checks), rendered once.
    pub fn check(&self, actual: Option<&Value>, scope: &Scope) -> Result<String, Mismatch> {
        let mut described = Vec::with_capacity(self.conditions.len());
        for condition in &self.conditions {
            described.push(condition.check(actual, scope)?);
        }
        Ok(described.join(" and "))
    }
}

fn compile_value(value: &Value) -> Result<TemplateValue, MatcherError> {
    TemplateValue::compile(value).map_err(|error| MatcherError::new(error.message))
}

fn parse_condition(key: &str, argument: &Value) -> Result<Condition, MatcherError> {
    let condition = match key {
        "eq" => Condition::Equals(compile_value(argument)?),
        "ne" => Condition::NotEquals(compile_value(argument)?),
        "one_of" => match argument {
            Value::Array(items) => Condition::OneOf(items.iter().map(compile_value).collect::<Result<_, _>>()?),
            _ => return Err(MatcherError::new("`one_of` takes a list of values")),
        },
        "regex" => {
            let pattern = argument.as_str().ok_or_else(|| MatcherError::new("`regex` takes a string"))?;
            let regex = REGEXES
                .get_or_compile(pattern, regex::Regex::new)
                .map_err(|error| MatcherError::new(format!("invalid regex `{pattern}`: {error}")))?;
            Condition::Regex(regex)
        }
        "type" => {
            let name = argument.as_str().unwrap_or_default();
            if !TYPES.contains(&name) {
                return Err(MatcherError {
                    message: format!("unknown type {argument}"),
                    help: Some(
                        suggest::did_you_mean(name, TYPES.iter().copied())
                            .unwrap_or_else(|| format!("use one of: {}", TYPES.join(", "))),
                    ),
                });
            }
            Condition::Type(name.to_string())
        }
        "gt" => Condition::Compare(Comparison::Greater, compile_value(argument)?),
        "gte" => Condition::Compare(Comparison::GreaterOrEqual, compile_value(argument)?),
        "lt" => Condition::Compare(Comparison::Less, compile_value(argument)?),
        "lte" => Condition::Compare(Comparison::LessOrEqual, compile_value(argument)?),
        "absent" | "present" => {
            let flag = argument.as_bool().ok_or_else(|| MatcherError::new(format!("`{key}` takes true or false")))?;
            if flag == (key == "absent") { Condition::Absent } else { Condition::Present }
        }
        "code" => match argument {
            Value::Number(number) if number.is_i64() => Condition::Code(number.to_string()),
            Value::String(text) if text.parse::<i64>().is_ok() => Condition::Code(text.clone()),
            _ => return Err(MatcherError::new("`code` takes an integer result code, such as 0 or 7")),
        },
        "len" => Condition::Length(compile_value(argument)?),
        "contains" => Condition::Contains(compile_value(argument)?),
        "expr" => {
            let source = argument.as_str().ok_or_else(|| MatcherError::new("`expr` takes an expression string"))?;
            let wrapped = format!("{{{{ {source} }}}}");
            Condition::Expression(Template::compile(&wrapped).map_err(|error| MatcherError::new(error.message))?)
        }
        unknown => {
            return Err(MatcherError {
                message: format!("unknown matcher `{unknown}`"),
                help: Some(
                    suggest::did_you_mean(unknown, KEYS.iter().copied())
                        .unwrap_or_else(|| format!("matchers are: {}", KEYS.join(", "))),
                ),
            });
        }
    };
    Ok(condition)
}

impl Condition {
    /// Checks the value; on success returns the condition's description, rendered once.
    fn check(&self, actual: Option<&Value>, scope: &Scope) -> Result<String, Mismatch> {
        let mismatch = |expected: String| Mismatch { expected, actual: show(actual) };
        let verdict =
            |holds: bool, description: String| if holds { Ok(description) } else { Err(mismatch(description)) };
        match self {
            Condition::Absent => return verdict(actual.is_none(), "absent".into()),
            Condition::Present => return verdict(actual.is_some(), "a value (present)".into()),
            Condition::Code(code) => {
                let holds = match actual {
                    None => code == "0",
                    Some(Value::String(text)) => text.trim() == code,
                    Some(Value::Number(number)) => number.to_string() == *code,
                    Some(_) => false,
                };
                let description = if code == "0" {
                    "result code 0 (\"0\", 0 or absent)".to_string()
                } else {
                    format!("result code {code} (\"{code}\" or {code})")
                };
                return verdict(holds, description);
            }
            _ => {}
        }
        let render = |template: &TemplateValue| {
            template.render(scope).map_err(|error| Mismatch {
                expected: format!("a value computable from the expectation ({})", error.message),
                actual: show(actual),
            })
        };
        let (holds, description) = match self {
            Condition::Equals(expected) => {
                let expected = render(expected)?;
                (actual.is_some_and(|value| json_equal(value, &expected)), expected.to_string())
            }
            Condition::NotEquals(expected) => {
                let expected = render(expected)?;
                (actual.is_some_and(|value| !json_equal(value, &expected)), format!("anything but {expected}"))
            }
            Condition::OneOf(options) => {
                let options = options.iter().map(render).collect::<Result<Vec<_>, _>>()?;
                let holds = actual.is_some_and(|value| options.iter().any(|option| json_equal(value, option)));
                let listed = options.iter().map(Value::to_string).collect::<Vec<_>>().join(", ");
                (holds, format!("one of [{listed}]"))
            }
            Condition::Regex(regex) => {
                let holds = match actual {
                    Some(Value::String(text)) => regex.is_match(text),
                    Some(Value::Number(number)) => regex.is_match(&number.to_string()),
                    _ => false,
                };
                (holds, format!("a match for /{}/", regex.as_str()))
            }
            Condition::Type(name) => {
                (actual.is_some_and(|value| type_matches(value, name)), format!("a value of type {name}"))
            }
            Condition::Compare(comparison, bound) => {
                let bound = render(bound)?;
                let holds = match (actual.and_then(Value::as_f64), bound.as_f64()) {
                    (Some(actual), Some(bound)) => {
                        actual.partial_cmp(&bound).is_some_and(|ordering| comparison.holds(ordering))
                    }
                    _ => false,
                };
                (holds, format!("{} {bound}", comparison.symbol()))
            }
            Condition::Length(expected) => {
                let expected = render(expected)?;
                let length = match actual {
                    Some(Value::String(text)) => Some(text.chars().count()),
                    Some(Value::Array(items)) => Some(items.len()),
                    Some(Value::Object(fields)) => Some(fields.len()),
                    _ => None,
                };
                (length.is_some_and(|length| expected.as_u64() == Some(length as u64)), format!("length {expected}"))
            }
            Condition::Contains(needle) => {
                let needle = render(needle)?;
                let holds = match (actual, &needle) {
                    (Some(Value::String(text)), Value::String(part)) => text.contains(part.as_str()),
                    (Some(Value::Array(items)), _) => items.iter().any(|item| json_equal(item, &needle)),
                    (Some(Value::Object(fields)), Value::String(key)) => fields.contains_key(key),
                    _ => false,
                };
                (holds, format!("something containing {needle}"))
            }
            Condition::Expression(template) => {
                let source = template.source().trim_start_matches("{{ ").trim_end_matches(" }}");
                let description = format!("`{source}` to hold");
                let Some(value) = actual else { return Err(mismatch(description)) };
                let mut inner = scope.clone();
                inner.set("value", value.clone());
                match template.render_value(&inner) {
                    Ok(result) => (truthy(&result), description),
                    Err(TemplateError { message }) => {
                        return Err(Mismatch { expected: format!("{description} ({message})"), actual: show(actual) });
                    }
                }
            }
            Condition::Absent | Condition::Present | Condition::Code(_) => (true, String::new()),
        };
        verdict(holds, description)
    }
}

/// JSON equality where numbers compare by value (10000 equals 10000.0) but types never mix
/// (the string "10000" is not the number 10000: a gateway changing a type is a contract break).
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equal(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(key, value)| y.get(key).is_some_and(|other| json_equal(value, other)))
        }
        _ => a == b,
    }
}

fn type_matches(value: &Value, name: &str) -> bool {
    match name {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64().is_some_and(|f| f != 0.0),
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(fields) => !fields.is_empty(),
    }
}

/// A value for a report: JSON text, with its type visible, or `(absent)`; in full ([`shorten`] it
/// once masked).
pub fn show(value: Option<&Value>) -> String {
    match value {
        None => "(absent)".into(),
        // The same compact JSON as `Display`, written without the formatting machinery.
        Some(value) => serde_json::to_string(value).unwrap_or_else(|_| value.to_string()),
    }
}

/// How many characters of a value a check shows.
pub const SHOWN_CHARS: usize = 200;

/// The text cut at [`SHOWN_CHARS`], with `…` when it was longer (cut only once masked, so that a
/// cut never leaves part of a secret).
pub fn shorten(text: String) -> String {
    if text.len() <= SHOWN_CHARS {
        return text;
    }
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(spec: Value, actual: Option<Value>) -> Result<String, Mismatch> {
        let mut scope = Scope::default();
        scope.set("amount", json!(10000));
        Matcher::parse(&spec).unwrap().check(actual.as_ref(), &scope)
    }

    #[test]
    fn plain_values_mean_equality_without_type_coercion() {
        assert!(check(json!(10000), Some(json!(10000))).is_ok());
        assert!(check(json!(10000), Some(json!(10000.0))).is_ok());
        let mismatch = check(json!(10000), Some(json!("10000"))).unwrap_err();
        assert_eq!(mismatch.actual, "\"10000\"");
        assert!(check(json!("{{ amount }}"), Some(json!(10000))).is_ok());
    }

    #[test]
    fn the_code_matcher_accepts_every_documented_form() {
        for form in [json!("0"), json!(0)] {
            assert!(check(json!({"code": 0}), Some(form)).is_ok());
        }
        assert!(check(json!({"code": 0}), None).is_ok());
        assert!(check(json!({"code": 7}), Some(json!("7"))).is_ok());
        assert!(check(json!({"code": "7"}), Some(json!(7))).is_ok());
        assert!(check(json!({"code": 7}), None).is_err());
        assert!(check(json!({"code": 0}), Some(json!("5"))).is_err());
    }

    #[test]
    fn conditions_combine() {
        assert!(check(json!({"type": "string", "regex": "^ab"}), Some(json!("abc"))).is_ok());
        assert!(check(json!({"gte": 1, "lte": "{{ amount }}"}), Some(json!(10000))).is_ok());
        assert!(check(json!({"lt": "{{ amount }}"}), Some(json!(10000))).is_err());
        assert!(check(json!({"one_of": ["A", "B"]}), Some(json!("B"))).is_ok());
        assert!(check(json!({"absent": true}), None).is_ok());
        assert!(check(json!({"present": true}), None).is_err());
        assert!(check(json!({"len": 2, "contains": 3}), Some(json!([1, 3]))).is_ok());
        assert!(check(json!({"expr": "value | sum <= amount"}), Some(json!([3000, 7000]))).is_ok());
        assert!(check(json!({"expr": "value | sum <= amount"}), Some(json!([3000, 7001]))).is_err());
        assert!(check(json!({"type": "integer"}), Some(json!(4))).is_ok());
    }

    #[test]
    fn unknown_matcher_keys_suggest_the_right_one() {
        let error = Matcher::parse(&json!({"rgex": "x"})).unwrap_err();
        assert_eq!(error.message, "unknown matcher `rgex`");
        assert_eq!(error.help.as_deref(), Some("did you mean `regex`?"));
        let error = Matcher::parse(&json!({"type": "strng"})).unwrap_err();
        assert_eq!(error.help.as_deref(), Some("did you mean `string`?"));
    }

    #[test]
    fn mismatches_say_what_was_wanted() {
        let mismatch = check(json!({"one_of": [1, 2]}), Some(json!(3))).unwrap_err();
        assert_eq!(mismatch.to_string(), "expected one of [1, 2], got 3");
        let mismatch = check(json!(5), None).unwrap_err();
        assert_eq!(mismatch.to_string(), "expected 5, got (absent)");
    }
}
