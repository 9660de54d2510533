//! The JUnit XML report, as CI systems read it: a testsuite per case folder, a testcase per case
//! run, the failing step's message and details (checks, diffs, request, response, a `curl`
//! command), skipped cases as skipped, infrastructure errors as errors, timings throughout; and
//! a `what changed` testsuite with a testcase per changed, new or vanished exchange.

use std::collections::BTreeMap;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::outcome::{CaseResult, Outcome, StepResult, StepStatus};
use crate::outcome::{Changes, ExchangeChangeKind, RunRecord};
use crate::text::{step_details, step_message};

/// The report as XML.
pub fn render(record: &RunRecord) -> Result<String, String> {
    let mut report = Report::new("paycheck");
    report.set_time(record.summary.duration);
    if let Some(started) = record.started_at {
        report.set_timestamp(to_chrono(started));
    }
    if let Some(reason) = &record.summary.stopped {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(reason.lines().next().unwrap_or_default());
        status.set_type("infrastructure");
        status.set_description(reason.as_str());
        let mut suite = TestSuite::new("preflight");
        suite.add_property(Property::new("target", record.target.as_str()));
        suite.add_test_case(TestCase::new("the target is reachable and accepts the credentials", status));
        report.add_test_suite(suite);
    }
    let mut folders: BTreeMap<String, Vec<&CaseResult>> = BTreeMap::new();
    for case in record.sorted_cases() {
        folders.entry(folder_of(&case.path)).or_default().push(case);
    }
    for (folder, cases) in folders {
        let mut suite = TestSuite::new(folder.as_str());
        suite.set_time(cases.iter().map(|case| case.duration).sum::<Duration>());
        if let Some(started) = record.started_at {
            suite.set_timestamp(to_chrono(started));
        }
        suite.add_property(Property::new("target", record.target.as_str()));
        suite.add_property(Property::new("target_url", record.target_url.as_str()));
        for case in cases {
            suite.add_test_case(test_case(case, &folder));
        }
        report.add_test_suite(suite);
    }
    if let Some(changes) = record.summary.changes.as_ref().filter(|changes| !changes.is_empty()) {
        report.add_test_suite(what_changed(changes, &record.target));
    }
    report.to_string().map_err(|error| error.to_string())
}

/// "What changed" as a testsuite: a testcase per changed, new or vanished exchange, failed when
/// the change fails the run, passed with the change in its output when it only warns.
fn what_changed(changes: &Changes, target: &str) -> TestSuite {
    let mut suite = TestSuite::new("what changed");
    suite.add_property(Property::new("target", target));
    suite.add_property(Property::new("against", changes.against.as_str()));
    suite.add_property(Property::new("policy", changes.policy.as_str()));
    for exchange in &changes.exchanges {
        let fields: Vec<String> = exchange.fields.iter().map(ToString::to_string).collect();
        let message = match exchange.kind {
            ExchangeChangeKind::Changed => fields.join(", "),
            ExchangeChangeKind::New => "new exchange".to_string(),
            ExchangeChangeKind::Vanished => "vanished exchange".to_string(),
        };
        let detail = format!(
            "{} ({}{}): {message}\n{}",
            exchange.name,
            exchange.case,
            exchange.step.as_deref().map(|step| format!(", step {step}")).unwrap_or_default(),
            exchange.diff.as_ref().map(|diff| diff.to_unified()).unwrap_or_default()
        );
        let fails = changes.policy == "fail" && (exchange.kind != ExchangeChangeKind::New || changes.new_fails);
        let status = if fails {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(message.as_str());
            status.set_type(format!("snapshot {}", exchange.kind.name()));
            status.set_description(detail.as_str());
            status
        } else {
            TestCaseStatus::success()
        };
        let mut test_case = TestCase::new(exchange.name.as_str(), status);
        test_case.set_classname("what-changed");
        if !fails {
            test_case.set_system_out(detail.as_str());
        }
        suite.add_test_case(test_case);
    }
    suite
}

fn test_case(case: &CaseResult, folder: &str) -> TestCase {
    let status = match &case.outcome {
        Outcome::Passed => TestCaseStatus::success(),
        Outcome::Skipped { reason } => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(reason.as_str());
            status
        }
        Outcome::Known => {
            let mut status = TestCaseStatus::skipped();
            status.set_message("known deviation (listed in the baseline)");
            status.set_type("xfail");
            status
        }
        Outcome::Failed | Outcome::Errored { .. } => {
            let kind = if case.outcome == Outcome::Failed { NonSuccessKind::Failure } else { NonSuccessKind::Error };
            let mut status = TestCaseStatus::non_success(kind);
            let failing =
                case.steps.iter().find(|step| matches!(step.status, StepStatus::Failed | StepStatus::Errored));
            match failing {
                Some(step) => {
                    status.set_message(step_message(step));
                    status.set_type(failure_type(step));
                    status.set_description(step_details(step));
                }
                None => {
                    if let Outcome::Errored { reason } = &case.outcome {
                        status.set_message(reason.as_str());
                    }
                }
            }
            status
        }
    };
    let mut test_case = TestCase::new(format!("{} [{}]", case.name, case.api), status);
    test_case.set_classname(folder.replace('/', "."));
    test_case.set_time(case.duration);
    test_case.set_assertions(case.steps.iter().map(|step| step.checks.len()).sum());
    test_case.add_property(Property::new("file", case.path.as_str()));
    if !case.covers.is_empty() {
        test_case.add_property(Property::new("covers", case.covers.join(" ")));
    }
    test_case
}

/// The folder of a case file (`cases/v1`), the testsuite it belongs to.
fn folder_of(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((folder, _)) if !folder.is_empty() => folder.to_string(),
        _ => ".".to_string(),
    }
}

fn failure_type(step: &StepResult) -> String {
    match (step.status, step.failed_checks().next()) {
        (StepStatus::Errored, _) => "unreachable".to_string(),
        (_, Some(check)) => format!("{:?}", check.kind).to_lowercase(),
        _ => "error".to_string(),
    }
}

fn to_chrono(timestamp: jiff::Timestamp) -> chrono::DateTime<chrono::FixedOffset> {
    let utc = chrono::DateTime::from_timestamp(timestamp.as_second(), timestamp.subsec_nanosecond().max(0) as u32)
        .unwrap_or_default();
    utc.fixed_offset()
}
