//! Taking a step's snapshot: render the response with the snapshot library, compare it with the
//! accepted file, and record the text, how it compared and the fields that changed, with a check
//! of kind `Snapshot` carrying the diff. A changed, new or vanished exchange does not fail its
//! step: it is judged once for the run, in "what changed" (`outcome::Changes`), which fails the
//! run or warns as the target says. Only a snapshot that cannot be read or written fails the step. Which steps take one is the run's policy
//! ([`crate::snapshot::SnapshotPolicy`]): with `all`, every exchange, named after its step.

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;

use crate::outcome::result::{SnapshotRecord, SnapshotStatus};
use crate::outcome::{CheckKind, CheckResult, StepResult, StepStatus};
use crate::snapshot::SnapshotPolicy;
use crate::snapshot::changes::field_changes;
use crate::snapshot::inputs::{self, InputReference};
use crate::snapshot::name::{self, SnapshotName};
use crate::snapshot::render::{Normalisation, SnapshotInput, render_snapshot};
use crate::snapshot::replacements::Replacements;
use crate::snapshot::store::{Assertion, Metadata, WritePolicy};
use crate::suite::api::Api;
use crate::suite::case::{Action, Case, SnapshotSpec, Step};
use crate::template::Scope;

use super::RunContext;
use super::followups::{Concluded, Followups};
use super::http::Received;

/// The snapshot settings of a step under the run's policy: its own (or its case's) with
/// `opt-in`; its own or the defaults with `all`; none with `off`, or when the step says
/// `snapshot: false`.
pub fn spec_for<'a>(context: &RunContext, own: Option<&'a SnapshotSpec>) -> Option<std::borrow::Cow<'a, SnapshotSpec>> {
    match (context.snapshots.settings.policy, own) {
        (SnapshotPolicy::Off, _) | (SnapshotPolicy::OptIn, None) => None,
        (_, Some(spec)) if spec.off => None,
        (_, Some(spec)) => Some(std::borrow::Cow::Borrowed(spec)),
        (SnapshotPolicy::All, None) => Some(std::borrow::Cow::Owned(SnapshotSpec::default())),
    }
}

/// What the snapshots of one case run share, worked out once for the run rather than at every
/// step: each step's snapshot name, and the case's inputs as references (worked out again only
/// after a step captured something).
pub struct CaseSnapshots {
    /// The case's key.
    key: String,
    /// The API the case runs on.
    api: Api,
    /// Each exchange step's name, by step number; empty when the run takes no snapshots.
    names: Vec<(usize, SnapshotName)>,
    /// The names of the case's inputs (its variables, then what its steps capture), in order.
    input_names: Vec<String>,
    /// Each input's references and all of them merged, worked out when first asked for and
    /// again only for a name a step captured since.
    inputs: Mutex<InputCache>,
}

/// The references of a case run's inputs, as far as they are known.
#[derive(Default)]
struct InputCache {
    /// By input name (as `CaseSnapshots::input_names`); `None` until worked out, or once captured again.
    leaves: Vec<Option<Vec<InputReference>>>,
    /// All of them merged, until a capture.
    merged: Option<Arc<Replacements>>,
}

impl CaseSnapshots {
    /// The names of a case run's snapshots. A step's name is its name as a slug, with `-2`,
    /// `-3`, ... for later exchanges of the run whose names give the same slug (steps that
    /// send or await something on this API: `wait` steps and steps `only:` for another API
    /// have no exchange here), after the matrix values' slug.
    pub fn new(context: &RunContext, case: &Case, api: Api) -> CaseSnapshots {
        let mut names = Vec::new();
        let mut key = String::new();
        if context.snapshots.settings.policy != SnapshotPolicy::Off {
            key = context.snapshots.case_key(&case.file.path);
            let variant = case.variant.as_deref().map(name::slug);
            let mut seen: HashMap<String, usize> = HashMap::new();
            let runs_here = |step: &&Step| step.only.as_ref().is_none_or(|only| only.contains(&api));
            for step in case.steps.iter().filter(|step| !matches!(step.action, Action::Wait(_))).filter(runs_here) {
                let slug = name::slug(&step.name);
                let count = seen.entry(slug.clone()).or_default();
                *count += 1;
                let exchange = if *count == 1 { slug } else { format!("{slug}-{count}") };
                let exchange = match &variant {
                    Some(variant) => format!("{variant}__{exchange}"),
                    None => exchange,
                };
                names.push((step.number, SnapshotName::new(&key, api, &exchange)));
            }
        }
        let input_names = if names.is_empty() { Vec::new() } else { input_names(case) };
        let inputs = InputCache { leaves: vec![None; input_names.len()], merged: None };
        CaseSnapshots { key, api, names, input_names, inputs: Mutex::new(inputs) }
    }

    /// Says that a step captured these values: the next snapshot works their references out again.
    pub fn inputs_changed<'n>(&self, captured: impl IntoIterator<Item = &'n str>) {
        let mut inputs = self.inputs.lock().unwrap_or_else(PoisonError::into_inner);
        for name in captured {
            if let Some(index) = self.input_names.iter().position(|known| known == name) {
                inputs.leaves[index] = None;
                inputs.merged = None;
            }
        }
    }

    /// The step's snapshot name (a step of another case, which the engine never asks for, is
    /// named after its own slug).
    fn name_of(&self, step: &Step) -> Cow<'_, SnapshotName> {
        match self.names.iter().find(|(number, _)| *number == step.number) {
            Some((_, name)) => Cow::Borrowed(name),
            None => Cow::Owned(SnapshotName::new(&self.key, self.api, &name::slug(&step.name))),
        }
    }

    /// The case's inputs in `scope` as references (worked out again only for what was captured).
    pub fn references(&self, scope: &Scope) -> Arc<Replacements> {
        let mut inputs = self.inputs.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(merged) = &inputs.merged {
            return Arc::clone(merged);
        }
        for (name, leaves) in self.input_names.iter().zip(inputs.leaves.iter_mut()) {
            if leaves.is_none() {
                let mut found = Vec::new();
                scope.walk_strings(name, inputs::MAX_DEPTH, &mut |path, text| inputs::add_leaf(path, text, &mut found));
                *leaves = Some(found);
            }
        }
        let merged = Arc::new(inputs::replacements(inputs::merge(inputs.leaves.iter().flatten().map(Vec::as_slice))));
        inputs.merged = Some(Arc::clone(&merged));
        merged
    }
}

/// The names of a case's inputs: its variables, then the values its steps capture, each once.
fn input_names(case: &Case) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let captured = case.steps.iter().flat_map(|step| match &step.action {
        Action::Exchange(exchange) => exchange.captures.as_slice(),
        Action::AwaitCallback(awaited) => awaited.captures.as_slice(),
        Action::Wait(_) | Action::Concurrent(_) => &[],
    });
    for name in case.vars.iter().map(|variable| &variable.name).chain(captured.map(|capture| &capture.name)) {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    for name in case.steps.iter().flat_map(|step| match &step.action {
        Action::Concurrent(group) => group.capture_names().collect(),
        _ => Vec::new(),
    }) {
        if !names.iter().any(|known| known == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// A snapshot a step asked for, taken later: while the case's next request is in flight (see
/// [`HeldSnapshot`]), so that rendering and comparing it, and working out the case's inputs as
/// references, does not stand between one request and the next.
pub struct PendingSnapshot<'a> {
    followups: Followups<'a>,
    spec: Cow<'a, SnapshotSpec>,
    received: Received,
    json: Option<serde_json::Value>,
}

impl<'a> PendingSnapshot<'a> {
    /// The snapshot of a step whose checks and captures are done.
    pub fn new(
        followups: Followups<'a>,
        spec: Cow<'a, SnapshotSpec>,
        received: Received,
        json: Option<serde_json::Value>,
    ) -> PendingSnapshot<'a> {
        PendingSnapshot { followups, spec, received, json }
    }

    /// Takes the snapshot into the step's result; one that cannot be read or written fails it.
    /// `scope` holds the case's values as the step left them (no later step has captured
    /// anything yet: the snapshot is taken before the next answer is read).
    pub fn take_into(self, context: &RunContext, scope: &Scope, result: &mut StepResult) {
        let PendingSnapshot { followups, spec, received, json } = self;
        let inputs = followups.snapshots.references(scope);
        let (check, record) = take(context, &followups, &spec, &received, json, &inputs);
        if check.fails() {
            result.status = StepStatus::Failed;
        }
        result.checks.push(check);
        result.snapshot = Some(record);
    }
}

/// The case's last step while its snapshot is pending, and that step once complete.
pub struct HeldSnapshot<'a> {
    waiting: Option<Concluded<'a>>,
    completed: Option<StepResult>,
}

impl<'a> HeldSnapshot<'a> {
    /// Holds `waiting` (nothing, for the first step of a case or after a step without a
    /// pending snapshot).
    pub fn new(waiting: Option<Concluded<'a>>) -> HeldSnapshot<'a> {
        HeldSnapshot { waiting, completed: None }
    }

    /// Sends with `send` and, once the request is on its way (the future polled once, and the
    /// connection's task let run), takes the held snapshot before waiting for the answer.
    pub async fn alongside<F: Future>(&mut self, context: &RunContext, scope: &Scope, send: F) -> F::Output {
        let Some(waiting) = self.waiting.take() else { return send.await };
        let mut send = std::pin::pin!(send);
        let first = std::future::poll_fn(|cx| Poll::Ready(send.as_mut().poll(cx))).await;
        if first.is_pending() {
            // The first poll hands the request to the task that owns the connection, woken on
            // this thread to run next; the snapshot would keep it waiting. Measured on the
            // suite with every exchange snapshotted: +13% over no snapshots instead of +17%.
            tokio::task::yield_now().await;
        }
        self.completed = Some(waiting.now(context, scope));
        match first {
            Poll::Ready(output) => output,
            Poll::Pending => send.await,
        }
    }

    /// The held step, complete: its snapshot is taken now if no request took it along.
    pub fn settle(&mut self, context: &RunContext, scope: &Scope) -> Option<StepResult> {
        match self.waiting.take() {
            Some(waiting) => Some(waiting.now(context, scope)),
            None => self.completed.take(),
        }
    }
}

/// Snapshots a response and judges it.
pub fn take(
    context: &RunContext,
    followups: &Followups<'_>,
    spec: &SnapshotSpec,
    received: &Received,
    json: Option<serde_json::Value>,
    inputs: &Replacements,
) -> (CheckResult, SnapshotRecord) {
    let (case, step, api) = (followups.case, followups.step, followups.api);
    let snapshot_name = followups.snapshots.name_of(step);
    let snapshot_name = &*snapshot_name;
    let relative = snapshot_name.display().to_string();
    let rendered =
        |name: &str| name == "content-type" || spec.headers.iter().any(|wanted| name.eq_ignore_ascii_case(wanted));
    let headers: Vec<(String, String)> = received
        .headers
        .iter()
        .filter(|(name, _)| rendered(name.as_str()))
        .map(|(name, value)| (name.to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let text = render_snapshot(
        SnapshotInput { status: received.status, headers: &headers, body: &received.body, json },
        &Normalisation {
            spec,
            masker: &context.masker,
            target_urls: &context.snapshots.target_urls,
            target_redactions: &context.snapshots.settings.redactions,
            inputs,
            volatile_fields: &context.snapshots.settings.volatile_fields,
        },
    );

    let mut check = CheckResult {
        position: Some(step.span.position()),
        ..CheckResult::new(CheckKind::Snapshot, relative.clone(), true, "the accepted snapshot", String::new())
    };
    let mut record = SnapshotRecord {
        name: relative,
        file: None,
        pending: None,
        status: SnapshotStatus::Recorded,
        text,
        fields: Vec::new(),
    };
    let Some(store) = &context.snapshots.store else {
        check.actual = "recorded (not compared)".into();
        return (check, record);
    };
    record.file = Some(store.accepted_file(snapshot_name));
    let metadata = || Metadata {
        source: case.path(),
        description: format!("{} [{api}], step {} \"{}\"", case.name, step.number, step.name),
        expression: String::new(),
        input_file: case.path(),
    };
    match store.assert(snapshot_name, metadata, &record.text) {
        Ok(Assertion::Matched) => {
            record.status = SnapshotStatus::Matched;
            check.actual = "matches".into();
        }
        Ok(Assertion::New { pending }) => {
            record.status = SnapshotStatus::New;
            record.pending = pending.as_ref().map(|pending| pending.display().to_string());
            check.actual = match (&record.pending, store.policy) {
                (_, WritePolicy::ReadOnly) => {
                    format!("new: the compared answers hold no such exchange ({})", store.dir.display())
                }
                (Some(pending), WritePolicy::Ci) => {
                    format!("new: no accepted snapshot (CI never accepts one); the new one is pending in {pending}")
                }
                (Some(pending), _) => {
                    format!("new snapshot, pending review in {pending} (`paycheck snapshots review` or `accept`)")
                }
                (None, _) => "new snapshot".to_string(),
            };
        }
        Ok(Assertion::Changed { pending, diff, accepted: old }) => {
            record.status = SnapshotStatus::Changed;
            record.pending = pending.as_ref().map(|pending| pending.display().to_string());
            record.fields = field_changes(&old, &record.text);
            let fields: Vec<String> = record.fields.iter().map(|field| field.field.clone()).collect();
            check.actual = match pending {
                Some(pending) => format!(
                    "changed in {}; the new one is pending in {} (`paycheck snapshots review`)",
                    fields.join(", "),
                    pending.display()
                ),
                None => format!("differs from the compared answer in {}", fields.join(", ")),
            };
            check.diff = Some(diff);
        }
        Ok(Assertion::Accepted { diff }) => {
            record.status = SnapshotStatus::Updated;
            check.actual = if diff.is_some() { "updated".into() } else { "written".into() };
            check.diff = diff;
        }
        Err(message) => {
            check.passed = false;
            check.actual = context.masker.mask(&message);
        }
    }
    (check, record)
}
