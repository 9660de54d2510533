//! What a case works out when it loads, once per run of its matrix, from the run's values and
//! the case's `vars` that are not templates themselves: a step name, schema name or request
//! body key with `{{ }}` (`"refund {{ how }}"`, `"v1/{{ method }}.response.json"`,
//! `"{{ date }}": ...`), and a spread entry written as a template
//! (`"...": "{{ cells[how].body }}"`), whose map is laid into the request body or check list it
//! sits in. That is how one matrix case sends a parameter in one run and leaves it out in another.
//!
//! A step's `when:` is worked out the same way: a step whose `when:` is false is not part of the
//! run, so one matrix case can hold runs whose steps differ.
//!
//! Checked here: every name such a template reads is known when the case loads (else "did you
//! mean"), a spread gives a map, and `when:` gives true or false.

use serde_json::Value;
use serde_saphyr::Spanned;

use super::Compiler;
use crate::suite::case_format::{CaseDoc, StepDoc};
use crate::suite::matrix;
use crate::suite::source::SourceSpan;
use crate::suite::substitute::{self, LoadTimeSpread};
use crate::suite::suggest;
use crate::template::{Scope, Template};

/// The names a case's load-time templates read, and their values.
#[derive(Debug, Clone, Default)]
pub(super) struct LoadScope {
    pub(super) scope: Scope,
    names: Vec<String>,
}

impl LoadScope {
    /// A run's values, then the case's `vars` that are not themselves a template (a map of
    /// values holding templates is kept as written: its templates are worked out when the
    /// request is sent).
    pub(super) fn new(row: Option<&matrix::Row>, doc: &CaseDoc) -> LoadScope {
        let mut load = LoadScope::default();
        for (name, value) in &doc.vars {
            if !matches!(&value.value, Value::String(text) if text.contains("{{")) {
                load.scope.set(name, value.value.clone());
                load.names.push(name.clone());
            }
        }
        for (name, value) in row.map(|row| &row.values).into_iter().flatten() {
            load.scope.set(name, value.clone());
            load.names.push(name.clone());
        }
        load
    }
}

impl Compiler<'_> {
    /// The step with its name and spread templates worked out, or `None` when it has neither.
    pub(super) fn work_out_at_load(&mut self, doc: &Spanned<StepDoc>) -> Option<Spanned<StepDoc>> {
        if !substitute::has_load_time_parts(&doc.value) {
            return None;
        }
        let mut doc = doc.clone();
        if let Some(name) = &mut doc.value.name
            && name.value.contains("{{")
        {
            let span = self.span(name);
            match self.load_time_value(&name.value, &span, "a step's name") {
                Some(Value::String(text)) => name.value = text,
                Some(other) => name.value = other.to_string(),
                None => {}
            }
        }
        let mut schemas: Vec<(SourceSpan, String)> = Vec::new();
        for schema in substitute::schemas_mut(&mut doc.value).into_iter().filter(|name| name.value.contains("{{")) {
            schemas.push((SourceSpan::from_location(&self.file, &schema.referenced), schema.value.clone()));
        }
        let worked_out: Vec<Option<String>> = schemas
            .into_iter()
            .map(|(span, text)| match self.load_time_value(&text, &span, "a schema name") {
                Some(Value::String(name)) => Some(name),
                _ => None,
            })
            .collect();
        let templated = substitute::schemas_mut(&mut doc.value).into_iter().filter(|name| name.value.contains("{{"));
        for (schema, name) in templated.zip(worked_out) {
            if let Some(name) = name {
                schema.value = name;
            }
        }
        if let Some(body) = doc.value.request.as_ref().and_then(|request| request.value.body.as_ref()) {
            let span = SourceSpan::from_location(&self.file, &body.referenced);
            let mut keys = Vec::new();
            substitute::rename_body_keys(&mut doc.value, &mut |key| {
                keys.push(key.to_string());
                None
            });
            let mut renamed = std::collections::HashMap::new();
            for key in keys {
                match self.load_time_value(&key, &span, "a request parameter's name") {
                    Some(Value::String(name)) => {
                        renamed.insert(key, name);
                    }
                    Some(other) => {
                        self.error(span.clone(), format!("the parameter name `{key}` gives {other}, not text"));
                    }
                    None => {}
                }
            }
            substitute::rename_body_keys(&mut doc.value, &mut |key| renamed.get(key).cloned());
        }
        let mut spreads = Vec::new();
        substitute::spread_at_load(&mut doc.value, &mut |spread: LoadTimeSpread<'_>| {
            spreads.push((spread.at, spread.template.clone()));
        });
        if spreads.is_empty() {
            return Some(doc);
        }
        let mut rendered = Vec::with_capacity(spreads.len());
        for (at, template) in spreads {
            let span = SourceSpan::from_location(&self.file, &at);
            let text = template.as_str().unwrap_or_default();
            rendered.push(match self.load_time_value(text, &span, "a spread `...`") {
                Some(Value::Object(map)) => Value::Object(map),
                Some(other) => {
                    let at = super::narrow_to_name(&span, first_name(text).as_deref().unwrap_or(text));
                    self.error(at, format!("`...` spreads a map of entries, but `{text}` gives {other}"))
                        .add_label("not a map")
                        .add_help("give a map (`{}` for none), such as `{ amount: 0 }`");
                    Value::Object(serde_json::Map::new())
                }
                None => Value::Object(serde_json::Map::new()),
            });
        }
        let mut rendered = rendered.into_iter();
        substitute::spread_at_load(&mut doc.value, &mut |spread: LoadTimeSpread<'_>| {
            if let Some(value) = rendered.next() {
                *spread.template = value;
            }
        });
        Some(doc)
    }

    /// Whether a step is part of this run: it has no `when:`, or its `when:` is true.
    pub(super) fn kept_in_this_run(&mut self, doc: &Spanned<StepDoc>) -> bool {
        let Some(when) = &doc.value.when else { return true };
        let span = self.span(when);
        let text = when.value.trim();
        if !(text.starts_with("{{") && text.ends_with("}}")) {
            self.error(span, "`when:` is one template: `\"{{ method != 'decline' }}\"`")
                .add_help("it is worked out when the case loads, to true or false");
            return true;
        }
        match self.load_time_value(text, &span, "`when:`") {
            Some(Value::Bool(kept)) => kept,
            Some(other) => {
                self.error(span, format!("`when:` gives {other}, not true or false"))
                    .add_help("compare the run's values: `\"{{ method == 'refund' }}\"`");
                true
            }
            None => true,
        }
    }

    /// A template worked out from the load scope; an unknown name or a failure is an error.
    fn load_time_value(&mut self, text: &str, span: &SourceSpan, what: &str) -> Option<Value> {
        let template = match Template::compile(text) {
            Ok(template) => template,
            Err(error) => {
                self.error(span.clone(), error.message);
                return None;
            }
        };
        let mut ok = true;
        for path in template.variables() {
            let name = path.split('.').next().unwrap_or(&path).to_string();
            if self.load_scope.scope.contains(&name) {
                continue;
            }
            let help =
                suggest::did_you_mean(&name, self.load_scope.names.iter().map(String::as_str)).unwrap_or_else(|| {
                    "it may read the matrix's values and the case's `vars` that are not templates themselves".into()
                });
            let at = super::narrow_to_name(span, &name);
            self.error(at, format!("{what} is worked out when the case loads, and `{name}` is not known then"))
                .add_label("not a matrix value or a plain `vars` entry")
                .add_help(help);
            ok = false;
        }
        if !ok {
            return None;
        }
        match template.render_value(&self.load_scope.scope) {
            Ok(value) => Some(value),
            Err(error) => {
                self.error(span.clone(), format!("{what} cannot be worked out when the case loads: {}", error.message));
                None
            }
        }
    }
}

/// The first name a template reads, to point an error at it.
fn first_name(text: &str) -> Option<String> {
    let template = Template::compile(text).ok()?;
    template.variables().first().map(|path| path.split('.').next().unwrap_or(path).to_string())
}
