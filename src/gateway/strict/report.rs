//! The end of a strict session: the summary printed on shutdown, and the session as a
//! [`RunRecord`] so that every report format (JUnit, JSON, HTML) renders it: one case per clause
//! exercised, failed when broken, with a failed step per violation.

use std::sync::Arc;
use std::time::Duration;

use super::session::{Record, Session, Side};
use crate::outcome::{CaseResult, Outcome, RequestRecord, RunRecord, RunSummary, StepResult, StepStatus};
use crate::suite::api::Api;

/// The summary printed when the session ends.
pub fn summary(session: &Session) -> String {
    let records = session.records();
    let tallies = session.tallies();
    let broken = tallies.iter().filter(|(_, _, tally)| tally.broken > 0).count();
    let mut text = format!(
        "paycheck: strict session: {} checked, {} of {} ({} exercised)\n",
        counted(session.requests(), "request"),
        counted(records.len(), "violation"),
        counted(broken, "clause"),
        counted(tallies.len(), "clause")
    );
    for (side, clause, tally) in &tallies {
        let side = match side {
            Side::Request => "request ",
            Side::Response => "response",
        };
        if tally.broken > 0 {
            text.push_str(&format!(
                "  FAIL {side} {clause:<34} broken by {} of {}\n",
                tally.broken,
                counted(tally.checked, "exchange")
            ));
        } else {
            text.push_str(&format!("  pass {side} {clause:<34} {}\n", counted(tally.checked, "exchange")));
        }
    }
    for record in records.iter().take(20) {
        let step = record.step.as_deref().map(|s| format!(" [{s}]")).unwrap_or_default();
        text.push_str(&format!(
            "  violation: {} {} {}{step}: {}\n",
            record.method, record.path, record.clause, record.message
        ));
    }
    if records.len() > 20 {
        text.push_str(&format!("  … and {} more (GET /_paycheck/violations, or a report)\n", records.len() - 20));
    }
    text
}

/// "1 request", "2 requests".
fn counted(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}

/// The session as a run: `target` names what was served or proxied.
pub fn run_record(session: &Session, target: &str, started: jiff::Timestamp, duration: Duration) -> RunRecord {
    let records = session.records();
    let mut summary = RunSummary { duration, ..RunSummary::default() };
    let mut cases = Vec::new();
    for (side, clause, tally) in session.tallies() {
        let broken: Vec<&Record> = records.iter().filter(|r| r.side == side && r.clause == clause).collect();
        let outcome = if tally.broken > 0 { Outcome::Failed } else { Outcome::Passed };
        summary.record(&outcome);
        let folder = match (side, clause.starts_with("client.gate-")) {
            (Side::Request, false) => "client-contract/v1",
            (Side::Request, true) => "client-contract/gate",
            (Side::Response, _) => "responses",
        };
        let steps = broken.iter().enumerate().map(|(index, record)| Arc::new(step(index + 1, record))).collect();
        cases.push(Arc::new(CaseResult {
            id: format!("{folder}/{clause}"),
            name: format!("{clause}: {} exchanges checked, {} broke it", tally.checked, tally.broken),
            path: format!("{folder}/{clause}"),
            api: if clause.starts_with("client.gate-") { Api::Gate } else { Api::Router },
            tags: vec!["client-contract".into()],
            covers: vec![clause.clone()],
            outcome,
            warnings: 0,
            steps,
            duration: Duration::ZERO,
        }));
    }
    RunRecord {
        target: target.to_string(),
        target_url: target.to_string(),
        jobs: 1,
        shard: None,
        started_at: Some(started),
        notes: vec![format!("a strict session: {} requests checked against the client contract", session.requests())],
        cases,
        summary,
        conformance: None,
    }
}

fn step(number: usize, record: &Record) -> StepResult {
    let from = record.step.as_deref().map(|s| format!(" (from {s})")).unwrap_or_default();
    StepResult {
        number,
        name: format!("{} {}{from}", record.method, record.path),
        position: record.step.clone().unwrap_or_default(),
        status: StepStatus::Failed,
        request: Some(RequestRecord {
            method: record.method.clone(),
            url: record.path.clone(),
            headers: Vec::new(),
            body: Some(record.request.clone()),
        }),
        response: None,
        checks: Vec::new(),
        clauses: Vec::new(),
        error: Some(format!("{}: {}", record.clause, record.message)),
        attempts: 1,
        snapshot: None,
        duration: Duration::ZERO,
    }
}
