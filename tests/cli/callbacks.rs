//! Signed requests and awaited callbacks as a user runs them: the binary, a temporary suite, the
//! embedded reference gateway. A forged or unsigned callback fails its step and says which; a
//! callback no step takes is reported; the v1 gateway's callbacks are awaited the same way.

use crate::support::TempSuite;
use predicates::prelude::*;

/// Posts a Gate-style callback for `id` to the runner's own listener, signed with `key` (or
/// unsigned), then awaits it with the project's key and `signature` expectation.
fn self_posted(id: &str, sign_key: Option<&str>, expectation: &str) -> String {
    let sign = sign_key.map(|key| format!("      sign: {{ key: \"{key}\", field: signature }}\n")).unwrap_or_default();
    format!(
        r#"
name: Callback {id}
api: gate
steps:
  - name: post a callback to the listener
    request:
      url: "{{{{ callback.url }}}}"
{sign}      body: {{ project_id: 35, payment: {{ id: "{id}", status: success }} }}
    expect: {{ status: 200 }}
  - name: await it
    await_callback:
      match: {{ payment_id: "{id}" }}
      key: "{{{{ merchants.gate.secret_key }}}}"
      signature: {expectation}
    expect:
      json: {{ "$.payment.status": success }}
"#
    )
}

#[test]
fn a_callback_signed_with_the_project_key_passes() {
    let suite = TempSuite::new();
    let case = self_posted("good", Some("{{ merchants.gate.secret_key }}"), "valid");
    suite.write("cases/good.yaml", &case);
    suite.paycheck().arg("run").assert().code(0).stdout(predicate::str::contains("1 passed, 0 failed"));
}

#[test]
fn a_forged_or_unsigned_callback_fails_the_step_and_says_which() {
    let suite = TempSuite::new();
    suite.write("cases/forged.yaml", &self_posted("forged", Some("a-forger-key"), "valid"));
    suite.write("cases/unsigned.yaml", &self_posted("unsigned", None, "valid"));
    let output = suite.paycheck().arg("run").output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("0 passed, 2 failed"), "{stdout}");
    let section = |name: &str| {
        let start = stdout.find(&format!("--- FAIL [gate] Callback {name} ")).unwrap_or_else(|| panic!("{stdout}"));
        let rest = &stdout[start..];
        rest[..rest[1..].find("\n--- ").map_or(rest.len(), |end| end + 1)].to_string()
    };
    let forged = section("forged");
    assert!(forged.contains("the callback is wrongly signed"), "{forged}");
    assert!(forged.contains("Signature Gate signature (spec 6)"), "{forged}");
    let unsigned = section("unsigned");
    assert!(unsigned.contains("the callback is unsigned"), "{unsigned}");
    assert!(!stdout.contains("gate_test_secret"), "the project's key is masked everywhere:\n{stdout}");
}

#[test]
fn a_step_expecting_a_forged_callback_passes_only_when_it_is_caught() {
    let suite = TempSuite::new();
    suite.write("cases/forged.yaml", &self_posted("forged", Some("a-forger-key"), "invalid"));
    suite.write("cases/unsigned.yaml", &self_posted("unsigned", None, "invalid"));
    suite.write("cases/genuine.yaml", &self_posted("genuine", Some("{{ merchants.gate.secret_key }}"), "invalid"));
    let output = suite.paycheck().arg("run").output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("2 passed, 1 failed"), "{stdout}");
    assert!(stdout.contains("but this step expects a forged one"), "{stdout}");
}

#[test]
fn a_callback_no_step_takes_is_reported_not_dropped() {
    let suite = TempSuite::new();
    suite.write(
        "cases/stray.yaml",
        r#"
name: A stray callback
api: gate
steps:
  - request:
      url: "{{ callback.url }}/stray"
      body: { payment: { id: nobody-awaits-me } }
    expect: { status: 200 }
"#,
    );
    suite
        .paycheck()
        .arg("run")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 callback matched no awaiting step:"))
        .stdout(predicate::str::contains("POST /callbacks/stray (payment_id nobody-awaits-me)"))
        .stdout(predicate::str::contains(", 1 unmatched callback"));
}

#[test]
fn a_callback_that_never_comes_fails_at_the_timeout_naming_what_was_awaited() {
    let suite = TempSuite::new();
    suite.write(
        "cases/never.yaml",
        r#"
name: Nothing comes
api: gate
steps:
  - request:
      url: "{{ callback.url }}"
      body: { payment: { id: someone-else } }
  - await_callback:
      match: { payment_id: never-sent }
      signature: unchecked
      timeout: 300ms
"#,
    );
    suite
        .paycheck()
        .arg("run")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("no callback with payment_id never-sent reached http://127.0.0.1:"))
        .stdout(predicate::str::contains(
            "within 300ms; 1 other callback is waiting: POST /callbacks (payment_id someone-else)",
        ));
}

#[test]
fn the_v1_gateways_callbacks_are_awaited_and_their_checksum_verified() {
    let suite = TempSuite::new();
    suite.write(
        "cases/v1-callback.yaml",
        r#"
name: A v1 payment is reported by a checksummed callback
api: router
steps:
  - name: register with the runner as callback URL
    request:
      path: register.do
      body:
        userName: "{{ merchant.user }}"
        password: "{{ merchant.password }}"
        amount: 1500
        returnUrl: https://merchant.example/ok
        dynamicCallbackUrl: "{{ callback.url }}"
    capture: { order_id: "$.orderId" }
  - name: pay
    request:
      path: paymentorder.do
      body: { userName: "{{ merchant.user }}", password: "{{ merchant.password }}", MDORDER: "{{ order_id }}", $PAN: "{{ cards.success.pan }}", $CVC: "{{ cards.success.cvc }}", $EXPIRY: "{{ cards.success.expiry }}", TEXT: "{{ cards.success.holder }}" }
  - name: the deposited callback
    await_callback:
      match: { order_id: "{{ order_id }}" }
      key: "{{ merchant.callback_token }}"
    expect:
      json:
        "$.operation": deposited
        "$.status": "1"
        "$.amount": "1500"
        "$.checksum": { regex: "^[0-9A-F]{64}$" }
"#,
    );
    suite.paycheck().arg("run").assert().code(0).stdout(predicate::str::contains("1 passed, 0 failed"));
}

#[test]
fn callback_url_and_listen_address_can_be_given() {
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a port");
    let public = format!("http://127.0.0.1:{port}/through/a/proxy");
    let suite = TempSuite::new();
    suite.write(
        "cases/public.yaml",
        &format!(
            r#"
name: The public callback URL is what cases see
api: gate
steps:
  - request:
      url: "{{{{ callback.url }}}}"
      body: {{ payment: {{ id: via-public-url }}, url: "{{{{ callback.url }}}}" }}
  - await_callback:
      match: {{ payment_id: via-public-url }}
      signature: unchecked
    expect:
      json: {{ "$.url": "{public}" }}
"#
        ),
    );
    suite
        .paycheck()
        .args(["run", "--callback-listen", &format!("127.0.0.1:{port}"), "--callback-url", &public])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 passed, 0 failed"));
    suite
        .paycheck()
        .args(["run", "--callback-url", "not a url"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not an absolute http(s) URL"));
}

#[test]
fn mistakes_in_the_new_steps_are_suite_errors_with_help() {
    let suite = TempSuite::new();
    suite.write(
        "cases/bad.yaml",
        r#"
name: Mistakes
api: gate
steps:
  - await_callback:
      match: { paymentid: x }
      key: k
  - await_callback:
      match: { payment_id: x }
    expect: { status: 200 }
  - request:
      path: v2/x
      raw_body: "{}"
      sign: { key: k }
"#,
    );
    suite
        .paycheck()
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown callback key `paymentid`"))
        .stderr(predicate::str::contains("did you mean `payment_id`?"))
        .stderr(predicate::str::contains("`await_callback` needs the `key` its signature is checked with"))
        .stderr(predicate::str::contains("a callback has no status to check"))
        .stderr(predicate::str::contains("`sign` needs a `body` map to sign"));
}

#[test]
fn the_json_report_carries_signature_checks_and_unmatched_callbacks_in_its_documented_shape() {
    let suite = TempSuite::new();
    suite.write("cases/good.yaml", &self_posted("good", Some("{{ merchants.gate.secret_key }}"), "valid"));
    suite.write(
        "cases/stray.yaml",
        "name: A stray callback\napi: gate\nsteps:\n  - request: { url: \"{{ callback.url }}\", body: { payment: { id: stray } } }\n",
    );
    suite.paycheck().args(["run", "--report", "json=out/report.json"]).assert().code(0);
    let text = std::fs::read_to_string(suite.file("out/report.json")).expect("the JSON report");
    let document: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report.schema.json"))
            .expect("schema"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(&document).map(|error| error.to_string()).collect();
    assert!(errors.is_empty(), "the report breaks its schema: {errors:#?}");
    assert_eq!(document["summary"]["unmatched_callbacks"][0]["received"], "POST /callbacks (payment_id stray)");
    let kinds: Vec<&str> = document["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|case| case["steps"].as_array().into_iter().flatten())
        .flat_map(|step| step["checks"].as_array().into_iter().flatten())
        .filter_map(|check| check["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"signature"), "{kinds:?}");
}
