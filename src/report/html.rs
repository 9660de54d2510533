//! The HTML report: one self-contained page (no script, no network, no external assets) with
//! the summary and the conformance table on top, then every case, failures first, each step's
//! request and response (bodies pretty-printed, in collapsible blocks), diffs for failed checks
//! and snapshots, timings, and a `curl` command for each failed step; "what changed" (each field
//! change over its exchanges, every changed exchange's diff) after the causes of failure.
//!
//! The page is rendered from the same document as the JSON report, arranged for reading in typed
//! views (ordering, pretty bodies, diff lines); the template escapes everything it prints.

use serde::Serialize;
use serde_json::Value;

use crate::outcome::conformance::{ClauseVerdict, Verdict};
use crate::outcome::{
    CaseResult, Changes, CheckResult, Diff, ExchangeChange, ExchangeChangeKind, LineKind, Outcome, RunRecord,
    StepResult, StepStatus,
};
use crate::text::cause::{clause_list, step_cause};
use crate::text::{curl_command, format_duration, step_message};

use super::json::{self, ReportDocument};

const TEMPLATE: &str = include_str!("html/report.html");

/// The page.
pub fn render(record: &RunRecord) -> Result<String, String> {
    let mut environment = minijinja::Environment::new();
    environment.add_template("report.html", TEMPLATE).map_err(|error| error.to_string())?;
    let template = environment.get_template("report.html").map_err(|error| error.to_string())?;
    template
        .render(minijinja::Value::from(minijinja::value::Serde(&Page::of(record))))
        .map_err(|error| format!("{error:#}"))
}

/// What the template reads: the JSON report's document, with the cases arranged for reading.
#[derive(Serialize)]
struct Page<'a> {
    format: &'static str,
    version: u32,
    paycheck_version: &'static str,
    run: RunView<'a>,
    summary: json::Summary<'a>,
    conformance: Option<&'a crate::outcome::Conformance>,
    cases: Vec<CaseView<'a>>,
    verdict: String,
    snapshot_total: usize,
    score_line: Option<String>,
    clause_groups: Vec<ClauseGroup<'a>>,
    matrix_verdicts: Vec<&'static str>,
    clause_matrix: Vec<MatrixRow>,
    causes: Vec<CauseGroup>,
    changes: Option<ChangesView<'a>>,
}

/// "What changed", with each exchange's diff as typed lines.
#[derive(Serialize)]
struct ChangesView<'a> {
    changes: &'a Changes,
    counts: String,
    exchanges: Vec<ExchangeView<'a>>,
}

/// A changed, new or vanished exchange.
#[derive(Serialize)]
struct ExchangeView<'a> {
    exchange: &'a ExchangeChange,
    fields: String,
    diff_lines: Option<Vec<LineView<'a>>>,
}

impl<'a> ChangesView<'a> {
    fn of(changes: &'a Changes) -> ChangesView<'a> {
        let counts = format!(
            "{} changed, {} new, {} vanished of {} exchanges",
            changes.count(ExchangeChangeKind::Changed),
            changes.count(ExchangeChangeKind::New),
            changes.count(ExchangeChangeKind::Vanished),
            changes.compared
        );
        let exchanges = changes
            .exchanges
            .iter()
            .map(|exchange| ExchangeView {
                exchange,
                fields: exchange.fields.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                diff_lines: exchange.diff.as_ref().map(line_views),
            })
            .collect();
        ChangesView { changes, counts, exchanges }
    }
}

/// One cause of failure, shown once, with how many step runs it struck and where.
#[derive(Serialize)]
struct CauseGroup {
    cause: String,
    clauses: String,
    count: usize,
    places: Vec<String>,
    more: usize,
}

/// How many places a cause lists before "and N more".
const CAUSE_PLACES: usize = 5;

/// One clause area (`refund`, `status`, ...) and how many of its clauses got each verdict.
#[derive(Serialize)]
struct MatrixRow {
    area: String,
    counts: Vec<usize>,
}

#[derive(Serialize)]
struct RunView<'a> {
    #[serde(flatten)]
    info: json::RunInfo<'a>,
    duration: String,
}

#[derive(Serialize)]
struct ClauseGroup<'a> {
    id: &'static str,
    collapsed: bool,
    summary: String,
    clauses: Vec<&'a ClauseVerdict>,
}

#[derive(Serialize)]
struct CaseView<'a> {
    id: &'a str,
    name: &'a str,
    path: &'a str,
    api: String,
    tags: &'a [String],
    covers: &'a [String],
    outcome: &'a Outcome,
    duration: String,
    failing: bool,
    first_failure: Option<String>,
    steps: Vec<StepView<'a>>,
}

#[derive(Serialize)]
struct StepView<'a> {
    number: usize,
    name: &'a str,
    position: &'a str,
    status: StepStatus,
    request: Option<&'a crate::outcome::RequestRecord>,
    response: Option<&'a crate::outcome::ResponseRecord>,
    error: Option<&'a str>,
    attempts: u32,
    snapshot: Option<&'a crate::outcome::result::SnapshotRecord>,
    duration: String,
    failing: bool,
    request_body: Option<String>,
    response_body: Option<String>,
    curl: Option<String>,
    checks: Vec<CheckView<'a>>,
}

#[derive(Serialize)]
struct CheckView<'a> {
    #[serde(flatten)]
    check: &'a CheckResult,
    diff_lines: Option<Vec<LineView<'a>>>,
}

#[derive(Serialize)]
struct LineView<'a> {
    kind: LineKind,
    text: std::borrow::Cow<'a, str>,
}

impl<'a> Page<'a> {
    fn of(record: &'a RunRecord) -> Page<'a> {
        let ReportDocument { format, version, paycheck_version, run, summary, conformance, cases } =
            json::document(record);
        let mut cases = cases;
        cases.sort_by_key(|case| (rank(&case.outcome), case.id.clone()));
        let totals = &record.summary;
        let verdict = match totals.exit_code() {
            _ if totals.stopped.is_some() => {
                format!("The run stopped before any case: {}", totals.stopped.as_deref().unwrap_or_default())
            }
            0 => format!("All {} case runs passed or were skipped.", totals.total()),
            _ if totals.failed > 0 => format!("{} of {} case runs failed.", totals.failed, totals.total()),
            _ if totals.changes.as_ref().is_some_and(Changes::fails) => {
                "Every case run passed, but exchanges changed (see what changed).".to_string()
            }
            _ => format!("{} case runs could not reach the target.", totals.errored),
        };
        Page {
            format,
            version,
            paycheck_version,
            run: RunView { info: run, duration: format_duration(totals.duration) },
            summary,
            conformance,
            cases: cases.into_iter().map(CaseView::of).collect(),
            verdict,
            snapshot_total: totals.snapshots.total(),
            score_line: conformance.map(|conformance| conformance.score_line()),
            clause_groups: conformance.map(clause_groups).unwrap_or_default(),
            matrix_verdicts: Verdict::ALL.iter().map(|verdict| verdict.name()).collect(),
            clause_matrix: conformance.map(clause_matrix).unwrap_or_default(),
            causes: causes(&record.cases),
            changes: totals.changes.as_ref().filter(|changes| !changes.is_empty()).map(ChangesView::of),
        }
    }
}

/// The clauses by verdict, worst first; passed and not covered ones collapsed.
fn clause_groups(conformance: &crate::outcome::Conformance) -> Vec<ClauseGroup<'_>> {
    Verdict::ALL
        .into_iter()
        .filter_map(|verdict| {
            let clauses: Vec<&ClauseVerdict> =
                conformance.clauses.iter().filter(|clause| clause.verdict == verdict).collect();
            let plural = if clauses.len() == 1 { "clause" } else { "clauses" };
            let title = match verdict {
                Verdict::Failed => "failed",
                Verdict::Warned => "differ from the reference gateway (warnings)",
                Verdict::Blocked => "blocked by an earlier failure",
                Verdict::NotRun => "not run (skipped)",
                Verdict::NotCovered => "not covered by any case",
                Verdict::Passed => "passed",
            };
            let collapsed = matches!(verdict, Verdict::Passed | Verdict::NotCovered);
            let summary = format!("{} {plural} {title}", clauses.len());
            (!clauses.is_empty()).then_some(ClauseGroup { id: verdict.name(), collapsed, summary, clauses })
        })
        .collect()
}

/// The failed steps grouped by cause (the same check failing the same way, volatile values left
/// out), most frequent first.
fn causes(cases: &[std::sync::Arc<CaseResult>]) -> Vec<CauseGroup> {
    let mut groups: Vec<CauseGroup> = Vec::new();
    let mut sorted: Vec<&CaseResult> = cases.iter().map(std::sync::Arc::as_ref).collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for case in sorted {
        for step in case.steps.iter().filter(|step| step.status == StepStatus::Failed) {
            let cause = step_cause(step);
            let place = format!("{} step {}", case.id, step.number);
            match groups.iter_mut().find(|group| group.cause == cause) {
                Some(group) => {
                    group.count += 1;
                    if group.places.len() < CAUSE_PLACES {
                        group.places.push(place);
                    } else {
                        group.more += 1;
                    }
                }
                None => groups.push(CauseGroup {
                    cause,
                    clauses: clause_list(&step.clauses),
                    count: 1,
                    places: vec![place],
                    more: 0,
                }),
            }
        }
    }
    groups.sort_by_key(|group| std::cmp::Reverse(group.count));
    groups
}

/// Clause areas × verdicts, so that a person takes in the run at a glance.
fn clause_matrix(conformance: &crate::outcome::Conformance) -> Vec<MatrixRow> {
    let mut rows: Vec<MatrixRow> = Vec::new();
    for clause in &conformance.clauses {
        let area = clause.id.split('.').next().unwrap_or(&clause.id).to_string();
        let column = Verdict::ALL.iter().position(|verdict| *verdict == clause.verdict).unwrap_or(0);
        match rows.iter_mut().find(|row| row.area == area) {
            Some(row) => row.counts[column] += 1,
            None => {
                let mut counts = vec![0; Verdict::ALL.len()];
                counts[column] = 1;
                rows.push(MatrixRow { area, counts });
            }
        }
    }
    rows
}

impl<'a> CaseView<'a> {
    fn of(case: &'a CaseResult) -> CaseView<'a> {
        let first_failure = case.steps.iter().find(|step| is_failing(step)).map(|step| step_message(step));
        CaseView {
            id: &case.id,
            name: &case.name,
            path: &case.path,
            api: case.api.to_string(),
            tags: &case.tags,
            covers: &case.covers,
            outcome: &case.outcome,
            duration: format_duration(case.duration),
            failing: matches!(case.outcome, Outcome::Failed | Outcome::Errored { .. }),
            first_failure,
            steps: case.steps.iter().map(|step| StepView::of(step)).collect(),
        }
    }
}

impl<'a> StepView<'a> {
    fn of(step: &'a StepResult) -> StepView<'a> {
        let failing = is_failing(step);
        StepView {
            number: step.number,
            name: &step.name,
            position: &step.position,
            status: step.status,
            request: step.request.as_ref(),
            response: step.response.as_ref(),
            error: step.error.as_deref(),
            attempts: step.attempts,
            snapshot: step.snapshot.as_ref(),
            duration: format_duration(step.duration),
            failing,
            request_body: step.request.as_ref().and_then(|request| request.body.as_deref()).map(pretty_body),
            response_body: step.response.as_ref().map(|response| pretty_body(&response.body)),
            curl: step.request.as_ref().filter(|_| failing).map(curl_command),
            checks: step
                .checks
                .iter()
                .map(|check| CheckView { check, diff_lines: check.diff.as_ref().map(line_views) })
                .collect(),
        }
    }
}

fn is_failing(step: &StepResult) -> bool {
    matches!(step.status, StepStatus::Failed | StepStatus::Errored)
}

fn line_views(diff: &Diff) -> Vec<LineView<'_>> {
    diff.lines
        .iter()
        .map(|line| LineView {
            kind: line.kind,
            text: match line.kind {
                LineKind::Header => std::borrow::Cow::Borrowed(line.text.as_str()),
                _ => std::borrow::Cow::Owned(line.unified()),
            },
        })
        .collect()
}

/// Failures first, then errors, known deviations, passes, skips.
fn rank(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Failed => 0,
        Outcome::Errored { .. } => 1,
        Outcome::Known => 2,
        Outcome::Passed => 3,
        Outcome::Skipped { .. } => 4,
    }
}

/// A JSON body pretty-printed; any other body as it is.
fn pretty_body(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| body.to_string())
}
