//! The snapshot workflow as a user lives it: a new snapshot is written as pending and reported;
//! accepted, it matches on the next run even though ids and times change; a changed answer fails
//! the run, named field by field in "what changed" with its diff, and leaves a pending `.snap.new`;
//! review, reject, `--update-snapshots`; CI never accepts. The files are insta's.

use crate::reports_support::{GatewayStub, Suite, case};

const ANSWER: &str =
    r#"{"errorCode": "0", "orderId": "{uuid}", "createdAt": "{now}", "requestId": "{uuid}", "amount": 100}"#;
const ACCEPTED: &str = "snapshots/stub/register/router__call.snap";
const PENDING: &str = "snapshots/stub/register/router__call.snap.new";

fn suite(stub: &GatewayStub) -> Suite {
    stub.set("/v1/register.do", 200, ANSWER);
    let suite = Suite::new(&stub.url());
    let extra = "      schema: t/order.json\n    snapshot:\n      redact: { \"$.requestId\": request_id }\n";
    suite.write("cases/register.yaml", &case("Register answers an order", "register.do", extra));
    suite
}

fn run(suite: &Suite, extra: &[&str]) -> (i32, String) {
    let output = suite.paycheck().args(["run", "--target", "stub"]).args(extra).output().expect("paycheck runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn new_accept_match_change_diff_reject_update() {
    let stub = GatewayStub::start();
    let suite = suite(&stub);

    // A new snapshot is written as pending and reported; the step passes.
    let (code, stdout) = run(&suite, &[]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("snapshots: 0 matched, 1 new"), "{stdout}");
    assert!(suite.file(PENDING).is_file() && !suite.file(ACCEPTED).exists());
    let pending = std::fs::read_to_string(suite.file(PENDING)).expect("pending snapshot");
    assert!(pending.ends_with(
        "---\nHTTP 200\ncontent-type: application/json\n\n{\n  \"amount\": 100,\n  \"createdAt\": \"[timestamp]\",\n  \"errorCode\": \"0\",\n  \"orderId\": \"[order_id]\",\n  \"requestId\": \"[request_id]\"\n}\n"
    ), "{pending}");

    // Accepted, it is insta's format, and it matches although ids and times changed.
    suite.paycheck().args(["snapshots", "accept"]).assert().code(0);
    assert!(suite.file(ACCEPTED).is_file() && !suite.file(PENDING).exists());
    let snapshot = insta::Snapshot::from_file(&suite.file(ACCEPTED)).expect("insta reads the snapshot");
    assert_eq!(snapshot.metadata().input_file(), Some("cases/register.yaml"));
    assert!(snapshot.contents().as_text().is_some_and(|text| text.to_string().starts_with("HTTP 200")));
    let (code, stdout) = run(&suite, &[]);
    assert_eq!((code, stdout.contains("snapshots: 1 matched")), (0, true), "{stdout}");

    // The gateway changes its answer: "what changed" names the field and prints the diff, the run
    // fails (the case's own checks still pass), the new one is pending.
    stub.set("/v1/register.do", 200, &ANSWER.replace("100", "250"));
    let accepted_before = std::fs::read_to_string(suite.file(ACCEPTED)).expect("accepted");
    let (code, stdout) = run(&suite, &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
    assert!(stdout.contains("what changed against the accepted snapshots in snapshots/stub: 1 changed"), "{stdout}");
    assert!(stdout.contains("`$.amount` changed in 1 exchange\n    register/router__call.snap"), "{stdout}");
    assert!(stdout.contains("-  \"amount\": 100,") && stdout.contains("+  \"amount\": 250,"), "{stdout}");
    assert!(stdout.contains("1 changed"), "{stdout}");
    assert!(suite.file(PENDING).is_file());
    assert_eq!(std::fs::read_to_string(suite.file(ACCEPTED)).expect("accepted"), accepted_before);

    // Review (not a terminal: it lists the diffs), then reject: the accepted one stays.
    let review = suite.paycheck().args(["snapshots", "review"]).output().expect("review runs");
    let listed = String::from_utf8_lossy(&review.stdout);
    assert!(listed.contains("(changed)") && listed.contains("+  \"amount\": 250,"), "{listed}");
    suite.paycheck().args(["snapshots", "reject"]).assert().code(0);
    assert!(!suite.file(PENDING).exists());

    // --update-snapshots accepts in one go; the next run passes.
    let (code, stdout) = run(&suite, &["--update-snapshots"]);
    assert_eq!((code, stdout.contains("1 updated")), (0, true), "{stdout}");
    assert!(std::fs::read_to_string(suite.file(ACCEPTED)).expect("accepted").contains("\"amount\": 250"));
    assert_eq!(run(&suite, &[]).0, 0);
}

#[test]
fn ci_never_accepts_and_fails_on_a_missing_snapshot() {
    let stub = GatewayStub::start();
    let suite = suite(&stub);
    let output = suite
        .paycheck()
        .env("CI", "true")
        .args(["run", "--target", "stub", "--update-snapshots"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("new: 1 exchange (no accepted snapshot; CI never accepts one"), "{stdout}");
    assert!(stdout.contains("register/router__call.snap (cases/register.yaml [router], step 1"), "{stdout}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--update-snapshots is ignored under CI"));
    assert!(!suite.file(ACCEPTED).exists(), "CI wrote an accepted snapshot");
    assert!(suite.file(PENDING).is_file(), "the pending snapshot is kept for review");
}

#[test]
fn bad_snapshot_settings_are_rejected_before_anything_is_sent() {
    let stub = GatewayStub::start();
    let suite = suite(&stub);
    suite.write(
        "cases/register.yaml",
        &format!(
            "{}  - name: Call\n    request: {{ path: register.do }}\n    snapshot: true\n",
            case("Twice", "register.do", "    snapshot: {redact: {\"$.x\": \"bad name!\"}}\n")
        ),
    );
    let output = suite.paycheck().args(["check"]).output().expect("check runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("invalid placeholder for `$.x`"), "{stderr}");
    assert!(stderr.contains("two snapshotted steps are both named `call`"), "{stderr}");
}

#[test]
fn paycheck_run_and_the_cargo_harness_agree_on_the_committed_snapshots() {
    let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = std::fs::read_dir(repository.join("snapshots/embedded")).is_ok();
    let copy = tempfile::tempdir().expect("temporary folder");
    let mut snapshots = 0;
    for part in ["cases", "schemas", "snapshots/embedded"] {
        for entry in ignore::WalkBuilder::new(repository.join(part)).standard_filters(false).build().flatten() {
            let Ok(relative) = entry.path().strip_prefix(repository) else { continue };
            let target = copy.path().join(relative);
            if entry.path().is_dir() {
                std::fs::create_dir_all(&target).expect("create folder");
            } else if !entry.path().to_string_lossy().ends_with(".snap.new") {
                std::fs::copy(entry.path(), &target).expect("copy");
                snapshots += usize::from(target.extension().is_some_and(|extension| extension == "snap"));
            }
        }
    }
    std::fs::copy(repository.join("clauses.yaml"), copy.path().join("clauses.yaml")).expect("copy");
    if !committed || snapshots == 0 {
        return;
    }
    let output = assert_cmd::Command::cargo_bin("paycheck")
        .expect("the paycheck binary")
        .current_dir(copy.path())
        .env("CI", "true")
        .args(["run", "--target", "embedded", "--quiet"])
        .output()
        .expect("paycheck runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(&format!("snapshots: {snapshots} matched\n")), "expected {snapshots} matched:\n{stdout}");
}

#[test]
fn an_accepted_exchange_the_run_no_longer_produces_is_reported_vanished_and_only_for_cases_that_ran() {
    let stub = GatewayStub::start();
    let suite = suite(&stub);
    assert_eq!(run(&suite, &["--update-snapshots"]).0, 0);
    let accepted = std::fs::read_to_string(suite.file(ACCEPTED)).expect("accepted");
    // An exchange of this case that the case no longer has, and one of a case that did not run.
    std::fs::write(suite.file("snapshots/stub/register/router__a-removed-step.snap"), &accepted).expect("write");
    std::fs::create_dir_all(suite.file("snapshots/stub/elsewhere")).expect("folder");
    std::fs::write(suite.file("snapshots/stub/elsewhere/router__call.snap"), &accepted).expect("write");

    let (code, stdout) = run(&suite, &[]);
    assert_eq!(code, 1, "a vanished exchange fails the run: {stdout}");
    assert!(stdout.contains("0 changed, 0 new, 1 vanished"), "{stdout}");
    assert!(stdout.contains("register/router__a-removed-step.snap"), "{stdout}");
    assert!(!stdout.contains("elsewhere"), "a case that did not run has no vanished exchanges: {stdout}");
}
