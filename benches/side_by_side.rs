//! paycheck and Hurl side by side: the same register → status scenario, with the same checks,
//! run 1,000 times by each tool against one reference gateway (`paycheck serve --clock manual` on
//! a loopback ephemeral port). Prints both rates, their ratio, and the start-up time of each (one
//! scenario, whole process). Without `hurl` on PATH it says so and measures paycheck alone.
//!
//! `cargo bench --bench side_by_side` (environment: `PAYCHECK_SIDE_SCENARIOS`, default 1000;
//! `PAYCHECK_SIDE_ROUNDS`, default 5; `PAYCHECK_SIDE_HURL_JOBS`, a comma-separated list of Hurl
//! `--jobs` values, default one, two and four per core).
//!
//! paycheck runs the scenario two ways, with its default concurrency (four cases per core): one
//! file with `--repeat 1000`, as Hurl does (the file is loaded once), and 1,000 case files (one
//! scenario each, as a suite would hold them: loading them is part of its time). Hurl runs one
//! file with `--test --repeat` at each `--jobs` value, and the ratios are taken against its
//! fastest, so that each tool runs at its best on the machine. Both check the status, `errorCode`, that `orderId`
//! is a string, and the status response's state and order id; paycheck also validates both bodies
//! against their JSON schemas. The load average is printed before and after: other work on the
//! machine slows both tools, and the rounds alternate so that both see the same conditions.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CASE: &str = r#"name: Register then status NUMBER
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

const HURL: &str = r#"POST {{base}}/v1/register.do
{"userName": "test_user", "password": "test_user_password", "orderNumber": "{{newUuid}}", "amount": 1000, "returnUrl": "https://merchant.example/ok"}
HTTP 200
[Captures]
order_id: jsonpath "$.orderId"
[Asserts]
jsonpath "$.errorCode" == "0"
jsonpath "$.orderId" isString

POST {{base}}/v1/getOrderStatusExtended.do
{"userName": "test_user", "password": "test_user_password", "orderId": "{{order_id}}"}
HTTP 200
[Asserts]
jsonpath "$.orderStatusResultModel.orderStatus" == -1
jsonpath "$.orderStatusResultModel.orderId" == "{{order_id}}"
"#;

/// How many times the start-up run (one scenario) is measured.
const STARTUP_RUNS: usize = 10;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

fn main() {
    let scenarios = env_number("PAYCHECK_SIDE_SCENARIOS", 1000);
    let rounds = env_number("PAYCHECK_SIDE_ROUNDS", 5).max(1);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let hurl_jobs = env_list("PAYCHECK_SIDE_HURL_JOBS", vec![cores, cores * 2, cores * 4]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let paycheck = PathBuf::from(env!("CARGO_BIN_EXE_paycheck"));
    let hurl = hurl_on_path();

    let work = tempfile::tempdir().expect("temporary folder");
    let many = work.path().join("cases");
    let one = work.path().join("one");
    std::fs::create_dir_all(&many).expect("create the cases folder");
    std::fs::create_dir_all(&one).expect("create the one-case folder");
    for number in 0..scenarios {
        let case = CASE.replace("NUMBER", &number.to_string());
        std::fs::write(many.join(format!("scenario-{number:05}.yaml")), case).expect("write a case");
    }
    std::fs::write(one.join("scenario.yaml"), CASE.replace("NUMBER", "0")).expect("write the case");
    let hurl_file = work.path().join("scenario.hurl");
    std::fs::write(&hurl_file, HURL).expect("write the Hurl file");

    let mut server = Server::start(&paycheck);
    let base = server.url.clone();
    println!("side by side: {scenarios} register → status scenarios against paycheck serve at {base}");
    println!("{rounds} alternating rounds (medians); start-up: one scenario, whole process, median of {STARTUP_RUNS}");
    println!("load average before: {}\n", load_average());

    let paycheck_run = |folder: &Path, repeat: usize| {
        let mut command = Command::new(&paycheck);
        command.arg("run").arg(folder).args(["--target", &base, "--quiet", "--no-snapshots"]).current_dir(root);
        command.args(["--repeat", &repeat.to_string()]);
        command
    };
    let hurl_run = |hurl: &Path, jobs: usize, repeat: usize| {
        let mut command = Command::new(hurl);
        command
            .args(["--test", "--jobs", &jobs.to_string(), "--repeat", &repeat.to_string()])
            .args(["--variable", &format!("base={base}")])
            .arg(&hurl_file);
        command
    };

    let mut paycheck_times = Vec::new();
    let mut repeat_times = Vec::new();
    let mut hurl_times: Vec<Vec<Duration>> = vec![Vec::new(); hurl_jobs.len()];
    for _ in 0..rounds {
        paycheck_times.push(timed(paycheck_run(&many, 1)));
        repeat_times.push(timed(paycheck_run(&one, scenarios)));
        if let Some(hurl) = &hurl {
            for (times, &jobs) in hurl_times.iter_mut().zip(&hurl_jobs) {
                times.push(timed(hurl_run(hurl, jobs, scenarios)));
            }
        }
    }
    let mut startups = (Vec::new(), Vec::new());
    for _ in 0..STARTUP_RUNS {
        startups.0.push(timed(paycheck_run(&one, 1)));
        if let Some(hurl) = &hurl {
            startups.1.push(timed(hurl_run(hurl, 1, 1)));
        }
    }
    let paycheck_startup = median(startups.0);
    let paycheck_time = median(paycheck_times);
    let repeat_time = median(repeat_times);
    report("paycheck", scenarios, paycheck_time, Some(paycheck_startup), "one file each, default --jobs");
    report("paycheck", scenarios, repeat_time, None, &format!("one file, --repeat {scenarios}, default --jobs"));

    match &hurl {
        Some(_) => {
            let hurl_startup = median(startups.1);
            let medians: Vec<Duration> = hurl_times.into_iter().map(median).collect();
            for (&time, jobs) in medians.iter().zip(&hurl_jobs) {
                report("hurl", scenarios, time, None, &format!("--jobs {jobs}"));
            }
            let (best, best_jobs) = medians.iter().zip(&hurl_jobs).min().expect("at least one Hurl setting");
            println!("hurl start-up {:.1} ms", hurl_startup.as_secs_f64() * 1000.0);
            println!("load average after: {}", load_average());
            println!(
                "\npaycheck rate / hurl rate (hurl's fastest, --jobs {best_jobs}): {:.2} with one file loaded and \
                 --repeat, as Hurl runs (goal: at least 3); {:.2} with {scenarios} files, each loaded; \
                 start-up paycheck / hurl: {:.2}",
                best.as_secs_f64() / repeat_time.as_secs_f64(),
                best.as_secs_f64() / paycheck_time.as_secs_f64(),
                paycheck_startup.as_secs_f64() / hurl_startup.as_secs_f64()
            );
        }
        None => {
            println!("\nhurl is not on PATH: paycheck measured alone (install it with `cargo install hurl --locked`)")
        }
    }
    server.stop();
}

/// `hurl` when it is on PATH.
fn hurl_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join("hurl")).find(|candidate| candidate.is_file())
}

/// Runs a command to its end, quietly, and returns how long it took; a failure stops the benchmark.
fn timed(mut command: Command) -> Duration {
    command.stdout(Stdio::null()).stderr(Stdio::piped()).env_remove("CI");
    let started = Instant::now();
    let output = command.output().expect("the command starts");
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

/// A comma-separated list of numbers from the environment, or `default`.
fn env_list(name: &str, default: Vec<usize>) -> Vec<usize> {
    let parsed: Vec<usize> = std::env::var(name)
        .unwrap_or_default()
        .split(',')
        .filter_map(|item| item.trim().parse().ok())
        .filter(|&number| number > 0)
        .collect();
    if parsed.is_empty() { default } else { parsed }
}

/// The 1-, 5- and 15-minute load averages, where the system tells them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn report(tool: &str, scenarios: usize, elapsed: Duration, startup: Option<Duration>, settings: &str) {
    let seconds = elapsed.as_secs_f64();
    let startup = startup.map(|startup| format!("   start-up {:>5.1} ms", startup.as_secs_f64() * 1000.0));
    println!(
        "{tool:<9} {:>7.0} scenarios/s  ({scenarios} in {seconds:.3}s, {settings}){}",
        scenarios as f64 / seconds,
        startup.unwrap_or_default()
    );
}

/// `paycheck serve --clock manual` on a loopback ephemeral port, stopped when the benchmark ends.
struct Server {
    child: Child,
    url: String,
    /// The server's output, kept open so that it never writes to a closed pipe.
    _output: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start(paycheck: &Path) -> Server {
        let mut child = Command::new(paycheck)
            .args(["serve", "--addr", "127.0.0.1:0", "--clock", "manual"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("paycheck serve starts");
        let stdout = child.stdout.take().expect("the server's output");
        let mut output = BufReader::new(stdout);
        let mut line = String::new();
        output.read_line(&mut line).expect("the server says where it listens");
        let url = line.trim().rsplit(' ').next().unwrap_or_default().to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "unexpected first line from paycheck serve: {line}");
        Server { child, url, _output: output }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
