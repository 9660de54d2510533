//! `paycheck explore` end to end: nothing found against the reference gateway (embedded and over
//! the network), faults found, shrunk and written as cases that fail against the fault and pass
//! against the clean gateway, replay by seed, and the exit codes of bad invocations.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::support::served::serve;

/// Operations per exploration of the clean gateway in these tests (debug build).
const CLEAN_OPS: &str = "2500";

/// The faults the representative test explores: a v1 refund rule, a concurrency rule (replays
/// sent together), time (expiry, the reversal window), transport and answer shape, the v1
/// callback checksum, and Gate v2's refunds, test mode, signatures and callbacks.
const REPRESENTATIVE: &[&str] = &[
    "refund-remaining-not-tracked",
    "refund-replay-performed-twice",
    "session-never-expires",
    "reverse-window-ignored",
    "query-params-ignored",
    "order-status-as-string",
    "callback-checksum-missing",
    "gate-refund-full-refunds-initial",
    "gate-untouched-never-declines",
    "gate-callback-signature-unsorted",
    "gate-signature-not-checked",
];

fn paycheck() -> Command {
    let mut command = Command::cargo_bin("paycheck").expect("the paycheck binary");
    command.current_dir(env!("CARGO_MANIFEST_DIR")).env_remove("CI").env("NO_COLOR", "1");
    command
}

fn output(command: &mut Command) -> (i32, String) {
    let output = command.output().expect("paycheck runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

fn operations_sent(report: &str) -> u64 {
    report
        .lines()
        .find_map(|line| line.trim().split(" operations in ").next().filter(|_| line.contains(" operations in ")))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn nothing_is_found_against_the_reference_gateway_embedded_and_over_the_network() {
    let (code, text) = output(paycheck().args(["explore", "--seed", "11", "--ops", CLEAN_OPS, "--no-write"]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("0 discrepancies found"), "{text}");
    assert!(operations_sent(&text) >= 2500, "{text}");
    assert!(!text.contains("time operations left out"), "the embedded gateway has a manual clock: {text}");
    assert!(!text.contains("callbacks left out") && !text.contains("Gate v2 left out"), "{text}");
    for explored in ["gate-sale", "gate-payer", "gate-refund", "gate-status", "gate 3041", "gate 3060"] {
        assert!(text.contains(explored), "`{explored}` is explored: {text}");
    }

    let served = serve(&["--clock", "manual"]);
    let (code, text) =
        output(paycheck().args(["explore", "--seed", "12", "--ops", CLEAN_OPS, "--no-write", "--target", &served.url]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("0 discrepancies found"), "{text}");

    let real = serve(&["--clock", "real"]);
    let (code, text) =
        output(paycheck().args(["explore", "--seed", "13", "--ops", "300", "--no-write", "--target", &real.url]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("time operations left out"), "a real clock cannot be moved: {text}");
}

/// Explores the embedded gateway with `fault` on; returns the exit code, the report and the
/// written case.
fn explore_fault(fault: &str, out: &Path) -> (i32, String, Option<PathBuf>) {
    let (code, text) = output(paycheck().args([
        "explore",
        "--seed",
        "1",
        "--ops",
        "20000",
        "--max-discrepancies",
        "1",
        "--fault",
        fault,
        "--out",
        &out.display().to_string(),
    ]));
    let case = std::fs::read_dir(out)
        .ok()
        .and_then(|mut entries| entries.next())
        .and_then(Result::ok)
        .map(|entry| entry.path());
    (code, text, case)
}

/// The case must pass against the clean gateway and fail against the faulty one.
fn check_case(fault: &str, case: &Path) {
    let case_arg = case.display().to_string();
    let (code, text) = output(paycheck().args(["run", &case_arg, "--snapshots", "off"]));
    assert_eq!(code, 0, "the case found for `{fault}` must pass against the clean gateway: {text}");
    let faulty = serve(&["--clock", "manual", "--fault", fault]);
    let (code, text) = output(paycheck().args([
        "run",
        &case_arg,
        "--snapshots",
        "off",
        "--target",
        &faulty.url,
        "--strictness",
        "reference",
    ]));
    assert_eq!(code, 1, "the case found for `{fault}` must fail against it: {text}");
}

#[test]
fn representative_faults_are_found_shrunk_and_written_as_cases_that_catch_them() {
    for fault in REPRESENTATIVE {
        let out = tempfile::tempdir().expect("temporary folder");
        let (code, text, case) = explore_fault(fault, out.path());
        assert_eq!(code, 1, "`{fault}` must be found: {text}");
        assert!(text.contains("DISCREPANCY 1"), "{text}");
        assert!(!text.contains("test_user_password"), "a password reached the terminal: {text}");
        assert!(operations_sent(&text) <= 20_000 + 64, "{text}");
        let case = case.unwrap_or_else(|| panic!("a case is written for `{fault}`: {text}"));
        let written = std::fs::read_to_string(&case).expect("the case reads");
        assert!(written.contains("covers: [") && written.contains("tags: [explore"), "{written}");
        assert!(!written.contains("test_user_password"), "a password reached the case: {written}");
        check_case(fault, &case);
    }
}

/// Every fault of the catalogue, found with seed 1 in at most 20,000 operations, each written
/// case failing against its fault and passing clean; prints operations to the first discrepancy
/// and the shrunk length. Slow in a debug build:
/// `cargo test --release --test cli explore::every_fault -- --ignored --nocapture`.
#[test]
#[ignore]
fn every_fault_of_the_catalogue_is_found() {
    let (_, listing) = output(paycheck().arg("faults"));
    let mut found = Vec::new();
    for fault in listing.lines().filter_map(|line| line.split_whitespace().next()) {
        let out = tempfile::tempdir().expect("temporary folder");
        let (code, text, case) = explore_fault(fault, out.path());
        assert_eq!(code, 1, "`{fault}` must be found: {text}");
        let after: u64 = text
            .split("after ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(u64::MAX);
        let shrunk = case.as_deref().map(|c| std::fs::read_to_string(c).unwrap_or_default()).unwrap_or_default();
        let numbered =
            |l: &str| l.strip_prefix("  - name: \"").is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
        let steps = shrunk.lines().filter(|l| numbered(l) || l.starts_with("  - wait:")).count();
        println!("{fault:40} found after {after:6} operations, shrunk to {steps} operations");
        assert!(after <= 20_000, "`{fault}` took {after} operations");
        check_case(fault, case.as_deref().expect("a case is written"));
        found.push(after);
    }
    found.sort_unstable();
    assert_eq!(found.len(), 42, "the catalogue has 42 faults");
    println!("median {} worst {}", found[found.len() / 2], found[found.len() - 1]);
}

#[test]
fn the_same_seed_replays_the_same_operations() {
    let report = |dir: &Path| {
        let path = dir.join("explore.json");
        let (code, text) = output(paycheck().args([
            "explore",
            "--seed",
            "5",
            "--ops",
            "400",
            "--jobs",
            "1",
            "--no-write",
            "--report",
            &format!("explore={}", path.display()),
        ]));
        assert_eq!(code, 0, "{text}");
        let document: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("report written")).expect("JSON");
        (document["operations"].clone(), document["coverage"].clone())
    };
    let dir = tempfile::tempdir().expect("temporary folder");
    assert_eq!(report(dir.path()), report(dir.path()));
}

#[test]
fn bad_invocations_exit_2_and_an_unreachable_target_exits_3() {
    for args in [
        &["explore", "--fault", "no-such-fault"][..],
        &["explore", "--fault", "session-never-expires", "--target", "http://127.0.0.1:9"],
        &["explore", "--report", "pdf"],
        &["explore", "--shard", "3/2"],
        &["explore", "--target", "nowhere"],
    ] {
        let (code, text) = output(paycheck().args(args));
        assert_eq!(code, 2, "{args:?}: {text}");
    }
    let (code, text) = output(paycheck().args(["explore", "--target", "http://127.0.0.1:9", "--ops", "10"]));
    assert_eq!(code, 3, "{text}");
}

#[test]
fn shard_reports_are_written_like_runs_and_merge() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = |name: &str| dir.path().join(name).display().to_string();
    for k in ["1", "2"] {
        let (code, text) = output(paycheck().args([
            "explore",
            "--seed",
            "3",
            "--ops",
            "300",
            "--shard",
            &format!("{k}/2"),
            "--no-write",
            "--fault",
            "gate-refund-over-initial-accepted",
            "--max-discrepancies",
            "1",
            "--report",
            &format!("json={}", path(&format!("shard{k}.json"))),
            "--report",
            &format!("junit={}", path(&format!("shard{k}.xml"))),
            "--report",
            &format!("html={}", path(&format!("shard{k}.html"))),
        ]));
        assert!(code == 0 || code == 1, "{text}");
        let junit = std::fs::read_to_string(path(&format!("shard{k}.xml"))).expect("junit written");
        assert!(junit.contains("<testsuites") && junit.contains("explore seed 3"), "{junit}");
        let html = std::fs::read_to_string(path(&format!("shard{k}.html"))).expect("html written");
        assert!(html.contains("explore seed 3"), "the html report names the exploration");
        assert!(!html.contains("gate_test_secret") && !junit.contains("gate_test_secret"), "a key leaked");
    }
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report.schema.json"))
            .expect("the report schema"),
    )
    .expect("JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("schema compiles");
    let mut cases = 0;
    for k in ["1", "2"] {
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path(&format!("shard{k}.json"))).expect("read"))
                .expect("JSON");
        assert!(validator.is_valid(&report), "shard {k}'s report validates against report.schema.json");
        cases += report["cases"].as_array().map_or(0, Vec::len);
    }
    let (code, text) = output(paycheck().args([
        "report",
        "merge",
        &path("shard1.json"),
        &path("shard2.json"),
        "--report",
        &format!("json={}", path("merged.json")),
    ]));
    assert!(code == 0 || code == 1, "{text}");
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("merged.json")).expect("merged")).expect("JSON");
    assert_eq!(merged["cases"].as_array().map_or(0, Vec::len), cases, "every shard's case runs are merged");
    let ids: Vec<&str> = merged["cases"].as_array().into_iter().flatten().filter_map(|c| c["id"].as_str()).collect();
    assert!(ids.contains(&"explore/seed-3/shard-1-of-2") && ids.contains(&"explore/seed-3/shard-2-of-2"), "{ids:?}");
}

/// Operations the explorer sent together are written as a `concurrent` group whose
/// `expect_one_of` accepts either order: the case replays the race, passes against the clean
/// gateway however the race goes, and fails against a gateway that lets both refunds through.
#[test]
fn a_race_is_written_as_a_concurrent_group_that_replays_it() {
    use paycheck::explore::case_writer::{Origin, write_case};
    use paycheck::explore::op::{Card, Lookup, Op, Refund, Register};
    use paycheck::gateway::v1::model::Family;
    let register = Op::Register(Register {
        slot: 0,
        two_phase: false,
        amount: 10_000,
        number: 0,
        lifetime_secs: None,
        auto: None,
        callback: false,
    });
    let refund = |external_id| Op::Refund {
        slot: 0,
        refund: Refund { amount: Some(6_000), external_id, expected_deposited: None, items: false },
    };
    let races = [
        (Family::Router, refund(None), "refund-over-limit-accepted", 2),
        (Family::Bank, refund(Some(0)), "refund-replay-performed-twice", 1),
    ];
    for (family, one, fault, outcomes) in races {
        let ops = vec![
            register.clone(),
            Op::Pay { slot: 0, card: Card::Success },
            Op::Together(vec![one.clone(), one]),
            Op::Status { slot: 0, lookup: Lookup::Extended },
        ];
        let origin = Origin { seed: 0, index: 0, target: "a test", found: &[] };
        let text = write_case(family, "main", &ops, &origin);
        assert!(text.contains("    concurrent:\n      - name: \"request 1: refund o0"), "{text}");
        let listed = text.split("expect_one_of:\n").nth(1).map_or(0, |rest| rest.matches("      - [").count());
        assert_eq!(listed, outcomes, "{text}");
        let dir = tempfile::tempdir().expect("temporary folder");
        let case = dir.path().join("race.yaml");
        std::fs::write(&case, &text).expect("the case is written");
        check_case(fault, &case);
    }
}

/// A target the explorer does not see as on this machine (here the served gateway addressed by
/// its IPv4-mapped IPv6 address) gets no callbacks, unless `--callback-url` names a URL that
/// reaches the listener, as with `paycheck run`: then callbacks, and the payer's presses they
/// make possible, are explored, with no discrepancy against the reference gateway.
#[test]
fn callbacks_are_explored_on_a_remote_target_given_a_callback_url() {
    let served = serve(&["--clock", "manual"]);
    let remote = served.url.replace("127.0.0.1", "[::ffff:127.0.0.1]");
    let explore = |extra: &[&str]| {
        let mut args = vec!["explore", "--target", &remote, "--seed", "5", "--ops", "300", "--no-write"];
        args.extend_from_slice(extra);
        output(paycheck().args(args))
    };
    let (code, text) = explore(&[]);
    if code == 3 {
        eprintln!("this machine cannot reach IPv4-mapped IPv6 addresses; nothing to compare: {text}");
        return;
    }
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("callbacks left out") && !text.contains("gate-payer"), "{text}");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let listen = format!("127.0.0.1:{port}");
    let public = format!("http://127.0.0.1:{port}/forwarded");
    let (code, text) = explore(&["--callback-listen", &listen, "--callback-url", &public]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("callbacks left out") && text.contains("gate-payer"), "{text}");
    let (code, text) = output(paycheck().args(["explore", "--callback-url", "not a url", "--ops", "1"]));
    assert_eq!(code, 2, "{text}");
}

/// The operations added for 3-D Secure, Alfa Pay and `instantPayment.do` are written as steps
/// that replay against the reference gateway (the Alfa Pay page pressed through the link the
/// answer gave) and catch a gateway that approves the decline card.
#[test]
fn alfa_pay_instant_payment_and_3ds_steps_replay_from_a_written_case() {
    use paycheck::explore::case_writer::{Origin, write_case};
    use paycheck::explore::op::{Card, Lookup, Op, Register};
    use paycheck::gateway::v1::model::Family;
    let register = |slot, number| Register {
        slot,
        two_phase: false,
        amount: 10_000,
        number,
        lifetime_secs: None,
        auto: None,
        callback: false,
    };
    let status = |slot| Op::Status { slot, lookup: Lookup::Extended };
    let ops = vec![
        Op::Register(register(0, 0)),
        Op::AlfaPay { slot: 0 },
        status(0),
        Op::AlfaPayer { slot: 0, approve: true },
        status(0),
        Op::AlfaPay { slot: 0 },
        Op::Instant { register: Register { two_phase: true, ..register(1, 1) }, card: Card::ThreeDsChallenge },
        status(1),
        Op::Instant { register: register(2, 2), card: Card::Decline },
        status(2),
        Op::Instant { register: register(3, 2), card: Card::Success },
        Op::Register(register(3, 3)),
        Op::Pay { slot: 3, card: Card::ThreeDsFrictionless },
        status(3),
    ];
    let origin = Origin { seed: 0, index: 0, target: "a test", found: &[] };
    let text = write_case(Family::Router, "main", &ops, &origin);
    for needle in ["alfapay/paymentOrder.do", "alfapay_o0: \"$.data.redirect\"", "/approve", "instantPayment.do"] {
        assert!(text.contains(needle), "no `{needle}` in {text}");
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let case = dir.path().join("wallets.yaml");
    std::fs::write(&case, &text).expect("the case is written");
    check_case("decline-card-approved", &case);
}

/// A gateway that answers a 3-D Secure challenge card with an ACS step (`acsUrl`) but pays the
/// order at once is found: the model holds the order PENDING (5) on its ACS step, the status says
/// it is paid. The discrepancy is shrunk to the payment (with its registration, or an
/// `instantPayment.do`) and the status.
#[test]
fn a_3ds_step_that_pays_the_order_before_it_completes_is_found_and_shrunk() {
    let served = serve(&["--clock", "manual"]);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("a port");
    let proxy = format!("http://{}", listener.local_addr().expect("its address"));
    runtime.spawn(acs_proxy::serve(listener, served.url.clone()));
    let out = tempfile::tempdir().expect("temporary folder");
    let out_arg = out.path().display().to_string();
    let (code, text) = output(paycheck().args([
        "explore",
        "--target",
        &proxy,
        "--seed",
        "3",
        "--ops",
        "20000",
        "--max-discrepancies",
        "1",
        "--out",
        &out_arg,
    ]));
    assert_eq!(code, 1, "{text}");
    let first = text.lines().find(|line| line.starts_with("DISCREPANCY 1")).unwrap_or_default();
    assert!(first.contains("status o") && first.contains("shrunk from"), "{text}");
    assert!(text.contains("the model predicts 5") || text.contains("the model predicts \"PENDING\""), "{text}");
    let shrunk: usize = first
        .split(" to ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    assert!(shrunk <= 3, "(register and) pay with the challenge card, then the status: {first}");
    assert!(text.contains("success-3ds2-challenge"), "{text}");
}

/// A reverse proxy in front of a served gateway that adds a 3DS1 step (`acsUrl`, `paReq`,
/// `termUrl`) to every payment answer with the 3-D Secure challenge card, without holding the
/// order back.
mod acs_proxy {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method, Uri};
    use axum::response::{IntoResponse, Response};

    const CHALLENGE_PAN: &str = "5555555555555599";

    pub async fn serve(listener: tokio::net::TcpListener, upstream: String) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            forward(client.clone(), upstream.clone(), method, uri, headers, body)
        });
        let _ = axum::serve(listener, app).await;
    }

    async fn forward(
        client: reqwest::Client,
        upstream: String,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
        let challenged = (path.contains("paymentorder.do") || path.contains("instantPayment.do"))
            && body.windows(CHALLENGE_PAN.len()).any(|w| w == CHALLENGE_PAN.as_bytes());
        let mut request = client.request(method, format!("{upstream}{path}")).body(body);
        if let Some(kind) = headers.get("content-type") {
            request = request.header("content-type", kind);
        }
        let Ok(answer) = request.send().await else {
            return (axum::http::StatusCode::BAD_GATEWAY, "upstream unreachable").into_response();
        };
        let status = answer.status();
        let location = answer.headers().get("location").cloned();
        let kind = answer.headers().get("content-type").cloned();
        let mut bytes = answer.bytes().await.unwrap_or_default().to_vec();
        if challenged
            && let Ok(serde_json::Value::Object(mut map)) = serde_json::from_slice::<serde_json::Value>(&bytes)
        {
            map.insert("acsUrl".into(), "https://acs.example/challenge".into());
            map.insert("paReq".into(), "eJzLSM3JyQcABiwCFQ==".into());
            map.insert("termUrl".into(), "https://merchant.example/3ds-back".into());
            bytes = serde_json::to_vec(&map).unwrap_or_default();
        }
        let mut response = (status, bytes).into_response();
        if let Some(kind) = kind {
            response.headers_mut().insert("content-type", kind);
        }
        if let Some(location) = location {
            response.headers_mut().insert("location", location);
        }
        response
    }
}
