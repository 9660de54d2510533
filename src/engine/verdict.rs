//! What a step's checks mean (spec 8.2): which clauses each check verifies, whether one that does
//! not hold fails its step or only warns, and which checks, steps and cases the target's declared
//! capabilities leave out.

use crate::outcome::CheckResult;
use crate::outcome::result::Severity;
use crate::suite::capabilities::Capabilities;
use crate::suite::case::{Action, Case, Step};
use crate::suite::clauses::{ClauseRef, Level};

/// How strictly `reference` clauses are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// A `reference` check that does not hold is a warning (the default).
    #[default]
    Must,
    /// It fails like a `must` check (a vendor whose mock must mirror the reference gateway).
    Reference,
}

impl Strictness {
    /// Parses `must` or `reference`.
    pub fn parse(text: &str) -> Result<Strictness, String> {
        match text {
            "must" => Ok(Strictness::Must),
            "reference" => Ok(Strictness::Reference),
            other => Err(format!("unknown strictness `{other}`: use must or reference")),
        }
    }
}

/// What judging needs to know about the run.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    /// How `reference` clauses are judged.
    pub strictness: Strictness,
    /// What the target declares.
    pub capabilities: &'a Capabilities,
}

/// The clauses a step's checks verify by default: the step's own `covers`, or the case's when it
/// names exactly one (a check of a case covering several clauses says which it verifies).
pub fn step_clauses(case: &Case, step: &Step) -> Vec<ClauseRef> {
    if !step.covers.is_empty() {
        step.covers.clone()
    } else if case.clauses.len() == 1 {
        case.clauses.clone()
    } else {
        Vec::new()
    }
}

/// Every clause a step would verify: its default clauses and those its checks name.
pub fn clauses_of_step(case: &Case, step: &Step) -> Vec<ClauseRef> {
    let mut clauses = step_clauses(case, step);
    let exchanges: Vec<&crate::suite::case::Exchange> = match &step.action {
        Action::Exchange(exchange) => vec![exchange],
        Action::Concurrent(group) => group
            .members
            .iter()
            .filter_map(|member| match &member.action {
                Action::Exchange(exchange) => Some(exchange.as_ref()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    for exchange in exchanges {
        let blocks = std::iter::once(&exchange.expect).chain(exchange.expect_on.iter().map(|(_, block)| block));
        for expectation in blocks.flat_map(|block| &block.json) {
            for clause in &expectation.covers {
                if !clauses.iter().any(|known| known.id == clause.id) {
                    clauses.push(clause.clone());
                }
            }
        }
    }
    clauses
}

/// Why these clauses cannot be checked on the target: each needs a capability it does not
/// declare. `None` when at least one can be checked (or none is named).
pub fn missing_capability(clauses: &[ClauseRef], capabilities: &Capabilities) -> Option<String> {
    if clauses.is_empty() {
        return None;
    }
    let mut missing = Vec::new();
    for clause in clauses {
        match clause.capability {
            Some(capability) if clause.level == Level::Capability && !capabilities.declares(capability) => {
                let name = capability.to_string();
                if !missing.contains(&name) {
                    missing.push(name);
                }
            }
            _ => return None,
        }
    }
    Some(format!("the target does not declare the capability {} (spec 8.2)", missing.join(", ")))
}

/// Ties each check to its clauses (its own, else `default`), sets what a failure of it means, and
/// marks the checks whose own clauses all need a capability the target lacks as skipped.
pub fn judge(checks: &mut [CheckResult], default: &[ClauseRef], rules: Rules<'_>) {
    for check in checks {
        if check.clauses.is_empty() {
            check.clauses = default.to_vec();
        } else if let Some(reason) = missing_capability(&check.clauses, rules.capabilities) {
            check.skipped = Some(reason);
        }
        check.severity = severity(&check.clauses, rules.strictness);
    }
}

/// A check of `reference` clauses only warns, unless the run is strict; every other fails.
fn severity(clauses: &[ClauseRef], strictness: Strictness) -> Severity {
    let only_reference = !clauses.is_empty() && clauses.iter().all(|clause| clause.level == Level::Reference);
    if only_reference && strictness == Strictness::Must { Severity::Warning } else { Severity::Failure }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::CheckKind;
    use crate::suite::clauses::Capability;

    fn clause(id: &str, level: Level, capability: Option<Capability>) -> ClauseRef {
        ClauseRef { id: id.into(), section: "1".into(), level, capability }
    }

    fn check(clauses: Vec<ClauseRef>) -> CheckResult {
        CheckResult { clauses, ..CheckResult::new(CheckKind::Json, "$.x", false, "1", "2") }
    }

    #[test]
    fn a_reference_check_warns_unless_the_run_is_strict() {
        let reference = vec![clause("a.reference", Level::Reference, None)];
        let none = Capabilities::none();
        let mut checks = vec![check(Vec::new())];
        judge(&mut checks, &reference, Rules { strictness: Strictness::Must, capabilities: &none });
        assert_eq!(checks[0].severity, Severity::Warning);
        assert!(checks[0].warns() && !checks[0].fails());
        judge(&mut checks, &reference, Rules { strictness: Strictness::Reference, capabilities: &none });
        assert_eq!(checks[0].severity, Severity::Failure);
    }

    #[test]
    fn a_must_clause_beside_a_reference_one_fails() {
        let clauses = vec![clause("a.reference", Level::Reference, None), clause("a.must", Level::Must, None)];
        let none = Capabilities::none();
        let mut checks = vec![check(clauses)];
        judge(&mut checks, &[], Rules { strictness: Strictness::Must, capabilities: &none });
        assert!(checks[0].fails());
    }

    #[test]
    fn a_check_needing_an_undeclared_capability_is_skipped_with_the_reason() {
        let callbacks = vec![clause("callback.x", Level::Capability, Some(Capability::Callbacks))];
        let mut checks = vec![check(callbacks.clone())];
        let none = Capabilities::none();
        judge(&mut checks, &[], Rules { strictness: Strictness::Must, capabilities: &none });
        assert!(checks[0].skipped.as_deref().is_some_and(|reason| reason.contains("callbacks")));
        assert!(!checks[0].fails());
        let all = Capabilities::all();
        let mut checks = vec![check(callbacks)];
        judge(&mut checks, &[], Rules { strictness: Strictness::Must, capabilities: &all });
        assert!(checks[0].skipped.is_none() && checks[0].fails());
    }
}
