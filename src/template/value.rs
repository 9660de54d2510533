//! JSON values from a case file whose strings may hold templates.

use serde_json::{Map, Value};

use super::{Scope, Template, TemplateError};

/// A JSON value with its templated strings compiled; literal parts are kept as they are.
#[derive(Debug)]
pub enum TemplateValue {
    /// A value with no template in it, used as is.
    Literal(Value),
    /// A string with `{{ }}` in it.
    Template(Template),
    /// An array with at least one templated element.
    Array(Vec<TemplateValue>),
    /// An object with at least one templated value (keys are never templated).
    Object(Vec<(String, TemplateValue)>),
}

impl TemplateValue {
    /// Compiles every templated string in a JSON value.
    pub fn compile(value: &Value) -> Result<TemplateValue, TemplateError> {
        Ok(match value {
            Value::String(text) if text.contains("{{") => TemplateValue::Template(Template::compile(text)?),
            Value::Array(items) if contains_template(value) => {
                TemplateValue::Array(items.iter().map(TemplateValue::compile).collect::<Result<_, _>>()?)
            }
            Value::Object(fields) if contains_template(value) => TemplateValue::Object(
                fields.iter().map(|(key, item)| Ok((key.clone(), TemplateValue::compile(item)?))).collect::<Result<
                    _,
                    TemplateError,
                >>(
                )?,
            ),
            other => TemplateValue::Literal(other.clone()),
        })
    }

    /// Renders to plain JSON.
    pub fn render(&self, scope: &Scope) -> Result<Value, TemplateError> {
        Ok(match self {
            TemplateValue::Literal(value) => value.clone(),
            TemplateValue::Template(template) => template.render_value(scope)?,
            TemplateValue::Array(items) => {
                Value::Array(items.iter().map(|item| item.render(scope)).collect::<Result<_, _>>()?)
            }
            TemplateValue::Object(fields) => {
                let mut map = Map::with_capacity(fields.len());
                for (key, item) in fields {
                    map.insert(key.clone(), item.render(scope)?);
                }
                Value::Object(map)
            }
        })
    }

    /// The top-level names read by every template inside.
    pub fn variables(&self) -> Vec<String> {
        match self {
            TemplateValue::Literal(_) => Vec::new(),
            TemplateValue::Template(template) => template.variables(),
            TemplateValue::Array(items) => items.iter().flat_map(TemplateValue::variables).collect(),
            TemplateValue::Object(fields) => fields.iter().flat_map(|(_, item)| item.variables()).collect(),
        }
    }

    /// The value as written, for display (templates shown with their braces).
    pub fn as_written(&self) -> Value {
        match self {
            TemplateValue::Literal(value) => value.clone(),
            TemplateValue::Template(template) => Value::String(template.source().to_string()),
            TemplateValue::Array(items) => Value::Array(items.iter().map(TemplateValue::as_written).collect()),
            TemplateValue::Object(fields) => {
                Value::Object(fields.iter().map(|(key, item)| (key.clone(), item.as_written())).collect())
            }
        }
    }
}

fn contains_template(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains("{{"),
        Value::Array(items) => items.iter().any(contains_template),
        Value::Object(fields) => fields.values().any(contains_template),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_nested_templates_and_keeps_literals() {
        let value = TemplateValue::compile(&json!({
            "amount": "{{ amount }}",
            "items": [{"price": "{{ amount // 2 }}"}, 3],
            "fixed": {"a": 1},
        }))
        .unwrap();
        let mut scope = Scope::default();
        scope.set("amount", json!(100));
        assert_eq!(
            value.render(&scope).unwrap(),
            json!({"amount": 100, "items": [{"price": 50}, 3], "fixed": {"a": 1}})
        );
        assert_eq!(value.variables(), vec!["amount", "amount"]);
    }
}
