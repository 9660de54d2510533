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
    /// The segments of an expression that only reads a name and its attributes
    /// (`merchant.user`), looked up without the expression engine; most expressions are these.
    lookup: Option<Vec<String>>,
    /// The function of an expression that only calls one without arguments
    /// (`unique_order_number()`), called without the expression engine.
    call: Option<environment::PlainFunction>,
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
    let lookup = plain_lookup(expression, &variables);
    let call = expression.strip_suffix("()").and_then(environment::plain_function);
    Ok(Arc::new(CompiledExpression { source: expression.to_string(), compiled, variables, lookup, call }))
}

/// True for an ASCII letter or `_` followed by ASCII letters, digits and `_`: a name that
/// templates and JSONPath queries look up without their engines.
pub fn is_plain_name(text: &str) -> bool {
    text.chars().next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The segments of `expression` when it is nothing but a name and attributes, which is the case
/// when the one variable the compiler found reading is the expression's whole text (so `true`,
/// `none`, a call or an operator never qualify).
fn plain_lookup(expression: &str, variables: &[String]) -> Option<Vec<String>> {
    let whole = matches!(variables, [only] if only == expression);
    let segments: Vec<String> = expression.split('.').map(String::from).collect();
    (whole && segments.iter().all(|segment| is_plain_name(segment))).then_some(segments)
}

fn evaluate(expression: &CompiledExpression, scope: &Scope) -> Result<minijinja::Value, TemplateError> {
    // A value found by plain lookup is the one the engine would find; anything not found goes
    // through the engine, which words the error.
    if let Some(value) = expression.lookup.as_deref().and_then(|segments| scope.lookup(segments)) {
        return Ok(value);
    }
    // A name the scope defines is the one a call would use: only then does the engine decide.
    if let (Some(function), Some(name)) = (expression.call, expression.source.strip_suffix("()"))
        && !scope.contains(name)
    {
        return Ok(function());
    }
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
    fn a_plain_lookup_gives_what_the_expression_engine_gives() {
        let mut scope = scope();
        scope.set("merchant", json!({"user": "u", "nested": {"n": 1}, "none": null, "list": [1, 2]}));
        scope.set("none", json!("a variable named none"));
        let by_engine = |source: &str| {
            let expression = compile_expression(source).unwrap();
            let engine = CompiledExpression { lookup: None, call: None, ..clone_expression(&expression) };
            (expression, engine)
        };
        for source in
            ["merchant.user", "merchant.nested.n", "merchant.nested", "merchant.none", "merchant.list", "amount"]
        {
            let (fast, engine) = by_engine(source);
            assert!(fast.lookup.is_some(), "{source} is a plain lookup");
            assert_eq!(evaluate(&fast, &scope).unwrap(), evaluate(&engine, &scope).unwrap(), "{source}");
        }
        for source in ["merchant.missing", "merchant.user.deeper", "ordr", "merchant.list.first"] {
            let (fast, engine) = by_engine(source);
            let (fast, engine) = (evaluate(&fast, &scope).unwrap_err(), evaluate(&engine, &scope).unwrap_err());
            assert_eq!(fast.message, engine.message, "{source}");
        }
        for source in ["none", "true", "amount + 1", "merchant['user']", "uuid()", "merchant.user|upper", "amount.0"] {
            assert!(compile_expression(source).unwrap().lookup.is_none(), "{source} is not a plain lookup");
        }
    }

    fn clone_expression(expression: &CompiledExpression) -> CompiledExpression {
        CompiledExpression {
            source: expression.source.clone(),
            compiled: environment::get().compile_expression_owned(expression.source.clone()).unwrap(),
            variables: expression.variables.clone(),
            lookup: expression.lookup.clone(),
            call: expression.call,
        }
    }

    #[test]
    fn a_plain_call_gives_what_the_expression_engine_gives_unless_the_scope_names_it() {
        let call = compile_expression("now_ms()").unwrap();
        let engine = CompiledExpression { call: None, ..clone_expression(&call) };
        let (direct, by_engine) = (evaluate(&call, &scope()).unwrap(), evaluate(&engine, &scope()).unwrap());
        assert_eq!(direct.kind(), by_engine.kind());
        assert!(by_engine.as_i64().unwrap() - direct.as_i64().unwrap() < 60_000, "{direct} and {by_engine}");
        for name in ["unique_order_number", "uuid", "now"] {
            let call = compile_expression(&format!("{name}()")).unwrap();
            assert!(call.call.is_some(), "{name}() is called directly");
            assert_eq!(evaluate(&call, &scope()).unwrap().kind(), minijinja::value::ValueKind::String);
        }
        let mut shadowed = scope();
        shadowed.set("uuid", json!("a variable"));
        let call = compile_expression("uuid()").unwrap();
        assert!(evaluate(&call, &shadowed).is_err(), "a variable named uuid is not callable");
        for source in ["uuid(1)", "utc_datetime()", "uuid() ~ 'x'", "nothing()"] {
            assert!(compile_expression(source).map(|e| e.call.is_none()).unwrap_or(true), "{source}");
        }
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
