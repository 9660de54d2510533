//! An exploration as `paycheck run`'s record, so that it is written in `run`'s report formats
//! (JSON, JUnit, HTML) and the JSON reports of shards merge with `paycheck report merge`: one
//! case run for the exploration itself (passed, or errored when the target could not be reached)
//! and one failed case run per discrepancy, its mismatches as the failed checks.

use std::sync::Arc;

use super::compare::Mismatch;
use super::op::Op;
use super::{Discrepancy, Options, Outcome};
use crate::gateway::v1::model::Family;
use crate::outcome::{self, CaseResult, CheckKind, CheckResult, RunRecord, RunSummary, StepResult, StepStatus};
use crate::suite::api::Api;

/// The record of `outcome`, explored with `options` against `target` (at `target_url`).
pub fn run_record(outcome: &Outcome, options: &Options, target: &str, target_url: &str) -> RunRecord {
    let shard = options.shard.map(|(k, n)| format!("{k}/{n}"));
    let mut notes = vec![format!(
        "explore: seed {}{}: {} operations in {:.1}s ({:.0} operations/s), {} sequences, {} discrepancies",
        options.seed,
        shard.as_ref().map(|s| format!(", shard {s}")).unwrap_or_default(),
        outcome.operations,
        outcome.elapsed.as_secs_f64(),
        outcome.rate(),
        outcome.sequences,
        outcome.discrepancies.len()
    )];
    notes.extend(super::report::left_out(outcome));
    notes.push(format!(
        "explore coverage: {} (state, operation) pairs reached: {}",
        outcome.coverage.reached(),
        outcome.coverage.transitions.iter().map(|(pair, n)| format!("{pair} {n}")).collect::<Vec<_>>().join(", ")
    ));
    let mut cases = vec![Arc::new(exploration_case(outcome, options))];
    cases.extend(outcome.discrepancies.iter().map(|d| Arc::new(discrepancy_case(d))));
    let mut summary = RunSummary { duration: outcome.elapsed, ..RunSummary::default() };
    if let Some(failure) = &outcome.failure {
        summary.stopped = Some(failure.clone());
    }
    for case in &cases {
        summary.record(&case.outcome);
    }
    RunRecord {
        target: target.to_string(),
        target_url: target_url.to_string(),
        jobs: options.jobs,
        shard,
        started_at: Some(jiff::Timestamp::now()),
        notes,
        cases,
        summary,
        conformance: None,
    }
}

/// The case run of the exploration itself: its id names the seed and the shard, so the shards of
/// one exploration merge.
fn exploration_case(outcome: &Outcome, options: &Options) -> CaseResult {
    let id = match options.shard {
        Some((k, n)) => format!("explore/seed-{}/shard-{k}-of-{n}", options.seed),
        None => format!("explore/seed-{}", options.seed),
    };
    let result = match &outcome.failure {
        Some(reason) => outcome::Outcome::Errored { reason: reason.clone() },
        None => outcome::Outcome::Passed,
    };
    CaseResult {
        name: format!(
            "explore seed {}: {} operations, {} sequences",
            options.seed, outcome.operations, outcome.sequences
        ),
        path: id.clone(),
        id,
        api: Api::Router,
        tags: vec!["explore".into()],
        covers: Vec::new(),
        outcome: result,
        warnings: 0,
        steps: Vec::new(),
        duration: outcome.elapsed,
    }
}

fn discrepancy_case(d: &Discrepancy) -> CaseResult {
    let api = if d.shrunk.iter().any(Op::is_gate) {
        Api::Gate
    } else {
        match d.family {
            Family::Router => Api::Router,
            Family::Bank => Api::Bank,
        }
    };
    let path = d
        .case_path
        .as_ref()
        .map_or_else(|| format!("explore/seed-{}/sequence-{}", d.seed, d.index), |p| p.display().to_string());
    let step = StepResult {
        number: d.shrunk.len(),
        name: d.operation.clone(),
        position: path.clone(),
        status: StepStatus::Failed,
        request: None,
        response: None,
        checks: d.mismatches.iter().map(check).collect(),
        clauses: Vec::new(),
        error: None,
        attempts: 1,
        snapshot: None,
        duration: std::time::Duration::ZERO,
    };
    CaseResult {
        id: format!("explore/seed-{}/sequence-{}", d.seed, d.index),
        name: format!("explore seed {} sequence {}: {}", d.seed, d.index, d.operation),
        path,
        api,
        tags: vec!["explore".into()],
        covers: vec![d.clause.to_string()],
        outcome: outcome::Outcome::Failed,
        warnings: 0,
        steps: vec![Arc::new(step)],
        duration: std::time::Duration::ZERO,
    }
}

fn check(m: &Mismatch) -> CheckResult {
    let kind = match m.at.as_str() {
        "HTTP status" => CheckKind::Status,
        "schema" | "callback schema" => CheckKind::Schema,
        at if at.ends_with("signature") || at.ends_with("checksum") => CheckKind::Signature,
        _ => CheckKind::Json,
    };
    CheckResult::new(kind, m.at.clone(), false, m.expected.clone(), m.actual.clone())
}
