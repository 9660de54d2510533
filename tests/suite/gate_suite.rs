//! The Gate v2 cases against the in-process reference gateway: all pass on the clean gateway,
//! and each Gate fault of the catalogue is caught by at least one of them (the Gate rows of the
//! fault matrix; `--nocapture` prints them with the cases that catch each fault).

use std::sync::Arc;
use std::time::Instant;

use paycheck::gateway::{Fault, FaultSet};
use paycheck::outcome::{CaseResult, Outcome};
use paycheck::runner::Plan;

use crate::support::{self, root};

fn gate_plan() -> Plan {
    support::plan(support::load(&[&root().join("cases/gate")]))
}

async fn run(plan: &Plan, faults: FaultSet) -> Vec<Arc<CaseResult>> {
    support::run_against_reference(plan, faults, 8).await.cases
}

fn failing(results: &[Arc<CaseResult>]) -> Vec<String> {
    let prefix = format!("{}/", root().display());
    results
        .iter()
        .filter(|result| result.outcome != Outcome::Passed)
        .map(|result| result.path.trim_start_matches(&prefix).to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_gate_case_passes_and_every_gate_fault_is_caught() {
    let suite = gate_plan();
    assert!(suite.cases.len() >= 8, "the Gate cases are there");
    let started = Instant::now();
    let clean = run(&suite, FaultSet::none()).await;
    assert!(
        failing(&clean).is_empty(),
        "clean gateway: {:#?}",
        clean.iter().filter(|r| r.outcome != Outcome::Passed).collect::<Vec<_>>()
    );
    println!("clean: {} Gate cases pass in {:?}", clean.len(), started.elapsed());
    let mut uncaught = Vec::new();
    for fault in Fault::all().iter().filter(|fault| fault.name().starts_with("gate-")) {
        let started = Instant::now();
        let caught_by = failing(&run(&suite, FaultSet::of(&[*fault])).await);
        println!(
            "{:<38} {:<34} {:>6.0?}  caught by {}",
            fault.name(),
            fault.clause(),
            started.elapsed(),
            caught_by.join(", ")
        );
        if caught_by.is_empty() {
            uncaught.push(fault.name());
        }
    }
    assert!(uncaught.is_empty(), "Gate faults no Gate case catches: {uncaught:?}");
}
