//! The suite as a new user runs it: against the embedded reference gateway, and over the network
//! against `paycheck serve`.

use assert_cmd::Command;
use predicates::prelude::*;

use crate::support::served::serve;

fn paycheck() -> Command {
    let mut command = Command::cargo_bin("paycheck").expect("the paycheck binary");
    command.current_dir(env!("CARGO_MANIFEST_DIR")).env_remove("CI").env("NO_COLOR", "1");
    command
}

#[test]
fn the_whole_suite_passes_against_the_embedded_gateway() {
    paycheck()
        .args(["run", "--quiet"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(" 0 failed, 0 skipped, 0 errored"))
        .stdout(predicate::str::contains("conformance: "));
}

#[test]
fn check_and_list_accept_the_whole_suite() {
    paycheck().arg("check").assert().code(0).stdout(predicate::str::contains("the suite is valid"));
    paycheck().arg("list").assert().code(0).stdout(predicate::str::contains("cases/v1/register.yaml"));
}

#[test]
fn the_same_suite_passes_over_the_network_against_paycheck_serve() {
    let served = serve(&["--clock", "manual"]);
    paycheck()
        .args(["run", "--quiet", "--no-snapshots", "--target", &served.url])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(" 0 failed, 0 skipped, 0 errored"));
}

#[test]
fn a_served_fault_is_caught_by_the_suite() {
    let served = serve(&["--clock", "manual", "--fault", "wrong-password-accepted"]);
    paycheck()
        .args(["run", "--quiet", "--no-snapshots", "--target", &served.url])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL auth.wrong-credentials"));
}

#[test]
fn an_unknown_fault_is_refused() {
    paycheck()
        .args(["serve", "--addr", "127.0.0.1:0", "--fault", "no-such-fault"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown fault `no-such-fault`"));
}

#[test]
fn against_a_real_clock_cases_that_wait_long_are_skipped_with_the_reason() {
    let served = serve(&[]);
    let output =
        paycheck().args(["run", "--no-snapshots", "--max-wait", "1s", "--target", &served.url]).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("it waits 8d") || stdout.contains("it waits 192h") || stdout.contains("has no manual clock"),
        "{stdout}"
    );
    assert!(stdout.contains(" 0 failed, "), "{stdout}");
    let skipped = stdout.lines().filter(|line| line.contains("SKIP")).count();
    assert!(skipped >= 10, "the waiting cases are skipped, one line each: {stdout}");
}

#[test]
fn an_installed_paycheck_carries_its_suite_into_any_folder() {
    let empty = tempfile::tempdir().expect("a temporary folder");
    let cache = tempfile::tempdir().expect("a cache folder");
    let run = |args: &[&str]| {
        let mut command = Command::cargo_bin("paycheck").expect("the paycheck binary");
        command.current_dir(empty.path()).env_remove("CI").env("NO_COLOR", "1").env("XDG_CACHE_HOME", cache.path());
        command.args(args).assert()
    };
    run(&["list"])
        .code(0)
        .stdout(predicate::str::contains("cases/v1/register.yaml"))
        .stdout(predicate::str::contains("from the built-in suite of paycheck"));
    run(&["run", "--quiet", "--no-snapshots", "cases/v1/register.yaml"]).code(2);
    run(&["run", "--quiet", "--no-snapshots", "--tag", "refund"])
        .code(0)
        .stdout(predicate::str::contains(" 0 failed, 0 skipped, 0 errored"));
}

#[test]
fn repeat_runs_each_case_again_under_its_own_name_against_the_same_snapshots() {
    let reports = tempfile::tempdir().expect("a temporary folder");
    let report = reports.path().join("run.json");
    let output = paycheck()
        .args(["run", "--repeat", "3", "--filter", "partial refund refunds exactly"])
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .output()
        .expect("paycheck runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("6 cases: 6 passed"), "two APIs, three times each: {stdout}");
    assert!(stdout.contains("REFUNDED #3"), "a repetition is named by its number: {stdout}");
    assert!(!stdout.contains("new snapshot"), "repetitions compare with the case's own snapshots: {stdout}");
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("the report")).expect("JSON");
    let ids: Vec<&str> =
        document["cases"].as_array().expect("cases").iter().filter_map(|case| case["id"].as_str()).collect();
    for suffix in ["[router]", "[router] #2", "[router] #3", "[bank] #3"] {
        assert!(ids.iter().any(|id| id.ends_with(suffix)), "no case run {suffix} in {ids:?}");
    }

    paycheck()
        .args(["run", "--repeat", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("0 is not in 1..=100000"));
}

#[test]
fn generated_order_numbers_stay_distinct_when_a_case_pads_and_cuts_them() {
    // The limits case pads each number to its cell's length; with counters past 36 a padding
    // made of base-36 digits once turned `…-4` and `…-40` into the same order.
    let output = paycheck()
        .args(["run", "--quiet", "--no-snapshots", "--repeat", "8", "cases/v1/register-limits-every-method.yaml"])
        .output()
        .expect("paycheck runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("768 cases: 768 passed"), "{stdout}");
}
