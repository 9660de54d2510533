//! A failed step as text: one line for summaries, every detail for reports.

use std::fmt::Write as _;

use super::curl::curl_command;
use crate::outcome::{CheckKind, CheckResult, StepResult};

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
pub fn check_label(check: &CheckResult) -> String {
    let kind = format!("{:?}", check.kind).to_lowercase();
    if check.subject.eq_ignore_ascii_case(&kind) { kind } else { format!("{kind} {}", check.subject) }
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
            for line in &diff.lines {
                let _ = writeln!(text, "      {}", line.unified());
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
