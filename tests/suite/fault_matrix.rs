//! The fault matrix: the whole suite (`cases/`) against the reference gateway, once clean and once
//! with each fault of the catalogue switched on.
//!
//! - Clean, every case passes.
//! - With a fault on, at least one case fails, and at least one failing case covers the clause the
//!   fault names (`paycheck faults`): a fault nothing catches is a missing case.
//!
//! The test iterates `Fault::all()`, so a fault added to the catalogue later is held to the same
//! rule without editing this file. It prints the matrix (fault → failing cases); run
//! `cargo test --test suite fault_matrix -- --nocapture` to see it when it passes.
//!
//! Everything runs in-process through the runner API, exactly as `paycheck run` does (the same
//! masker, the same clause judging): one suite load, then one reference gateway per configuration
//! (each with its own manual clock and order store), several configurations at a time.
//! Configurations share nothing but the process, so running them concurrently changes no outcome.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use paycheck::gateway::{Fault, FaultSet};
use paycheck::outcome::{CaseResult, Outcome};
use paycheck::runner::Plan;
use tokio::sync::Semaphore;

use crate::support::{self, root};

/// Configurations run at once; each run also runs its cases concurrently.
const CONFIGURATIONS_AT_ONCE: usize = 4;
/// Cases run at once within one configuration.
const JOBS: usize = 8;

/// The outcome of the suite against one configuration of the reference gateway.
struct ConfigurationRun {
    fault: Option<Fault>,
    results: Vec<Arc<CaseResult>>,
    elapsed: Duration,
}

impl ConfigurationRun {
    fn failing(&self) -> Vec<&CaseResult> {
        self.results
            .iter()
            .filter(|result| matches!(result.outcome, Outcome::Failed | Outcome::Errored { .. }))
            .map(Arc::as_ref)
            .collect()
    }
}

async fn run_suite(plan: Arc<Plan>, fault: Option<Fault>) -> ConfigurationRun {
    let started = Instant::now();
    let faults = fault.map_or_else(FaultSet::default, |fault| FaultSet::of(&[fault]));
    let record = support::run_against_reference(&plan, faults, JOBS).await;
    ConfigurationRun { fault, results: record.cases, elapsed: started.elapsed() }
}

/// Wraps a long list at `width`, continuing lines with `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split(' ') {
        if line > 0 && line + word.len() + 1 > width {
            out.push('\n');
            out.push_str(indent);
            line = indent.len();
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out
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
fn every_fault_is_caught_by_a_case_covering_its_clause() {
    let plan = Arc::new(support::plan(support::load(&[&root().join("cases")])));
    assert!(!plan.cases.is_empty(), "no case under cases/");

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let started = Instant::now();
    let runs: Vec<ConfigurationRun> = runtime.block_on(async {
        let permits = Arc::new(Semaphore::new(CONFIGURATIONS_AT_ONCE));
        let configurations = std::iter::once(None).chain(Fault::all().iter().copied().map(Some));
        let tasks: Vec<_> = configurations
            .map(|fault| {
                let plan = Arc::clone(&plan);
                let permits = Arc::clone(&permits);
                tokio::spawn(async move {
                    let _permit = permits.acquire_owned().await.expect("semaphore");
                    run_suite(plan, fault).await
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
    let case_runs = clean.results.len();
    let _ = writeln!(
        report,
        "fault matrix: {} cases ({case_runs} case runs), clean + {} faults, in {:.1}s\n",
        plan.cases.len(),
        faulty.len(),
        elapsed.as_secs_f64()
    );
    let clean_failures = clean.failing();
    if clean_failures.is_empty() {
        let _ = writeln!(report, "(no fault)  every case passes ({:.1}s)", clean.elapsed.as_secs_f64());
    } else {
        let _ = writeln!(report, "(no fault)  {} case runs FAIL against the clean gateway:", clean_failures.len());
        for result in &clean_failures {
            let _ = writeln!(report, "    {}: {}", relative(&result.id), failure_reason(result));
        }
        problems.push(format!("{} case runs fail against the clean reference gateway", clean_failures.len()));
    }
    for run in faulty {
        let fault = run.fault.expect("a faulty run");
        let failing = run.failing();
        let covering: BTreeSet<&str> = failing
            .iter()
            .filter(|result| result.covers.iter().any(|clause| clause == fault.clause()))
            .map(|result| relative(&result.path))
            .collect();
        let others: BTreeSet<&str> =
            failing.iter().map(|result| relative(&result.path)).filter(|path| !covering.contains(path)).collect();
        let verdict = if failing.is_empty() {
            problems.push(format!("fault `{}` ({}) makes no case fail", fault.name(), fault.clause()));
            "NOT CAUGHT"
        } else if covering.is_empty() {
            problems.push(format!(
                "fault `{}`: no failing case covers its clause `{}` (failing: {})",
                fault.name(),
                fault.clause(),
                others.iter().copied().collect::<Vec<_>>().join(", ")
            ));
            "CAUGHT, BUT NOT BY ITS CLAUSE"
        } else {
            "caught"
        };
        let _ = writeln!(report, "\n{}  [{}]  {verdict}", fault.name(), fault.clause());
        for path in &covering {
            let _ = writeln!(report, "    * {path}");
        }
        if !others.is_empty() {
            let listed = others.iter().copied().collect::<Vec<_>>().join(", ");
            let _ = writeln!(report, "      also failing ({}): {}", others.len(), wrap(&listed, 100, "        "));
        }
    }
    let _ = writeln!(report, "\n(* = a failing case that covers the fault's clause)");
    println!("{report}");
    assert!(problems.is_empty(), "{report}\nproblems:\n  - {}", problems.join("\n  - "));
}
