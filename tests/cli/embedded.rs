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
