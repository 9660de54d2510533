//! Verdicts a vendor and a UAT team can act on, through the binary: credentials refused at
//! preflight, a target without a merchant role, a misspelt configuration key, known deviations
//! (baselines), and shard reports merged into the whole run.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

use crate::support::served::serve;

/// A folder with a `paycheck.toml` that uses this repository's suite and names one target.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(target: &str) -> Project {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = format!(
            "[suite]\ncases = {:?}\nschemas = {:?}\nclauses = {:?}\n\n{target}",
            root.join("cases").display().to_string(),
            root.join("schemas").display().to_string(),
            root.join("clauses.yaml").display().to_string(),
        );
        std::fs::write(dir.path().join("paycheck.toml"), config).expect("write paycheck.toml");
        Project { dir }
    }

    /// A target `uat` at `url` with only a `main` merchant, its password from PAYCHECK_UAT_PASSWORD.
    fn with_main_merchant_only(url: &str) -> Project {
        Project::new(&format!(
            "[targets.uat]\nurl = {url:?}\n[targets.uat.merchants.main]\nuser = \"test_user\"\n\
             password = {{ env = \"PAYCHECK_UAT_PASSWORD\" }}\n"
        ))
    }

    fn paycheck(&self) -> Command {
        let mut command = Command::cargo_bin("paycheck").expect("the paycheck binary");
        command.current_dir(self.dir.path()).env_remove("CI").env("NO_COLOR", "1");
        command
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

fn read_json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the report exists")).expect("the report is JSON")
}

#[test]
fn a_wrong_password_stops_the_run_at_preflight_with_exit_3_and_reports_the_reason() {
    let served = serve(&["--clock", "manual"]);
    let project = Project::with_main_merchant_only(&served.url);
    let output = project
        .paycheck()
        .args(["run", "--target", "uat", "--no-snapshots"])
        .args(["--report", &format!("json={}", project.path("r.json"))])
        .args(["--report", &format!("junit={}", project.path("r.xml"))])
        .env("PAYCHECK_UAT_PASSWORD", "not-the-password")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stderr.contains("refused the credentials of merchant role `main`"), "{stderr}");
    assert!(stderr.contains("PAYCHECK_UAT_PASSWORD"), "the message names the variable: {stderr}");
    assert!(stderr.contains("not a contract failure"), "{stderr}");
    assert!(!stdout.contains("FAIL") && !stderr.contains("not-the-password"), "{stdout}\n{stderr}");
    let lines = stdout.lines().count() + stderr.lines().count();
    assert!(lines <= 15, "a handful of lines, not one per case: {lines}\n{stdout}\n{stderr}");
    let report = read_json(&project.path("r.json"));
    assert_eq!(report["summary"]["exit_code"], 3);
    assert!(report["summary"]["stopped"].as_str().is_some_and(|reason| reason.contains("merchant role `main`")));
    let junit = std::fs::read_to_string(project.path("r.xml")).expect("the JUnit report");
    assert!(junit.contains("preflight") && junit.contains("<error"), "{junit}");
}

#[test]
fn a_target_without_a_second_merchant_skips_the_cases_that_need_one() {
    let served = serve(&["--clock", "manual"]);
    let project = Project::with_main_merchant_only(&served.url);
    let output = project
        .paycheck()
        .args(["run", "--target", "uat", "--no-snapshots", "--quiet"])
        .env("PAYCHECK_UAT_PASSWORD", "test_user_password")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("target `uat` has no merchant role `second`"), "{stdout}");
    assert!(!stdout.contains("cannot evaluate"), "{stdout}");
}

#[test]
fn a_misspelt_merchant_key_is_refused_with_did_you_mean() {
    let project = Project::new(
        "[targets.uat]\nurl = \"http://127.0.0.1:9\"\n[targets.uat.merchants.main]\nuser = \"test_user\"\n\
         pasword = { env = \"PAYCHECK_UAT_PASSWORD\" }\n",
    );
    project
        .paycheck()
        .args(["run", "--target", "uat"])
        .env("PAYCHECK_UAT_PASSWORD", "x")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown key `pasword`"))
        .stderr(predicate::str::contains("password"));
}

#[test]
fn a_baseline_makes_known_deviations_pass_and_still_catches_new_ones() {
    let refund_fault = serve(&["--clock", "manual", "--fault", "refund-over-limit-accepted"]);
    let capture_fault = serve(&["--clock", "manual", "--fault", "capture-twice-allowed"]);
    let project = Project::new("");
    let baseline = project.path("baseline.toml");
    let run = |url: &str, extra: &[&str]| {
        project
            .paycheck()
            .args(["run", "--quiet", "--no-snapshots", "--strictness", "reference", "--target", url])
            .args(extra)
            .output()
            .expect("runs")
    };
    let written = run(&refund_fault.url, &["--write-baseline", &baseline]);
    assert_eq!(written.status.code(), Some(1), "the faulty run fails");
    let text = std::fs::read_to_string(&baseline).expect("the baseline is written");
    assert!(text.contains("[[deviation]]") && text.contains("refund-over-limit.yaml"), "{text}");

    let same = run(&refund_fault.url, &["--baseline", &baseline]);
    let stdout = String::from_utf8_lossy(&same.stdout);
    assert_eq!(same.status.code(), Some(0), "known deviations only: {stdout}");
    assert!(stdout.contains("known deviations"), "{stdout}");

    let other = run(&capture_fault.url, &["--baseline", &baseline]);
    let stdout = String::from_utf8_lossy(&other.stdout);
    assert_eq!(other.status.code(), Some(1), "a new failure fails the run: {stdout}");
    assert!(stdout.contains("no longer fail"), "resolved entries are listed: {stdout}");
}

#[test]
fn repetitions_share_their_case_s_baseline_entries() {
    let refund_fault = serve(&["--clock", "manual", "--fault", "refund-over-limit-accepted"]);
    let project = Project::new("");
    let baseline = project.path("baseline.toml");
    let run = |extra: &[&str]| {
        project
            .paycheck()
            .args(["run", "--quiet", "--no-snapshots", "--target", &refund_fault.url])
            .args(["--filter", "above what is left to refund", "--repeat", "3"])
            .args(extra)
            .output()
            .expect("runs")
    };
    let written = run(&["--write-baseline", &baseline]);
    assert_eq!(written.status.code(), Some(1), "{}", String::from_utf8_lossy(&written.stdout));
    let text = std::fs::read_to_string(&baseline).expect("the baseline is written");
    assert!(text.contains("[[deviation]]"), "{text}");
    assert!(!text.contains("] #"), "entries name the case, not a repetition: {text}");
    let entries = text.matches("[[deviation]]").count();
    let once = {
        let single = project.path("single.toml");
        project
            .paycheck()
            .args(["run", "--quiet", "--no-snapshots", "--target", &refund_fault.url])
            .args(["--filter", "above what is left to refund", "--write-baseline", &single])
            .output()
            .expect("runs");
        std::fs::read_to_string(&single).expect("written").matches("[[deviation]]").count()
    };
    assert_eq!(entries, once, "three repetitions of the same failures make the same entries as one run");

    let known = run(&["--baseline", &baseline]);
    let stdout = String::from_utf8_lossy(&known.stdout);
    assert_eq!(known.status.code(), Some(0), "every repetition's failure is known: {stdout}");
    assert!(!stdout.contains("no longer fail"), "{stdout}");
}

#[test]
fn shard_reports_merge_into_the_whole_run() {
    let project = Project::new("");
    let mut shards = Vec::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let path = project.path(&format!("shard-{}.json", &shard[..1]));
        project
            .paycheck()
            .args(["run", "-q", "--no-snapshots", "--shard", shard, "--report", &format!("json={path}")])
            .assert()
            .code(0);
        shards.push(path);
    }
    let whole = project.path("whole.json");
    project.paycheck().args(["run", "-q", "--no-snapshots", "--report", &format!("json={whole}")]).assert().code(0);
    let merged = project.path("merged.json");
    project
        .paycheck()
        .args(["report", "merge"])
        .args(&shards)
        .args(["--report", &format!("json={merged}"), "--report", &format!("html={}", project.path("m.html"))])
        .assert()
        .code(0);
    let (whole, merged) = (read_json(&whole), read_json(&merged));
    assert_eq!(whole["conformance"], merged["conformance"], "one conformance verdict, equal to the unsharded run's");
    let ids = |report: &Value| -> Vec<String> {
        report["cases"].as_array().expect("cases").iter().map(|case| case["id"].to_string()).collect()
    };
    assert_eq!(ids(&whole), ids(&merged));
    assert_eq!(whole["summary"]["total"], merged["summary"]["total"]);
}
