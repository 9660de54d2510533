//! Runner throughput against a plain request loop, in the same run, on the same client and the
//! same in-process reference gateway.
//!
//! The scenario is register-then-status on the router API. The plain loop sends the two requests
//! with fixed bodies and reads the responses; the runner does everything a case step does:
//! templates, encoding, JSON parsing, schema validation, JSONPath expectations, captures, secret
//! masking, results and events. Both run with the same concurrency. The target is a runner rate of
//! at least half the plain loop's: a step's own work must cost less than the request itself.
//!
//! Each loop is measured five times, alternating, and the medians are compared, so that a burst
//! of other work on the machine does not decide the result.
//!
//! `cargo bench --bench throughput` (environment: `PAYCHECK_BENCH_SCENARIOS`, default 4000;
//! `PAYCHECK_BENCH_JOBS`, default 8).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use paycheck::commands::embedded;
use paycheck::engine::{self, http};
use paycheck::gateway::GatewayConfig;
use paycheck::outcome::Event;
use paycheck::report::Reporter;
use paycheck::runner::{Environment, Plan, RunOptions, Runner};
use paycheck::suite::target::Target;
use paycheck::suite::{self, SuitePaths};
use serde_json::{Value, json};

const CASE: &str = r#"
name: Register then status
api: router
steps:
  - name: register
    request:
      path: register.do
      body:
        userName: "{{ merchant.user }}"
        password: "{{ merchant.password }}"
        orderNumber: "{{ unique_order_number() }}"
        amount: 1000
        returnUrl: https://merchant.example/ok
    expect:
      status: 200
      schema: v1/register.response.json
      json:
        "$.errorCode": { code: 0 }
        "$.orderId": { type: string }
    capture: { order_id: "$.orderId" }
  - name: status
    request:
      path: getOrderStatusExtended.do
      body: { userName: "{{ merchant.user }}", password: "{{ merchant.password }}", orderId: "{{ order_id }}" }
    expect:
      status: 200
      schema: v1/status-router.response.json
      json:
        "$.orderStatusResultModel.orderStatus": -1
        "$.orderStatusResultModel.orderId": "{{ order_id }}"
"#;

/// Counts events, as a cheap stand-in for a reporter.
struct CountingReporter(Arc<AtomicU64>);

impl Reporter for CountingReporter {
    fn on_event(&mut self, _event: &Event) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

fn main() {
    let scenarios = env_number("PAYCHECK_BENCH_SCENARIOS", 4000);
    let jobs = env_number("PAYCHECK_BENCH_JOBS", 8);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(bench(scenarios, jobs));
}

async fn bench(scenarios: usize, jobs: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join("bench.yaml"), CASE).expect("write the case");
    let suite = suite::load(&SuitePaths {
        cases: vec![dir.path().to_path_buf()],
        schemas: root.join("schemas"),
        clauses: root.join("clauses.yaml"),
        shown_from: None,
        clause_cache: None,
    })
    .unwrap_or_else(|diagnostics| panic!("{}", diagnostics.render(false)));
    let (target, gateway) = embedded::start_target(GatewayConfig::reference()).await.expect("reference gateway");
    let client = http::client(engine::DEFAULT_TIMEOUT, jobs).expect("client");
    let runner = Runner::new(RunOptions { jobs, ..RunOptions::default() }, Environment::isolated()).expect("runner");
    let base = target.base_url(paycheck::suite::api::Api::Router).expect("router API").to_string();

    println!(
        "paycheck throughput: {scenarios} register-then-status scenarios, {jobs} at a time, in-process gateway, \
         {ROUNDS} alternating rounds (medians)\n"
    );
    plain_loop(&client, &base, scenarios / 10, jobs).await;
    run_cases(&runner, &target, &suite, scenarios / 10).await;

    let mut plain = Vec::new();
    let mut ran = Vec::new();
    for _ in 0..ROUNDS {
        plain.push(plain_loop(&client, &base, scenarios, jobs).await);
        ran.push(run_cases(&runner, &target, &suite, scenarios).await);
    }
    let (plain, ran) = (median(plain), median(ran));
    report("plain loop", scenarios, plain);
    report("runner", scenarios, ran);
    let fraction = plain.as_secs_f64() / ran.as_secs_f64();
    println!("\nrunner rate / plain loop rate: {fraction:.2} (target: at least 0.50)");
    gateway.shutdown().await;
}

/// How many times each loop is measured; the two alternate so that both see the same conditions.
const ROUNDS: usize = 5;

fn median(mut durations: Vec<Duration>) -> Duration {
    durations.sort();
    durations[durations.len() / 2]
}

fn report(label: &str, scenarios: usize, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    println!(
        "{label:<11} {:>9.0} scenarios/s {:>9.0} requests/s   ({scenarios} scenarios in {:.3}s)",
        scenarios as f64 / seconds,
        2.0 * scenarios as f64 / seconds,
        seconds
    );
}

/// The same two requests with fixed bodies, parsing only what is needed to chain them.
async fn plain_loop(client: &reqwest::Client, base: &str, scenarios: usize, jobs: usize) -> Duration {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let started = Instant::now();
    let per_task = scenarios.div_ceil(jobs);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..jobs {
        let client = client.clone();
        let base = base.to_string();
        tasks.spawn(async move {
            for _ in 0..per_task {
                let number = COUNTER.fetch_add(1, Ordering::Relaxed);
                let register: Value = client
                    .post(format!("{base}/register.do"))
                    .json(&json!({"userName": "test_user", "password": "test_user_password",
                        "orderNumber": format!("plain-{number}"), "amount": 1000, "returnUrl": "https://merchant.example/ok"}))
                    .send()
                    .await
                    .expect("register")
                    .json()
                    .await
                    .expect("register JSON");
                let order_id = register["orderId"].as_str().expect("orderId").to_string();
                let status: Value = client
                    .post(format!("{base}/getOrderStatusExtended.do"))
                    .json(&json!({"userName": "test_user", "password": "test_user_password", "orderId": order_id}))
                    .send()
                    .await
                    .expect("status")
                    .json()
                    .await
                    .expect("status JSON");
                assert_eq!(status["orderStatusResultModel"]["orderStatus"], -1);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    started.elapsed()
}

/// The same scenario as a case, through the runner API, with events consumed by a reporter task.
async fn run_cases(runner: &Runner, target: &Target, suite: &suite::Suite, scenarios: usize) -> Duration {
    let plan = Plan { cases: suite.cases.iter().cycle().take(scenarios).cloned().collect(), ..Plan::default() };
    let events = Arc::new(AtomicU64::new(0));
    let reporter: Box<dyn Reporter> = Box::new(CountingReporter(Arc::clone(&events)));
    let started = Instant::now();
    let finished = runner.run(&plan, target, None, vec![reporter]).await.expect("the run starts");
    let elapsed = started.elapsed();
    let summary = &finished.record.summary;
    assert_eq!(summary.passed, scenarios, "every scenario passes: {summary:?}");
    assert!(events.load(Ordering::Relaxed) as usize >= scenarios * 4, "events were emitted and consumed");
    elapsed
}
