//! Taking a step's snapshot: render the response with the snapshot library, compare it with the
//! accepted file, and record the text, how it compared and the fields that changed, with a check
//! of kind `Snapshot` carrying the diff. A changed, new or vanished exchange does not fail its
//! step: it is judged once for the run, in "what changed" (`outcome::Changes`), which fails the
//! run or warns as the target says. Only a snapshot that cannot be read or written fails the step. Which steps take one is the run's policy
//! ([`crate::snapshot::SnapshotPolicy`]): with `all`, every exchange, named after its step.

use crate::outcome::result::Severity;
use crate::outcome::result::{SnapshotRecord, SnapshotStatus};
use crate::outcome::{CheckKind, CheckResult};
use crate::snapshot::SnapshotPolicy;
use crate::snapshot::changes::field_changes;
use crate::snapshot::inputs::{self, InputReference};
use crate::snapshot::name::{self, SnapshotName};
use crate::snapshot::render::{Normalisation, SnapshotInput, render_snapshot};
use crate::snapshot::store::{Assertion, Metadata, WritePolicy};
use crate::suite::case::{Action, Case, SnapshotSpec, Step};
use crate::template::Scope;

use super::RunContext;
use super::followups::Followups;
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

/// A step's snapshot name: its name as a slug, with `-2`, `-3`, ... for later exchanges of the
/// case whose names give the same slug (steps that send or await something; `wait` steps have
/// no exchange).
pub fn exchange_name(case: &Case, step: &Step) -> String {
    let slug = name::slug(&step.name);
    let earlier = case
        .steps
        .iter()
        .take_while(|other| other.number != step.number)
        .filter(|other| !matches!(other.action, Action::Wait(_)) && name::slug(&other.name) == slug)
        .count();
    if earlier == 0 { slug } else { format!("{slug}-{}", earlier + 1) }
}

/// The case's inputs in scope (its variables, the values its steps captured), as references.
fn input_references(case: &Case, scope: &Scope) -> Vec<InputReference> {
    let mut names: Vec<&str> = case.vars.iter().map(|variable| variable.name.as_str()).collect();
    for step in &case.steps {
        let captures = match &step.action {
            Action::Exchange(exchange) => exchange.captures.as_slice(),
            Action::AwaitCallback(awaited) => awaited.captures.as_slice(),
            Action::Wait(_) => &[],
        };
        names.extend(captures.iter().map(|capture| capture.name.as_str()));
    }
    inputs::references(names.into_iter().filter_map(|name| Some((name, scope.get(name)?))))
}

/// Snapshots a response and judges it.
pub fn take(
    context: &RunContext,
    followups: &Followups<'_>,
    spec: &SnapshotSpec,
    received: &Received,
    json: Option<&serde_json::Value>,
    scope: &Scope,
) -> (CheckResult, SnapshotRecord) {
    let (case, step, api) = (followups.case, followups.step, followups.api);
    let key = context.snapshots.case_key(&case.file.path);
    let exchange = match &case.variant {
        Some(variant) => format!("{}__{}", name::slug(variant), exchange_name(case, step)),
        None => exchange_name(case, step),
    };
    let snapshot_name = SnapshotName::new(&key, api, &exchange);
    let relative = snapshot_name.relative_path().to_string_lossy().replace('\\', "/");
    let headers: Vec<(String, String)> = received
        .headers
        .iter()
        .map(|(name, value)| (name.to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let mut target_urls: Vec<String> = context.target.apis.values().cloned().collect();
    target_urls.extend(context.target.root.clone());
    let inputs = input_references(case, scope);
    let text = render_snapshot(
        &SnapshotInput { status: received.status, headers: &headers, body: &received.body, json },
        &Normalisation {
            spec,
            masker: &context.masker,
            target_urls: &target_urls,
            target_redactions: &context.snapshots.settings.redactions,
            inputs: &inputs,
            volatile_fields: &context.snapshots.settings.volatile_fields,
        },
    );

    let mut check = CheckResult {
        kind: CheckKind::Snapshot,
        subject: relative.clone(),
        passed: true,
        expected: "the accepted snapshot".into(),
        actual: String::new(),
        position: Some(step.span.position()),
        violations: Vec::new(),
        diff: None,
        clauses: Vec::new(),
        severity: Severity::Failure,
        skipped: None,
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
    let accepted = store.accepted_path(&snapshot_name);
    record.file = Some(accepted.display().to_string());
    let metadata = || Metadata {
        source: case.path(),
        description: format!("{} [{api}], step {} \"{}\"", case.name, step.number, step.name),
        expression: String::new(),
        input_file: case.path(),
    };
    match store.assert(&snapshot_name, metadata, &record.text) {
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
