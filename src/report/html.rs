//! The HTML report: one self-contained page (no script, no network, no external assets) with
//! the summary and the conformance table on top, then every case, failures first, each step's
//! request and response (bodies pretty-printed, in collapsible blocks), diffs for failed checks
//! and snapshots, timings, and a `curl` command for each failed step.
//!
//! The page is rendered from the same document as the JSON report, with a few additions made for
//! reading (ordering, pretty bodies, diff lines); the template escapes everything it prints.

use serde_json::{Value, json};

use super::curl::curl_command;
use super::files::RunRecord;
use super::json;
use super::result::{CaseResult, Outcome, StepStatus};
use super::terminal::format_duration;

const TEMPLATE: &str = include_str!("html/report.html");

/// The page.
pub fn render(record: &RunRecord) -> Result<String, String> {
    let mut environment = minijinja::Environment::new();
    environment.add_template("report.html", TEMPLATE).map_err(|error| error.to_string())?;
    let template = environment.get_template("report.html").map_err(|error| error.to_string())?;
    template
        .render(minijinja::Value::from(minijinja::value::Serde(&view(record)?)))
        .map_err(|error| format!("{error:#}"))
}

/// The JSON document, arranged for reading.
fn view(record: &RunRecord) -> Result<Value, String> {
    let document = json::document(record);
    let mut view = serde_json::to_value(&document).map_err(|error| error.to_string())?;
    let mut cases: Vec<&CaseResult> = document.cases.clone();
    cases.sort_by_key(|case| (rank(&case.outcome), case.id.clone()));
    let cases: Vec<Value> = cases.into_iter().map(case_view).collect::<Result<_, _>>()?;
    let summary = &record.summary;
    let verdict = match summary.exit_code() {
        0 => format!("All {} case runs passed or were skipped.", summary.total()),
        _ if summary.failed > 0 => format!("{} of {} case runs failed.", summary.failed, summary.total()),
        _ => format!("{} case runs could not reach the target.", summary.errored),
    };
    view["cases"] = Value::Array(cases);
    view["verdict"] = json!(verdict);
    view["snapshot_total"] = json!(summary.snapshots.total());
    view["run"]["duration"] = json!(format_duration(summary.duration));
    view["score_line"] = json!(record.conformance.as_ref().map(|conformance| conformance.score_line()));
    let clauses = view["conformance"]["clauses"].as_array().cloned().unwrap_or_default();
    let mut groups = Vec::new();
    for (verdict, collapsed, title) in [
        ("failed", false, "failed"),
        ("passed", true, "passed"),
        ("not-covered", true, "not covered by any case that ran"),
    ] {
        let members: Vec<&Value> = clauses.iter().filter(|clause| clause["verdict"] == verdict).collect();
        if !members.is_empty() {
            let plural = if members.len() == 1 { "clause" } else { "clauses" };
            let summary = format!("{} {plural} {title}", members.len());
            groups.push(json!({ "id": verdict, "collapsed": collapsed, "summary": summary, "clauses": members }));
        }
    }
    view["clause_groups"] = Value::Array(groups);
    Ok(view)
}

/// Failures first, then errors, passes, skips.
fn rank(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Failed => 0,
        Outcome::Errored { .. } => 1,
        Outcome::Passed => 2,
        Outcome::Skipped { .. } => 3,
    }
}

fn case_view(case: &CaseResult) -> Result<Value, String> {
    let mut view = serde_json::to_value(case).map_err(|error| error.to_string())?;
    view["failing"] = json!(matches!(case.outcome, Outcome::Failed | Outcome::Errored { .. }));
    let first_failure = case.steps.iter().find(|step| matches!(step.status, StepStatus::Failed | StepStatus::Errored));
    view["first_failure"] = json!(first_failure.map(|step| super::junit::step_message(step)));
    view["duration"] = json!(format_duration(case.duration));
    for (index, step) in case.steps.iter().enumerate() {
        let step_view = &mut view["steps"][index];
        let failing = matches!(step.status, StepStatus::Failed | StepStatus::Errored);
        step_view["failing"] = json!(failing);
        step_view["duration"] = json!(format_duration(step.duration));
        if let Some(request) = &step.request {
            step_view["request_body"] = json!(request.body.as_deref().map(pretty_body));
            if failing {
                step_view["curl"] = json!(curl_command(request));
            }
        }
        if let Some(response) = &step.response {
            step_view["response_body"] = json!(pretty_body(&response.body));
        }
        for (check_index, check) in step.checks.iter().enumerate() {
            if let Some(diff) = &check.diff {
                step_view["checks"][check_index]["diff_lines"] = json!(diff_lines(diff));
            }
        }
    }
    Ok(view)
}

/// A JSON body pretty-printed; any other body as it is.
fn pretty_body(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| body.to_string())
}

fn diff_lines(diff: &str) -> Vec<Value> {
    diff.lines()
        .map(|line| {
            let kind = if line.starts_with("+++") || line.starts_with("---") || line.starts_with("@@") {
                "hunk"
            } else if line.starts_with('+') {
                "add"
            } else if line.starts_with('-') {
                "del"
            } else {
                "same"
            };
            json!({ "kind": kind, "text": line })
        })
        .collect()
}
