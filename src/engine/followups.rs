//! What request steps and `await_callback` steps share: their result as it starts and ends, and
//! what they do once their checks passed (take their captures, then their snapshot).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::outcome::{CheckResult, StepResult, StepStatus};
use crate::suite::api::Api;
use crate::suite::case::{Capture, Case, SnapshotSpec, Step};
use crate::template::Scope;

use super::checks::{self, ResponseView};
use super::context::RunContext;
use super::http::Received;
use super::snapshot_step::{CaseSnapshots, PendingSnapshot};
use super::verdict;

/// The result of `step` as it starts: passed until something fails it.
pub fn passing(step: &Step) -> StepResult {
    StepResult {
        number: step.number,
        name: step.name.clone(),
        position: step.span.position(),
        status: StepStatus::Passed,
        request: None,
        response: None,
        checks: Vec::new(),
        clauses: Vec::new(),
        error: None,
        attempts: 0,
        snapshot: None,
        duration: Duration::ZERO,
    }
}

/// The result with its final status, error and wall time since `started`.
pub fn finish(mut result: StepResult, status: StepStatus, error: Option<String>, started: Instant) -> StepResult {
    result.status = status;
    result.error = error;
    result.duration = started.elapsed();
    result
}

/// The case run a step belongs to: the case, the API it runs on, and what its snapshots share.
#[derive(Clone, Copy)]
pub struct CaseInRun<'a> {
    /// The case.
    pub case: &'a Case,
    /// The API it runs on.
    pub api: Api,
    /// What the case run's snapshots share.
    pub snapshots: &'a CaseSnapshots,
}

/// A step's captures and snapshot, and what the snapshot needs to know.
pub struct Followups<'a> {
    /// The case.
    pub case: &'a Case,
    /// The step.
    pub step: &'a Step,
    /// The API the case runs on.
    pub api: Api,
    /// Values to keep for later steps.
    pub captures: &'a [Capture],
    /// The snapshot to take, if any.
    pub snapshot: Option<&'a SnapshotSpec>,
    /// What the case run's snapshots share.
    pub snapshots: &'a CaseSnapshots,
}

/// A step's result, and the snapshot it still has to take, if any.
pub struct Concluded<'a> {
    /// The step's result (without its snapshot while one is pending).
    pub result: StepResult,
    /// The snapshot to take into the result.
    pub snapshot: Option<Box<PendingSnapshot<'a>>>,
}

impl<'a> Concluded<'a> {
    /// A finished step, with no snapshot to take.
    pub fn done(result: StepResult) -> Concluded<'a> {
        Concluded { result, snapshot: None }
    }

    /// The step's result, its snapshot taken now if one is pending (`scope` holds the case's
    /// values as the step left them).
    pub fn now(self, context: &RunContext, scope: &Scope) -> StepResult {
        let Concluded { mut result, snapshot } = self;
        if let Some(snapshot) = snapshot {
            snapshot.take_into(context, scope, &mut result);
        }
        result
    }
}

/// Ends a step whose checks are in `result`: judges them (clauses, severity), takes the captures
/// it can into `scope` even when a check failed (so that later steps that need only those still
/// run), then holds the snapshot the run's policy asks for, even when a check failed (so that
/// "what changed" names every changed answer); a capture with nothing to take fails the step.
pub fn conclude<'a>(
    context: &RunContext,
    followups: Followups<'a>,
    received: Received,
    json: Result<Value, String>,
    scope: &mut Scope,
    mut result: StepResult,
    started: Instant,
) -> Concluded<'a> {
    let clauses = verdict::step_clauses(followups.case, followups.step);
    verdict::judge(&mut result.checks, &clauses, context.rules());
    let mut failed = result.checks.iter().any(CheckResult::fails);
    let view = ResponseView { received: &received, json };
    for capture in followups.captures {
        let (mut check, value) = checks::capture(capture, &view, &context.masker);
        check.clauses.clone_from(&clauses);
        result.checks.push(check);
        match value {
            Some(value) => scope.set(&capture.name, value),
            None => failed = true,
        }
    }
    followups.snapshots.inputs_changed(followups.captures.iter().map(|capture| capture.name.as_str()));
    let json = view.json.ok();
    let result = finish(result, if failed { StepStatus::Failed } else { StepStatus::Passed }, None, started);
    let snapshot = super::snapshot_step::spec_for(context, followups.snapshot)
        .map(|spec| Box::new(PendingSnapshot::new(followups, spec, received, json)));
    Concluded { result, snapshot }
}

/// Takes the snapshot the run's policy asks for into `result` now (for a step that gave up);
/// true when taking it failed the step (a snapshot file that cannot be read or written).
pub fn snapshot(
    context: &RunContext,
    followups: &Followups<'_>,
    received: &Received,
    json: Option<Value>,
    scope: &Scope,
    result: &mut StepResult,
) -> bool {
    let Some(spec) = super::snapshot_step::spec_for(context, followups.snapshot) else { return false };
    let inputs = followups.snapshots.references(scope);
    let (check, record) = super::snapshot_step::take(context, followups, &spec, received, json, &inputs);
    let failed = check.fails();
    result.checks.push(check);
    result.snapshot = Some(record);
    failed
}
