//! The per-clause verdict of a run: what a vendor attaches to say "our gateway conforms".
//!
//! A clause is judged by the checks tied to it (a check's own `covers`, its step's, or its
//! case's when the case names one clause), on the family where each ran:
//! - **failed** when a check tied to it failed (or a step tied to it could not be completed);
//! - **warned** when a check tied to it differs from the reference gateway on a point the sources
//!   leave open (a `reference` clause, spec 8.2), and none failed;
//! - **passed** when checks tied to it held (or a case covering it passed as a whole);
//! - **blocked** when the only steps that would have verified it could not run because an earlier
//!   step failed (or the case failed elsewhere before verifying it);
//! - **not run** when every case or check that would verify it was skipped (the reasons listed);
//! - **not covered** when no case covers it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::suite::clauses::{ClauseCatalogue, Level};

use super::result::{CaseResult, Outcome, StepStatus};

/// The verdict on one clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A check tied to it failed.
    Failed,
    /// A check tied to it differs from the reference gateway (a warning).
    Warned,
    /// Blocked by an earlier failure.
    Blocked,
    /// Every case or check that would verify it was skipped.
    NotRun,
    /// No case covers it.
    NotCovered,
    /// The checks tied to it held.
    Passed,
}

impl Verdict {
    /// Every verdict, worst first.
    pub const ALL: [Verdict; 6] =
        [Verdict::Failed, Verdict::Warned, Verdict::Blocked, Verdict::NotRun, Verdict::NotCovered, Verdict::Passed];

    /// The name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Failed => "failed",
            Verdict::Warned => "warned",
            Verdict::Blocked => "blocked",
            Verdict::NotRun => "not-run",
            Verdict::NotCovered => "not-covered",
            Verdict::Passed => "passed",
        }
    }
}

/// One clause, its verdict and the case runs behind it.
#[derive(Debug, Clone, Serialize)]
pub struct ClauseVerdict {
    /// The clause id.
    pub id: String,
    /// The spec section.
    pub section: String,
    /// The statement.
    pub text: String,
    /// Its level (spec 8.2).
    pub level: Level,
    /// The verdict.
    pub verdict: Verdict,
    /// Case runs (ids) where checks tied to it held.
    pub passed_by: Vec<String>,
    /// Case runs (ids) where a check tied to it failed.
    pub failed_by: Vec<String>,
    /// Case runs (ids) where a check tied to it differs from the reference gateway.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warned_by: Vec<String>,
    /// Case runs (ids) where it could not be verified because of an earlier failure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<String>,
    /// Why the cases or checks that would verify it did not run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_run: Vec<String>,
}

/// Every clause's verdict and the totals.
#[derive(Debug, Clone, Serialize)]
pub struct Conformance {
    /// In catalogue order.
    pub clauses: Vec<ClauseVerdict>,
    /// Clauses passed.
    pub passed: usize,
    /// Clauses failed.
    pub failed: usize,
    /// Clauses that differ from the reference gateway (warnings).
    pub warned: usize,
    /// Clauses blocked by earlier failures.
    pub blocked: usize,
    /// Clauses whose cases or checks were all skipped.
    pub not_run: usize,
    /// Clauses no case covered.
    pub not_covered: usize,
}

/// What one case run says about one clause.
#[derive(Debug, Default)]
struct Evidence {
    passed: Vec<String>,
    failed: Vec<String>,
    warned: Vec<String>,
    blocked: Vec<String>,
    not_run: Vec<String>,
}

impl Evidence {
    fn note(list: &mut Vec<String>, entry: &str) {
        if !list.iter().any(|known| known == entry) {
            list.push(entry.to_string());
        }
    }
}

impl Conformance {
    /// Judges every clause of the catalogue from the case results (the client contract's clauses
    /// are the client's, not the gateway's: they are left out).
    pub fn judge(catalogue: &ClauseCatalogue, results: &[Arc<CaseResult>]) -> Conformance {
        let mut evidence: BTreeMap<String, Evidence> = BTreeMap::new();
        for result in results {
            judge_case(result, &mut evidence);
        }
        let clauses: Vec<ClauseVerdict> = catalogue
            .clauses()
            .iter()
            .filter(|clause| !clause.is_client())
            .map(|clause| {
                let mut found = evidence.remove(clause.id.as_str()).unwrap_or_default();
                for list in
                    [&mut found.passed, &mut found.failed, &mut found.warned, &mut found.blocked, &mut found.not_run]
                {
                    list.sort();
                }
                let verdict = if !found.failed.is_empty() {
                    Verdict::Failed
                } else if !found.warned.is_empty() {
                    Verdict::Warned
                } else if !found.passed.is_empty() {
                    Verdict::Passed
                } else if !found.blocked.is_empty() {
                    Verdict::Blocked
                } else if !found.not_run.is_empty() {
                    Verdict::NotRun
                } else {
                    Verdict::NotCovered
                };
                ClauseVerdict {
                    id: clause.id.clone(),
                    section: clause.section.clone(),
                    text: clause.text.clone(),
                    level: clause.level,
                    verdict,
                    passed_by: found.passed,
                    failed_by: found.failed,
                    warned_by: found.warned,
                    blocked_by: found.blocked,
                    not_run: found.not_run,
                }
            })
            .collect();
        let count = |verdict: Verdict| clauses.iter().filter(|clause| clause.verdict == verdict).count();
        Conformance {
            passed: count(Verdict::Passed),
            failed: count(Verdict::Failed),
            warned: count(Verdict::Warned),
            blocked: count(Verdict::Blocked),
            not_run: count(Verdict::NotRun),
            not_covered: count(Verdict::NotCovered),
            clauses,
        }
    }

    /// The one-line score.
    pub fn score_line(&self) -> String {
        let total = self.clauses.len();
        let percent = if total == 0 { 0.0 } else { self.passed as f64 * 100.0 / total as f64 };
        let mut parts = vec![format!("{} failed", self.failed)];
        for (count, what) in
            [(self.warned, "differ from the reference gateway"), (self.blocked, "blocked"), (self.not_run, "not run")]
        {
            if count > 0 {
                parts.push(format!("{count} {what}"));
            }
        }
        parts.push(format!("{} not covered", self.not_covered));
        format!("conformance: {}/{} clauses passed ({percent:.1}%), {}", self.passed, total, parts.join(", "))
    }
}

/// What one case run says about each clause it touches.
fn judge_case(result: &CaseResult, evidence: &mut BTreeMap<String, Evidence>) {
    let id = result.id.as_str();
    if let Outcome::Skipped { reason } = &result.outcome {
        for clause in &result.covers {
            Evidence::note(&mut evidence.entry(clause.clone()).or_default().not_run, reason);
        }
        return;
    }
    let mut touched: Vec<String> = Vec::new();
    for step in &result.steps {
        match step.status {
            StepStatus::Blocked => {
                for clause in &step.clauses {
                    Evidence::note(&mut evidence.entry(clause.id.clone()).or_default().blocked, id);
                    touched.push(clause.id.clone());
                }
                continue;
            }
            StepStatus::Skipped => {
                if let Some(reason) = step.error.as_deref().filter(|reason| reason.contains("capability")) {
                    for clause in &step.clauses {
                        Evidence::note(&mut evidence.entry(clause.id.clone()).or_default().not_run, reason);
                        touched.push(clause.id.clone());
                    }
                }
                continue;
            }
            StepStatus::Passed | StepStatus::Failed | StepStatus::Errored => {}
        }
        let failed_without_check = step.status == StepStatus::Failed && step.failed_checks().next().is_none();
        if failed_without_check {
            for clause in &step.clauses {
                Evidence::note(&mut evidence.entry(clause.id.clone()).or_default().failed, id);
                touched.push(clause.id.clone());
            }
        }
        for check in &step.checks {
            for clause in &check.clauses {
                let entry = evidence.entry(clause.id.clone()).or_default();
                touched.push(clause.id.clone());
                if let Some(reason) = &check.skipped {
                    Evidence::note(&mut entry.not_run, reason);
                } else if check.fails() {
                    Evidence::note(&mut entry.failed, id);
                } else if check.warns() {
                    Evidence::note(&mut entry.warned, id);
                } else if !failed_without_check {
                    Evidence::note(&mut entry.passed, id);
                }
            }
        }
    }
    for clause in result.covers.iter().filter(|clause| !touched.contains(clause)) {
        let entry = evidence.entry(clause.clone()).or_default();
        match result.outcome {
            Outcome::Passed => Evidence::note(&mut entry.passed, id),
            _ => Evidence::note(&mut entry.blocked, id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::result::{CheckKind, CheckResult, Severity, StepResult};
    use crate::suite::api::Api;
    use crate::suite::clauses::ClauseRef;
    use std::time::Duration;

    fn clause(id: &str, level: Level) -> ClauseRef {
        ClauseRef { id: id.into(), section: "1".into(), level, capability: None }
    }

    fn check(clauses: Vec<ClauseRef>, passed: bool, severity: Severity) -> CheckResult {
        CheckResult { clauses, severity, ..CheckResult::new(CheckKind::Json, "$.x", passed, "1", "2") }
    }

    fn step(status: StepStatus, checks: Vec<CheckResult>, clauses: Vec<ClauseRef>) -> Arc<StepResult> {
        Arc::new(StepResult {
            number: 1,
            name: "s".into(),
            position: "x".into(),
            status,
            request: None,
            response: None,
            checks,
            clauses,
            error: None,
            attempts: 1,
            snapshot: None,
            duration: Duration::ZERO,
        })
    }

    fn result(id: &str, outcome: Outcome, covers: &[&str], steps: Vec<Arc<StepResult>>) -> Arc<CaseResult> {
        Arc::new(CaseResult {
            id: id.into(),
            name: id.into(),
            path: id.into(),
            api: Api::Router,
            tags: Vec::new(),
            covers: covers.iter().map(|clause| clause.to_string()).collect(),
            outcome,
            warnings: 0,
            steps,
            duration: Duration::ZERO,
        })
    }

    fn catalogue(ids: &[&str]) -> ClauseCatalogue {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clauses.yaml");
        let entries: String =
            ids.iter().map(|id| format!("  - {{id: {id}, api: v1, section: '1', text: x, level: must}}\n")).collect();
        std::fs::write(&path, format!("version: 1\nclauses:\n{entries}")).unwrap();
        ClauseCatalogue::load(&path).unwrap()
    }

    #[test]
    fn a_clause_fails_only_when_a_check_tied_to_it_fails() {
        let (one, two) = (clause("a.one", Level::Must), clause("a.two", Level::Must));
        let results = vec![result(
            "c1",
            Outcome::Failed,
            &["a.one", "a.two"],
            vec![
                step(StepStatus::Passed, vec![check(vec![one.clone()], true, Severity::Failure)], vec![one]),
                step(StepStatus::Failed, vec![check(vec![two.clone()], false, Severity::Failure)], vec![two]),
            ],
        )];
        let conformance = Conformance::judge(&catalogue(&["a.one", "a.two"]), &results);
        let verdicts: Vec<Verdict> = conformance.clauses.iter().map(|clause| clause.verdict).collect();
        assert_eq!(verdicts, vec![Verdict::Passed, Verdict::Failed]);
        assert_eq!(conformance.clauses[1].failed_by, vec!["c1"]);
    }

    #[test]
    fn warnings_blocked_steps_and_skipped_cases_have_their_own_verdicts() {
        let (warned, blocked) = (clause("a.warned", Level::Reference), clause("a.blocked", Level::Must));
        let results = vec![
            result(
                "c1",
                Outcome::Failed,
                &["a.warned", "a.blocked", "a.untouched"],
                vec![
                    step(StepStatus::Passed, vec![check(vec![warned.clone()], false, Severity::Warning)], vec![warned]),
                    step(StepStatus::Failed, vec![check(Vec::new(), false, Severity::Failure)], Vec::new()),
                    step(StepStatus::Blocked, Vec::new(), vec![blocked]),
                ],
            ),
            result("c2", Outcome::Skipped { reason: "no callbacks".into() }, &["a.skipped"], Vec::new()),
        ];
        let ids = ["a.warned", "a.blocked", "a.untouched", "a.skipped", "a.nothing"];
        let conformance = Conformance::judge(&catalogue(&ids), &results);
        let verdicts: Vec<Verdict> = conformance.clauses.iter().map(|clause| clause.verdict).collect();
        assert_eq!(
            verdicts,
            vec![Verdict::Warned, Verdict::Blocked, Verdict::Blocked, Verdict::NotRun, Verdict::NotCovered]
        );
        assert_eq!(conformance.clauses[3].not_run, vec!["no callbacks"]);
        assert_eq!(
            conformance.score_line(),
            "conformance: 0/5 clauses passed (0.0%), 0 failed, 1 differ from the reference gateway, 2 blocked, 1 not run, 1 not covered"
        );
    }
}
