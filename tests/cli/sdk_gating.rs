//! SDK gating end to end: the whole suite against a strict gateway records exactly the violations
//! its steps declare; the validating proxy changes no byte, records nothing for clean traffic and
//! records response faults; a strict session (violation records, log, every report) leaks no
//! secret, and its exit code says whether any request broke a clause.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use base64::Engine as _;
use paycheck::commands::embedded;
use paycheck::gateway::strict::{ProjectKeys, Session, Side};
use paycheck::gateway::{ClockMode, FaultSet, GatewayConfig, RunningGateway};
use paycheck::outcome::RunRecord;
use paycheck::proxy::{ProxySettings, RunningProxy};
use paycheck::runner::{Environment, Plan, RunOptions, Runner};
use paycheck::suite::case::Declared;
use paycheck::suite::schema_registry::SchemaRegistry;
use paycheck::suite::target::Target;
use paycheck::suite::{self, Suite, SuitePaths};
use serde_json::{Value, json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(cases: &[PathBuf]) -> Suite {
    let paths = SuitePaths {
        cases: cases.to_vec(),
        schemas: root().join("schemas"),
        clauses: root().join("clauses.yaml"),
        shown_from: None,
        clause_cache: None,
    };
    suite::load(&paths).unwrap_or_else(|diagnostics| panic!("the suite does not load:\n{}", diagnostics.render(false)))
}

fn plan(suite: &Suite) -> Plan {
    Plan {
        cases: suite.cases.clone(),
        selection: Default::default(),
        clauses: None,
        case_bases: vec![root().join("cases"), root()],
    }
}

async fn run(plan: &Plan, target: &Target, strict_target: bool) -> RunRecord {
    let options = RunOptions { jobs: 4, timeout: Duration::from_secs(30), strict_target, ..RunOptions::default() };
    let runner = Runner::new(options, Environment::isolated()).expect("a runner");
    runner.run(plan, target, None, Vec::new()).await.unwrap_or_else(|stopped| panic!("{stopped:?}")).record
}

fn session_for(config: &GatewayConfig) -> Arc<Session> {
    let keys: ProjectKeys = config.projects.iter().map(|p| (p.project_id, p.secret_key.clone())).collect();
    let secrets = config.merchants.iter().map(|m| m.password.clone()).collect();
    Arc::new(Session::new(secrets, keys, false))
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().expect("an address")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_suite_against_a_strict_gateway_records_exactly_the_violations_its_steps_declare() {
    let suite = load(&[root().join("cases")]);
    let config = GatewayConfig { clock: ClockMode::Manual, ..GatewayConfig::reference() };
    let session = session_for(&config);
    let gateway = RunningGateway::start_strict(config, loopback(), Arc::clone(&session)).await.expect("starts");
    let target = Target::from_url(embedded::NAME, &gateway.url(), &embedded::reference_profile())
        .expect("a target")
        .with_reference_capabilities();
    let record = run(&plan(&suite), &target, true).await;
    gateway.shutdown().await;
    assert_eq!(record.summary.failed, 0, "the suite passes against a strict gateway");
    assert_eq!(record.summary.skipped, 0);

    // The run itself checked each answer's X-Paycheck-Violations against its step's `violates:`
    // (it passed: every step's answer named exactly what the step declares); the records say the
    // same from the gateway's side.
    let mut declaring: BTreeSet<String> = BTreeSet::new();
    let mut declared: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for case in &suite.cases {
        for step in case.steps.iter().filter(|step| !step.violates.is_empty()) {
            let named: Option<BTreeSet<String>> = step
                .violates
                .iter()
                .map(|entry| match entry {
                    Declared::Clause(clause) => Some(clause.id.clone()),
                    Declared::Computed(_) => None,
                })
                .collect();
            for api in case.apis.iter().filter(|api| step.runs_on(**api)) {
                let label = format!("{}#{}@{api}", case.file.path.display(), step.number);
                declaring.insert(label.clone());
                if let Some(named) = &named {
                    declared.entry(label).or_default().extend(named.iter().cloned());
                }
            }
        }
    }
    let mut recorded: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for violation in session.records() {
        let step = violation.step.clone().unwrap_or_else(|| panic!("a violation from no step: {violation:?}"));
        recorded.entry(step).or_default().insert(violation.clause.clone());
    }
    let missing: Vec<String> = declared
        .iter()
        .filter(|(label, clauses)| recorded.get(*label) != Some(clauses))
        .map(|(label, clauses)| format!("{label}: declares {clauses:?}, recorded {:?}", recorded.get(label)))
        .collect();
    let undeclared: Vec<String> = recorded
        .iter()
        .filter(|(label, _)| !declaring.contains(*label))
        .map(|(label, clauses)| format!("{label}: recorded {clauses:?}, declares nothing"))
        .collect();
    assert!(missing.is_empty() && undeclared.is_empty(), "{}\n{}", missing.join("\n"), undeclared.join("\n"));
    assert!(declaring.len() > 40, "the suite sends deliberately invalid requests: {}", declaring.len());
    let checked = record
        .cases
        .iter()
        .flat_map(|case| &case.steps)
        .flat_map(|step| &step.checks)
        .filter(|check| check.subject == "x-paycheck-violations")
        .count();
    assert!(checked > 500, "every answer's violations were checked by the run: {checked}");
}

/// The reference gateway (with `faults`) behind a proxy; the target addresses the proxy.
async fn proxied(faults: FaultSet) -> (RunningGateway, RunningProxy, Arc<Session>, Target) {
    let gateway = RunningGateway::start(
        GatewayConfig { clock: ClockMode::Manual, faults, ..GatewayConfig::reference() },
        loopback(),
    )
    .await
    .expect("the gateway starts");
    let session = Arc::new(Session::new(Vec::new(), ProjectKeys::new(), false));
    let settings = ProxySettings {
        upstream: gateway.url().parse().expect("a URL"),
        max_body: 8 << 20,
        timeout: Duration::from_secs(30),
    };
    let schemas = Arc::new(SchemaRegistry::load(&root().join("schemas")).0);
    let proxy =
        RunningProxy::start(settings, Arc::clone(&session), schemas, loopback()).await.expect("the proxy starts");
    let target = Target::from_url("proxied", &proxy.url(), &embedded::reference_profile())
        .expect("a target")
        .with_reference_capabilities();
    (gateway, proxy, session, target)
}

/// Cases whose requests are all valid, over register, payment, status (both shapes), capture,
/// refund, reverse, and business errors.
fn clean_cases() -> Vec<PathBuf> {
    [
        "register.yaml",
        "pay.yaml",
        "status-lookup.yaml",
        "two-phase-capture-whole.yaml",
        "refund-partial.yaml",
        "register-duplicate.yaml",
        "reverse-paid-order.yaml",
        "legacy-status.yaml",
    ]
    .into_iter()
    .map(|file| root().join("cases/v1").join(file))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_traffic_through_the_proxy_records_nothing_and_response_faults_are_recorded_as_response_violations() {
    let suite = load(&clean_cases());
    assert!(suite.cases.iter().all(|case| case.steps.iter().all(|step| step.violates.is_empty())));
    let (gateway, proxy, session, target) = proxied(FaultSet::default()).await;
    let record = run(&plan(&suite), &target, false).await;
    assert_eq!(record.summary.failed, 0, "the suite passes through the proxy");
    assert!(session.requests() > 30, "traffic went through: {}", session.requests());
    assert!(session.records().is_empty(), "clean traffic: {:#?}", session.records());
    let exercised: Vec<String> =
        session.tallies().into_iter().filter(|(side, _, _)| *side == Side::Response).map(|(_, c, _)| c).collect();
    for clause in [
        "schema:v1/register.response.json",
        "schema:v1/status-bank.response.json",
        "schema:v1/status-router.response.json",
        "status.order-status-integer",
        "transport.business-error-http-200",
    ] {
        assert!(exercised.iter().any(|c| c == clause), "{clause} checked: {exercised:?}");
    }
    proxy.shutdown().await;
    gateway.shutdown().await;

    let faults = FaultSet::from_names(&["order-status-as-string", "form-url-missing", "business-error-http-400"])
        .expect("known faults");
    let (gateway, proxy, session, target) = proxied(faults).await;
    let _ = run(&plan(&suite), &target, false).await;
    let records = session.records();
    assert!(records.iter().all(|r| r.side == Side::Response), "only answers are at fault: {records:#?}");
    let broken: BTreeSet<&str> = records.iter().map(|r| r.clause.as_str()).collect();
    for clause in
        ["status.order-status-integer", "schema:v1/register.response.json", "transport.business-error-http-200"]
    {
        assert!(broken.contains(clause), "{clause} recorded: {broken:?}");
    }
    proxy.shutdown().await;
    gateway.shutdown().await;
}

/// What the stub upstream saw: method, path and query, headers, body.
type Seen = Arc<Mutex<Vec<(String, String, Vec<(String, String)>, Vec<u8>)>>>;

fn gzipped(text: &str) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).expect("gzip");
    encoder.finish().expect("gzip")
}

async fn stub(State(seen): State<Seen>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let headers = parts
        .headers
        .iter()
        .filter(|(name, _)| !["host", "content-length", "transfer-encoding", "connection"].contains(&name.as_str()))
        .map(|(name, value)| (name.to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    seen.lock().expect("lock").push((parts.method.to_string(), parts.uri.to_string(), headers, bytes.to_vec()));
    let answer = json!({"errorCode": "0", "errorMessage": "Success", "orderStatus": 2, "amount": 1000}).to_string();
    if parts.uri.path().ends_with("gzip.do") {
        return Response::builder()
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .header("x-vendor", "kept")
            .body(Body::from(gzipped(&answer)))
            .expect("a response");
    }
    let chunks = vec![
        Ok::<Bytes, std::io::Error>(Bytes::from(answer[..10].to_string())),
        Ok(Bytes::from(answer[10..].to_string())),
    ];
    Response::builder()
        .status(201)
        .header("content-type", "application/json; charset=utf-8")
        .header("set-cookie", "a=1")
        .header("set-cookie", "b=2")
        .body(Body::from_stream(futures::stream::iter(chunks)))
        .expect("a response")
}

/// An exchange as the client sees it: status, end-to-end headers, body bytes.
async fn exchange(
    client: &reqwest::Client,
    root: &str,
    path_and_query: &str,
    request: (&str, Vec<u8>, bool),
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let (content_type, body, gzip) = request;
    let mut builder = client
        .post(format!("{root}{path_and_query}"))
        .header("content-type", content_type)
        .header("accept-encoding", "gzip");
    if gzip {
        builder = builder.header("content-encoding", "gzip");
    }
    let response = builder.body(body).send().await.expect("an answer");
    let status = response.status().as_u16();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| !["date", "content-length", "transfer-encoding", "connection"].contains(&name.as_str()))
        .map(|(name, value)| (name.to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    headers.sort();
    (status, headers, response.bytes().await.expect("a body").to_vec())
}

/// POSTs `body` in chunks of 7 bytes over a raw connection; returns the whole answer as text.
async fn chunked_post(addr: SocketAddr, path: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connects");
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(7) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    stream.write_all(&request).await.expect("sends");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("reads");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_changes_no_byte_in_either_direction() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let seen: Seen = Arc::default();
    let listener = tokio::net::TcpListener::bind(loopback()).await.expect("binds");
    let upstream = format!("http://{}", listener.local_addr().expect("an address"));
    let app = axum::Router::new().fallback(stub).with_state(Arc::clone(&seen));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let session = Arc::new(Session::new(Vec::new(), ProjectKeys::new(), false));
    let settings = ProxySettings {
        upstream: upstream.parse().expect("a URL"),
        max_body: 1 << 20,
        timeout: Duration::from_secs(10),
    };
    let schemas = Arc::new(SchemaRegistry::load(&root().join("schemas")).0);
    let proxy = RunningProxy::start(settings, Arc::clone(&session), schemas, loopback()).await.expect("starts");
    let client = reqwest::Client::builder().no_gzip().build().expect("a client");

    let form = "userName=test_user&password=S3cret%2Fp%40ss&amount=1000&note=caf%C3%A9+%26+%2B".as_bytes().to_vec();
    let json_body =
        br#"{"userName":"test_user","password":"p\u0040ss","amount":1000, "nested": {"a": [1, 2.50, "\u00e9"]}}"#
            .to_vec();
    let requests = [
        (
            "/payment/rest/getOrderStatusExtended.do?orderId=x%20y&language=ru",
            ("application/x-www-form-urlencoded", form.clone(), false),
        ),
        ("/v1/gzip.do?a=1&a=2", ("application/json", json_body.clone(), false)),
        ("/v1/getOrderStatusExtended.do", ("application/json", gzipped("{\"orderId\":\"1\"}"), true)),
    ];
    for (path, request) in requests {
        let direct = exchange(&client, &upstream, path, request.clone()).await;
        let through = exchange(&client, &proxy.url(), path, request.clone()).await;
        assert_eq!(direct, through, "{path}: the answer through the proxy differs from the direct one");
        let seen = seen.lock().expect("lock");
        let (first, second) = (&seen[seen.len() - 2], &seen[seen.len() - 1]);
        assert_eq!(first, second, "{path}: the upstream saw another request through the proxy");
        assert_eq!(second.3, request.1, "{path}: the body bytes arrived unchanged");
    }
    let chunked = chunked_post(proxy.addr(), "/v1/register.do?x=1", &json_body).await;
    assert!(chunked.starts_with("HTTP/1.1 201"), "{chunked}");
    assert_eq!(seen.lock().expect("lock").last().map(|s| s.3.clone()), Some(json_body), "a chunked body arrives whole");
    assert!(session.records().iter().any(|r| r.path == "/v1/getOrderStatusExtended.do"), "the gzip body was read");
    proxy.shutdown().await;
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_answers_for_the_reference_gateway_byte_for_byte_and_keeps_its_own_paths() {
    let (gateway, proxy, session, _) = proxied(FaultSet::default()).await;
    let client = reqwest::Client::builder().no_gzip().build().expect("a client");
    for path in
        ["/payment/rest/getOrderStatusExtended.do", "/v1/getOrderStatusExtended.do", "/payment/rest/getOrderStatus.do"]
    {
        let body = format!(
            "userName=test_user&password=test_user_password&orderId={}",
            "00000000-0000-4000-8000-000000000000"
        )
        .into_bytes();
        let direct =
            exchange(&client, &gateway.url(), path, ("application/x-www-form-urlencoded", body.clone(), false)).await;
        let through = exchange(&client, &proxy.url(), path, ("application/x-www-form-urlencoded", body, false)).await;
        assert_eq!(direct, through, "{path}");
    }
    let own = client.get(format!("{}/_paycheck/clock", proxy.url())).send().await.expect("answers");
    assert_eq!(own.status(), 404, "/_paycheck/ is never forwarded");
    let listed: Value = client
        .get(format!("{}/_paycheck/violations", proxy.url()))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(listed["violations"].as_array().map(Vec::len), Some(1), "the /v1 form body: {listed}");
    assert_eq!(listed["violations"][0]["clause"], "client.body-encoding");
    let cleared = client.delete(format!("{}/_paycheck/violations", proxy.url())).send().await.expect("answers");
    assert_eq!(cleared.status(), 204);
    assert!(session.records().is_empty());
    proxy.shutdown().await;
    gateway.shutdown().await;
}

/// The JSON report of a session is a report like a run's: it validates against its schema.
fn assert_valid_report(text: &str) {
    let document: Value = serde_json::from_str(text).expect("JSON");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("schemas/report.schema.json")).expect("schema"))
            .expect("the schema is JSON");
    let validator =
        jsonschema::draft202012::options().should_validate_formats(true).build(&schema).expect("schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(&document).map(|error| format!("{}: {error}", error.instance_path())).collect();
    assert!(errors.is_empty(), "the report breaks its schema: {errors:#?}");
    assert!(document["summary"]["failed"].as_u64().is_some_and(|n| n > 0), "failed clauses counted");
}

/// Every form of a secret that must never appear: raw, form-encoded, JSON-escaped, base64.
fn forms(secret: &str) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        secret.to_string(),
        form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        serde_json::to_string(secret).expect("JSON").trim_matches('"').to_string(),
        b64.encode(secret),
        b64.encode(format!("test_user:{secret}")),
    ]
}

/// A `paycheck` process and its first stdout line's URL.
struct Served {
    child: std::process::Child,
    url: String,
    stdout: BufReader<std::process::ChildStdout>,
}

fn serve(args: &[&str], dir: &Path) -> Served {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut child = Command::cargo_bin("paycheck")
        .expect("the binary")
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("paycheck starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("a first line");
    let url = line.split_whitespace().find(|word| word.starts_with("http://")).expect("the URL").to_string();
    Served { child, url, stdout }
}

/// Stops it with SIGTERM; its exit code, stdout and stderr.
fn stop(mut served: Served) -> (Option<i32>, String, String) {
    let pid = served.child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
    assert!(status.success());
    let exit = served.child.wait().expect("it ends");
    let mut out = String::new();
    served.stdout.read_to_string(&mut out).expect("stdout");
    let mut err = String::new();
    served.child.stderr.take().expect("stderr").read_to_string(&mut err).expect("stderr");
    (exit.code(), out, err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strict_session_leaks_no_secret_and_exits_1_when_a_request_broke_a_clause() {
    let dir = tempfile::tempdir().expect("a folder");
    let served = serve(
        &[
            "serve",
            "--strict",
            "--log-requests",
            "--clock",
            "manual",
            "--addr",
            "127.0.0.1:0",
            "--report",
            "junit=out/junit.xml",
            "--report",
            "json=out/report.json",
            "--report",
            "html=out/report.html",
        ],
        dir.path(),
    );
    let client = reqwest::Client::new();
    let own = "S3cret/p@ss w0rd+\"x";
    let main = "test_user_password";
    let gate_key = "gate_test_secret";
    let url = &served.url;
    let sent = [
        client.post(format!("{url}/v1/register.do")).json(&json!({"userName": "test_user", "password": main, "orderNumber": "x1", "amount": "12.50", "returnUrl": "https://s.example/ok"})),
        client.post(format!("{url}/payment/rest/register.do")).form(&[("userName", "someone"), ("password", own), ("amount", "1000"), ("currency", "RUB")]),
        client.post(format!("{url}/payment/rest/getOrderStatusExtended.do")).query(&[("userName", "someone"), ("password", own), ("language", "english")]).header("content-type", "application/json"),
        client.post(format!("{url}/v1/getOrderStatusExtended.do")).header("content-type", "application/json").body(format!("{{\"token\": {}, \"orderid\": \"1\"", serde_json::to_string(own).expect("JSON"))),
        client.post(format!("{url}/v2/payment/online-banking/alfa-click/sale")).json(&json!({"general": {"project_id": 35, "payment_id": "p1", "signature": "AAAA"}, "customer": {"id": "c", "ip_address": "1.1.1.1"}, "payment": {"amount": "100", "currency": "RUB"}})),
    ];
    for request in sent {
        let answer = request.send().await.expect("the gateway answers");
        assert!(answer.headers().contains_key("x-paycheck-violations"));
    }
    let listed =
        client.get(format!("{url}/_paycheck/violations")).send().await.expect("answers").text().await.expect("text");
    let (code, stdout, stderr) = stop(served);
    assert_eq!(code, Some(1), "violations were recorded:\n{stdout}\n{stderr}");
    assert!(stdout.contains("paycheck: strict session: 5 requests checked"), "{stdout}");
    assert!(stdout.contains("FAIL request  client.amount-minor-units"), "{stdout}");
    assert!(stderr.contains("POST /v1/register.do -> 200 violations: client.amount-minor-units"), "{stderr}");
    assert!(listed.contains("[masked]"), "the records hold the requests, masked: {listed}");
    let mut scanned = vec![("violations".to_string(), listed), ("stdout".into(), stdout), ("stderr".into(), stderr)];
    for report in ["out/junit.xml", "out/report.json", "out/report.html"] {
        let text = std::fs::read_to_string(dir.path().join(report)).unwrap_or_else(|_| panic!("{report} written"));
        assert!(text.contains("client.amount-minor-units"), "{report} has a test case per clause");
        scanned.push((report.to_string(), text));
    }
    let json_report = &scanned.iter().find(|(name, _)| name.ends_with(".json")).expect("the JSON report").1;
    assert_valid_report(json_report);
    let mut leaks = Vec::new();
    for secret in [own, main, gate_key] {
        for form in forms(secret) {
            for (name, text) in &scanned {
                if text.contains(&form) {
                    leaks.push(format!("{name}: {form:?}"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_strict_session_exits_0_with_a_passing_report() {
    let dir = tempfile::tempdir().expect("a folder");
    let served = serve(&["serve", "--strict", "--addr", "127.0.0.1:0", "--report", "junit=junit.xml"], dir.path());
    let answer = reqwest::Client::new()
        .post(format!("{}/payment/rest/register.do", served.url))
        .form(&[
            ("userName", "test_user"),
            ("password", "test_user_password"),
            ("orderNumber", "clean-1"),
            ("amount", "1000"),
            ("returnUrl", "https://s.example/ok"),
        ])
        .send()
        .await
        .expect("answers");
    assert!(!answer.headers().contains_key("x-paycheck-violations"));
    let (code, stdout, _) = stop(served);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("0 violations"), "{stdout}");
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).expect("the report");
    assert!(junit.contains("client.required-params") && !junit.contains("<failure"), "{junit}");
}

#[test]
fn the_proxy_binds_elsewhere_than_loopback_only_when_asked() {
    let output = Command::cargo_bin("paycheck")
        .expect("the binary")
        .args(["proxy", "--upstream", "http://127.0.0.1:9", "--listen", "0.0.0.0:0"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--allow-remote"));
}

const DECLARING: &str = r#"name: Declared and undeclared violations against a strict target
api: bank
vars: { broken: client.currency-numeric }
steps:
  - name: declares what it breaks
    violates: [client.amount-minor-units]
    request:
      path: register.do
      body: { userName: "{{ merchant.user }}", password: "{{ merchant.password }}", orderNumber: "{{ unique_order_number() }}", amount: "12.50", returnUrl: "https://shop.example/ok" }
  - name: declares a violation it does not commit
    violates: [client.amount-minor-units]
    request:
      path: register.do
      body: { userName: "{{ merchant.user }}", password: "{{ merchant.password }}", orderNumber: "{{ unique_order_number() }}", amount: 1250, returnUrl: "https://shop.example/ok" }
  - name: commits a violation it does not declare
    request:
      path: register.do
      body: { userName: "{{ merchant.user }}", password: "{{ merchant.password }}", orderNumber: "{{ unique_order_number() }}", amount: 1250, currency: RUB, returnUrl: "https://shop.example/ok" }
  - name: declares a computed violation
    violates: ["{{ broken }}"]
    request:
      path: register.do
      body: { userName: "{{ merchant.user }}", password: "{{ merchant.password }}", orderNumber: "{{ unique_order_number() }}", amount: 1250, currency: RUB, returnUrl: "https://shop.example/ok" }
  - name: clean
    request:
      path: register.do
      body: { userName: "{{ merchant.user }}", password: "{{ merchant.password }}", orderNumber: "{{ unique_order_number() }}", amount: 1250, returnUrl: "https://shop.example/ok" }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_strict_target_a_step_fails_when_its_answer_names_other_violations_than_it_declares() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("declaring.yaml");
    std::fs::write(&file, DECLARING).expect("written");
    let suite = load(&[file]);
    let config = GatewayConfig { clock: ClockMode::Manual, ..GatewayConfig::reference() };
    let gateway = RunningGateway::start_strict(config.clone(), loopback(), session_for(&config)).await.expect("starts");
    let target = Target::from_url(embedded::NAME, &gateway.url(), &embedded::reference_profile())
        .expect("a target")
        .with_reference_capabilities();
    let record = run(&plan(&suite), &target, true).await;
    gateway.shutdown().await;
    let statuses: Vec<String> =
        record.cases[0].steps.iter().map(|step| format!("{}: {:?}", step.name, step.status)).collect();
    assert_eq!(
        statuses,
        [
            "declares what it breaks: Passed",
            "declares a violation it does not commit: Failed",
            "commits a violation it does not declare: Failed",
            "declares a computed violation: Passed",
            "clean: Passed"
        ]
    );
    let undeclared = &record.cases[0].steps[2].checks;
    let check = undeclared.iter().find(|check| check.subject == "x-paycheck-violations").expect("the check");
    assert_eq!((check.expected.as_str(), check.actual.as_str()), ("no violation", "client.currency-numeric"));
}
