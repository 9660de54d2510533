//! Authoring at scale: folder defaults, fragments with parameters, the matrix, and a project's
//! own cases beside the built-in suite. (The error paths are in `loading.rs`.)

use std::path::Path;
use std::process::Command;

use paycheck::gateway::FaultSet;
use paycheck::outcome::Outcome;

use crate::support::{self, root};

/// Writes files (path relative to a fresh folder → text) and returns the folder.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (relative, text) in files {
        let path = dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create the folder");
        std::fs::write(&path, text).expect("write the file");
    }
    dir
}

fn paycheck(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_paycheck"))
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .output()
        .expect("paycheck runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code(), text(&output.stdout), text(&output.stderr))
}

const DEFAULTS: &str = "tags: [mine]\napi: bank\nrequest:\n  body:\n    userName: \"{{ merchant.user }}\"\n    password: \"{{ merchant.password }}\"\n";

const REGISTER: &str = "params:\n  amount: { default: 1000 }\nsteps:\n  - name: register {{ amount }}\n    request:\n      path: register.do\n      body: { orderNumber: \"{{ unique_order_number() }}\", amount: \"{{ amount }}\", returnUrl: https://merchant.example/ok }\n    expect: { json: { \"$.errorCode\": { code: 0 } } }\n    capture: { order_id: \"$.orderId\" }\n";

const STATUS: &str = "params:\n  order_id:\n  amount:\nsteps:\n  - name: status\n    request:\n      path: getOrderStatusExtended.do\n      body: { orderId: \"{{ order_id }}\" }\n    expect: { json: { \"$.amount\": \"{{ amount }}\" } }\n";

const CASE: &str = "name: Register then status\nsteps:\n  - call: register\n    with: { amount: 2500 }\n  - call: status\n    with: { order_id: \"{{ order_id }}\", amount: 2500 }\n  - name: wrong password\n    request:\n      path: getOrderStatusExtended.do\n      body: { password: wrong, orderId: \"{{ order_id }}\" }\n    expect: { json: { \"$.errorCode\": { code: 5 } } }\n  - name: no credentials\n    request:\n      path: getOrderStatusExtended.do\n      omit: [userName, password]\n      body: { orderId: \"{{ order_id }}\" }\n    expect: { json: { \"$.errorCode\": { code: 4 } } }\n";

#[test]
fn list_expanded_shows_the_defaults_and_fragments_in_place() {
    let dir = tree(&[
        ("cases/_defaults.yaml", DEFAULTS),
        ("cases/_fragments/register.yaml", REGISTER),
        ("cases/_fragments/status.yaml", STATUS),
        ("cases/v1/case.yaml", CASE),
    ]);
    std::fs::copy(root().join("clauses.yaml"), dir.path().join("clauses.yaml")).expect("copy clauses");
    let (code, stdout, stderr) = paycheck(dir.path(), &["list", "--expanded", "cases/v1/case.yaml"]);
    assert_eq!(code, Some(0), "{stderr}");
    for expected in [
        "tags:\n- mine",
        "- name: register 2500",
        "      userName: \"{{ merchant.user }}\"\n      password: \"{{ merchant.password }}\"\n      orderNumber:",
        "      amount: 2500",
        "      userName: \"{{ merchant.user }}\"\n      password: wrong\n      orderId:",
        "      orderId: \"{{ order_id }}\"\n    omit:\n    - userName\n    - password\n",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_and_fragments_run_against_the_reference_gateway() {
    let dir = tree(&[
        ("cases/_defaults.yaml", DEFAULTS),
        ("cases/_fragments/register.yaml", REGISTER),
        ("cases/_fragments/status.yaml", STATUS),
        ("cases/v1/case.yaml", CASE),
    ]);
    let plan = support::plan(support::load(&[&dir.path().join("cases")]));
    let record = support::run_against_reference(&plan, FaultSet::none(), 2).await;
    let [result] = record.cases.as_slice() else { panic!("one case run: {:?}", record.cases.len()) };
    assert_eq!(result.outcome, Outcome::Passed, "{result:#?}");
    assert_eq!(result.tags, ["mine"]);
    let names: Vec<&str> = result.steps.iter().map(|step| step.name.as_str()).collect();
    assert_eq!(names, ["register 2500", "status", "wrong password", "no credentials"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matrix_case_runs_once_per_row_each_named_by_its_values() {
    let case = "name: Register amounts\napi: router\nmatrix:\n  - { amount: 1, registered: true }\n  - { amount: 0, registered: false }\nsteps:\n  - request:\n      path: register.do\n      body: { userName: \"{{ merchant.user }}\", password: \"{{ merchant.password }}\", orderNumber: \"{{ unique_order_number() }}\", amount: \"{{ amount }}\", returnUrl: https://merchant.example/ok }\n    expect: { json: { \"$\": { expr: \"('orderId' in value) == registered\" } } }\n";
    let dir = tree(&[("cases/amounts.yaml", case)]);
    let plan = support::plan(support::load(&[&dir.path().join("cases")]));
    let record = support::run_against_reference(&plan, FaultSet::none(), 2).await;
    let runs: Vec<(String, String, bool)> = record
        .cases
        .iter()
        .map(|result| (result.name.clone(), result.path.clone(), result.outcome == Outcome::Passed))
        .collect();
    let path = dir.path().join("cases/amounts.yaml").display().to_string();
    assert_eq!(
        runs,
        [
            (
                "Register amounts [amount=1, registered=true]".to_string(),
                format!("{path} [amount=1, registered=true]"),
                true
            ),
            (
                "Register amounts [amount=0, registered=false]".to_string(),
                format!("{path} [amount=0, registered=false]"),
                true
            ),
        ]
    );
}

/// One matrix case sends a parameter in one run and leaves it out in another (a spread worked
/// out when the case loads), keeps a step only where `when:` holds, and names its steps from the
/// run's values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matrix_run_sends_or_leaves_out_a_parameter_and_keeps_the_steps_its_when_allows() {
    let case = "name: Amount or not\napi: router\nmatrix: { given: [amount, nothing] }\nvars:\n  number: \"{{ unique_order_number() }}\"\n  bodies: { amount: { amount: 100 }, nothing: {} }\nsteps:\n  - name: \"register with {{ given }}\"\n    request:\n      path: register.do\n      body: { orderNumber: \"{{ number }}\", returnUrl: https://merchant.example/ok, \"...\": \"{{ bodies[given] }}\" }\n    expect: { json: { \"$\": { expr: \"(value.errorCode | default(0) | int) == (0 if given == 'amount' else 4)\" } } }\n  - name: the order exists\n    when: \"{{ given == 'amount' }}\"\n    request: { path: getOrderStatusExtended.do, body: { orderNumber: \"{{ number }}\" } }\n    expect: { json: { \"$.orderStatusResultModel.amount\": 100 } }\n";
    let dir = tree(&[("cases/_defaults.yaml", DEFAULTS), ("cases/amount.yaml", case)]);
    let plan = support::plan(support::load(&[&dir.path().join("cases")]));
    let record = support::run_against_reference(&plan, FaultSet::none(), 2).await;
    let runs: Vec<(String, Vec<String>, bool)> = record
        .cases
        .iter()
        .map(|result| {
            let steps = result.steps.iter().map(|step| step.name.clone()).collect();
            (result.name.clone(), steps, result.outcome == Outcome::Passed)
        })
        .collect();
    assert_eq!(
        runs,
        [
            (
                "Amount or not [given=amount]".to_string(),
                vec!["register with amount".to_string(), "the order exists".to_string()],
                true
            ),
            ("Amount or not [given=nothing]".to_string(), vec!["register with nothing".to_string()], true),
        ]
    );
}

/// `list --expanded` shows a fragment's step name with a caller's template in it worked out, a
/// templated parameter name worked out, and a call's `violates:` on the request steps it applies to.
#[test]
fn list_expanded_shows_worked_out_names_keys_and_a_call_s_violates() {
    let refund = "params:\n  step:\n  key:\nsteps:\n  - name: \"refund {{ step }}\"\n    request: { path: refund.do, body: { orderId: x, \"{{ key }}\": 0 } }\n  - wait: 1s\n";
    let case = "name: Refunds\nmatrix: { method: [deposit, refund] }\nsteps:\n  - call: refund\n    violates: [client.amount-minor-units]\n    with: { step: \"after {{ method }}\", key: \"{{ method }}\" }\n";
    let dir = tree(&[
        ("cases/_defaults.yaml", DEFAULTS),
        ("cases/_fragments/refund.yaml", refund),
        ("cases/v1/case.yaml", case),
    ]);
    std::fs::copy(root().join("clauses.yaml"), dir.path().join("clauses.yaml")).expect("copy clauses");
    let (code, stdout, stderr) = paycheck(dir.path(), &["list", "--expanded", "cases/v1/case.yaml"]);
    assert_eq!(code, Some(0), "{stderr}");
    for expected in [
        "- name: refund after deposit\n  violates:\n  - client.amount-minor-units\n",
        "      orderId: x\n      deposit: 0\n",
        "- wait: 1s\n",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("{{ step }}") && !stdout.contains("{{ key }}"), "{stdout}");
    assert_eq!(stdout.matches("client.amount-minor-units").count(), 1, "only on the request step:\n{stdout}");
}

#[test]
fn a_project_runs_its_own_cases_fragments_and_clauses_beside_the_builtin_suite() {
    let clauses = "version: 1\nclauses:\n  - id: mine.register-then-status\n    section: \"X\"\n    api: v1\n    level: must\n    sources: [ours]\n    text: Our gateway shows a registered order's amount.\n";
    let case = CASE.replace(
        "name: Register then status\n",
        "name: Our register then status\ncovers: [mine.register-then-status, register.order-id-uuid]\n",
    );
    let dir = tree(&[
        ("paycheck.toml", "[suite]\nbuiltin = true\n"),
        ("clauses.yaml", clauses),
        ("cases/_defaults.yaml", DEFAULTS),
        ("cases/_fragments/register.yaml", REGISTER),
        ("cases/_fragments/status.yaml", STATUS),
        ("cases/ours.yaml", &case),
    ]);
    let (code, stdout, stderr) = paycheck(dir.path(), &["list"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("beside the built-in suite"), "{stdout}");
    assert!(stdout.contains("cases/ours.yaml\n    name:   Our register then status"), "{stdout}");
    assert!(stdout.contains("cases/v1/pay.yaml"), "{stdout}");
    let (code, stdout, stderr) =
        paycheck(dir.path(), &["run", "--filter", "Our register", "--report", "json=report.json"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let report = std::fs::read_to_string(dir.path().join("report.json")).expect("the report");
    assert!(report.contains("mine.register-then-status"), "{report}");
}

/// With `[suite] builtin = true`, a project's case calls the built-in suite's fragments as
/// `builtin/<folder>/<name>`; its own folder defaults (credentials) apply to their requests, and
/// a misspelt name is an error with a suggestion from that name-space.
#[test]
fn a_project_s_case_calls_the_built_in_fragments() {
    let case = "name: Ours, with the built-in fragments\napi: bank\nvars: { amount: 4200 }\nsteps:\n  - call: builtin/v1/register\n  - call: builtin/v1/pay\n  - call: builtin/v1/status\n    with: { step: paid, state: DEPOSITED, clause: payment.one-phase-deposited }\n";
    let dir = tree(&[
        ("paycheck.toml", "[suite]\nbuiltin = true\n"),
        ("cases/_defaults.yaml", DEFAULTS),
        ("cases/ours.yaml", case),
    ]);
    let (code, stdout, stderr) =
        paycheck(dir.path(), &["run", "--filter", "Ours, with", "--report", "json=report.json"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let report = std::fs::read_to_string(dir.path().join("report.json")).expect("the report");
    for step in ["\"register\"", "\"pay with the success card\"", "\"paid\""] {
        assert!(report.contains(step), "no step {step} in {report}");
    }
    let (code, stdout, _) = paycheck(dir.path(), &["list", "--expanded", "cases/ours.yaml"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("path: paymentorder.do"), "{stdout}");

    std::fs::write(dir.path().join("cases/ours.yaml"), case.replace("builtin/v1/pay\n", "builtin/v1/pai\n"))
        .expect("write the case");
    let (code, _, stderr) = paycheck(dir.path(), &["check"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("unknown fragment `builtin/v1/pai`"), "{stderr}");
    assert!(stderr.contains("did you mean `builtin/v1/pay`"), "{stderr}");
    assert!(stderr.contains("cases/ours.yaml:6:"), "{stderr}");
}

/// `paycheck list --cells` shows the systematic dimensions: every cell of every matrix case,
/// each with the clauses that run covers (a limit's run names only its own clause).
#[test]
fn list_cells_shows_every_cell_of_the_matrix_cases_with_its_own_clauses() {
    let dir = tree(&[]);
    let (code, stdout, stderr) = paycheck(dir.path(), &["list", "--cells"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("cases/v1/register-limits-every-method.yaml: 48 cells, each on router, bank"), "{stdout}");
    let cell = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("method=registerPreAuth, limit=amount 0 "))
        .expect("the cell of registerPreAuth.do with amount 0");
    assert!(cell.trim_end().ends_with("  register.amount-not-positive"), "{cell}");
    let cell = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("method=instantPayment with preAuth, limit=orderNumber of 37 "))
        .expect("the cell of instantPayment.do with preAuth and an orderNumber of 37");
    assert!(cell.trim_end().ends_with("  validation.order-number-over-36"), "{cell}");
    for state in ["CREATED", "APPROVED", "DEPOSITED", "REVERSED", "REFUNDED", "DECLINED"] {
        assert!(stdout.contains(&format!("state={state} ")), "no {state} cell in {stdout}");
    }
    for flow in ["pay then refund twice", "hold then capture then refund", "hold then capture then reverse"] {
        assert!(stdout.contains(&format!("flow={flow} ")), "no {flow} cell in {stdout}");
    }
}
