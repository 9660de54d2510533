//! The secret never leaves the run: a failing case whose requests and responses carry the
//! merchant's password (raw, form-encoded, JSON-escaped, as Basic credentials in base64) runs
//! with every output on, then every file and stream the run produced is scanned for it.

use crate::reports_support::{GatewayStub, SECRET, SECRET_VARIABLE, Suite, leaks};

/// Two steps on each v1 API (JSON on the router, a form on the bank): the first passes and
/// snapshots the echo of the request (so a pending snapshot holds it); the second fails on it.
const CASE: &str = r#"name: The gateway echoes the password back
covers: [t.register]
api: v1
steps:
  - name: echo
    request:
      path: echo.do
      headers: { Authorization: "Bearer {{ merchant.password }}" }
      body: { userName: "{{ merchant.user }}", password: "{{ merchant.password }}", note: "pw={{ merchant.password }}" }
    expect:
      status: 500
    snapshot: { headers: [www-authenticate] }
  - name: echo again and fail
    request:
      path: echo.do
      query: { password: "{{ merchant.password }}" }
      body: { userName: "{{ merchant.user }}", password: "{{ merchant.password }}" }
    expect:
      status: 200
      json:
        "$.echo": "{{ merchant.password }}"
"#;

#[test]
fn the_secret_appears_in_no_file_and_no_stream_the_run_produced() {
    let stub = GatewayStub::start();
    let suite = Suite::new(&stub.url());
    suite.write("cases/echo.yaml", CASE);
    let before: Vec<_> = suite.files().into_iter().map(|(path, _)| path).collect();
    let output = suite
        .paycheck()
        .args(["run", "--target", "stub", "--curl"])
        .args([
            "--report",
            "junit=out/junit.xml",
            "--report",
            "json=out/report.json",
            "--report",
            "html=out/report.html",
        ])
        .output()
        .expect("paycheck runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "the case must fail:\n{stdout}\n{stderr}");

    // The run really handled the secret: the stub echoed it, and masks stand where it was.
    let mask = format!("[masked:{SECRET_VARIABLE}]");
    assert!(stdout.contains(&mask), "no mask in the output:\n{stdout}");
    assert!(stdout.contains(&format!("${{{SECRET_VARIABLE}}}")), "no curl variable:\n{stdout}");

    let mut scanned = vec![("stdout".to_string(), stdout.to_string()), ("stderr".to_string(), stderr.to_string())];
    let produced: Vec<_> = suite.files().into_iter().filter(|(path, _)| !before.contains(path)).collect();
    let names: Vec<String> = produced
        .iter()
        .map(|(path, _)| path.strip_prefix(suite.path()).unwrap_or(path).display().to_string())
        .collect();
    for expected in ["out/junit.xml", "out/report.json", "out/report.html", "snapshots/stub/echo/router__echo.snap.new"]
    {
        assert!(names.iter().any(|name| name == expected), "{expected} was not written: {names:?}");
    }
    for (path, bytes) in produced {
        scanned.push((path.display().to_string(), String::from_utf8_lossy(&bytes).into_owned()));
    }
    let mut found = Vec::new();
    for (name, text) in &scanned {
        for form in leaks(text) {
            found.push(format!("{name}: {form:?}"));
        }
    }
    assert!(found.is_empty(), "the secret {SECRET:?} leaked:\n{}", found.join("\n"));
    let report = scanned.iter().find(|(name, _)| name.ends_with("report.json")).map(|(_, text)| text.as_str());
    assert!(report.is_some_and(|text| text.contains(&mask)), "the JSON report shows no mask");
}
