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

use crate::template::{Template, TemplateValue, environment};

use super::api::{self, API_NAMES, Api};
use super::case::{Action, Case, Declared, Exchange, Expectations, SnapshotSpec, Step, Variable};
use super::case_format::{CaseDoc, OneOrMany, RequestDoc, StepDoc};
use super::clauses::{Clause, ClauseCatalogue, ClauseRef};
use super::diagnostic::{Diagnostic, Diagnostics};
use super::needs::Needs;
use super::schema_registry::SchemaRegistry;
use super::source::{SourceFile, SourceSpan};
use super::{suggest, yaml};

mod callback;
mod duration;
mod expect;
mod request;
mod snapshot;

pub use duration::parse_duration;

const DEFAULT_POLL_EVERY: Duration = Duration::from_millis(200);
const DEFAULT_POLL_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_CALLBACK_TIMEOUT: Duration = Duration::from_secs(10);
/// Where `sign` puts the signature unless told otherwise (Gate requests, spec 5.2).
const DEFAULT_SIGNATURE_FIELD: &str = "general.signature";
/// The namespace holding the callback listener's URL.
const CALLBACK_NAMESPACE: &str = "callback";

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
        uses_callbacks: false,
        needs: Needs::default(),
        case_snapshot: None,
        snapshot_names: BTreeMap::new(),
        captured: BTreeSet::new(),
        reads: BTreeSet::new(),
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
    /// Whether a step awaits a callback or a template reads `callback`.
    uses_callbacks: bool,
    /// What the templates read of the target.
    needs: Needs,
    /// The case's `snapshot:`, which every request step inherits.
    case_snapshot: Option<SnapshotSpec>,
    /// Snapshot names taken so far in the case, and where.
    snapshot_names: BTreeMap<String, SourceSpan>,
    /// Names captured by the steps compiled so far.
    captured: BTreeSet<String>,
    /// Names captured by earlier steps that the step being compiled reads.
    reads: BTreeSet<String>,
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
        let clauses: Vec<ClauseRef> = doc.covers.iter().filter_map(|clause| self.clause(clause)).collect();
        let covers = doc.covers.iter().map(|clause| clause.value.clone()).collect();
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
        let uses_callbacks = self.uses_callbacks;
        Case {
            file: Arc::clone(self.file),
            name,
            description: doc.description,
            covers,
            clauses,
            tags,
            apis,
            vars,
            steps,
            uses_callbacks,
            needs: std::mem::take(&mut self.needs),
        }
    }

    fn clause(&mut self, clause: &Spanned<String>) -> Option<ClauseRef> {
        let id = &clause.value;
        let reference = self.context.clauses.reference(id);
        if reference.is_none() {
            let span = self.span(clause);
            let help = suggest::did_you_mean(id, self.context.clauses.ids())
                .unwrap_or_else(|| "clause ids are listed in clauses.yaml".to_string());
            self.error(span, format!("unknown clause `{id}`")).add_label("not in the clause catalogue").add_help(help);
        }
        reference
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
        let covers = step.covers.iter().filter_map(|clause| self.clause(clause)).collect();
        let violates = self.violates(step);
        self.reads.clear();
        let chosen: Vec<&str> = [
            ("request", step.request.is_some()),
            ("wait", step.wait.is_some()),
            ("await_callback", step.await_callback.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, present)| present.then_some(key))
        .collect();
        if chosen.len() > 1 {
            self.error(span, format!("a step does one thing, but this one has `{}`", chosen.join("` and `")))
                .add_help("split it into one step each");
            return None;
        }
        let action = if let Some(request) = &step.request {
            let mut exchange = self.exchange(request, step)?;
            exchange.snapshot = self.step_snapshot(step, &name, &span);
            Action::Exchange(Box::new(exchange))
        } else if let Some(wait) = &step.wait {
            if step.expect.is_some() || !step.capture.is_empty() || step.poll.is_some() || step.snapshot.is_some() {
                self.error(span.clone(), "a `wait` step cannot have `expect`, `capture`, `poll` or `snapshot`")
                    .add_help("put the checks in the next step");
            }
            Action::Wait(self.duration(wait, &duration::WAIT)?)
        } else if let Some(awaited) = &step.await_callback {
            self.uses_callbacks = true;
            let mut awaited = self.await_callback(awaited, step)?;
            awaited.snapshot = self.step_snapshot(step, &name, &span);
            Action::AwaitCallback(Box::new(awaited))
        } else {
            self.error(span, "the step does nothing")
                .add_help("give it a `request:`, a `wait:` or an `await_callback:`");
            return None;
        };
        let needs = std::mem::take(&mut self.reads).into_iter().collect();
        self.captured.extend(step.capture.keys().cloned());
        Some(Step { number, name, span, only, covers, violates, needs, action })
    }

    /// `violates:`: client clauses (or templates computing them), on a request step.
    fn violates(&mut self, step: &StepDoc) -> Vec<Declared> {
        let mut ids = Vec::new();
        for clause in &step.violates {
            if step.request.is_some() && clause.value.contains("{{") {
                ids.extend(self.template(clause).map(|template| Declared::Computed(Arc::new(template))));
                continue;
            }
            let Some(reference) = self.clause(clause) else { continue };
            if !reference.id.starts_with(Clause::CLIENT_AREA) {
                let span = self.span(clause);
                self.error(span, format!("`{}` is not a client clause", reference.id)).add_help(
                    "`violates` names what the request breaks of the client contract: ids starting with `client.`",
                );
                continue;
            }
            if step.request.is_none() {
                let span = self.span(clause);
                self.error(span, "only a request step can break the client contract");
                continue;
            }
            ids.push(Declared::Clause(reference));
        }
        ids
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
        for path in names {
            self.needs.note(&path);
            let name = path.split('.').next().unwrap_or(&path).to_string();
            if name == CALLBACK_NAMESPACE {
                self.uses_callbacks = true;
            }
            if self.captured.contains(&name) {
                self.reads.insert(name.clone());
            }
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
