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
use super::library::{Library, Scope};
use super::matrix;
use super::needs::Needs;
use super::schema_registry::SchemaRegistry;
use super::source::{SourceFile, SourceSpan};
use super::{suggest, yaml};

mod callback;
mod concurrent;
mod defaults;
mod duration;
mod expect;
mod fragment;
mod load_time;
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

/// Parses and compiles one case file on its own (no folder defaults, no fragments); a matrix
/// case gives its first run.
pub fn compile_case(file: &Arc<SourceFile>, context: &CompileContext<'_>) -> Result<Case, Diagnostics> {
    let library = Library::default();
    let cases = compile_file(file, context, &library.scope(&file.path), &library)?;
    cases.into_iter().next().ok_or_else(|| Diagnostics::from(Diagnostic::in_file(file.display_path(), "no case")))
}

/// Parses and compiles one case file with its folder's defaults and fragments: one case, or one
/// per row of its matrix.
pub fn compile_file(
    file: &Arc<SourceFile>,
    context: &CompileContext<'_>,
    scope: &Arc<Scope>,
    library: &Library,
) -> Result<Vec<Case>, Diagnostics> {
    let doc: CaseDoc = yaml::parse(file)?;
    let rows = matrix::rows(file, doc.matrix.as_ref()).map_err(Diagnostics::from)?;
    if doc.matrix.is_some() && doc.snapshot.is_some() {
        let span =
            SourceSpan::from_location(file, &doc.snapshot.as_ref().map_or(doc.name.referenced, |s| s.referenced));
        return Err(Diagnostic::at(span, "a matrix case cannot take snapshots")
            .with_help("snapshot names come from the case file; move the snapshot to a case of its own")
            .into());
    }
    let mut cases = Vec::with_capacity(rows.len());
    let mut diagnostics = Diagnostics::default();
    for row in &rows {
        let mut compiler = Compiler::new(file, context, scope, library);
        let case = compiler.case(&doc, row.as_ref());
        if compiler.diagnostics.is_empty() {
            cases.push(case);
        } else {
            diagnostics.0.extend(compiler.diagnostics.0);
            break;
        }
    }
    if diagnostics.is_empty() { Ok(cases) } else { Err(diagnostics) }
}

/// Expands a case for reading: its folder defaults applied, its fragment calls replaced by their
/// steps with the arguments in place; the first row of a matrix.
pub fn expand_file(
    file: &Arc<SourceFile>,
    context: &CompileContext<'_>,
    scope: &Arc<Scope>,
    library: &Library,
) -> Result<CaseDoc, Diagnostics> {
    let mut doc: CaseDoc = yaml::parse(file)?;
    let rows = matrix::rows(file, doc.matrix.as_ref()).map_err(Diagnostics::from)?;
    let mut compiler = Compiler::new(file, context, scope, library);
    compiler.expanded = Some(Vec::new());
    compiler.case(&doc, rows.first().and_then(Option::as_ref));
    if !compiler.diagnostics.is_empty() {
        return Err(compiler.diagnostics);
    }
    let defaults = &scope.defaults;
    let mut vars: indexmap::IndexMap<String, Spanned<Value>> =
        defaults.vars.iter().map(|(name, value)| (name.clone(), value.value.clone())).collect();
    vars.extend(std::mem::take(&mut doc.vars));
    doc.vars = vars;
    let mut tags: Vec<Spanned<String>> =
        defaults.tags.iter().map(|tag| Spanned::new(tag.clone(), doc.name.referenced, doc.name.defined)).collect();
    tags.extend(std::mem::take(&mut doc.tags).into_iter().filter(|tag| !defaults.tags.contains(&tag.value)));
    doc.tags = tags;
    if doc.api.is_none()
        && let Some(apis) = &defaults.apis
    {
        let names = apis.iter().map(|api| api.name().to_string()).collect();
        doc.api = Some(Spanned::new(OneOrMany::Many(names), doc.name.referenced, doc.name.defined));
    }
    doc.steps = compiler.expanded.take().unwrap_or_default();
    Ok(doc)
}

/// A fragment call being expanded: where it is and what it calls.
#[derive(Debug, Clone)]
struct CallSite {
    span: SourceSpan,
    fragment: String,
    /// What the called fragment's own calls see.
    scope: Arc<Scope>,
}

struct Compiler<'a> {
    file: Arc<SourceFile>,
    context: &'a CompileContext<'a>,
    /// The case folder's defaults and fragments.
    scope: Arc<Scope>,
    library: &'a Library,
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
    /// The fragment calls that led to the steps being compiled, outermost first.
    chain: Vec<CallSite>,
    /// The `only:` of the calls being expanded.
    call_only: Option<Vec<Api>>,
    /// The number the next step gets.
    next_number: usize,
    /// The steps as expanded, when `paycheck list --expanded` asks for them.
    expanded: Option<Vec<Spanned<StepDoc>>>,
    /// For a run of a matrix: its values and the case's plain `vars`, which a `covers:` entry
    /// written as a template reads (`"{{ clause }}"`) to name the run's own clauses.
    row_scope: Option<crate::template::Scope>,
    /// What a step name or spread template reads when the case loads: the run's values and
    /// the case's `vars` that are not templates themselves.
    load_scope: load_time::LoadScope,
}

/// A `snapshot:` value as written: off, or on with options.
enum SnapshotSetting {
    Off,
    On(SnapshotSpec),
}

impl<'a> Compiler<'a> {
    fn new(
        file: &Arc<SourceFile>,
        context: &'a CompileContext<'a>,
        scope: &Arc<Scope>,
        library: &'a Library,
    ) -> Compiler<'a> {
        Compiler {
            file: Arc::clone(file),
            context,
            scope: Arc::clone(scope),
            library,
            diagnostics: Diagnostics::default(),
            known: BTreeSet::new(),
            uses_callbacks: false,
            needs: Needs::default(),
            case_snapshot: None,
            snapshot_names: BTreeMap::new(),
            captured: BTreeSet::new(),
            reads: BTreeSet::new(),
            chain: Vec::new(),
            call_only: None,
            next_number: 1,
            expanded: None,
            row_scope: None,
            load_scope: load_time::LoadScope::default(),
        }
    }
}

impl Compiler<'_> {
    fn span<T>(&self, spanned: &Spanned<T>) -> SourceSpan {
        SourceSpan::from_location(&self.file, &spanned.referenced)
    }

    /// Records an error; inside a fragment, it names the calls that reached it.
    fn error(&mut self, span: SourceSpan, message: impl Into<String>) -> &mut Diagnostic {
        let mut diagnostic = Diagnostic::at(span, message);
        diagnostic.notes = self
            .chain
            .iter()
            .rev()
            .map(|call| format!("in fragment `{}`, called at {}", call.fragment, call.span.position()))
            .collect();
        self.diagnostics.push(diagnostic);
        let last = self.diagnostics.0.len() - 1;
        &mut self.diagnostics.0[last]
    }

    fn case(&mut self, doc: &CaseDoc, row: Option<&matrix::Row>) -> Case {
        let name_span = self.span(&doc.name);
        let mut name = doc.name.value.trim().to_string();
        if name.is_empty() {
            self.error(name_span.clone(), "the case has an empty name");
        }
        if let Some(row) = row {
            name = format!("{name} [{}]", row.label);
        }
        let defaults = Arc::clone(&self.scope.defaults);
        self.load_scope = load_time::LoadScope::new(row, doc);
        if row.is_some() {
            self.row_scope = Some(self.load_scope.scope.clone());
        }
        let ids: Vec<Spanned<String>> = doc.covers.iter().flat_map(|clause| self.covered_ids(clause)).collect();
        let clauses: Vec<ClauseRef> = ids.iter().filter_map(|clause| self.clause(clause)).collect();
        let covers = ids.into_iter().map(|clause| clause.value).collect();
        let mut tags = defaults.tags.clone();
        tags.extend(doc.tags.iter().map(|tag| tag.value.clone()).filter(|tag| !defaults.tags.contains(tag)));
        let apis = match (&doc.api, &defaults.apis) {
            (Some(spec), _) => self.apis(spec),
            (None, Some(apis)) => apis.clone(),
            (None, None) => vec![Api::Router, Api::Bank],
        };
        self.known.extend(environment::NAMESPACES.iter().map(|name| name.to_string()));
        self.known.extend(environment::FUNCTIONS.iter().map(|name| name.to_string()));
        let mut vars = Vec::new();
        if let Some(row) = row {
            let span = SourceSpan::from_location(&self.file, &row.location);
            for (var_name, value) in &row.values {
                if let Some(value) = self.template_value(value, &span) {
                    vars.push(Variable { name: var_name.clone(), value, span: span.clone() });
                }
                self.known.insert(var_name.clone());
            }
        }
        let case_file = Arc::clone(&self.file);
        for (var_name, value) in defaults.vars.iter().filter(|(name, _)| !doc.vars.contains_key(*name)) {
            self.file = Arc::clone(&value.file);
            let span = self.span(&value.value);
            if let Some(value) = self.template_value(&value.value.value, &span) {
                vars.push(Variable { name: var_name.clone(), value, span });
            }
            self.known.insert(var_name.clone());
        }
        self.file = case_file;
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
        let mut steps = Vec::new();
        self.steps(&doc.steps, &mut steps);
        let uses_callbacks = self.uses_callbacks;
        Case {
            file: Arc::clone(&self.file),
            variant: row.map(|row| row.label.clone()),
            name,
            description: doc.description.clone(),
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

    /// The clause ids a `covers:` entry names: itself, or, in a run of a matrix, what a template
    /// entry renders to from the run's values.
    fn covered_ids(&mut self, clause: &Spanned<String>) -> Vec<Spanned<String>> {
        if self.row_scope.is_none() || !clause.value.contains("{{") {
            return vec![clause.clone()];
        }
        let span = self.span(clause);
        let ids = self.rendered_ids(&clause.value, &span);
        ids.into_iter().map(|id| Spanned::new(id, clause.referenced, clause.defined)).collect()
    }

    /// A `covers:` entry as ids: in a run of a matrix, a template renders to an id, a list of
    /// them or ids separated by commas, from the run's values and the case's plain `vars`.
    pub(super) fn rendered_ids(&mut self, entry: &str, span: &SourceSpan) -> Vec<String> {
        let Some(scope) = self.row_scope.as_ref().filter(|_| entry.contains("{{")) else {
            return vec![entry.to_string()];
        };
        let rendered = crate::template::Template::compile(entry)
            .map_err(|error| error.to_string())
            .and_then(|template| template.render_value(scope).map_err(|error| error.to_string()));
        match rendered {
            Ok(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            Ok(Value::String(text)) => {
                text.split(',').map(str::trim).filter(|id| !id.is_empty()).map(str::to_string).collect()
            }
            Ok(other) => {
                self.error(span.clone(), format!("`covers` entry renders to {other}, not clause ids"));
                Vec::new()
            }
            Err(message) => {
                self.error(span.clone(), format!("`covers` entry cannot be computed when the case loads: {message}"))
                    .add_help("it may read the matrix's values and the case's `vars` that hold no templates");
                Vec::new()
            }
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

    /// Compiles steps in order, expanding fragment calls and applying the folder defaults.
    fn steps(&mut self, docs: &[Spanned<StepDoc>], out: &mut Vec<Step>) {
        for doc in docs {
            if !self.kept_in_this_run(doc) {
                continue;
            }
            if doc.value.call.is_some() {
                self.call(doc, out);
                continue;
            }
            let worked_out = self.work_out_at_load(doc);
            let doc = worked_out.as_ref().unwrap_or(doc);
            let with_defaults = self.apply_defaults(doc);
            let doc = with_defaults.as_ref().unwrap_or(doc);
            if let Some(expanded) = &mut self.expanded {
                expanded.push(doc.clone());
            }
            let number = self.next_number;
            self.next_number += 1;
            if let Some(step) = self.step(number, doc) {
                out.push(step);
            }
        }
    }

    fn step(&mut self, number: usize, doc: &Spanned<StepDoc>) -> Option<Step> {
        let span = self.span(doc);
        let step = &doc.value;
        let name = step.name.as_ref().map_or_else(|| format!("step {number}"), |name| name.value.clone());
        let only = match (step.only.as_ref().map(|spec| self.apis(spec)), &self.call_only) {
            (Some(own), Some(call)) => Some(own.into_iter().filter(|api| call.contains(api)).collect()),
            (own, call) => own.or_else(|| call.clone()),
        };
        if step.call.is_none() && !step.with.is_empty() {
            self.error(span.clone(), "`with:` gives a fragment's arguments, but the step calls no fragment")
                .add_help("add `call: NAME`, or remove `with:`");
        }
        let ids: Vec<Spanned<String>> = step.covers.iter().flat_map(|clause| self.covered_ids(clause)).collect();
        let covers = ids.iter().filter_map(|clause| self.clause(clause)).collect();
        let violates = self.violates(step);
        self.reads.clear();
        let chosen: Vec<&str> = [
            ("request", step.request.is_some()),
            ("wait", step.wait.is_some()),
            ("await_callback", step.await_callback.is_some()),
            ("concurrent", step.concurrent.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, present)| present.then_some(key))
        .collect();
        if step.concurrent.is_none() && !step.expect_one_of.is_empty() {
            self.error(span.clone(), "`expect_one_of` lists the outcomes of a race, but the step has no `concurrent`")
                .add_help("send the requests together under `concurrent:`, or use `expect`");
        }
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
        } else if let Some(group) = &step.concurrent {
            let group = self.concurrent(number, doc, group)?;
            self.captured.extend(group.capture_names().map(str::to_string).collect::<Vec<_>>());
            Action::Concurrent(Box::new(group))
        } else if let Some(awaited) = &step.await_callback {
            self.uses_callbacks = true;
            let mut awaited = self.await_callback(awaited, step)?;
            awaited.snapshot = self.step_snapshot(step, &name, &span);
            Action::AwaitCallback(Box::new(awaited))
        } else {
            self.error(span, "the step does nothing")
                .add_help("give it a `request:`, a `wait:`, an `await_callback:` or a `concurrent:` group");
            return None;
        };
        let needs = std::mem::take(&mut self.reads).into_iter().collect();
        self.captured.extend(step.capture.keys().cloned());
        Some(Step { number, name, span, only, covers, violates, needs, action })
    }

    /// `violates:`: client clauses (or templates computing them), on a request step or a call
    /// (where they apply to every request step the fragment runs).
    pub(super) fn violates(&mut self, step: &StepDoc) -> Vec<Declared> {
        let mut ids = Vec::new();
        let sends = step.request.is_some() || step.call.is_some();
        for clause in &step.violates {
            if sends && clause.value.contains("{{") {
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
            if !sends {
                let span = self.span(clause);
                self.error(span, "only a request step (or a call of one) can break the client contract");
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
            if self.known.contains(&name) || !self.chain.is_empty() {
                // Inside a fragment, the names were checked against its parameters before the
                // arguments were put in place.
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
