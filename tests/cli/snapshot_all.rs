//! Every exchange snapshotted (`--snapshots all`), as the regression gate a user relies on:
//! stable between two fresh reference gateways, and naming the changed field in every exchange
//! a response-shape fault of the catalogue changes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use paycheck::gateway::faults::{Effect, Fault};
use serde_json::Value;

use crate::support::served::serve;

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the repository's suite (cases, schemas, clauses), without its snapshots.
fn suite_copy() -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("temporary folder");
    for part in ["cases", "schemas"] {
        for entry in ignore::WalkBuilder::new(repository().join(part)).standard_filters(false).build().flatten() {
            let Ok(relative) = entry.path().strip_prefix(repository()) else { continue };
            let target = copy.path().join(relative);
            if entry.path().is_dir() {
                std::fs::create_dir_all(&target).expect("create folder");
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
    }
    std::fs::copy(repository().join("clauses.yaml"), copy.path().join("clauses.yaml")).expect("copy");
    copy
}

fn paycheck(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("paycheck").expect("the paycheck binary");
    command.current_dir(dir).env_remove("CI").env("NO_COLOR", "1");
    command
}

fn snapshot_files(dir: &Path, extension: &str) -> usize {
    ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
        .flatten()
        .filter(|entry| entry.path().to_string_lossy().ends_with(extension))
        .count()
}

#[test]
fn two_fresh_reference_gateways_give_zero_changes_with_one_job_and_with_the_default() {
    let suite = suite_copy();
    let first = paycheck(suite.path()).args(["run", "--snapshots", "all", "--quiet"]).output().expect("runs");
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert_eq!(first.status.code(), Some(0), "new snapshots are pending, not failures:\n{stdout}");
    let pending = snapshot_files(&suite.path().join("snapshots/embedded"), ".snap.new");
    assert!(pending > 500, "every exchange is snapshotted: {pending}\n{stdout}");
    paycheck(suite.path()).args(["snapshots", "accept"]).assert().code(0);
    assert_eq!(snapshot_files(&suite.path().join("snapshots/embedded"), ".snap"), pending);

    for jobs in [Some("1"), None] {
        let mut command = paycheck(suite.path());
        command.args(["run", "--snapshots", "all", "--quiet"]);
        if let Some(jobs) = jobs {
            command.args(["--jobs", jobs]);
        }
        let output = command.output().expect("runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "jobs {jobs:?}:\n{stdout}");
        assert!(stdout.contains(&format!("snapshots: {pending} matched\n")), "jobs {jobs:?}:\n{stdout}");
        assert!(!stdout.contains("what changed"), "jobs {jobs:?}:\n{stdout}");
        assert_eq!(snapshot_files(&suite.path().join("snapshots"), ".snap.new"), 0, "jobs {jobs:?}");
    }
}

/// A committed snapshot: its case file, status line and JSON body.
struct Golden {
    name: String,
    case_file: String,
    status: String,
    body: Value,
}

fn golden_set() -> Vec<Golden> {
    let root = repository().join("snapshots/embedded");
    let mut set = Vec::new();
    for entry in ignore::WalkBuilder::new(&root).standard_filters(false).build().flatten() {
        if !entry.path().to_string_lossy().ends_with(".snap") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("a snapshot");
        let case_file =
            text.lines().find_map(|line| line.strip_prefix("input_file: ")).expect("the snapshot names its case");
        // A run of a matrix case is named `path [values]`, possibly quoted.
        let case_file = case_file.trim_matches('"').split(" [").next().unwrap_or(case_file).to_string();
        let contents = text.splitn(3, "---\n").nth(2).expect("insta's header, then the contents");
        let (head, body) = contents.split_once("\n\n").unwrap_or((contents, ""));
        set.push(Golden {
            name: entry.path().strip_prefix(&root).expect("inside").to_string_lossy().replace('\\', "/"),
            case_file,
            status: head.lines().next().unwrap_or_default().to_string(),
            body: serde_json::from_str(body.trim_end()).unwrap_or(Value::Null),
        });
    }
    set
}

/// Where a fault changes a committed answer, and the field "what changed" must name there.
fn affected_field(fault: Fault, golden: &Golden) -> Option<&'static str> {
    let body = &golden.body;
    let shaped_like_a_callback =
        body.get("mdOrder").is_some() || body.get("operation").is_some_and(|op| op.get("provider").is_some());
    let is_callback = shaped_like_a_callback && !forges_callbacks(&golden.case_file);
    let has = |key: &str| body.get(key).is_some();
    let number = |key: &str| body.get(key).is_some_and(Value::is_number);
    let text = |pointer: &str| body.pointer(pointer).and_then(Value::as_str);
    let in_model = |key: &str| body.get("orderStatusResultModel").and_then(|model| model.get(key)).is_some();
    match fault.name() {
        "form-url-missing" if has("formUrl") => Some("$.formUrl"),
        "refunds-block-missing" if has("refunds") => Some("$.refunds"),
        "refunds-block-missing" if in_model("refunds") => Some("$.orderStatusResultModel.refunds"),
        "order-status-as-string" if number("orderStatus") => Some("$.orderStatus"),
        "order-status-as-string" if number("OrderStatus") => Some("$.OrderStatus"),
        "business-error-http-400"
            if golden.status == "HTTP 200"
                && ["/errorCode", "/ErrorCode", "/error/code"]
                    .iter()
                    .any(|code| text(code).is_some_and(|code| code != "0")) =>
        {
            Some("status")
        }
        "unknown-order-wrong-code" if text("/errorCode") == Some("6") => Some("$.errorCode"),
        "unknown-order-wrong-code" if text("/ErrorCode") == Some("6") => Some("$.ErrorCode"),
        "callback-checksum-missing" if is_callback && has("checksum") => Some("$.checksum"),
        "gate-callback-null-fields" if is_callback && text("/payment/description") == Some("") => {
            Some("$.payment.description")
        }
        "gate-callback-null-fields" if is_callback && text("/operation/provider/auth_code") == Some("") => {
            Some("$.operation.provider.auth_code")
        }
        _ => None,
    }
}

/// True for a case that posts callbacks to the runner's listener itself (a self-check of the
/// runner): those never come from the gateway, so no fault changes them.
fn forges_callbacks(case_file: &str) -> bool {
    let text = std::fs::read_to_string(repository().join(case_file)).unwrap_or_default();
    text.lines().any(|line| line.trim_start().starts_with("url: \"{{ callback.url }}\""))
}

fn is_response_shape(fault: Fault) -> bool {
    matches!(fault.effect(), Effect::V1Answer(_) | Effect::V1Callback(_) | Effect::GateCallback(_))
}

/// Runs `cases` against `paycheck serve` with `fault` on, compared with the committed golden set.
fn changes_with_fault(fault: Fault, cases: &BTreeSet<String>) -> Value {
    let served = serve(&["--clock", "manual", "--fault", fault.name()]);
    let reports = tempfile::tempdir().expect("temporary folder");
    let report = reports.path().join("report.json");
    let output = paycheck(repository())
        .args(["run", "--quiet", "--target", &served.url, "--snapshots", "all", "--compare-with", "snapshots/embedded"])
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .args(cases)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{fault}: {}", String::from_utf8_lossy(&output.stdout));
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&report).expect("the report")).expect("JSON");
    document["summary"]["changes"].clone()
}

#[test]
fn each_response_shape_fault_is_named_in_every_exchange_it_changes() {
    let golden = golden_set();
    assert!(golden.len() > 500, "the golden set is committed: {} snapshots", golden.len());
    let faults: Vec<Fault> = Fault::all().iter().copied().filter(|fault| is_response_shape(*fault)).collect();
    assert!(faults.len() >= 7, "{faults:?}");
    for fault in faults {
        let affected: Vec<(&Golden, &str)> =
            golden.iter().filter_map(|golden| Some((golden, affected_field(fault, golden)?))).collect();
        assert!(!affected.is_empty(), "{fault}: no committed answer it would change; give the test its oracle");
        let cases: BTreeSet<String> = affected.iter().map(|(golden, _)| golden.case_file.clone()).collect();
        let changes = changes_with_fault(fault, &cases);
        let exchanges = changes["exchanges"].as_array().expect("exchanges");
        for (golden, field) in &affected {
            let reported = exchanges.iter().find(|exchange| exchange["name"] == golden.name.as_str());
            let fields: Vec<&str> = reported
                .and_then(|exchange| exchange["fields"].as_array())
                .map(|fields| fields.iter().filter_map(|field| field["field"].as_str()).collect())
                .unwrap_or_default();
            assert!(fields.contains(field), "{fault}: {} should name {field}, got {reported:?}", golden.name);
        }
        let group = changes["groups"][0]["change"]["field"].as_str();
        assert!(affected.iter().any(|(_, field)| Some(*field) == group), "{fault}: the widest change is {group:?}");
    }
}

/// The case files a fault changes answers of, for a smaller run.
fn affected_cases(fault: Fault) -> Vec<PathBuf> {
    let cases: BTreeSet<String> = golden_set()
        .iter()
        .filter(|golden| affected_field(fault, golden).is_some())
        .map(|golden| golden.case_file.clone())
        .collect();
    cases.into_iter().map(PathBuf::from).collect()
}

#[test]
fn compare_with_embedded_lists_exactly_the_differences_of_the_one_fault_on() {
    let fault = Fault::from_name("refunds-block-missing").expect("a fault of the catalogue");
    let served = serve(&["--clock", "manual", "--fault", fault.name()]);
    let reports = tempfile::tempdir().expect("temporary folder");
    let report = reports.path().join("report.json");
    let output = paycheck(repository())
        .args(["run", "--target", &served.url, "--snapshots", "all", "--compare-with", "embedded"])
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .args(affected_cases(fault))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("running the cases on embedded first"), "{stdout}");
    let section = stdout.split("\nwhat changed").nth(1).expect("a what changed section");
    assert!(section.starts_with(" against embedded:"), "{section}");
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&report).expect("the report")).expect("JSON");
    let changes = &document["summary"]["changes"];
    let groups: Vec<String> = changes["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|group| {
            format!(
                "{} {}",
                group["change"]["field"].as_str().unwrap_or(""),
                group["change"]["kind"].as_str().unwrap_or("")
            )
        })
        .collect();
    let groups: BTreeSet<&str> = groups.iter().map(String::as_str).collect();
    let expected = BTreeSet::from(["$.refunds removed", "$.orderStatusResultModel.refunds removed"]);
    assert_eq!(
        groups, expected,
        "the fault removes refunds[] from both envelopes, and nothing else differs: {section}"
    );
    let kinds: BTreeSet<&str> = changes["exchanges"]
        .as_array()
        .expect("exchanges")
        .iter()
        .filter_map(|exchange| exchange["kind"].as_str())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["changed"]), "no exchange appears or vanishes: {section}");
    assert!(section.contains("`$.refunds` removed in "), "{section}");
}

#[test]
fn the_golden_set_holds_no_secret_of_the_reference_gateway() {
    let profile = paycheck::commands::embedded::reference_profile();
    let secrets: Vec<&String> = profile
        .merchants
        .values()
        .flat_map(|merchant| merchant.secret_fields.iter().filter_map(|field| merchant.fields.get(field)))
        .filter(|secret| secret.len() >= 6)
        .collect();
    assert!(secrets.len() >= 3, "{secrets:?}");
    let root = repository().join("snapshots/embedded");
    for entry in ignore::WalkBuilder::new(&root).standard_filters(false).build().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{} holds a secret of the reference gateway",
                entry.path().display()
            );
        }
    }
}
