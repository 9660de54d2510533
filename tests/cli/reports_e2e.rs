//! The reports CI and people read, from a run with one deliberate failure: JUnit XML as CI
//! systems parse it, the JSON document against its published schema, the HTML page as headless
//! Chromium renders it, `--curl`, the defaults under CI, and `--shard`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command as Process;

use crate::reports_support::{GatewayStub, SECRET_VARIABLE, Suite, case};
use serde_json::Value;

const ORDER: &str = r#"{"errorCode": "0", "orderId": "{uuid}", "createdAt": "{now}", "amount": 100}"#;

/// A suite of three cases: one passes (with a snapshot), one fails (the gateway answers 500 with
/// HTML in its body), one is skipped (the target offers no Gate API).
fn suite_with_one_failure(stub: &GatewayStub) -> Suite {
    stub.set("/v1/register.do", 200, ORDER);
    stub.set("/v1/status.do", 500, r#"{"errorCode": "5", "errorMessage": "<b>Access denied</b>"}"#);
    let suite = Suite::new(&stub.url());
    suite.write(
        "cases/v1/register.yaml",
        &case("Register answers an order", "register.do", "      schema: t/order.json\n    snapshot: true\n"),
    );
    suite.write("cases/v1/status.yaml", &case("Status answers 200", "status.do", "").replace("t.register", "t.status"));
    suite.write(
        "cases/gate/sale.yaml",
        "name: Gate sale\ncovers: [t.gate]\napi: gate\nsteps:\n  - request: { path: v2/sale }\n",
    );
    suite
}

fn run_with_reports(suite: &Suite) -> std::process::Output {
    suite
        .paycheck()
        .args(["run", "--target", "stub", "--curl", "--update-snapshots"])
        .args([
            "--report",
            "junit=out/junit.xml",
            "--report",
            "json=out/report.json",
            "--report",
            "html=out/report.html",
        ])
        .output()
        .expect("paycheck runs")
}

#[test]
fn junit_json_and_curl_of_a_run_with_one_failure() {
    let stub = GatewayStub::start();
    let suite = suite_with_one_failure(&stub);
    let output = run_with_reports(&suite);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("wrote the junit report to out/junit.xml"), "{stdout}");

    // JUnit: a testsuite per folder, a testcase per case run, the failure's message and details.
    let xml = std::fs::read_to_string(suite.file("out/junit.xml")).expect("the JUnit report");
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("well-formed JUnit XML");
    assert_eq!((report.tests, report.failures, report.errors), (3, 1, 0));
    let suites: Vec<&str> = report.test_suites.iter().map(|suite| suite.name.as_str()).collect();
    assert_eq!(suites, vec!["cases/gate", "cases/v1"]);
    let v1 = &report.test_suites[1];
    let failed = v1
        .test_cases
        .iter()
        .find(|case| case.name.as_str() == "Status answers 200 [router]")
        .expect("the failing case");
    let quick_junit::TestCaseStatus::NonSuccess { message, description, .. } = &failed.status else {
        panic!("the failing case is not a failure: {xml}")
    };
    assert_eq!(message.as_ref().map(|m| m.as_str()), Some("step 1 \"call\": status: expected 200, got 500"));
    let details = description.as_ref().expect("failure details").as_str();
    assert!(details.contains("response: HTTP 500") && details.contains("Access denied"), "{details}");
    assert!(failed.time.is_some_and(|time| !time.is_zero()));
    let skipped = &report.test_suites[0].test_cases[0];
    assert!(matches!(skipped.status, quick_junit::TestCaseStatus::Skipped { .. }), "{xml}");

    // JSON: the documented shape, every case, step, check and clause verdict.
    let text = std::fs::read_to_string(suite.file("out/report.json")).expect("the JSON report");
    let document: Value = serde_json::from_str(&text).expect("JSON");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report.schema.json"))
            .expect("schema"),
    )
    .expect("the schema is JSON");
    let validator =
        jsonschema::draft202012::options().should_validate_formats(true).build(&schema).expect("schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(&document).map(|error| format!("{}: {error}", error.instance_path())).collect();
    assert!(errors.is_empty(), "the report breaks its schema: {errors:#?}");
    assert_eq!(document["summary"]["failed"], 1);
    assert_eq!(document["summary"]["passed"], 1);
    assert_eq!(document["summary"]["skipped"], 1);
    // A named target snapshots every exchange: the failing one's answer too.
    assert_eq!(document["summary"]["snapshots"]["updated"], 2);
    let ids: Vec<&str> =
        document["cases"].as_array().expect("cases").iter().filter_map(|case| case["id"].as_str()).collect();
    assert_eq!(
        ids,
        vec!["cases/gate/sale.yaml [gate]", "cases/v1/register.yaml [router]", "cases/v1/status.yaml [router]"]
    );
    let status_check = &document["cases"][2]["steps"][0]["checks"][0];
    assert_eq!((status_check["kind"].as_str(), status_check["passed"].as_bool()), (Some("status"), Some(false)));
    let verdicts: Vec<(&str, &str)> = document["conformance"]["clauses"]
        .as_array()
        .expect("clauses")
        .iter()
        .map(|clause| (clause["id"].as_str().unwrap_or(""), clause["verdict"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(verdicts, vec![("t.register", "passed"), ("t.status", "failed"), ("t.gate", "not-run")]);

    // --curl: the failed step as a command, the password as the variable it comes from.
    assert!(stdout.contains("curl -sS -i -X POST"), "{stdout}");
    assert!(stdout.contains(&format!("${{{SECRET_VARIABLE}}}")), "{stdout}");
}

#[test]
fn the_html_report_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else { return };
    let stub = GatewayStub::start();
    let suite = suite_with_one_failure(&stub);
    let output = run_with_reports(&suite);
    assert_eq!(output.status.code(), Some(1));
    let page = suite.file("out/report.html");
    let html = std::fs::read_to_string(&page).expect("the HTML report");
    for external in ["<script", "<link", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(external), "the page is not self-contained: it has {external}");
    }
    let profile = tempfile::tempdir().expect("a profile folder");
    let dom = Process::new(&chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<title>paycheck: 1 failing of 3 against stub</title>"), "no title in:\n{dom}");
    let text = visible_text(&dom);
    for shown in [
        "1 of 3 case runs failed.",
        "conformance: 1/3 clauses passed (33.3%), 1 failed, 1 not run, 0 not covered",
        "✗ status status",
        "expected: 200",
        "reproduce with curl",
        "snapshot v1/register/router__call.snap",
    ] {
        assert!(text.contains(shown), "the page does not show {shown:?}:\n{text}");
    }
    // Failures first: the failing case comes before the passing and the skipped one.
    let position = |name: &str| text.find(name).unwrap_or_else(|| panic!("{name} not shown:\n{text}"));
    assert!(position("Status answers 200") < position("Register answers an order"));
    assert!(position("Register answers an order") < position("Gate sale"));
    // What the gateway sent is shown as text, never run: its markup arrives escaped.
    assert!(dom.contains("&lt;b&gt;Access denied&lt;/b&gt;"), "the body's markup was not escaped");
    assert!(!dom.contains("<b>Access denied</b>"));
}

#[test]
fn under_ci_every_report_is_written_to_reports() {
    let stub = GatewayStub::start();
    let suite = suite_with_one_failure(&stub);
    suite.paycheck().env("CI", "true").args(["run", "--target", "stub"]).assert().code(1);
    for file in ["reports/junit.xml", "reports/report.json", "reports/report.html"] {
        assert!(suite.file(file).is_file(), "{file} was not written");
    }
}

#[test]
fn shards_are_disjoint_and_cover_the_selection() {
    let stub = GatewayStub::start();
    stub.set("/v1/register.do", 200, ORDER);
    let suite = Suite::new(&stub.url());
    for index in 0..9 {
        suite.write(&format!("cases/c{index}.yaml"), &case(&format!("Case {index}"), "register.do", ""));
    }
    let ids = |extra: &[&str]| -> BTreeSet<String> {
        let report = format!("json=out/{}.json", extra.join("-").replace('/', "of"));
        suite.paycheck().args(["run", "--target", "stub", "--report", &report]).args(extra).assert().code(0);
        let path = suite.file(report.trim_start_matches("json="));
        let document: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default()).unwrap_or_default();
        document["cases"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|case| case["id"].as_str().map(str::to_string))
            .collect()
    };
    let everything = ids(&[]);
    assert_eq!(everything.len(), 9);
    let shards: Vec<BTreeSet<String>> = (1..=3).map(|k| ids(&["--shard", &format!("{k}/3")])).collect();
    let mut covered = BTreeSet::new();
    for shard in &shards {
        assert!(shard.is_disjoint(&covered), "shards overlap: {shards:?}");
        covered.extend(shard.iter().cloned());
    }
    assert_eq!(covered, everything, "the shards do not cover the selection");
    assert!(shards.iter().filter(|shard| !shard.is_empty()).count() >= 2, "one shard took everything: {shards:?}");
    assert_eq!(ids(&["--shard", "2/3"]), shards[1], "a shard is not deterministic");
}

/// The page's text as a reader sees it: tags dropped, entities decoded, spaces collapsed.
fn visible_text(dom: &str) -> String {
    let body = &dom[dom.find("<body").unwrap_or(0)..];
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Chromium, installed from Debian's packages when missing. Under CI a missing browser fails the
/// test; elsewhere the test is skipped with a message when it cannot be found nor installed.
fn chromium() -> Option<String> {
    let find = || {
        ["chromium", "chromium-browser", "google-chrome"]
            .into_iter()
            .find(|name| Process::new(name).arg("--version").output().is_ok_and(|output| output.status.success()))
            .map(str::to_string)
    };
    if let Some(found) = find() {
        return Some(found);
    }
    let apt = |args: &[&str]| {
        Process::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|status| status.success())
    };
    let installed = apt(&["install", "-y", "-qq", "chromium"])
        || (apt(&["update", "-qq"]) && apt(&["install", "-y", "-qq", "chromium"]));
    match (installed.then(find).flatten(), std::env::var_os("CI").is_some()) {
        (Some(found), _) => Some(found),
        (None, true) => {
            panic!("chromium is needed to check the HTML report; .ci/run installs it (apt-get install -y chromium)")
        }
        (None, false) => {
            eprintln!(
                "SKIPPED: chromium could not be found nor installed (apt-get install -y chromium); the HTML report was not rendered"
            );
            None
        }
    }
}
