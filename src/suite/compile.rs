//! From the case file format to the typed model: every semantic check with its source span.
//!
//! Checks made here, so that nothing is sent for a case that cannot run: known API names,
//! clause ids in the catalogue, schema names in the registry, valid JSONPath, regexes, matchers,
//! durations, HTTP methods and encodings; templates that compile and only read names that exist
//! at that point of the case (variables defined above, captures of earlier steps, the runner's
//! namespaces and functions). Each unknown name gets a "did you mean".

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use serde_saphyr::Spanned;

use crate::check::jsonpath::JsonQuery;
use crate::check::matcher::Matcher;
use crate::template::{Template, TemplateValue, environment};

use super::api::{self, API_NAMES, Api, Encoding};
use super::case::{
    Action, Body, Capture, CaptureSource, Case, Exchange, Expectations, JsonExpectation, Located, Poll, Redaction,
    RequestSpec, RequestTarget, SnapshotSpec, Step, Variable,
};
use super::case_format::{CaseDoc, ExpectDoc, OneOrMany, PollDoc, RequestDoc, StepDoc, keys};
use super::clauses::ClauseCatalogue;
use super::diagnostic::{Diagnostic, Diagnostics};
use super::schema_registry::SchemaRegistry;
use super::source::{SourceFile, SourceSpan};
use super::{suggest, yaml};

const DEFAULT_POLL_EVERY: Duration = Duration::from_millis(200);
const DEFAULT_POLL_TIMEOUT: Duration = Duration::from_secs(10);

/// What a case is checked against while compiling.
pub struct CompileContext<'a> {
    /// Schemas a case may name.
    pub schemas: &'a SchemaRegistry,
    /// Clauses a case may cover.
    pub clauses: &'a ClauseCatalogue,
}

/// Parses and compiles one case file.
pub fn compile_case(file: &Arc<SourceFile>, context: &CompileContext<'_>) -> Result<Case, Diagnostics> {
    let doc: CaseDoc = yaml::parse(file)?;
    let mut compiler = Compiler {
        file,
        context,
        diagnostics: Diagnostics::default(),
        known: BTreeSet::new(),
        case_snapshot: None,
        snapshot_names: BTreeMap::new(),
    };
    let case = compiler.case(doc);
    if compiler.diagnostics.is_empty() { Ok(case) } else { Err(compiler.diagnostics) }
}

struct Compiler<'a> {
    file: &'a Arc<SourceFile>,
    context: &'a CompileContext<'a>,
    diagnostics: Diagnostics,
    /// Names templates may read at the current point of the case.
    known: BTreeSet<String>,
    /// The case's `snapshot:`, which every request step inherits.
    case_snapshot: Option<SnapshotSpec>,
    /// Snapshot names taken so far in the case, and where.
    snapshot_names: BTreeMap<String, SourceSpan>,
}

/// A `snapshot:` value as written: off, or on with options.
enum SnapshotSetting {
    Off,
    On(SnapshotSpec),
}

impl Compiler<'_> {
    fn span<T>(&self, spanned: &Spanned<T>) -> SourceSpan {
        SourceSpan::from_location(self.file, &spanned.referenced)
    }

    fn error(&mut self, span: SourceSpan, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic::at(span, message));
        let last = self.diagnostics.0.len() - 1;
        &mut self.diagnostics.0[last]
    }

    fn case(&mut self, doc: CaseDoc) -> Case {
        let name_span = self.span(&doc.name);
        let name = doc.name.value.trim().to_string();
        if name.is_empty() {
            self.error(name_span.clone(), "the case has an empty name");
        }
        let covers = doc.covers.iter().map(|clause| self.clause(clause)).collect();
        let tags = doc.tags.iter().map(|tag| tag.value.clone()).collect();
        let apis = match &doc.api {
            Some(spec) => self.apis(spec),
            None => vec![Api::Router, Api::Bank],
        };
        self.known.extend(environment::NAMESPACES.iter().map(|name| name.to_string()));
        self.known.extend(environment::FUNCTIONS.iter().map(|name| name.to_string()));
        let mut vars = Vec::new();
        for (var_name, value) in &doc.vars {
            let span = self.span(value);
            if let Some(value) = self.template_value(&value.value, &span) {
                vars.push(Variable { name: var_name.clone(), value, span });
            }
            self.known.insert(var_name.clone());
        }
        if let Some(setting) = &doc.snapshot {
            self.case_snapshot = match self.snapshot_setting(setting) {
                Some(SnapshotSetting::On(spec)) => Some(spec),
                _ => None,
            };
        }
        if doc.steps.is_empty() {
            let span = name_span.clone();
            self.error(span, "the case has no steps").add_label("add at least one step under `steps:`");
        }
        let steps = doc.steps.iter().enumerate().filter_map(|(index, step)| self.step(index + 1, step)).collect();
        Case { file: Arc::clone(self.file), name, description: doc.description, covers, tags, apis, vars, steps }
    }

    fn clause(&mut self, clause: &Spanned<String>) -> String {
        let id = clause.value.clone();
        if self.context.clauses.get(&id).is_none() {
            let span = self.span(clause);
            let help = suggest::did_you_mean(&id, self.context.clauses.ids())
                .unwrap_or_else(|| "clause ids are listed in clauses.yaml".to_string());
            self.error(span, format!("unknown clause `{id}`")).add_label("not in the clause catalogue").add_help(help);
        }
        id
    }

    fn apis(&mut self, spec: &Spanned<OneOrMany>) -> Vec<Api> {
        let mut apis = Vec::new();
        for name in spec.value.names() {
            match api::expand(name) {
                Some(expanded) => {
                    for api in expanded {
                        if !apis.contains(&api) {
                            apis.push(api);
                        }
                    }
                }
                None => {
                    let span = self.span(spec);
                    let help = suggest::did_you_mean(name, API_NAMES.iter().copied())
                        .unwrap_or_else(|| format!("APIs are: {}", API_NAMES.join(", ")));
                    self.error(span, format!("unknown API `{name}`")).add_help(help);
                }
            }
        }
        apis.sort();
        apis
    }

    fn step(&mut self, number: usize, doc: &Spanned<StepDoc>) -> Option<Step> {
        let span = self.span(doc);
        let step = &doc.value;
        let name = step.name.as_ref().map_or_else(|| format!("step {number}"), |name| name.value.clone());
        let only = step.only.as_ref().map(|spec| self.apis(spec));
        let action = match (&step.request, &step.wait) {
            (Some(request), None) => {
                let mut exchange = self.exchange(request, step)?;
                exchange.snapshot = self.step_snapshot(step, &name, &span);
                Action::Exchange(Box::new(exchange))
            }
            (None, Some(wait)) => {
                if step.expect.is_some() || !step.capture.is_empty() || step.poll.is_some() || step.snapshot.is_some() {
                    self.error(span.clone(), "a `wait` step cannot have `expect`, `capture`, `poll` or `snapshot`")
                        .add_help("put the checks in the next step");
                }
                Action::Wait(self.duration(wait)?)
            }
            (Some(_), Some(_)) => {
                self.error(span, "a step has either `request` or `wait`, not both").add_help("split it into two steps");
                return None;
            }
            (None, None) => {
                self.error(span, "the step does nothing").add_help("give it a `request:` or a `wait:`");
                return None;
            }
        };
        Some(Step { number, name, span, only, action })
    }

    fn exchange(&mut self, request: &Spanned<RequestDoc>, step: &StepDoc) -> Option<Exchange> {
        let request = self.request(request)?;
        let (expect, expect_on) = match &step.expect {
            Some(expect) => self.expectations(expect),
            None => (Expectations::default(), Vec::new()),
        };
        let poll = step.poll.as_ref().and_then(|poll| self.poll(poll));
        let captures = step.capture.iter().filter_map(|(name, source)| self.capture(name, source)).collect();
        Some(Exchange { request, expect, expect_on, captures, poll, snapshot: None })
    }

    fn request(&mut self, doc: &Spanned<RequestDoc>) -> Option<RequestSpec> {
        let span = self.span(doc);
        let request = &doc.value;
        let method = match &request.method {
            None => reqwest::Method::POST,
            Some(method) => match reqwest::Method::from_bytes(method.value.to_ascii_uppercase().as_bytes()) {
                Ok(parsed) => parsed,
                Err(_) => {
                    let span = self.span(method);
                    self.error(span, format!("invalid HTTP method `{}`", method.value));
                    reqwest::Method::POST
                }
            },
        };
        let target = match (&request.path, &request.url) {
            (Some(path), None) => RequestTarget::Path(self.template(path)?),
            (None, Some(url)) => RequestTarget::Url(self.template(url)?),
            (Some(_), Some(_)) => {
                self.error(span, "a request has `path` or `url`, not both");
                return None;
            }
            (None, None) => {
                self.error(span, "the request has no `path`")
                    .add_help("give a `path` relative to the API's base URL, or an absolute `url`");
                return None;
            }
        };
        let headers =
            request.headers.iter().filter_map(|(name, value)| Some((name.clone(), self.template(value)?))).collect();
        let query = request
            .query
            .iter()
            .filter_map(|(name, value)| {
                let span = self.span(value);
                Some((name.clone(), self.template_value(&value.value, &span)?))
            })
            .collect();
        let body = match (&request.body, &request.raw_body) {
            (Some(body), None) => {
                let body_span = self.span(body);
                if !body.value.is_object() {
                    self.error(body_span.clone(), "`body` must be a map of parameters")
                        .add_help("use `raw_body` to send exact text");
                }
                Body::Map(self.template_value(&body.value, &body_span)?)
            }
            (None, Some(raw)) => Body::Raw(self.template(raw)?),
            (None, None) => Body::Empty,
            (Some(_), Some(_)) => {
                self.error(span, "a request has `body` or `raw_body`, not both");
                Body::Empty
            }
        };
        let encoding = request.encoding.as_ref().and_then(|encoding| match encoding.value.as_str() {
            "json" => Some(Encoding::Json),
            "form" => Some(Encoding::Form),
            other => {
                let span = self.span(encoding);
                let help = suggest::did_you_mean(other, ["json", "form"]).unwrap_or_else(|| "use json or form".into());
                self.error(span, format!("unknown encoding `{other}`")).add_help(help);
                None
            }
        });
        Some(RequestSpec { method, target, headers, query, body, encoding })
    }

    fn expectations(&mut self, doc: &Spanned<ExpectDoc>) -> (Expectations, Vec<(Api, Expectations)>) {
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

    fn expectation_block(&mut self, doc: &Spanned<ExpectDoc>) -> Expectations {
        let expect = &doc.value;
        let status = expect.status.as_ref().and_then(|status| self.located_matcher(status));
        let schema = expect.schema.as_ref().and_then(|name| {
            let span = self.span(name);
            match self.context.schemas.get(&name.value) {
                Some(schema) => Some(Located { value: Arc::clone(schema), span }),
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

    fn json_expectation(&mut self, path: &str, matcher: &Spanned<Value>) -> Option<JsonExpectation> {
        let span = self.span(matcher);
        let query = match JsonQuery::parse(path) {
            Ok(query) => query,
            Err(message) => {
                self.error(span, message).add_help("JSONPath queries start with `$`, as in `$.orderId`");
                return None;
            }
        };
        let matcher = self.matcher(&matcher.value, &span)?;
        Some(JsonExpectation { query, matcher, span })
    }

    fn located_matcher(&mut self, spec: &Spanned<Value>) -> Option<Located<Matcher>> {
        let span = self.span(spec);
        let matcher = self.matcher(&spec.value, &span)?;
        Some(Located { value: matcher, span })
    }

    fn matcher(&mut self, spec: &Value, span: &SourceSpan) -> Option<Matcher> {
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

    fn capture(&mut self, name: &str, source: &Spanned<Value>) -> Option<Capture> {
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
            Ok(source) => Some(Capture { name: name.to_string(), source, span }),
            Err(message) => {
                self.error(span, message);
                None
            }
        }
    }

    fn poll(&mut self, doc: &Spanned<PollDoc>) -> Option<Poll> {
        let span = self.span(doc);
        let until: Vec<JsonExpectation> =
            doc.value.until.iter().filter_map(|(path, matcher)| self.json_expectation(path, matcher)).collect();
        if doc.value.until.is_empty() {
            self.error(span.clone(), "`poll` needs at least one condition under `until`");
        }
        let every = match &doc.value.every {
            Some(every) => self.duration(every)?,
            None => DEFAULT_POLL_EVERY,
        };
        let timeout = match &doc.value.timeout {
            Some(timeout) => self.duration(timeout)?,
            None => DEFAULT_POLL_TIMEOUT,
        };
        Some(Poll { until, every, timeout, span })
    }

    /// The snapshot a request step takes: the case's, extended or turned off by the step's own.
    fn step_snapshot(&mut self, step: &StepDoc, step_name: &str, step_span: &SourceSpan) -> Option<SnapshotSpec> {
        let own = step.snapshot.as_ref().and_then(|setting| self.snapshot_setting(setting));
        let mut spec = match (own, &self.case_snapshot) {
            (Some(SnapshotSetting::Off), _) | (None, None) => return None,
            (None, Some(inherited)) => inherited.clone(),
            (Some(SnapshotSetting::On(own)), None) => own,
            (Some(SnapshotSetting::On(own)), Some(inherited)) => {
                let mut merged = inherited.clone();
                merged.redact.extend(own.redact);
                merged.headers.extend(own.headers);
                merged
            }
        };
        spec.headers.sort();
        spec.headers.dedup();
        spec.name = crate::snapshot::name::slug(step_name);
        let at = step.snapshot.as_ref().map_or_else(|| step_span.clone(), |setting| self.span(setting));
        if let Some(first) = self.snapshot_names.get(&spec.name) {
            let help = format!(
                "the other step is at {}; snapshots are named after their step, so give the steps different names",
                first.position()
            );
            self.error(at, format!("two snapshotted steps are both named `{}`", spec.name)).add_help(help);
        } else {
            self.snapshot_names.insert(spec.name.clone(), at);
        }
        Some(spec)
    }

    /// Reads `snapshot: true | false | { redact: {...}, headers: [...] }`.
    fn snapshot_setting(&mut self, setting: &Spanned<Value>) -> Option<SnapshotSetting> {
        let span = self.span(setting);
        const SHAPE: &str = "`snapshot` is `true`, `false`, or a map with `redact` (JSONPath → placeholder) and `headers` (a list of names)";
        let fields = match &setting.value {
            Value::Bool(true) => return Some(SnapshotSetting::On(SnapshotSpec::default())),
            Value::Bool(false) => return Some(SnapshotSetting::Off),
            Value::Object(fields) => fields,
            _ => {
                self.error(span, "invalid `snapshot`").add_help(SHAPE);
                return None;
            }
        };
        let mut spec = SnapshotSpec::default();
        for (key, value) in fields {
            match (key.as_str(), value) {
                ("redact", Value::Object(redactions)) => {
                    for (query, placeholder) in redactions {
                        if let Some(redaction) = self.redaction(query, placeholder, &span) {
                            spec.redact.push(redaction);
                        }
                    }
                }
                ("headers", Value::Array(names)) => {
                    for name in names {
                        match name.as_str() {
                            Some(name) if !name.trim().is_empty() => {
                                spec.headers.push(name.trim().to_ascii_lowercase())
                            }
                            _ => {
                                self.error(span.clone(), "`snapshot.headers` lists header names, as strings");
                            }
                        }
                    }
                }
                ("redact" | "headers", _) => {
                    self.error(span.clone(), format!("invalid `snapshot.{key}`")).add_help(SHAPE);
                }
                (other, _) => {
                    let help = suggest::did_you_mean(other, keys::SNAPSHOT.iter().copied())
                        .unwrap_or_else(|| SHAPE.to_string());
                    self.error(span.clone(), format!("unknown key `{other}` in `snapshot`")).add_help(help);
                }
            }
        }
        Some(SnapshotSetting::On(spec))
    }

    fn redaction(&mut self, query: &str, placeholder: &Value, span: &SourceSpan) -> Option<Redaction> {
        let path = match serde_json_path::JsonPath::parse(query) {
            Ok(path) => path,
            Err(error) => {
                self.error(span.clone(), format!("invalid JSONPath `{query}` in `snapshot.redact`: {error}"))
                    .add_help("JSONPath queries start with `$`, as in `$.orderId`");
                return None;
            }
        };
        let name = placeholder.as_str().map(|text| text.trim().trim_start_matches('[').trim_end_matches(']'));
        match name {
            Some(name) if crate::snapshot::name::is_placeholder_name(name) => {
                Some(Redaction { source: query.to_string(), path, placeholder: name.to_string() })
            }
            _ => {
                self.error(span.clone(), format!("invalid placeholder for `{query}` in `snapshot.redact`"))
                    .add_help("a placeholder is a name of letters, digits, `_`, `-` or `.`, such as `order_id`; it is written `[order_id]`");
                None
            }
        }
    }

    fn duration(&mut self, text: &Spanned<String>) -> Option<Duration> {
        match parse_duration(&text.value) {
            Ok(duration) => Some(duration),
            Err(message) => {
                let span = self.span(text);
                self.error(span, message).add_help("write durations like `200ms`, `31s`, `2m` or `1h 30m`");
                None
            }
        }
    }

    fn template(&mut self, text: &Spanned<String>) -> Option<Template> {
        let span = self.span(text);
        match Template::compile(&text.value) {
            Ok(template) => {
                self.check_names(template.variables(), &span);
                Some(template)
            }
            Err(error) => {
                self.error(span, error.message);
                None
            }
        }
    }

    fn template_value(&mut self, value: &Value, span: &SourceSpan) -> Option<TemplateValue> {
        match TemplateValue::compile(value) {
            Ok(compiled) => {
                self.check_names(compiled.variables(), span);
                Some(compiled)
            }
            Err(error) => {
                self.error(span.clone(), error.message);
                None
            }
        }
    }

    fn check_names(&mut self, names: Vec<String>, span: &SourceSpan) {
        for name in names {
            if self.known.contains(&name) {
                continue;
            }
            let help = suggest::did_you_mean(&name, self.known.iter().map(String::as_str)).unwrap_or_else(|| {
                "define it under `vars:`, capture it in an earlier step, or use a namespace such as `merchant`".into()
            });
            let at = narrow_to_name(span, &name);
            self.error(at, format!("unknown variable `{name}`"))
                .add_label("not defined at this point of the case")
                .add_help(help);
        }
    }
}

/// The span of `name` inside the first `{{ }}` that mentions it at or after `span`, so that an
/// error in a large body points at the variable itself.
fn narrow_to_name(span: &SourceSpan, name: &str) -> SourceSpan {
    const SEARCH_LIMIT: usize = 4096;
    let text = &span.file.text;
    let start = span.range.start;
    let end = (start + SEARCH_LIMIT).min(text.len());
    let Some(region) = text.get(start..end) else { return span.clone() };
    let mut offset = 0;
    while let Some(open) = region[offset..].find("{{") {
        let expression_start = offset + open + 2;
        let Some(close) = region[expression_start..].find("}}") else { break };
        let expression = &region[expression_start..expression_start + close];
        let mut search = 0;
        while let Some(found) = expression[search..].find(name) {
            let at = search + found;
            let before = expression[..at].chars().next_back();
            let after = expression[at + name.len()..].chars().next();
            let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.');
            if !is_word(before) && !after.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                let absolute = start + expression_start + at;
                return SourceSpan::new(&span.file, absolute..absolute + name.len());
            }
            search = at + name.len();
        }
        offset = expression_start + close + 2;
    }
    span.clone()
}

/// Parses `200ms`, `31s`, `2m`, `1h 30m` (and ISO 8601 `PT31S`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let parsed: jiff::SignedDuration =
        text.trim().parse().map_err(|error| format!("invalid duration `{text}`: {error}"))?;
    Duration::try_from(parsed).map_err(|_| format!("invalid duration `{text}`: it is negative"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("200ms").unwrap(), Duration::from_millis(200));
        assert_eq!(parse_duration("31s").unwrap(), Duration::from_secs(31));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-5s").is_err());
    }
}
