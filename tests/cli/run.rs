//! End-to-end tests of `paycheck run`, `check` and `list` as a user runs them: the binary, a
//! temporary folder of cases, and a server started by the test.

use crate::support::TempSuite;
use crate::support::stub::Stub;
use predicates::prelude::*;

const REGISTER_CASE: &str = r#"
name: Register answers an order id
covers: [test.register]
api: router
steps:
  - name: register
    request:
      path: register.do
      body: { userName: "{{ merchant.user }}", password: "{{ merchant.password }}", amount: 1000 }
    expect:
      status: 200
      schema: test/register.json
      json:
        "$.errorCode": { code: 0 }
    capture: { order_id: "$.orderId" }
"#;

fn case_calling(path: &str, name: &str) -> String {
    REGISTER_CASE.replace("register.do", path).replace("Register answers an order id", name)
}

#[test]
fn a_conforming_answer_passes_and_the_run_exits_0() {
    let stub = Stub::start();
    let suite = TempSuite::new();
    suite.write("cases/register.yaml", REGISTER_CASE);
    suite
        .paycheck()
        .args(["run", "--target", &stub.url()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS"))
        .stdout(predicate::str::contains("1 passed, 0 failed"))
        .stdout(predicate::str::contains("conformance: 1/1 clauses passed"));
}

#[test]
fn each_kind_of_wrong_answer_fails_its_case_with_the_right_message() {
    let stub = Stub::start();
    let suite = TempSuite::new();
    suite.write("cases/register.yaml", REGISTER_CASE);
    suite.write("cases/wrong-status.yaml", &case_calling("wrong-status.do", "Wrong status"));
    suite.write("cases/schema.yaml", &case_calling("schema-violation.do", "Schema violation"));
    suite.write("cases/not-json.yaml", &case_calling("not-json.do", "Not JSON"));
    suite.write("cases/close.yaml", &case_calling("close.do", "Closed connection"));
    let output = suite.paycheck().args(["run", "--target", &stub.url()]).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("1 passed, 4 failed"), "{stdout}");
    let failures = &stdout[stdout.find("\nfailures").unwrap_or_else(|| panic!("no failures section:\n{stdout}"))..];
    let section = |name: &str| {
        let start = failures
            .find(&format!("--- FAIL [router] {name} "))
            .unwrap_or_else(|| panic!("no failure section for {name}:\n{stdout}"));
        let rest = &failures[start..];
        rest[..rest[1..].find("\n--- ").map_or(rest.len(), |end| end + 1)].to_string()
    };
    let wrong_status = section("Wrong status");
    assert!(
        wrong_status.contains("Status status")
            && wrong_status.contains("expected 200")
            && wrong_status.contains("actual   500"),
        "{wrong_status}"
    );
    let schema = section("Schema violation");
    assert!(
        schema.contains("test/register.json") && schema.contains("/orderId: 12345 is not of type \"string\""),
        "{schema}"
    );
    let not_json = section("Not JSON");
    assert!(
        not_json.contains("the response is not JSON") && not_json.contains("<html><body>Bad Gateway"),
        "{not_json}"
    );
    let closed = section("Closed connection");
    assert!(closed.contains("response cut short after 11 bytes"), "{closed}");
    assert!(closed.contains(r#"{"orderId":"#), "the partial body is shown: {closed}");
}

#[test]
fn a_malformed_case_is_a_suite_error_with_file_line_and_column_and_nothing_is_sent() {
    let stub = Stub::start();
    let suite = TempSuite::new();
    suite.write("cases/register.yaml", REGISTER_CASE);
    suite.write("cases/typo.yaml", "name: Typo\nsteps:\n  - name: register\n    reqest:\n      path: register.do\n");
    suite
        .paycheck()
        .args(["run", "--target", &stub.url()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown key `reqest`"))
        .stderr(predicate::str::contains("cases/typo.yaml:4:5"))
        .stderr(predicate::str::contains("did you mean `request`?"))
        .stderr(predicate::str::contains("nothing was sent"));
    assert!(stub.requests.lock().expect("lock").is_empty(), "a request was sent although the suite is invalid");
}

#[test]
fn check_reports_every_problem_with_its_position() {
    let suite = TempSuite::new();
    suite.write(
        "cases/bad.yaml",
        r#"name: Bad
covers: [test.registr]
api: router
steps:
  - request:
      path: register.do
      body: { orderId: "{{ ordr_id }}" }
    expect:
      schema: test/registr.json
      json:
        "$.errorCode": { cod: 0 }
  - wait: 5 parsecs
"#,
    );
    suite
        .paycheck()
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown clause `test.registr`"))
        .stderr(predicate::str::contains("did you mean `test.register`?"))
        .stderr(predicate::str::contains("unknown variable `ordr_id`"))
        .stderr(predicate::str::contains("cases/bad.yaml:7:28"))
        .stderr(predicate::str::contains("unknown schema `test/registr.json`"))
        .stderr(predicate::str::contains("did you mean `test/register.json`?"))
        .stderr(predicate::str::contains("unknown matcher `cod`"))
        .stderr(predicate::str::contains("invalid duration `5 parsecs`"))
        .stderr(predicate::str::contains("5 errors found"));
}

#[test]
fn an_invalid_schema_or_a_dangling_ref_is_a_suite_error() {
    let suite = TempSuite::new();
    suite.write("cases/register.yaml", REGISTER_CASE);
    suite.write("schemas/test/dangling.json", r#"{"$ref": "missing.json#/$defs/x"}"#);
    suite.paycheck().arg("check").assert().code(2).stderr(predicate::str::contains("missing.json"));
    let suite = TempSuite::new();
    suite.write("cases/register.yaml", REGISTER_CASE);
    suite.write("schemas/test/broken.json", "{\"type\": \n");
    suite
        .paycheck()
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("schema is not valid JSON"))
        .stderr(predicate::str::contains("schemas/test/broken.json:1:11"))
        .stderr(predicate::str::contains("1 error found"));
}

#[test]
fn an_unreachable_target_is_an_infrastructure_error() {
    let suite = TempSuite::new();
    suite.write("cases/register.yaml", REGISTER_CASE);
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    suite
        .paycheck()
        .args(["run", "--target", &format!("http://127.0.0.1:{closed_port}")])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("unreachable"))
        .stderr(predicate::str::contains("not a contract failure"));
}

#[test]
fn a_case_for_an_api_the_target_does_not_offer_is_skipped_not_passed() {
    let stub = Stub::start();
    let suite = TempSuite::new();
    suite.write("cases/register.yaml", REGISTER_CASE);
    suite.write("cases/bank.yaml", &case_calling("register.do", "Bank only").replace("api: router", "api: bank"));
    suite.write("paycheck.toml", &format!("[targets.routeronly]\nurl = \"{}\"\napis = [\"router\"]\n", stub.url()));
    suite
        .paycheck()
        .args(["run", "--target", "routeronly"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("SKIP"))
        .stdout(predicate::str::contains("does not offer the bank API"))
        .stdout(predicate::str::contains("1 passed, 0 failed, 1 skipped"));
}

#[test]
fn secrets_from_the_environment_are_masked_and_literal_secrets_are_refused() {
    let stub = Stub::start();
    let suite = TempSuite::new();
    suite.write("cases/register.yaml", &case_calling("wrong-status.do", "Leaky"));
    suite.write(
        "paycheck.toml",
        &format!(
            "[targets.uat]\nurl = \"{}\"\n[targets.uat.merchants.main]\nuser = \"merchant-a\"\npassword = {{ env = \"PAYCHECK_TEST_PASSWORD\" }}\n",
            stub.url()
        ),
    );
    let output = suite
        .paycheck()
        .args(["run", "--target", "uat"])
        .env("PAYCHECK_TEST_PASSWORD", "hunter2 &secret")
        .output()
        .expect("runs");
    let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("[masked:PAYCHECK_TEST_PASSWORD]"), "{all}");
    for form in ["hunter2 &secret", "hunter2+%26secret", "hunter2%20%26secret"] {
        assert!(!all.contains(form), "the secret leaked as {form}:\n{all}");
    }
    let sent = stub.requests.lock().expect("lock").join("\n");
    assert!(sent.contains("hunter2 &secret"), "the real secret is sent to the target");

    suite.write(
        "paycheck.toml",
        &format!(
            "[targets.uat]\nurl = \"{}\"\n[targets.uat.merchants.main]\nuser = \"a\"\npassword = \"plain\"\n",
            stub.url()
        ),
    );
    suite
        .paycheck()
        .args(["run", "--target", "uat"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("secrets may only come from the environment"));
}

#[test]
fn filters_select_cases_and_an_empty_selection_is_an_error() {
    let stub = Stub::start();
    let suite = TempSuite::new();
    suite.write("cases/register.yaml", REGISTER_CASE);
    suite.write("cases/other.yaml", &case_calling("wrong-status.do", "Other case"));
    suite
        .paycheck()
        .args(["run", "--target", &stub.url(), "--filter", "REGISTER"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 passed, 0 failed"));
    suite.paycheck().args(["run", "--target", &stub.url(), "--tag", "nope"]).assert().code(2);
    suite
        .paycheck()
        .args(["run", "--target", &stub.url(), "cases/other.yaml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("0 passed, 1 failed"));
}

#[test]
fn list_shows_cases_with_their_apis_tags_and_clauses() {
    let suite = TempSuite::new();
    suite.write("cases/register.yaml", &REGISTER_CASE.replace("api: router", "api: router\ntags: [smoke]"));
    suite
        .paycheck()
        .arg("list")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("cases/register.yaml"))
        .stdout(predicate::str::contains("apis:   router"))
        .stdout(predicate::str::contains("tags:   smoke"))
        .stdout(predicate::str::contains("covers: test.register"));
}

#[test]
fn a_response_that_never_arrives_fails_the_step_after_the_timeout() {
    let stub = Stub::start();
    let suite = TempSuite::new();
    suite.write("cases/hang.yaml", &case_calling("hang.do", "Never answers"));
    suite.write("cases/register.yaml", REGISTER_CASE);
    let started = std::time::Instant::now();
    suite
        .paycheck()
        .args(["run", "--target", &stub.url(), "--timeout", "300ms"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("no response within 300ms"))
        .stdout(predicate::str::contains("1 passed, 1 failed"));
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "the run waited for the hung request");
}
