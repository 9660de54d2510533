//! Suite loading cost: a folder of 1,000 generated two-step cases, and single files with 16,000
//! `wait` steps and 8,000 clause ids (loading must be linear in file size).
//!
//! `cargo bench --bench loading` loads each in-process five times and prints the median. It also
//! leaves the generated files under `target/loading-bench/` so that the release binary can be timed
//! on them, from the repository's root:
//!
//! ```sh
//! hyperfine -w 2 'target/release/paycheck check target/loading-bench/cases-1000' \
//!     'target/release/paycheck check target/loading-bench/waits-16000.yaml'
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use paycheck::suite::{self, SuitePaths};

/// How many times each load is measured.
const ROUNDS: usize = 5;

/// One two-step case (register, then status), as the runner's throughput benchmark uses.
fn two_step_case(index: usize) -> String {
    format!(
        r#"name: Register then status {index}
api: router
covers: [register.order-id-uuid, status.router-shape]
steps:
  - name: register
    request:
      path: register.do
      body:
        userName: "{{{{ merchant.user }}}}"
        password: "{{{{ merchant.password }}}}"
        orderNumber: "{{{{ unique_order_number() }}}}"
        amount: 1000
        returnUrl: https://merchant.example/ok
    expect:
      status: 200
      schema: v1/register.response.json
      json:
        "$.errorCode": {{ code: 0 }}
        "$.orderId": {{ regex: "^[0-9a-f-]{{36}}$" }}
    capture: {{ order_id: "$.orderId" }}
  - name: status
    request:
      path: getOrderStatusExtended.do
      body: {{ userName: "{{{{ merchant.user }}}}", password: "{{{{ merchant.password }}}}", orderId: "{{{{ order_id }}}}" }}
    expect:
      status: 200
      schema: v1/status-router.response.json
      json:
        "$.orderStatusResultModel.orderStatus": -1
        "$.orderStatusResultModel.orderId": "{{{{ order_id }}}}"
"#
    )
}

/// A case of one request followed by `waits` one-second waits.
fn many_waits(waits: usize) -> String {
    let mut text = String::from("name: Many waits\napi: router\nsteps:\n  - request: { path: register.do }\n");
    for _ in 0..waits {
        text.push_str("  - wait: 1s\n");
    }
    text
}

/// A case covering the same clause `ids` times.
fn many_clause_ids(ids: usize) -> String {
    let mut text = String::from("name: Many clause ids\napi: router\ncovers:\n");
    for _ in 0..ids {
        let _ = writeln!(text, "  - register.order-id-uuid");
    }
    text.push_str("steps:\n  - request: { path: register.do }\n");
    text
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target").join("loading-bench");
    let folder = out.join("cases-1000");
    std::fs::create_dir_all(&folder).expect("create the bench folder");
    for index in 0..1000 {
        std::fs::write(folder.join(format!("case-{index:04}.yaml")), two_step_case(index)).expect("write a case");
    }
    let waits = out.join("waits-16000.yaml");
    std::fs::write(&waits, many_waits(16_000)).expect("write the waits file");
    let clauses = out.join("clause-ids-8000.yaml");
    std::fs::write(&clauses, many_clause_ids(8_000)).expect("write the clause ids file");

    let empty = out.join("empty");
    std::fs::create_dir_all(&empty).expect("create an empty folder");

    println!("paycheck loading: in-process suite::load, median of {ROUNDS}\n");
    let fixed = measure(root, &empty);
    println!("schemas and clauses only   {:>9.1} ms", ms(fixed));
    let folder_time = measure(root, &folder);
    println!(
        "1,000 two-step case files  {:>9.1} ms   {:.3} ms per file (beyond schemas and clauses)",
        ms(folder_time),
        ms(folder_time.saturating_sub(fixed)) / 1000.0
    );
    println!("16,000 waits in one file   {:>9.1} ms", ms(measure(root, &waits)));
    println!("8,000 clause ids           {:>9.1} ms", ms(measure(root, &clauses)));
    println!("\nfiles left in {} for timing the binary", out.display());
}

fn measure(root: &Path, cases: &Path) -> Duration {
    let paths = SuitePaths {
        cases: vec![PathBuf::from(cases)],
        schemas: root.join("schemas"),
        clauses: root.join("clauses.yaml"),
        shown_from: None,
        clause_cache: None,
    };
    let mut times: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            let loaded = suite::load(&paths);
            let elapsed = started.elapsed();
            if let Err(diagnostics) = loaded {
                panic!("the generated cases do not load:\n{}", diagnostics.render(false));
            }
            elapsed
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
