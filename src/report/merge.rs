//! Merging the JSON reports of a sharded run (`--shard K/N` on N machines) back into one run:
//! the case runs of every shard, the totals recounted, and one conformance verdict judged again
//! from all of them, the same as the unsharded run's.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::outcome::{CaseResult, Changes, Conformance, RunRecord, RunSummary, UnmatchedCallback};
use crate::suite::clauses::ClauseCatalogue;

use super::json::{FORMAT, VERSION};

/// The largest report file read (a bound on what comes from outside).
const MAX_REPORT_BYTES: u64 = 512 * 1024 * 1024;

/// What is read back from a JSON report.
#[derive(Debug, Deserialize)]
struct ReportFile {
    format: String,
    version: u32,
    run: RunPart,
    summary: SummaryPart,
    cases: Vec<CaseResult>,
}

#[derive(Debug, Deserialize)]
struct RunPart {
    target: String,
    target_url: String,
    started_at: Option<String>,
    duration_ms: f64,
    jobs: usize,
    #[serde(default)]
    notes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct SummaryPart {
    #[serde(default)]
    unmatched_callbacks: Vec<UnmatchedCallback>,
    #[serde(default)]
    stopped: Option<String>,
    #[serde(default)]
    changes: Option<Changes>,
}

/// Reads the reports and merges them into one run, judged against `catalogue`.
pub fn merge(paths: &[impl AsRef<Path>], catalogue: &ClauseCatalogue) -> Result<RunRecord, String> {
    let mut merged = RunRecord::default();
    let mut seen = BTreeSet::new();
    let mut longest = Duration::ZERO;
    let mut changes = Vec::new();
    for (index, path) in paths.iter().enumerate() {
        let path = path.as_ref();
        let report = read(path)?;
        if index == 0 {
            merged.target = report.run.target.clone();
            merged.target_url = report.run.target_url.clone();
            merged.jobs = report.run.jobs;
            merged.notes = report.run.notes.clone();
        } else if report.run.target != merged.target {
            return Err(format!(
                "{} is a run against `{}`, the first report against `{}`: only shards of one run merge",
                path.display(),
                report.run.target,
                merged.target
            ));
        }
        let started = report.run.started_at.as_deref().and_then(|at| at.parse::<jiff::Timestamp>().ok());
        merged.started_at = match (merged.started_at, started) {
            (Some(known), Some(started)) => Some(known.min(started)),
            (known, started) => known.or(started),
        };
        longest = longest.max(Duration::try_from_secs_f64(report.run.duration_ms / 1000.0).unwrap_or_default());
        merged.summary.unmatched_callbacks.extend(report.summary.unmatched_callbacks);
        if merged.summary.stopped.is_none() {
            merged.summary.stopped = report.summary.stopped;
        }
        changes.extend(report.summary.changes);
        for case in report.cases {
            if !seen.insert(case.id.clone()) {
                return Err(format!("case run `{}` is in two reports: they are not shards of one run", case.id));
            }
            merged.cases.push(Arc::new(case));
        }
    }
    let mut summary = RunSummary {
        unmatched_callbacks: std::mem::take(&mut merged.summary.unmatched_callbacks),
        stopped: merged.summary.stopped.take(),
        changes: Changes::merge(changes),
        duration: longest,
        ..RunSummary::default()
    };
    for case in &merged.cases {
        summary.record(&case.outcome);
        summary.snapshots.record(case);
    }
    merged.summary = summary;
    merged.shard = None;
    if !catalogue.is_empty() {
        merged.conformance = Some(Arc::new(Conformance::judge(catalogue, &merged.cases)));
    }
    Ok(merged)
}

fn read(path: &Path) -> Result<ReportFile, String> {
    let file = std::fs::File::open(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let mut text = String::new();
    file.take(MAX_REPORT_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    if text.len() as u64 > MAX_REPORT_BYTES {
        return Err(format!("{} is larger than {} MiB", path.display(), MAX_REPORT_BYTES / (1024 * 1024)));
    }
    let report: ReportFile = serde_json::from_str(&text)
        .map_err(|error| format!("{} is not a paycheck JSON report: {error}", path.display()))?;
    if report.format != FORMAT || report.version != VERSION {
        return Err(format!(
            "{} is a `{}` report of version {}; this paycheck merges `{FORMAT}` version {VERSION}",
            path.display(),
            report.format,
            report.version
        ));
    }
    Ok(report)
}
