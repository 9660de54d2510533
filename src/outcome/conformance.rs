//! The per-clause verdict of a run: what a vendor attaches to say "our gateway conforms".
//!
//! A clause passed when at least one case covering it ran and every case covering it passed;
//! failed when a case covering it failed (the failing cases are listed); not covered when no case
//! covering it ran (skipped cases do not count).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::suite::clauses::ClauseCatalogue;

use super::result::{CaseResult, Outcome};

/// The verdict on one clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every case covering it passed.
    Passed,
    /// A case covering it failed or errored.
    Failed,
    /// No case covering it ran.
    NotCovered,
}

/// One clause, its verdict and the cases behind it.
#[derive(Debug, Clone, Serialize)]
pub struct ClauseVerdict {
    /// The clause id.
    pub id: String,
    /// The spec section.
    pub section: String,
    /// The statement.
    pub text: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Case runs (ids) covering it that passed.
    pub passed_by: Vec<String>,
    /// Case runs (ids) covering it that failed or errored.
    pub failed_by: Vec<String>,
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
    /// Clauses no case covered.
    pub not_covered: usize,
}

impl Conformance {
    /// Judges every clause of the catalogue from the case results.
    pub fn judge(catalogue: &ClauseCatalogue, results: &[Arc<CaseResult>]) -> Conformance {
        let mut by_clause: BTreeMap<&str, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for result in results {
            let passed = match result.outcome {
                Outcome::Passed => true,
                Outcome::Failed | Outcome::Errored { .. } => false,
                Outcome::Skipped { .. } => continue,
            };
            for clause in &result.covers {
                let entry = by_clause.entry(clause.as_str()).or_default();
                if passed { entry.0.push(result.id.clone()) } else { entry.1.push(result.id.clone()) }
            }
        }
        let clauses: Vec<ClauseVerdict> = catalogue
            .clauses()
            .iter()
            .map(|clause| {
                let (passed_by, failed_by) = by_clause.remove(clause.id.as_str()).unwrap_or_default();
                let verdict = if !failed_by.is_empty() {
                    Verdict::Failed
                } else if !passed_by.is_empty() {
                    Verdict::Passed
                } else {
                    Verdict::NotCovered
                };
                ClauseVerdict {
                    id: clause.id.clone(),
                    section: clause.section.clone(),
                    text: clause.text.clone(),
                    verdict,
                    passed_by,
                    failed_by,
                }
            })
            .collect();
        let count = |verdict: Verdict| clauses.iter().filter(|clause| clause.verdict == verdict).count();
        Conformance {
            passed: count(Verdict::Passed),
            failed: count(Verdict::Failed),
            not_covered: count(Verdict::NotCovered),
            clauses,
        }
    }

    /// The one-line score.
    pub fn score_line(&self) -> String {
        let total = self.clauses.len();
        let percent = if total == 0 { 0.0 } else { self.passed as f64 * 100.0 / total as f64 };
        format!(
            "conformance: {}/{} clauses passed ({percent:.1}%), {} failed, {} not covered",
            self.passed, total, self.failed, self.not_covered
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::result::CaseResult;
    use crate::suite::api::Api;
    use std::time::Duration;

    fn result(id: &str, outcome: Outcome, covers: &[&str]) -> Arc<CaseResult> {
        Arc::new(CaseResult {
            id: id.into(),
            name: id.into(),
            path: id.into(),
            api: Api::Router,
            tags: Vec::new(),
            covers: covers.iter().map(|clause| clause.to_string()).collect(),
            outcome,
            steps: Vec::new(),
            duration: Duration::ZERO,
        })
    }

    #[test]
    fn a_failing_case_fails_every_clause_it_covers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clauses.yaml");
        std::fs::write(
            &path,
            "version: 1\nclauses:\n  - {id: a.one, api: v1, section: '1', text: x}\n  - {id: a.two, api: v1, section: '1', text: y}\n  - {id: a.three, api: v1, section: '1', text: z}\n",
        )
        .unwrap();
        let catalogue = ClauseCatalogue::load(&path).unwrap();
        let results = vec![
            result("c1", Outcome::Passed, &["a.one", "a.two"]),
            result("c2", Outcome::Failed, &["a.two"]),
            result("c3", Outcome::Skipped { reason: "no".into() }, &["a.three"]),
        ];
        let conformance = Conformance::judge(&catalogue, &results);
        let verdicts: Vec<Verdict> = conformance.clauses.iter().map(|clause| clause.verdict).collect();
        assert_eq!(verdicts, vec![Verdict::Passed, Verdict::Failed, Verdict::NotCovered]);
        assert_eq!(conformance.clauses[1].failed_by, vec!["c2"]);
        assert_eq!(conformance.score_line(), "conformance: 1/3 clauses passed (33.3%), 1 failed, 1 not covered");
    }
}
