//! The Gate v2 cases against the in-process reference gateway: all pass on the clean gateway,
//! and each Gate fault of the catalogue is caught by at least one of them (the Gate rows of the
//! fault matrix; `--nocapture` prints them with the cases that catch each fault).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use paycheck::commands::embedded;
use paycheck::engine::clock::TargetClock;
use paycheck::engine::plan::{self, Selection};
use paycheck::engine::{self, EventSink, RunContext, http};
use paycheck::gateway::{Fault, FaultSet, GatewayConfig};
use paycheck::report::result::{CaseResult, Outcome};
use paycheck::suite::target::Target;
use paycheck::suite::{self, Suite, SuitePaths};

const TIMEOUT: Duration = Duration::from_secs(10);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn gate_suite() -> Suite {
    let paths = SuitePaths {
        cases: vec![root().join("cases/gate")],
        schemas: root().join("schemas"),
        clauses: root().join("clauses.yaml"),
    };
    suite::load(&paths).unwrap_or_else(|diagnostics| panic!("{}", diagnostics.render(false)))
}

async fn run(suite: &Suite, faults: FaultSet) -> Vec<Arc<CaseResult>> {
    let gateway = embedded::start(GatewayConfig { faults, ..GatewayConfig::reference() }).await.expect("gateway");
    let target = Target::from_url(embedded::NAME, &gateway.url(), &embedded::reference_profile()).expect("target");
    let client = http::client(TIMEOUT, 8).expect("client");
    let clock = TargetClock::detect(&client, &target).await.expect("clock");
    let runs = plan::plan(&suite.cases, &target, &Selection::default());
    let context = RunContext::new(client, Arc::new(target), clock, TIMEOUT, EventSink::discard());
    let (_, results) = engine::run(Arc::new(context), runs, 8).await;
    gateway.shutdown().await;
    results
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
    let suite = gate_suite();
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
