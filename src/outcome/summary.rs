//! The totals of a run: case outcomes, snapshot counts, callbacks nobody awaited.

use std::time::Duration;

use serde::Serialize;

use super::changes::Changes;
use super::result::{CaseResult, Outcome, SnapshotStatus, as_millis};

/// Totals of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunSummary {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases whose every failure is a known deviation of the baseline.
    #[serde(skip_serializing_if = "is_zero")]
    pub known: usize,
    /// Cases that did not run.
    pub skipped: usize,
    /// Cases stopped by infrastructure errors.
    pub errored: usize,
    /// How the run's snapshots compared.
    pub snapshots: SnapshotCounts,
    /// Wall time of the whole run.
    #[serde(rename = "duration_ms", serialize_with = "as_millis")]
    pub duration: Duration,
    /// Why the run stopped before any case ran (the target unreachable, or its credentials
    /// refused at preflight): an infrastructure problem, not a contract failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// With a baseline: its entries whose case ran without that failure (the deviation is gone).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resolved_deviations: Vec<String>,
    /// With a strict baseline, resolved entries fail the run too.
    #[serde(skip)]
    pub strict_baseline: bool,
    /// Callbacks the runner's listener received that no `await_callback` step took.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmatched_callbacks: Vec<UnmatchedCallback>,
    /// What changed: exchanges whose snapshot changed, appeared or vanished (when the run
    /// compared snapshots).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
}

/// A callback that reached the runner but matched no awaiting step (reported, never dropped).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct UnmatchedCallback {
    /// `METHOD /path (payment_id …)`: how it came and the ids it carries.
    pub received: String,
    /// Its body, or its parameters as JSON (masked, cut at [`UnmatchedCallback::KEPT_BYTES`]).
    pub content: String,
}

impl UnmatchedCallback {
    /// How much of a callback's content is kept.
    pub const KEPT_BYTES: usize = 2048;
}

impl RunSummary {
    /// Counts a finished case.
    pub fn record(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Known => self.known += 1,
            Outcome::Skipped { .. } => self.skipped += 1,
            Outcome::Errored { .. } => self.errored += 1,
        }
    }

    /// Every case counted.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.known + self.skipped + self.errored
    }

    /// The process exit code for this run.
    pub fn exit_code(&self) -> i32 {
        if self.stopped.is_some() {
            crate::exit_code::TARGET_UNREACHABLE
        } else if self.failed > 0
            || (self.strict_baseline && !self.resolved_deviations.is_empty())
            || self.changes.as_ref().is_some_and(Changes::fails)
        {
            crate::exit_code::CASES_FAILED
        } else if self.errored > 0 {
            crate::exit_code::TARGET_UNREACHABLE
        } else {
            crate::exit_code::SUCCESS
        }
    }
}

/// How many snapshots of a run ended each way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SnapshotCounts {
    /// Matched the accepted snapshot.
    pub matched: usize,
    /// New: written as pending.
    pub new: usize,
    /// Changed: written as pending, the step failed.
    pub changed: usize,
    /// Written as accepted (`--update-snapshots`).
    pub updated: usize,
}

impl SnapshotCounts {
    /// Counts the snapshots of a case's steps.
    pub fn record(&mut self, case: &CaseResult) {
        for snapshot in case.steps.iter().filter_map(|step| step.snapshot.as_ref()) {
            match snapshot.status {
                SnapshotStatus::Matched => self.matched += 1,
                SnapshotStatus::New => self.new += 1,
                SnapshotStatus::Changed => self.changed += 1,
                SnapshotStatus::Updated => self.updated += 1,
                SnapshotStatus::Recorded => {}
            }
        }
    }

    /// Every snapshot counted.
    pub fn total(&self) -> usize {
        self.matched + self.new + self.changed + self.updated
    }

    /// Snapshots waiting for review.
    pub fn pending(&self) -> usize {
        self.new + self.changed
    }
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}
