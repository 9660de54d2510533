//! Running cases through the runner API against a fresh reference gateway, as `paycheck run` does.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use paycheck::commands::embedded;
use paycheck::engine::verdict::Strictness;
use paycheck::gateway::{FaultSet, GatewayConfig};
use paycheck::outcome::RunRecord;
use paycheck::runner::{Environment, Plan, RunOptions, Runner};
use paycheck::suite::{self, Suite, SuitePaths};

/// The crate's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The folders case keys are relative to, as `paycheck run` has them in this repository.
pub fn case_bases() -> Vec<PathBuf> {
    vec![root().join("cases"), root()]
}

/// Loads case files or folders with the repository's schemas and clause catalogue.
pub fn load(cases: &[&Path]) -> Suite {
    let paths = SuitePaths {
        cases: cases.iter().map(|path| path.to_path_buf()).collect(),
        schemas: root().join("schemas"),
        clauses: root().join("clauses.yaml"),
        shown_from: None,
        clause_cache: None,
    };
    suite::load(&paths).unwrap_or_else(|diagnostics| panic!("the suite does not load:\n{}", diagnostics.render(false)))
}

/// A plan running every loaded case, judged against the catalogue.
pub fn plan(suite: Suite) -> Plan {
    let clauses = (!suite.clauses.is_empty()).then(|| Arc::new(suite.clauses));
    Plan { cases: suite.cases, selection: Default::default(), clauses, case_bases: case_bases() }
}

/// Runs the plan against a fresh reference gateway with `faults` on: snapshots rendered, not
/// compared; no reporter; an isolated environment.
pub async fn run_against_reference(plan: &Plan, faults: FaultSet, jobs: usize) -> RunRecord {
    run_against_reference_with(plan, faults, jobs, Strictness::Must).await
}

/// Runs the plan against a fresh reference gateway with `faults` on, with these options.
pub async fn run_against_reference_with_options(plan: &Plan, faults: FaultSet, options: RunOptions) -> RunRecord {
    let (target, gateway) = embedded::start_target(GatewayConfig { faults, ..GatewayConfig::reference() })
        .await
        .expect("the gateway starts");
    let runner = Runner::new(options, Environment::isolated()).expect("a runner");
    let finished = runner.run(plan, &target, None, Vec::new()).await.unwrap_or_else(|stopped| panic!("{stopped:?}"));
    gateway.shutdown().await;
    finished.record
}

/// The same, judged with `strictness`.
pub async fn run_against_reference_with(
    plan: &Plan,
    faults: FaultSet,
    jobs: usize,
    strictness: Strictness,
) -> RunRecord {
    let (target, gateway) = embedded::start_target(GatewayConfig { faults, ..GatewayConfig::reference() })
        .await
        .expect("the gateway starts");
    let options = RunOptions { jobs, timeout: Duration::from_secs(30), strictness, ..RunOptions::default() };
    let runner = Runner::new(options, Environment::isolated()).expect("a runner");
    let finished = runner.run(plan, &target, None, Vec::new()).await.unwrap_or_else(|stopped| panic!("{stopped:?}"));
    gateway.shutdown().await;
    finished.record
}

/// Writes `text` as `file_name` into a fresh folder and runs `paycheck check` on it from the
/// repository's root (so the bundled schemas and clauses apply): the exit code, stderr, the
/// file's path, and the folder (kept until dropped).
pub fn check_file(file_name: &str, text: &str) -> (Option<i32>, String, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join(file_name);
    std::fs::write(&path, text).expect("write the case");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_paycheck"))
        .arg("check")
        .arg(&path)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("paycheck runs");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned(), path, dir)
}

/// Asserts that `check` refuses the case with exit code 2 and a diagnostic naming `message` at
/// `path:line:column`, without a panic.
pub fn assert_refused(text: &str, message: &str, line: usize, column: usize) {
    let (code, stderr, path, _dir) = check_file("case.yaml", text);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(message), "no `{message}` in:\n{stderr}");
    let position = format!("{}:{line}:{column}", path.display());
    assert!(stderr.contains(&position), "no `{position}` in:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
