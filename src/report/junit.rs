//! The JUnit XML report, as CI systems read it: a testsuite per case folder, a testcase per case
//! run, the failing step's message and details (checks, diffs, request, response, a `curl`
//! command), skipped cases as skipped, infrastructure errors as errors, timings throughout.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::curl::curl_command;
use super::files::RunRecord;
use super::result::{CaseResult, CheckKind, CheckResult, Outcome, StepResult, StepStatus};

/// The report as XML.
pub fn render(record: &RunRecord) -> Result<String, String> {
    let mut report = Report::new("paycheck");
    report.set_time(record.summary.duration);
    if let Some(started) = record.started_at {
        report.set_timestamp(to_chrono(started));
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
    report.to_string().map_err(|error| error.to_string())
}

fn test_case(case: &CaseResult, folder: &str) -> TestCase {
    let status = match &case.outcome {
        Outcome::Passed => TestCaseStatus::success(),
        Outcome::Skipped { reason } => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(reason.as_str());
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

/// One line: which step, and the first thing that went wrong in it.
pub fn step_message(step: &StepResult) -> String {
    let what = match (step.failed_checks().next(), &step.error) {
        (_, Some(error)) => error.clone(),
        (Some(check), None) if check.kind == CheckKind::Snapshot => format!("{}: {}", check_label(check), check.actual),
        (Some(check), None) => format!("{}: expected {}, got {}", check_label(check), check.expected, check.actual),
        (None, None) => "failed".to_string(),
    };
    format!("step {} \"{}\": {what}", step.number, step.name)
}

/// `status`, `schema v1/register.response.json`, `json $.errorCode`.
fn check_label(check: &CheckResult) -> String {
    let kind = format!("{:?}", check.kind).to_lowercase();
    if check.subject.eq_ignore_ascii_case(&kind) { kind } else { format!("{kind} {}", check.subject) }
}

fn failure_type(step: &StepResult) -> String {
    match (step.status, step.failed_checks().next()) {
        (StepStatus::Errored, _) => "unreachable".to_string(),
        (_, Some(check)) => format!("{:?}", check.kind).to_lowercase(),
        _ => "error".to_string(),
    }
}

/// Everything about a failed step, as plain text.
pub fn step_details(step: &StepResult) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "step {} \"{}\" at {}", step.number, step.name, step.position);
    if let Some(error) = &step.error {
        let _ = writeln!(text, "  error: {error}");
    }
    for check in step.failed_checks() {
        let at = check.position.as_deref().map(|position| format!(" (at {position})")).unwrap_or_default();
        let _ = writeln!(text, "  ✗ {}{at}", check_label(check));
        let _ = writeln!(text, "    expected: {}", check.expected);
        let _ = writeln!(text, "    actual:   {}", check.actual);
        for violation in &check.violations {
            let at = if violation.instance_path.is_empty() { "(root)" } else { violation.instance_path.as_str() };
            let _ = writeln!(text, "    {at}: {}", violation.message);
        }
        if let Some(diff) = &check.diff {
            let _ = writeln!(text, "    diff:");
            for line in diff.lines() {
                let _ = writeln!(text, "      {line}");
            }
        }
    }
    if let Some(request) = &step.request {
        let _ = writeln!(text, "request: {} {}", request.method, request.url);
        for (name, value) in &request.headers {
            let _ = writeln!(text, "  {name}: {value}");
        }
        if let Some(body) = &request.body {
            let _ = writeln!(text, "  {body}");
        }
    }
    if let Some(response) = &step.response {
        let _ = writeln!(text, "response: HTTP {}", response.status);
        for (name, value) in &response.headers {
            let _ = writeln!(text, "  {name}: {value}");
        }
        if !response.body.is_empty() {
            let _ = writeln!(text, "  {}", response.body);
        }
    }
    if let Some(request) = &step.request {
        let _ = writeln!(text, "reproduce with:\n{}", curl_command(request));
    }
    text
}

fn to_chrono(timestamp: jiff::Timestamp) -> chrono::DateTime<chrono::FixedOffset> {
    let utc = chrono::DateTime::from_timestamp(timestamp.as_second(), timestamp.subsec_nanosecond().max(0) as u32)
        .unwrap_or_default();
    utc.fixed_offset()
}
