//! `paycheck explore` throughput, and the fault catalogue swept with a fixed seed.
//!
//! `cargo bench --bench explore` explores (v1 and Gate v2, callbacks of both included) the
//! reference gateway embedded in this process and `paycheck serve` over loopback (a child process
//! sharing the machine's cores) and prints the operations per second of each. `cargo bench --bench explore -- faults` also explores the
//! gateway with each fault of the catalogue on (seed 1, at most 20,000 operations) and prints the
//! operations to the first discrepancy, the shrunk length, and the median and worst.
//!
//! `PAYCHECK_EXPLORE_OPS` sets the operations per throughput run (default 100,000).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use paycheck::commands::embedded;
use paycheck::explore::{Explorer, Options, Outcome};
use paycheck::gateway::{Fault, FaultSet, GatewayConfig};
use paycheck::secret::Masker;
use paycheck::suite::schema_registry::SchemaRegistry;
use paycheck::suite::target::Target;

const JOBS: usize = 16;

fn options(seed: u64, ops: u64, stop_after: Option<usize>) -> Options {
    Options {
        seed,
        max_ops: Some(ops),
        max_time: None,
        jobs: JOBS,
        shard: None,
        out: None,
        shrink_runs: 200,
        stop_after,
    }
}

async fn explore(target: &Target, schemas: &Arc<SchemaRegistry>, options: &Options) -> Outcome {
    let explorer = Explorer::connect(target, JOBS, Duration::from_secs(30), Arc::clone(schemas), Masker::default())
        .await
        .expect("the target is reachable");
    let outcome = explorer.explore(options).await;
    explorer.shutdown().await;
    outcome
}

fn print(label: &str, outcome: &Outcome) {
    println!(
        "{label:30} {:>8} operations in {:>6.2}s: {:>7.0} operations/s, {} discrepancies",
        outcome.operations,
        outcome.elapsed.as_secs_f64(),
        outcome.rate(),
        outcome.discrepancies.len()
    );
}

fn main() {
    let faults = std::env::args().any(|a| a == "faults");
    let ops: u64 = std::env::var("PAYCHECK_EXPLORE_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let (schemas, diagnostics) = SchemaRegistry::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas")));
    assert!(diagnostics.is_empty(), "the schemas load");
    let schemas = Arc::new(schemas);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let (target, gateway) = embedded::start_target(GatewayConfig::reference()).await.expect("embedded gateway");
        print("embedded", &explore(&target, &schemas, &options(1, ops, None)).await);
        gateway.shutdown().await;

        let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/paycheck");
        if binary.exists() {
            let mut child = Command::new(&binary)
                .args(["serve", "--addr", "127.0.0.1:0", "--clock", "manual"])
                .stdout(Stdio::piped())
                .spawn()
                .expect("paycheck serve starts");
            let stdout = child.stdout.take().expect("stdout");
            let line = BufReader::new(stdout).lines().next().and_then(Result::ok).unwrap_or_default();
            let url = line.rsplit(' ').next().unwrap_or_default().to_string();
            let target = Target::from_url("loopback", &url, &embedded::reference_profile()).expect("a target");
            print("loopback (paycheck serve)", &explore(&target, &schemas, &options(2, ops, None)).await);
            let _ = child.kill();
            let _ = child.wait();
        } else {
            println!("loopback: build target/release/paycheck first (cargo build --release)");
        }

        if faults {
            let mut found = Vec::new();
            for fault in Fault::all() {
                let config = GatewayConfig { faults: FaultSet::of(&[*fault]), ..GatewayConfig::reference() };
                let (target, gateway) = embedded::start_target(config).await.expect("embedded gateway");
                let outcome = explore(&target, &schemas, &options(1, 20_000, Some(1))).await;
                gateway.shutdown().await;
                match outcome.discrepancies.first() {
                    Some(d) => {
                        println!(
                            "{:40} found after {:>6} operations, shrunk from {:>2} to {} operations",
                            fault.name(),
                            d.operations_before,
                            d.original_length,
                            d.shrunk.len()
                        );
                        found.push(d.operations_before);
                    }
                    None => println!("{:40} not found in {} operations", fault.name(), outcome.operations),
                }
            }
            found.sort_unstable();
            if let (Some(median), Some(worst)) = (found.get(found.len() / 2), found.last()) {
                println!(
                    "{} of {} faults found; median {median}, worst {worst} operations",
                    found.len(),
                    Fault::all().len()
                );
            }
        }
    });
}
