//! Taking a step's snapshot: render the response with the snapshot library, compare it with the
//! accepted file, and give the verdict as a check of kind `Snapshot` (with the diff) and a record
//! of the text.

use std::path::Path;

use crate::outcome::result::Severity;
use crate::outcome::result::{SnapshotRecord, SnapshotStatus};
use crate::outcome::{CheckKind, CheckResult};
use crate::snapshot::name::{self, SnapshotName};
use crate::snapshot::render::{Normalisation, SnapshotInput, render_snapshot};
use crate::snapshot::store::{Assertion, Metadata, WritePolicy};
use crate::suite::api::Api;
use crate::suite::case::{Case, SnapshotSpec, Step};
use crate::suite::schema_registry::CompiledSchema;

use super::RunContext;
use super::http::Received;

/// Snapshots a response and judges it.
pub fn take(
    context: &RunContext,
    case: &Case,
    step: &Step,
    spec: &SnapshotSpec,
    api: Api,
    received: &Received,
    schema: Option<&CompiledSchema>,
) -> (CheckResult, SnapshotRecord) {
    let bases: Vec<&Path> = context.snapshots.case_bases.iter().map(|base| base.as_path()).collect();
    let key = name::case_key(&case.file.path, &bases);
    let snapshot_name = SnapshotName::new(&key, api, &spec.name);
    let relative = snapshot_name.relative_path().to_string_lossy().replace('\\', "/");
    let headers: Vec<(String, String)> = received
        .headers
        .iter()
        .map(|(name, value)| (name.to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let mut target_urls: Vec<String> = context.target.apis.values().cloned().collect();
    target_urls.extend(context.target.root.clone());
    let text = render_snapshot(
        &SnapshotInput { status: received.status, headers: &headers, body: &received.body },
        &Normalisation { schema, spec, masker: &context.masker, target_urls: &target_urls },
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
    let mut record =
        SnapshotRecord { name: relative, file: None, pending: None, status: SnapshotStatus::Recorded, text };
    let Some(store) = &context.snapshots.store else {
        check.actual = "recorded (not compared)".into();
        return (check, record);
    };
    let accepted = store.accepted_path(&snapshot_name);
    record.file = Some(accepted.display().to_string());
    let metadata = Metadata {
        source: case.path(),
        description: format!("{} [{api}], step {} \"{}\"", case.name, step.number, step.name),
        expression: String::new(),
        input_file: case.path(),
    };
    match store.assert(&snapshot_name, &metadata, &record.text) {
        Ok(Assertion::Matched) => {
            record.status = SnapshotStatus::Matched;
            check.actual = "matches".into();
        }
        Ok(Assertion::New { pending }) => {
            record.status = SnapshotStatus::New;
            record.pending = Some(pending.display().to_string());
            if store.policy == WritePolicy::Ci {
                check.passed = false;
                check.actual = format!(
                    "no accepted snapshot (CI never accepts one); the new one is pending in {}",
                    pending.display()
                );
            } else {
                check.actual = format!(
                    "new snapshot, pending review in {} (`paycheck snapshots review` or `accept`)",
                    pending.display()
                );
            }
        }
        Ok(Assertion::Changed { pending, diff }) => {
            record.status = SnapshotStatus::Changed;
            record.pending = Some(pending.display().to_string());
            check.passed = false;
            check.actual = format!(
                "differs from the accepted snapshot; the new one is pending in {} (`paycheck snapshots review`)",
                pending.display()
            );
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
