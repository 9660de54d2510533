//! Templates: `{{ expression }}` interpolation in case files, compiled once when the suite loads.
//!
//! A string that is exactly one `{{ expression }}` keeps the expression's type (a number stays a
//! number); any other string with `{{ }}` in it renders to a string. The expression language is
//! minijinja's (attribute access, filters, arithmetic, comparisons), with the functions listed in
//! [`environment`].

mod bounds;
pub mod cache;
pub mod environment;
mod scope;
mod value;

pub use bounds::{MAX_EXPRESSION_LENGTH, MAX_EXPRESSION_NESTING, bracket_nesting};
pub use scope::Scope;
pub use value::TemplateValue;

use std::fmt;
use std::sync::Arc;

use minijinja::Expression;

use cache::SourceCache;

/// A string with `{{ }}` placeholders, compiled.
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

enum Part {
    Literal(String),
    Expression(Arc<CompiledExpression>),
}

/// One `{{ }}` expression, compiled, with the names it reads.
struct CompiledExpression {
    source: String,
    compiled: Expression<'static, 'static>,
    variables: Vec<String>,
}

/// Every expression compiled so far, by its text.
static EXPRESSIONS: SourceCache<Arc<CompiledExpression>> = SourceCache::new();

/// Why a template could not be compiled or rendered.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// What went wrong, naming the expression.
    pub message: String,
}

impl Template {
    /// Compiles a string; fails on unbalanced braces or an invalid expression.
    pub fn compile(source: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_string()));
            }
            let after_open = &rest[open + 2..];
            let Some(close) = after_open.find("}}") else {
                return Err(TemplateError { message: format!("`{{{{` without a closing `}}}}` in {source:?}") });
            };
            let expression = after_open[..close].trim();
            if expression.is_empty() {
                return Err(TemplateError { message: format!("empty `{{{{ }}}}` in {source:?}") });
            }
            parts.push(Part::Expression(EXPRESSIONS.get_or_compile(expression, compile_expression)?));
            rest = &after_open[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_string()));
        }
        Ok(Template { source: source.to_string(), parts })
    }

    /// True when the string holds at least one `{{ }}`.
    pub fn is_dynamic(&self) -> bool {
        self.parts.iter().any(|part| matches!(part, Part::Expression(_)))
    }

    /// The text as written in the case.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The names the template reads, with the attributes it looks up on them where they are
    /// plain (`order_id`, `merchants.second.user`): the first segment is checked against what is
    /// defined, the rest tells what the case needs of the target.
    pub fn variables(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .parts
            .iter()
            .filter_map(|part| match part {
                Part::Expression(expression) => Some(expression.variables.iter().cloned()),
                Part::Literal(_) => None,
            })
            .flatten()
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Renders to JSON: typed when the template is exactly one expression, a string otherwise.
    pub fn render_value(&self, scope: &Scope) -> Result<serde_json::Value, TemplateError> {
        match self.parts.as_slice() {
            [Part::Expression(expression)] => {
                let value = evaluate(expression, scope)?;
                to_json(&expression.source, &value)
            }
            _ => self.render_string(scope).map(serde_json::Value::String),
        }
    }

    /// Renders to a string (expressions are converted with their display form).
    pub fn render_string(&self, scope: &Scope) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(self.source.len());
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Expression(expression) => {
                    let value = evaluate(expression, scope)?;
                    match value.as_str() {
                        Some(text) => out.push_str(text),
                        None => out.push_str(&value.to_string()),
                    }
                }
            }
        }
        Ok(out)
    }
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Template({:?})", self.source)
    }
}

/// Compiles one expression, once its size and nesting are known to be within what the expression
/// compiler handles without exhausting the stack.
fn compile_expression(expression: &str) -> Result<Arc<CompiledExpression>, TemplateError> {
    bounds::check(expression).map_err(|message| TemplateError { message })?;
    let compiled = environment::get().compile_expression_owned(expression.to_string()).map_err(|error| {
        TemplateError { message: format!("invalid expression `{expression}`: {}", describe(&error)) }
    })?;
    let mut variables: Vec<String> = compiled.undeclared_variables(true).into_iter().collect();
    variables.sort();
    Ok(Arc::new(CompiledExpression { source: expression.to_string(), compiled, variables }))
}

fn evaluate(expression: &CompiledExpression, scope: &Scope) -> Result<minijinja::Value, TemplateError> {
    let source = &expression.source;
    let value = expression
        .compiled
        .eval(scope.context())
        .map_err(|error| TemplateError { message: format!("cannot evaluate `{source}`: {}", describe(&error)) })?;
    if value.is_undefined() {
        return Err(TemplateError { message: format!("cannot evaluate `{source}`: it is not defined") });
    }
    Ok(value)
}

fn to_json(source: &str, value: &minijinja::Value) -> Result<serde_json::Value, TemplateError> {
    serde_json::to_value(value)
        .map_err(|error| TemplateError { message: format!("`{source}` is not representable as JSON: {error}") })
}

/// minijinja's message without its debug-info tail.
fn describe(error: &minijinja::Error) -> String {
    let mut text = error.kind().to_string();
    if let Some(detail) = error.detail() {
        text.push_str(": ");
        text.push_str(detail);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope() -> Scope {
        let mut scope = Scope::default();
        scope.set("amount", json!(10000));
        scope.set("order", json!({"id": "abc"}));
        scope
    }

    #[test]
    fn a_lone_expression_keeps_its_type() {
        let template = Template::compile("{{ amount }}").unwrap();
        assert_eq!(template.render_value(&scope()).unwrap(), json!(10000));
        let template = Template::compile("{{ amount - 3000 }}").unwrap();
        assert_eq!(template.render_value(&scope()).unwrap(), json!(7000));
    }

    #[test]
    fn mixed_text_renders_to_a_string() {
        let template = Template::compile("order-{{ order.id }}-{{ amount }}").unwrap();
        assert_eq!(template.render_value(&scope()).unwrap(), json!("order-abc-10000"));
    }

    #[test]
    fn an_undefined_name_is_an_error_not_an_empty_string() {
        let template = Template::compile("{{ ordr }}").unwrap();
        let error = template.render_value(&scope()).unwrap_err();
        assert!(error.message.contains("ordr"), "{}", error.message);
    }

    #[test]
    fn unbalanced_braces_are_rejected_at_compile_time() {
        assert!(Template::compile("{{ amount").is_err());
        assert!(Template::compile("{{ }}").is_err());
        assert!(Template::compile("{{ 1 + }}").is_err());
    }

    #[test]
    fn variables_lists_the_names_read() {
        let template = Template::compile("{{ order.id }} {{ amount + extra }}").unwrap();
        assert_eq!(template.variables(), vec!["amount", "extra", "order.id"]);
    }
}

#[cfg(test)]
mod stack_tests {
    use super::*;

    /// The largest expressions of each shape within the limits, up to `length` bytes.
    fn adversarial(length: usize) -> Vec<String> {
        let fill = |unit: &str, last: &str| {
            let mut text = unit.repeat((length - last.len()) / unit.len());
            text.push_str(last);
            text
        };
        let nested = |open: &str, inner: &str, close: &str| {
            format!("{}{inner}{}", open.repeat(MAX_EXPRESSION_NESTING), close.repeat(MAX_EXPRESSION_NESTING))
        };
        vec![
            fill("1+", "1"),
            fill("a~", "a"),
            fill("1<", "1"),
            fill("-", "1"),
            fill("not ", "1"),
            fill("a|f", ""),
            fill(".a", "").replacen('.', "x", 1),
            fill("[0]", "").replacen('[', "x[", 1),
            fill("1 if 1 else ", "1"),
            fill("1 and ", "1"),
            nested("(", "1", ")"),
            nested("[", "1", "]"),
            nested("f(", "1", ")"),
            nested("{'a':", "1", "}"),
            nested("(-", "1", ")"),
        ]
    }

    /// Half the stack of a thread spawned by the standard library (test threads, tokio workers).
    #[test]
    fn expressions_at_the_limits_compile_on_a_small_stack() {
        let handle = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(|| {
                for expression in adversarial(MAX_EXPRESSION_LENGTH) {
                    let _ = compile_expression(&expression);
                }
            })
            .expect("spawn");
        assert!(handle.join().is_ok());
    }
}
