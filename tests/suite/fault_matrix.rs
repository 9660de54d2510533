//! The fault matrix: the whole suite (`cases/`) against the reference gateway, once clean and once
//! with each fault of the catalogue switched on, judged clause by clause (spec 8.2).
//!
//! - Clean, every case passes and no check warns.
//! - A fault that breaks a `must` (or `capability`) clause makes that clause **fail** in the plain
//!   run. A fault that breaks only a `reference` clause makes it **warn** in the plain run (the
//!   exit code is unaffected) and **fail** under `--strictness reference`: those faults run twice.
//! - For each fault the matrix prints how many other clauses failed: a precise suite fails the
//!   fault's own clause and little else (issue 10: at most 1 at the median, at most 4 for any fault
//!   but those listed in `BREAKS_SEVERAL_CLAUSES`).
//!
//! The test iterates `Fault::all()`, so a fault added to the catalogue later is held to the same
//! rule without editing this file. Run `cargo test --test suite fault_matrix -- --nocapture` to see
//! the matrix when it passes.
//!
//! Everything runs in-process through the runner API, exactly as `paycheck run` does (the same
//! masker, the same clause judging): one suite load, then one reference gateway per configuration
//! (each with its own manual clock and order store), several configurations at a time.
//! Configurations share nothing but the process, so running them concurrently changes no outcome.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use paycheck::engine::verdict::Strictness;
use paycheck::gateway::{Fault, FaultSet};
use paycheck::outcome::conformance::Verdict;
use paycheck::outcome::{CaseResult, Outcome, RunRecord};
use paycheck::runner::Plan;
use paycheck::suite::clauses::Level;
use tokio::sync::Semaphore;

use crate::support::{self, root};

/// Configurations run at once; each run also runs its cases concurrently.
const CONFIGURATIONS_AT_ONCE: usize = 4;
/// Cases run at once within one configuration.
const JOBS: usize = 8;
/// Issue 10's goal for a precise suite: with one fault on, the median number of other clauses that
/// fail (plain runs) ...
const MEDIAN_OTHERS_AT_MOST: usize = 1;
/// ... and the worst.
const WORST_OTHERS_AT_MOST: usize = 4;
/// Faults that break several clauses by design, held out of the worst-case bound: with
/// `session-never-expires` no order ever expires, so every lifetime clause (session timeout,
/// expirationDate, both default lifetimes, expiry after a failed attempt, the expired page) is broken
/// in fact, not by an imprecise case.
const BREAKS_SEVERAL_CLAUSES: &[&str] = &["session-never-expires"];

/// The outcome of the suite against one configuration of the reference gateway.
struct ConfigurationRun {
    fault: Option<Fault>,
    strictness: Strictness,
    record: RunRecord,
    elapsed: Duration,
}

impl ConfigurationRun {
    fn failing(&self) -> Vec<&CaseResult> {
        self.record
            .cases
            .iter()
            .filter(|result| matches!(result.outcome, Outcome::Failed | Outcome::Errored { .. }))
            .map(Arc::as_ref)
            .collect()
    }

    /// The verdict on a clause.
    fn verdict(&self, clause: &str) -> Option<Verdict> {
        let conformance = self.record.conformance.as_ref()?;
        conformance.clauses.iter().find(|verdict| verdict.id == clause).map(|verdict| verdict.verdict)
    }

    /// The clauses that failed, but `except`.
    fn other_failed_clauses(&self, except: &str) -> Vec<String> {
        let Some(conformance) = &self.record.conformance else { return Vec::new() };
        conformance
            .clauses
            .iter()
            .filter(|clause| clause.verdict == Verdict::Failed && clause.id != except)
            .map(|clause| clause.id.clone())
            .collect()
    }
}

async fn run_suite(plan: Arc<Plan>, fault: Option<Fault>, strictness: Strictness) -> ConfigurationRun {
    let started = Instant::now();
    let faults = fault.map_or_else(FaultSet::default, |fault| FaultSet::of(&[fault]));
    let record = support::run_against_reference_with(&plan, faults, JOBS, strictness).await;
    ConfigurationRun { fault, strictness, record, elapsed: started.elapsed() }
}

/// A case's path (or run id) relative to the crate root, for the printed matrix.
fn relative(path: &str) -> &str {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/");
    path.strip_prefix(root).unwrap_or(path)
}

fn failure_reason(result: &CaseResult) -> String {
    if let Outcome::Errored { reason } = &result.outcome {
        return format!("errored: {reason}");
    }
    let Some(step) = result.steps.iter().find(|step| step.error.is_some() || step.checks.iter().any(|c| !c.passed))
    else {
        return "failed".into();
    };
    let check = step.checks.iter().find(|check| !check.passed);
    match (check, &step.error) {
        (Some(check), _) => format!(
            "step {} \"{}\": {} expected {}, got {}",
            step.number, step.name, check.subject, check.expected, check.actual
        ),
        (None, Some(error)) => format!("step {} \"{}\": {error}", step.number, step.name),
        (None, None) => "failed".into(),
    }
}

#[test]
fn every_fault_fails_or_warns_its_own_clause() {
    let plan = Arc::new(support::plan(support::load(&[&root().join("cases")])));
    assert!(!plan.cases.is_empty(), "no case under cases/");
    let catalogue = plan.clauses.clone().expect("the clause catalogue");
    let level_of = |fault: Fault| catalogue.get(fault.clause()).map(|clause| clause.level);

    let mut configurations: Vec<(Option<Fault>, Strictness)> = vec![(None, Strictness::Must)];
    for &fault in Fault::all() {
        configurations.push((Some(fault), Strictness::Must));
        if level_of(fault) == Some(Level::Reference) {
            configurations.push((Some(fault), Strictness::Reference));
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let started = Instant::now();
    let runs: Vec<ConfigurationRun> = runtime.block_on(async {
        let permits = Arc::new(Semaphore::new(CONFIGURATIONS_AT_ONCE));
        let tasks: Vec<_> = configurations
            .into_iter()
            .map(|(fault, strictness)| {
                let plan = Arc::clone(&plan);
                let permits = Arc::clone(&permits);
                tokio::spawn(async move {
                    let _permit = permits.acquire_owned().await.expect("semaphore");
                    run_suite(plan, fault, strictness).await
                })
            })
            .collect();
        let mut runs = Vec::with_capacity(tasks.len());
        for task in tasks {
            runs.push(task.await.expect("a configuration's run panicked"));
        }
        runs
    });
    let elapsed = started.elapsed();

    let mut report = String::new();
    let mut problems = Vec::new();
    let (clean, faulty) = runs.split_first().expect("the clean run");
    let _ = writeln!(
        report,
        "fault matrix: {} cases ({} case runs), clean + {} faulty configurations, in {:.1}s\n",
        plan.cases.len(),
        clean.record.cases.len(),
        faulty.len(),
        elapsed.as_secs_f64()
    );
    let clean_failures = clean.failing();
    let clean_warnings: usize = clean.record.cases.iter().map(|case| case.warnings).sum();
    if clean_failures.is_empty() && clean_warnings == 0 {
        let _ = writeln!(report, "(no fault)  every case passes, no warning ({:.1}s)", clean.elapsed.as_secs_f64());
    } else {
        let _ = writeln!(report, "(no fault)  {} case runs FAIL, {clean_warnings} warnings:", clean_failures.len());
        for result in &clean_failures {
            let _ = writeln!(report, "    {}: {}", relative(&result.id), failure_reason(result));
        }
        problems.push(format!(
            "{} case runs fail and {clean_warnings} checks warn against the clean reference gateway",
            clean_failures.len()
        ));
    }
    let _ = writeln!(
        report,
        "{:<38} {:<9} {:<38} {:<11} {:>6}  other clauses failed",
        "fault", "run", "clause", "verdict", "cases"
    );
    let mut others_counts = Vec::new();
    for run in faulty {
        let fault = run.fault.expect("a faulty run");
        let level = level_of(fault);
        let own = run.verdict(fault.clause());
        let expected: &[Verdict] = match (level, run.strictness) {
            (Some(Level::Reference), Strictness::Must) => &[Verdict::Warned, Verdict::Failed],
            _ => &[Verdict::Failed],
        };
        if !own.is_some_and(|verdict| expected.contains(&verdict)) {
            problems.push(format!(
                "fault `{}` ({}, {:?}, strictness {:?}): its clause is {:?}, expected one of {expected:?}",
                fault.name(),
                fault.clause(),
                level,
                run.strictness,
                own
            ));
        }
        let others = run.other_failed_clauses(fault.clause());
        if run.strictness == Strictness::Must {
            others_counts.push(others.len());
            if others.len() > WORST_OTHERS_AT_MOST && !BREAKS_SEVERAL_CLAUSES.contains(&fault.name()) {
                problems.push(format!(
                    "fault `{}` fails {} other clauses (at most {WORST_OTHERS_AT_MOST}): {}",
                    fault.name(),
                    others.len(),
                    others.join(", ")
                ));
            }
        }
        let listed = others.iter().take(4).cloned().collect::<Vec<_>>().join(", ");
        let more = if others.len() > 4 { format!(" …+{}", others.len() - 4) } else { String::new() };
        let _ = writeln!(
            report,
            "{:<38} {:<9} {:<38} {:<11} {:>6}  {} {listed}{more}",
            fault.name(),
            if run.strictness == Strictness::Must { "plain" } else { "reference" },
            fault.clause(),
            own.map_or("?", |verdict| verdict.name()),
            run.failing().len(),
            others.len()
        );
    }
    others_counts.sort_unstable();
    let median = others_counts.get(others_counts.len() / 2).copied().unwrap_or(0);
    let worst = others_counts.last().copied().unwrap_or(0);
    let _ = writeln!(report, "\nother clauses failed per fault (plain runs): median {median}, worst {worst}");
    if median > MEDIAN_OTHERS_AT_MOST {
        problems.push(format!("a fault fails {median} other clauses at the median (at most {MEDIAN_OTHERS_AT_MOST})"));
    }
    println!("{report}");
    assert!(problems.is_empty(), "{report}\nproblems:\n  - {}", problems.join("\n  - "));
}
