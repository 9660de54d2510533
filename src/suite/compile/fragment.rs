//! Fragment calls: `call: NAME` with `with:` arguments runs the fragment's steps in place of the
//! call, with the arguments put in place of the parameters; what the steps capture is the
//! caller's afterwards.
//!
//! Checked here, at the call: the fragment exists (else "did you mean"), every argument is a
//! parameter (else "did you mean") and every parameter without a default has one, the call is
//! not part of a cycle, and the arguments read only names the caller has. Inside the fragment,
//! its templates may read its parameters, what its own steps captured before, and the runner's
//! namespaces. Every mistake inside a fragment names the calls that reached it.

use std::collections::BTreeSet;

use serde_json::Value;
use serde_saphyr::Spanned;

use super::{CallSite, Compiler};
use crate::suite::case::{Action, Step};
use crate::suite::case_format::StepDoc;
use crate::suite::library::Fragment;
use crate::suite::substitute::{self, Arguments};
use crate::suite::suggest;
use crate::template::environment;

/// How deep calls may nest.
const MAX_DEPTH: usize = 16;

impl Compiler<'_> {
    /// Expands a `call:` step into the fragment's steps.
    pub(super) fn call(&mut self, doc: &Spanned<StepDoc>, out: &mut Vec<Step>) {
        let span = self.span(doc);
        let step = &doc.value;
        let Some(call) = &step.call else { return };
        let call_span = self.span(call);
        let allowed = step.request.is_none()
            && step.wait.is_none()
            && step.await_callback.is_none()
            && step.expect.is_none()
            && step.capture.is_empty()
            && step.poll.is_none()
            && step.snapshot.is_none()
            && step.covers.is_empty()
            && step.name.is_none();
        if !allowed {
            self.error(span, "a `call:` step takes only `with:`, `only:`, `when:` and `violates:`").add_help(
                "the fragment's own steps make the requests and checks; put more checks in a step after the call",
            );
            return;
        }
        // Fragments are looked up where the file holding the call sees them.
        let scope = self.fragment_scope();
        let Some(fragment) = scope.fragment(&call.value, self.library) else {
            let help = suggest::did_you_mean(&call.value, scope.fragment_names()).unwrap_or_else(|| {
                "fragments are the files under a `_fragments/` folder of the case's folder or one above it".into()
            });
            self.error(call_span, format!("unknown fragment `{}`", call.value))
                .add_label("no such fragment")
                .add_help(help);
            return;
        };
        if let Some(first) = self.chain.iter().position(|site| site.fragment == fragment.name) {
            let mut names: Vec<&str> = self.chain[first..].iter().map(|site| site.fragment.as_str()).collect();
            names.push(&fragment.name);
            let cycle = names.join(" → ");
            self.error(call_span, format!("fragment cycle: {cycle}"))
                .add_label("this call starts the cycle again")
                .add_help("a fragment cannot call itself, directly or through others");
            return;
        }
        if self.chain.len() >= MAX_DEPTH {
            self.error(call_span, format!("fragment calls nest more than {MAX_DEPTH} deep"));
            return;
        }
        let Some(arguments) = self.arguments(doc, &fragment) else { return };
        let declared = self.violates(step);
        let first = out.len();
        let first_expanded = self.expanded.as_ref().map(Vec::len);
        let only = step.only.as_ref().map(|spec| self.apis(spec));
        let saved_only = self.call_only.clone();
        if let Some(only) = only {
            self.call_only = Some(match &saved_only {
                Some(outer) => only.into_iter().filter(|api| outer.contains(api)).collect(),
                None => only,
            });
        }
        let caller_file = std::sync::Arc::clone(&self.file);
        self.chain.push(CallSite {
            span: call_span,
            fragment: fragment.name.clone(),
            scope: std::sync::Arc::clone(&fragment.scope),
        });
        self.file = std::sync::Arc::clone(&fragment.file);
        let mut frame: BTreeSet<String> = fragment.doc.params.keys().cloned().collect();
        frame.extend(environment::NAMESPACES.iter().chain(environment::FUNCTIONS).map(|name| name.to_string()));
        for fragment_step in &fragment.doc.steps {
            let mut instance = fragment_step.clone();
            self.check_fragment_names(&mut instance, &frame, &fragment);
            frame.extend(instance.value.capture.keys().cloned());
            substitute::step(&mut instance.value, &arguments);
            if let Some(inner) =
                instance.value.call.as_ref().and_then(|name| fragment.scope.fragment(&name.value, self.library))
            {
                frame.extend(captures_of(&inner, self.library, 0));
            }
            self.steps(std::slice::from_ref(&instance), out);
        }
        self.file = caller_file;
        self.chain.pop();
        self.call_only = saved_only;
        for expanded in out.iter_mut().skip(first).filter(|step| matches!(step.action, Action::Exchange(_))) {
            expanded.violates.extend(declared.iter().cloned());
        }
        // `list --expanded` shows the call's `violates:` on each request step it applies to.
        if let (Some(expanded), Some(first)) = (&mut self.expanded, first_expanded) {
            for doc in expanded.iter_mut().skip(first).filter(|doc| doc.value.request.is_some()) {
                doc.value.violates.extend(step.violates.iter().cloned());
            }
        }
    }

    /// The scope fragments are found in: the case's, or the fragment's being expanded.
    fn fragment_scope(&self) -> std::sync::Arc<crate::suite::library::Scope> {
        std::sync::Arc::clone(self.chain.last().map_or(&self.scope, |site| &site.scope))
    }

    /// The call's arguments, with the parameters' defaults for those not given.
    fn arguments(&mut self, doc: &Spanned<StepDoc>, fragment: &Fragment) -> Option<Arguments> {
        let step = &doc.value;
        let call_span = step.call.as_ref().map_or_else(|| self.span(doc), |call| self.span(call));
        let mut ok = true;
        let params = &fragment.doc.params;
        for (name, value) in &step.with {
            if !params.contains_key(name) {
                let span = self.span(value);
                let help = suggest::did_you_mean(name, params.keys().map(String::as_str)).unwrap_or_else(|| {
                    let list: Vec<&str> = params.keys().map(String::as_str).collect();
                    if list.is_empty() {
                        "it takes no arguments".into()
                    } else {
                        format!("its parameters are: {}", list.join(", "))
                    }
                });
                self.error(span, format!("fragment `{}` has no parameter `{name}`", fragment.name))
                    .add_label("not a parameter")
                    .add_help(help);
                ok = false;
            }
        }
        let mut arguments = Arguments::new();
        for (name, param) in params {
            match (step.with.get(name), param.value.as_ref().and_then(|param| param.default.as_ref())) {
                (Some(given), _) => {
                    let span = self.span(given);
                    if self.template_value(&given.value, &span).is_none() {
                        ok = false;
                    }
                    arguments.insert(name.clone(), given.value.clone());
                }
                (None, Some(default)) => {
                    // A default may read the parameters written before it
                    // (`"v1/{{ method }}.response.json"`), then the caller's names
                    // (`"{{ amount }}"`): the caller must have those.
                    let mut default = default.clone();
                    substitute::value(&mut default, &arguments);
                    if self.template_value(&default, &call_span).is_none() {
                        ok = false;
                    }
                    arguments.insert(name.clone(), default);
                }
                (None, None) => {
                    let defined = crate::suite::source::SourceSpan::from_location(&fragment.file, &param.referenced);
                    self.error(
                        call_span.clone(),
                        format!("missing argument `{name}` for fragment `{}`", fragment.name),
                    )
                    .add_label("the call does not give it")
                    .add_help(format!(
                        "add `{name}:` under `with:` (the parameter is at {}, with no default)",
                        defined.position()
                    ));
                    ok = false;
                }
            }
        }
        // An argument must not read a name the fragment captures: the fragment's capture would
        // change what the argument means half-way through it.
        let captured = captures_of(fragment, self.library, 0);
        for (name, value) in &step.with {
            let mut read = Vec::new();
            collect_names(&value.value, &mut read);
            if let Some(clash) = read.iter().find(|read| captured.contains(*read)) {
                let span = self.span(value);
                self.error(
                    span,
                    format!("argument `{name}` reads `{clash}`, which fragment `{}` captures", fragment.name),
                )
                .add_help("keep the value under another name (`vars:` or a capture) before the call");
                ok = false;
            }
        }
        ok.then_some(arguments)
    }

    /// Checks the names a fragment step reads against the fragment's own: its parameters, its
    /// earlier captures, the runner's namespaces and functions.
    fn check_fragment_names(&mut self, step: &mut Spanned<StepDoc>, frame: &BTreeSet<String>, fragment: &Fragment) {
        let span = self.span(step);
        for name in substitute::names_read(&mut step.value) {
            if frame.contains(&name) {
                continue;
            }
            let help = suggest::did_you_mean(&name, frame.iter().map(String::as_str)).unwrap_or_else(|| {
                "a fragment reads its parameters (`params:`), what its steps captured, and the runner's namespaces"
                    .to_string()
            });
            let at = super::narrow_to_name(&span, &name);
            self.error(at, format!("unknown variable `{name}` in fragment `{}`", fragment.name))
                .add_label("not a parameter or an earlier capture of the fragment")
                .add_help(help);
        }
    }
}

/// Every name a fragment's steps capture, those of the fragments it calls included.
fn captures_of(fragment: &Fragment, library: &crate::suite::library::Library, depth: usize) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    if depth > MAX_DEPTH {
        return names;
    }
    for step in &fragment.doc.steps {
        names.extend(step.value.capture.keys().cloned());
        if let Some(inner) = step.value.call.as_ref().and_then(|name| fragment.scope.fragment(&name.value, library)) {
            names.extend(captures_of(&inner, library, depth + 1));
        }
    }
    names
}

fn collect_names(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::String(text) if text.contains("{{") => {
            if let Ok(template) = crate::template::Template::compile(text) {
                names
                    .extend(template.variables().iter().map(|path| path.split('.').next().unwrap_or(path).to_string()));
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_names(item, names)),
        Value::Object(map) => map.values().for_each(|item| collect_names(item, names)),
        _ => {}
    }
}
