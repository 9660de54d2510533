//! The JSON report: one document with every case, step, check, timing and the per-clause
//! verdicts, in a documented, versioned shape (`schemas/report.schema.json`), so that nightly
//! runs can be compared by machines. A change that breaks readers bumps [`VERSION`].

use serde::Serialize;

use crate::outcome::{CaseResult, Changes, Conformance, RunRecord, SnapshotCounts, UnmatchedCallback};

/// The value of the document's `format` field.
pub const FORMAT: &str = "paycheck-report";
/// The version of the document's shape.
pub const VERSION: u32 = 2;

/// The whole document.
#[derive(Debug, Serialize)]
pub struct ReportDocument<'a> {
    /// Always [`FORMAT`].
    pub format: &'static str,
    /// The shape's version, [`VERSION`].
    pub version: u32,
    /// The paycheck that wrote it.
    pub paycheck_version: &'static str,
    /// What ran, where, when.
    pub run: RunInfo<'a>,
    /// The totals.
    pub summary: Summary<'a>,
    /// The per-clause verdicts, when the suite has a clause catalogue.
    pub conformance: Option<&'a Conformance>,
    /// Every case run, sorted by id.
    pub cases: Vec<&'a CaseResult>,
}

/// What ran, where, when.
#[derive(Debug, Serialize)]
pub struct RunInfo<'a> {
    /// The target's name.
    pub target: &'a str,
    /// The target's URL.
    pub target_url: &'a str,
    /// When the run started (RFC 3339).
    pub started_at: Option<String>,
    /// Wall time, milliseconds.
    pub duration_ms: f64,
    /// Cases run at once.
    pub jobs: usize,
    /// `K/N` when the run was one shard of the suite.
    pub shard: Option<&'a str>,
    /// What the runner assumed or learnt about the target (capabilities, clock).
    pub notes: &'a [String],
}

/// The totals.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    /// Case runs counted.
    pub total: usize,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Failed only by known deviations of the baseline (left out when there is no baseline).
    #[serde(skip_serializing_if = "is_zero")]
    pub known: usize,
    /// Skipped.
    pub skipped: usize,
    /// Stopped by infrastructure errors.
    pub errored: usize,
    /// How snapshots compared.
    pub snapshots: &'a SnapshotCounts,
    /// Callbacks no `await_callback` step took (left out when there are none).
    #[serde(skip_serializing_if = "<[UnmatchedCallback]>::is_empty")]
    pub unmatched_callbacks: &'a [UnmatchedCallback],
    /// Baseline entries whose case ran without that failure.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub resolved_deviations: &'a [String],
    /// Why the run stopped before any case ran, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<&'a str>,
    /// What changed: exchanges whose snapshot changed, appeared or vanished (when the run
    /// compared snapshots).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<&'a Changes>,
    /// The exit code of the run.
    pub exit_code: i32,
}

/// The document of a run.
pub fn document(record: &RunRecord) -> ReportDocument<'_> {
    let summary = &record.summary;
    ReportDocument {
        format: FORMAT,
        version: VERSION,
        paycheck_version: env!("CARGO_PKG_VERSION"),
        run: RunInfo {
            target: &record.target,
            target_url: &record.target_url,
            started_at: record.started_at.map(|at| at.to_string()),
            duration_ms: summary.duration.as_secs_f64() * 1000.0,
            jobs: record.jobs,
            shard: record.shard.as_deref(),
            notes: &record.notes,
        },
        summary: Summary {
            total: summary.total(),
            passed: summary.passed,
            failed: summary.failed,
            known: summary.known,
            skipped: summary.skipped,
            errored: summary.errored,
            snapshots: &summary.snapshots,
            unmatched_callbacks: &summary.unmatched_callbacks,
            resolved_deviations: &summary.resolved_deviations,
            stopped: summary.stopped.as_deref(),
            changes: summary.changes.as_ref(),
            exit_code: summary.exit_code(),
        },
        conformance: record.conformance.as_deref(),
        cases: record.sorted_cases(),
    }
}

/// The document as pretty-printed JSON.
pub fn render(record: &RunRecord) -> Result<String, String> {
    let mut text = serde_json::to_string_pretty(&document(record)).map_err(|error| error.to_string())?;
    text.push('\n');
    Ok(text)
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}
