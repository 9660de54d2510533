//! Expectations: status, schema, JSONPath matchers, headers, text; captures and polls.

use std::sync::Arc;

use serde_json::Value;
use serde_saphyr::Spanned;

use crate::check::jsonpath::JsonQuery;
use crate::check::matcher::Matcher;

use super::{Compiler, DEFAULT_POLL_EVERY, DEFAULT_POLL_TIMEOUT, duration};

/// The key of a JSON expectation's matcher that names the clauses the check verifies.
const COVERS: &str = "covers";
use crate::suite::api::Api;
use crate::suite::case::{Capture, CaptureSource, Expectations, JsonExpectation, Located, Poll};
use crate::suite::case_format::{ExpectDoc, PollDoc};
use crate::suite::clauses::ClauseRef;
use crate::suite::schema_registry::COMPILE_HELP;
use crate::suite::source::SourceSpan;
use crate::suite::suggest;

impl Compiler<'_> {
    pub(super) fn expectations(&mut self, doc: &Spanned<ExpectDoc>) -> (Expectations, Vec<(Api, Expectations)>) {
        let common = self.expectation_block(doc);
        let mut per_api = Vec::new();
        for (api, overlay) in
            [(Api::Router, &doc.value.router), (Api::Bank, &doc.value.bank), (Api::Gate, &doc.value.gate)]
        {
            let Some(overlay) = overlay else { continue };
            let inner = &overlay.value;
            if inner.router.is_some() || inner.bank.is_some() || inner.gate.is_some() {
                let span = self.span(overlay);
                self.error(span, "per-API expectations cannot be nested");
            }
            per_api.push((api, self.expectation_block(overlay)));
        }
        (common, per_api)
    }

    pub(super) fn expectation_block(&mut self, doc: &Spanned<ExpectDoc>) -> Expectations {
        let expect = &doc.value;
        let status = expect.status.as_ref().and_then(|status| self.located_matcher(status));
        let schema = expect.schema.as_ref().and_then(|name| {
            let span = self.span(name);
            match self.context.schemas.get(&name.value) {
                Some(Ok(schema)) => Some(Located { value: Arc::clone(schema), span }),
                Some(Err(error)) => {
                    let message = format!("schema `{}` does not compile: {error}", name.value);
                    self.error(span, message).add_help(COMPILE_HELP);
                    None
                }
                None => {
                    let help = suggest::did_you_mean(&name.value, self.context.schemas.names())
                        .unwrap_or_else(|| "schema names are paths under schemas/".to_string());
                    self.error(span, format!("unknown schema `{}`", name.value)).add_help(help);
                    None
                }
            }
        });
        let json = expect.json.iter().filter_map(|(path, matcher)| self.json_expectation(path, matcher)).collect();
        let headers = expect
            .headers
            .iter()
            .filter_map(|(name, matcher)| Some((name.to_ascii_lowercase(), self.located_matcher(matcher)?)))
            .collect();
        let text = expect.text.as_ref().and_then(|matcher| self.located_matcher(matcher));
        Expectations { status, schema, json, headers, text }
    }

    pub(super) fn json_expectation(&mut self, path: &str, matcher: &Spanned<Value>) -> Option<JsonExpectation> {
        let span = self.span(matcher);
        let query = match JsonQuery::parse(path) {
            Ok(query) => query,
            Err(message) => {
                self.error(span, message).add_help("JSONPath queries start with `$`, as in `$.orderId`");
                return None;
            }
        };
        let (condition, covers) = self.split_covers(&matcher.value, &span);
        let matcher = self.matcher(&condition, &span)?;
        Some(JsonExpectation { query, matcher, covers, span })
    }

    /// Takes `covers: [clause ids]` out of a matcher map: the clauses that check verifies.
    fn split_covers(&mut self, spec: &Value, span: &SourceSpan) -> (Value, Vec<ClauseRef>) {
        let Value::Object(fields) = spec else { return (spec.clone(), Vec::new()) };
        let Some(ids) = fields.get(COVERS) else { return (spec.clone(), Vec::new()) };
        let mut condition = fields.clone();
        condition.remove(COVERS);
        let written: Vec<&str> = match ids {
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            Value::String(id) => vec![id.as_str()],
            _ => Vec::new(),
        };
        if written.is_empty() {
            self.error(span.clone(), "`covers` takes a list of clause ids, as in `covers: [refund.partial]`");
        }
        let ids: Vec<String> = written.into_iter().flat_map(|id| self.rendered_ids(id, span)).collect();
        let mut covers = Vec::new();
        for id in &ids {
            let id = id.as_str();
            match self.context.clauses.reference(id) {
                Some(reference) => covers.push(reference),
                None => {
                    let help = suggest::did_you_mean(id, self.context.clauses.ids())
                        .unwrap_or_else(|| "clause ids are listed in clauses.yaml".to_string());
                    self.error(span.clone(), format!("unknown clause `{id}`")).add_help(help);
                }
            }
        }
        if condition.is_empty() {
            self.error(span.clone(), "the matcher has `covers` but no condition")
                .add_help("write the condition beside it, as in `{ code: 7, covers: [refund.over-limit] }`");
        }
        (Value::Object(condition), covers)
    }

    pub(super) fn located_matcher(&mut self, spec: &Spanned<Value>) -> Option<Located<Matcher>> {
        let span = self.span(spec);
        let matcher = self.matcher(&spec.value, &span)?;
        Some(Located { value: matcher, span })
    }

    pub(super) fn matcher(&mut self, spec: &Value, span: &SourceSpan) -> Option<Matcher> {
        match Matcher::parse(spec) {
            Ok(matcher) => {
                self.check_names(matcher.variables(), span);
                Some(matcher)
            }
            Err(error) => {
                let diagnostic = self.error(span.clone(), error.message);
                if let Some(help) = error.help {
                    diagnostic.help.push(help);
                }
                None
            }
        }
    }

    pub(super) fn capture(&mut self, name: &str, source: &Spanned<Value>) -> Option<Capture> {
        let span = self.span(source);
        let parsed = match &source.value {
            Value::String(path) => JsonQuery::parse(path).map(CaptureSource::Json),
            Value::Object(fields) if fields.len() == 1 => match fields.iter().next() {
                Some((key, Value::String(header))) if key == "header" => {
                    Ok(CaptureSource::Header(header.to_ascii_lowercase()))
                }
                Some((key, Value::String(path))) if key == "json" => JsonQuery::parse(path).map(CaptureSource::Json),
                _ => Err("a capture is a JSONPath string, `{ json: <path> }` or `{ header: <name> }`".to_string()),
            },
            _ => Err("a capture is a JSONPath string, `{ json: <path> }` or `{ header: <name> }`".to_string()),
        };
        self.known.insert(name.to_string());
        match parsed {
            Ok(source) => Some(Capture::new(name, source, span)),
            Err(message) => {
                self.error(span, message);
                None
            }
        }
    }

    pub(super) fn poll(&mut self, doc: &Spanned<PollDoc>) -> Option<Poll> {
        let span = self.span(doc);
        let until: Vec<JsonExpectation> =
            doc.value.until.iter().filter_map(|(path, matcher)| self.json_expectation(path, matcher)).collect();
        if doc.value.until.is_empty() {
            self.error(span.clone(), "`poll` needs at least one condition under `until`");
        }
        let every = match &doc.value.every {
            Some(every) => self.duration(every, &duration::POLL_EVERY)?,
            None => DEFAULT_POLL_EVERY,
        };
        let timeout = match &doc.value.timeout {
            Some(timeout) => self.duration(timeout, &duration::POLL_TIMEOUT)?,
            None => DEFAULT_POLL_TIMEOUT,
        };
        Some(Poll { until, every, timeout, span })
    }
}
