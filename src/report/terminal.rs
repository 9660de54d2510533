//! The terminal display: a rate-limited progress line, one line per finished case, then every
//! failure in detail (the check, expected against actual, a diff for bodies, the request and
//! response), and a summary. Secrets are already masked in the results it renders.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};

use super::reporter::Reporter;
use crate::outcome::conformance::{ClauseVerdict, Conformance, Verdict};
use crate::outcome::{
    CaseResult, CheckResult, Diff, Event, Outcome, RunSummary, StepResult, StepStatus, UnmatchedCallback,
};
use crate::suite::clauses::ClauseRef;
use crate::text::cause::{check_cause, clause_list, step_cause};
use crate::text::{diff_line_style, format_duration};

const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);
/// Beyond this many clauses not covered, the table gives their count instead of their list.
const NOT_COVERED_LISTED: usize = 20;

/// How many repeated causes the run's end lists.
const TOP_CAUSES: usize = 10;
/// How much of a cause the list shows.
const CAUSE_WIDTH: usize = 160;
const BODY_LINES: usize = 40;

const GREEN: Style = AnsiColor::Green.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

/// Renders a run for people.
pub struct TerminalReporter {
    out: anstream::AutoStream<std::io::Stdout>,
    progress: bool,
    quiet: bool,
    planned: usize,
    finished: usize,
    failed: usize,
    last_progress: Option<Instant>,
    progress_shown: bool,
    failures: Vec<Arc<CaseResult>>,
    warned: Vec<Arc<CaseResult>>,
    curl: bool,
    /// Each cause shown in full so far, with where it was first shown and how often it struck.
    causes: Vec<Cause>,
}

/// One cause of failure and the step runs it struck.
struct Cause {
    key: String,
    first: String,
    count: usize,
}

impl TerminalReporter {
    /// A reporter on stdout; `quiet` hides passing cases. Colours only when `color`; the progress
    /// line only on a terminal, and never under CI.
    pub fn new(quiet: bool, color: bool, ci: bool) -> TerminalReporter {
        let progress = std::io::stdout().is_terminal() && !ci;
        let choice = if color { anstream::ColorChoice::Always } else { anstream::ColorChoice::Never };
        TerminalReporter {
            out: anstream::AutoStream::new(std::io::stdout(), choice),
            progress,
            quiet,
            planned: 0,
            finished: 0,
            failed: 0,
            last_progress: None,
            progress_shown: false,
            failures: Vec::new(),
            warned: Vec::new(),
            curl: false,
            causes: Vec::new(),
        }
    }

    /// Also prints each failed step's request as a `curl` command (`--curl`).
    pub fn with_curl(mut self, curl: bool) -> TerminalReporter {
        self.curl = curl;
        self
    }

    fn clear_progress(&mut self) {
        if self.progress_shown {
            let _ = write!(self.out, "\r\x1b[2K");
            self.progress_shown = false;
        }
    }

    fn show_progress(&mut self) {
        if !self.progress {
            return;
        }
        let now = Instant::now();
        if self.last_progress.is_some_and(|last| now.duration_since(last) < PROGRESS_INTERVAL) {
            return;
        }
        self.last_progress = Some(now);
        let _ = write!(self.out, "\r\x1b[2K{DIM}[{}/{}] {} failed{DIM:#}", self.finished, self.planned, self.failed);
        let _ = self.out.flush();
        self.progress_shown = true;
    }

    fn case_line(&mut self, case: &CaseResult) {
        let style = outcome_style(&case.outcome);
        let detail = match &case.outcome {
            Outcome::Skipped { reason } | Outcome::Errored { reason } => format!("  {DIM}({reason}){DIM:#}"),
            _ => String::new(),
        };
        let _ = writeln!(
            self.out,
            "  {style}{:>5}{style:#} {DIM}[{}]{DIM:#} {}  {DIM}{} {}{DIM:#}{detail}",
            case.outcome.label(),
            case.api,
            case.name,
            format_duration(case.duration),
            case.path,
        );
    }

    fn failure_details(&mut self, case: &CaseResult) {
        let style = outcome_style(&case.outcome);
        let failing: Vec<&Arc<StepResult>> =
            case.steps.iter().filter(|step| matches!(step.status, StepStatus::Failed | StepStatus::Errored)).collect();
        let keys: Vec<String> = failing.iter().map(|step| step_cause(step)).collect();
        let repeats: Vec<&Cause> =
            keys.iter().filter_map(|key| self.causes.iter().find(|cause| cause.key == *key)).collect();
        if !failing.is_empty() && repeats.len() == failing.len() {
            let firsts: Vec<&str> = repeats.iter().map(|cause| cause.first.as_str()).collect();
            let _ = writeln!(
                self.out,
                "{style}--- {}{style:#} {BOLD}[{}] {}{BOLD:#} {DIM}({}){DIM:#}: same cause as {}",
                case.outcome.label(),
                case.api,
                case.name,
                case.path,
                firsts.join(", ")
            );
            for key in &keys {
                if let Some(cause) = self.causes.iter_mut().find(|cause| cause.key == *key) {
                    cause.count += 1;
                }
            }
            return;
        }
        let _ = writeln!(
            self.out,
            "\n{style}--- {}{style:#} {BOLD}[{}] {}{BOLD:#} {DIM}({}){DIM:#}",
            case.outcome.label(),
            case.api,
            case.name,
            case.path
        );
        for (step, key) in failing.into_iter().zip(keys) {
            let here = format!("{} step {}", case.id, step.number);
            match self.causes.iter_mut().find(|cause| cause.key == key) {
                Some(cause) => {
                    cause.count += 1;
                    let _ = writeln!(
                        self.out,
                        "  step {} \"{}\" {DIM}at {}{DIM:#}\n    {RED}✗{RED:#} same cause as {}{}",
                        step.number,
                        step.name,
                        step.position,
                        cause.first,
                        clauses_note(&step.clauses)
                    );
                }
                None => {
                    self.causes.push(Cause { key, first: here, count: 1 });
                    self.step_details(step);
                }
            }
        }
        let blocked: Vec<String> = case
            .steps
            .iter()
            .filter(|step| step.status == StepStatus::Blocked)
            .map(|step| format!("{} \"{}\"", step.number, step.name))
            .collect();
        if !blocked.is_empty() {
            let _ = writeln!(self.out, "  {DIM}blocked by the failure: step {}{DIM:#}", blocked.join(", step "));
        }
        if let Outcome::Errored { reason } = &case.outcome
            && case.steps.iter().all(|step| step.status != StepStatus::Errored)
        {
            let _ = writeln!(self.out, "  {reason}");
        }
    }

    /// Every check that differs from the reference gateway on a point the sources leave open,
    /// grouped by cause.
    fn warnings(&mut self) {
        let mut groups: Vec<(String, Vec<String>, String)> = Vec::new();
        let mut cases = std::mem::take(&mut self.warned);
        cases.sort_by(|a, b| a.id.cmp(&b.id));
        for case in &cases {
            for check in case.steps.iter().flat_map(|step| step.warnings()) {
                let key = check_cause(check);
                match groups.iter_mut().find(|(known, _, _)| *known == key) {
                    Some((_, runs, _)) => runs.push(case.id.clone()),
                    None => groups.push((key, vec![case.id.clone()], clause_list(&check.clauses))),
                }
            }
        }
        if groups.is_empty() {
            return;
        }
        let total: usize = groups.iter().map(|(_, runs, _)| runs.len()).sum();
        let _ = writeln!(
            self.out,
            "\n{YELLOW}warnings{YELLOW:#}: {total} check{} differ from the reference gateway on points the sources leave open \
             {DIM}(spec 8.2; `--strictness reference` fails them){DIM:#}",
            if total == 1 { "" } else { "s" }
        );
        for (cause, runs, clauses) in &groups {
            let _ = writeln!(self.out, "  {YELLOW}!{YELLOW:#} {cause}  {DIM}[{clauses}]{DIM:#}");
            let shown: Vec<&str> = runs.iter().take(3).map(String::as_str).collect();
            let more = if runs.len() > 3 { format!(" and {} more", runs.len() - 3) } else { String::new() };
            let _ = writeln!(self.out, "    {DIM}in {}{more}{DIM:#}", shown.join(", "));
        }
    }

    /// The causes that struck more than once, most frequent first.
    fn top_causes(&mut self) {
        let mut repeated: Vec<&Cause> = self.causes.iter().filter(|cause| cause.count > 1).collect();
        if repeated.is_empty() {
            return;
        }
        repeated.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.first.cmp(&b.first)));
        let _ = writeln!(self.out, "\n{BOLD}top causes of failure:{BOLD:#}");
        let lines: Vec<String> = repeated
            .iter()
            .take(TOP_CAUSES)
            .map(|cause| {
                let key: String = cause.key.chars().take(CAUSE_WIDTH).collect();
                let cut = if cause.key.chars().count() > CAUSE_WIDTH { "…" } else { "" };
                format!("  {:>4}× {key}{cut}", cause.count)
            })
            .collect();
        for line in lines {
            let _ = writeln!(self.out, "{line}");
        }
    }

    fn step_details(&mut self, step: &StepResult) {
        let _ = writeln!(
            self.out,
            "  step {} \"{}\" {DIM}at {}{DIM:#}{}",
            step.number,
            step.name,
            step.position,
            clauses_note(&step.clauses)
        );
        if let Some(error) = &step.error {
            let _ = writeln!(self.out, "    {RED}✗{RED:#} {error}");
        }
        for check in step.failed_checks() {
            self.check_details(check);
        }
        if step.attempts > 1 {
            let _ = writeln!(self.out, "    {DIM}({} attempts){DIM:#}", step.attempts);
        }
        if let Some(request) = &step.request {
            let _ = writeln!(self.out, "  {BOLD}request{BOLD:#}");
            let _ = writeln!(self.out, "    {} {}", request.method, request.url);
            for (name, value) in &request.headers {
                let _ = writeln!(self.out, "    {DIM}{name}: {value}{DIM:#}");
            }
            if let Some(body) = &request.body {
                self.body(body);
            }
        }
        if let Some(response) = &step.response {
            let _ = writeln!(self.out, "  {BOLD}response{BOLD:#}");
            let _ = writeln!(self.out, "    HTTP {}", response.status);
            for (name, value) in
                response.headers.iter().filter(|(name, _)| name == "content-type" || name == "location")
            {
                let _ = writeln!(self.out, "    {DIM}{name}: {value}{DIM:#}");
            }
            if response.body_length == 0 {
                let _ = writeln!(self.out, "    {DIM}(empty body){DIM:#}");
            } else {
                self.body(&response.body);
                if response.body_length > response.body.len() {
                    let _ = writeln!(self.out, "    {DIM}({} bytes in all){DIM:#}", response.body_length);
                }
            }
        }
        if let (true, Some(request)) = (self.curl, &step.request) {
            let _ = writeln!(self.out, "  {BOLD}reproduce with{BOLD:#}");
            for line in crate::text::curl_command(request).lines() {
                let _ = writeln!(self.out, "    {line}");
            }
        }
    }

    fn check_details(&mut self, check: &CheckResult) {
        let at = check.position.as_ref().map(|position| format!("  {DIM}at {position}{DIM:#}")).unwrap_or_default();
        let _ = writeln!(
            self.out,
            "    {RED}✗{RED:#} {:?} {}{at}{}",
            check.kind,
            check.subject,
            clauses_note(&check.clauses)
        );
        if let Some(diff) = &check.diff {
            let _ = writeln!(self.out, "      {}", check.actual);
            self.diff_lines(diff);
        } else if check.violations.is_empty() {
            match json_diff(&check.expected, &check.actual) {
                Some(diff) => {
                    let _ = writeln!(self.out, "      {DIM}--- expected  +++ actual{DIM:#}");
                    self.diff_lines(&diff);
                }
                None => {
                    let _ = writeln!(self.out, "      expected {}", check.expected);
                    let _ = writeln!(self.out, "      actual   {}", check.actual);
                }
            }
        }
        for violation in &check.violations {
            let at = if violation.instance_path.is_empty() { "(root)" } else { violation.instance_path.as_str() };
            let _ =
                writeln!(self.out, "      {at}: {} {DIM}(schema {}){DIM:#}", violation.message, violation.schema_path);
        }
    }

    /// A diff, each line styled by its kind.
    fn diff_lines(&mut self, diff: &Diff) {
        for line in &diff.lines {
            let style = diff_line_style(line.kind);
            let _ = writeln!(self.out, "      {style}{}{style:#}", line.unified());
        }
    }

    fn body(&mut self, body: &str) {
        let pretty = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|value| serde_json::to_string_pretty(&value).ok())
            .unwrap_or_else(|| body.to_string());
        let lines: Vec<&str> = pretty.lines().collect();
        for line in lines.iter().take(BODY_LINES) {
            let _ = writeln!(self.out, "    {line}");
        }
        if lines.len() > BODY_LINES {
            let _ = writeln!(self.out, "    {DIM}… {} more lines{DIM:#}", lines.len() - BODY_LINES);
        }
    }

    /// The clauses that did not pass, worst first, then the score. Passed clauses are listed too
    /// when no clause failed (the table a vendor attaches), unless `--quiet`. Clauses not covered
    /// are listed when there are a few (gaps in a suite); a run of a few cases gets their count.
    fn conformance(&mut self, conformance: &Conformance) {
        let _ = writeln!(self.out, "\n{BOLD}conformance by clause:{BOLD:#}");
        let width = conformance.clauses.iter().map(|clause| clause.id.len()).max().unwrap_or(0);
        for verdict in Verdict::ALL {
            let clauses: Vec<&ClauseVerdict> =
                conformance.clauses.iter().filter(|clause| clause.verdict == verdict).collect();
            if clauses.is_empty() || (verdict == Verdict::Passed && (self.quiet || conformance.failed > 0)) {
                continue;
            }
            if verdict == Verdict::NotCovered && (self.quiet || clauses.len() > NOT_COVERED_LISTED) {
                let _ = writeln!(
                    self.out,
                    "  {DIM}  - {} clauses not covered by the cases run (each is listed in the JSON and HTML reports){DIM:#}",
                    clauses.len()
                );
                continue;
            }
            let (mark, style) = match verdict {
                Verdict::Passed => ("pass", GREEN),
                Verdict::Failed => ("FAIL", RED),
                Verdict::Warned => ("WARN", YELLOW),
                Verdict::Blocked => ("BLKD", YELLOW),
                Verdict::NotRun => ("skip", DIM),
                Verdict::NotCovered => ("  - ", DIM),
            };
            for clause in clauses {
                let detail = match verdict {
                    Verdict::Failed => format!("  failed by: {}", shortened(&clause.failed_by)),
                    Verdict::Warned => format!("  differs from the reference in: {}", shortened(&clause.warned_by)),
                    Verdict::Blocked => format!("  blocked in: {}", shortened(&clause.blocked_by)),
                    Verdict::NotRun => format!("  not run: {}", clause.not_run.join("; ")),
                    Verdict::NotCovered => "  not covered".to_string(),
                    Verdict::Passed => String::new(),
                };
                let _ = writeln!(
                    self.out,
                    "  {style}{mark}{style:#} {:<width$} {DIM}§{} {}{DIM:#}{detail}",
                    clause.id,
                    clause.section,
                    clause.level.name()
                );
            }
        }
        let _ = writeln!(self.out, "{}", conformance.score_line());
    }

    fn unmatched_callbacks(&mut self, callbacks: &[UnmatchedCallback]) {
        if callbacks.is_empty() {
            return;
        }
        let count = callbacks.len();
        let _ = writeln!(
            self.out,
            "\n{YELLOW}{count} callback{} matched no awaiting step:{YELLOW:#}",
            if count == 1 { "" } else { "s" }
        );
        for callback in callbacks {
            let _ = writeln!(self.out, "  {}", callback.received);
            let _ = writeln!(self.out, "    {DIM}{}{DIM:#}", callback.content);
        }
    }

    fn summary(&mut self, summary: &RunSummary) {
        let style = if summary.failed > 0 {
            RED
        } else if summary.errored > 0 {
            YELLOW
        } else {
            GREEN
        };
        let unmatched = match summary.unmatched_callbacks.len() {
            0 => String::new(),
            1 => ", 1 unmatched callback".to_string(),
            n => format!(", {n} unmatched callbacks"),
        };
        let known = if summary.known > 0 { format!(", {} known deviations", summary.known) } else { String::new() };
        let _ = writeln!(
            self.out,
            "\n{style}summary{style:#}: {} cases: {} passed, {} failed, {} skipped, {} errored in {}{known}{unmatched}",
            summary.total(),
            summary.passed,
            summary.failed,
            summary.skipped,
            summary.errored,
            format_duration(summary.duration),
        );
        if !summary.resolved_deviations.is_empty() {
            let (style, verdict) = if summary.strict_baseline {
                (RED, "fail the run (--strict-baseline)")
            } else {
                (YELLOW, "can be removed")
            };
            let _ = writeln!(
                self.out,
                "{style}baseline{style:#}: {} known deviation{} no longer fail and {verdict}:",
                summary.resolved_deviations.len(),
                if summary.resolved_deviations.len() == 1 { "" } else { "s" }
            );
            for deviation in &summary.resolved_deviations {
                let _ = writeln!(self.out, "  {DIM}{deviation}{DIM:#}");
            }
        }
        let snapshots = &summary.snapshots;
        if snapshots.total() > 0 {
            let mut parts = vec![format!("{} matched", snapshots.matched)];
            for (count, what) in
                [(snapshots.changed, "changed"), (snapshots.new, "new"), (snapshots.updated, "updated")]
            {
                if count > 0 {
                    parts.push(format!("{count} {what}"));
                }
            }
            let hint = if snapshots.pending() > 0 {
                format!("  {DIM}(pending: `paycheck snapshots review`, or `accept` / `reject`){DIM:#}")
            } else {
                String::new()
            };
            let _ = writeln!(self.out, "{BOLD}snapshots{BOLD:#}: {}{hint}", parts.join(", "));
        }
    }
}

impl Reporter for TerminalReporter {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::RunStarted { target, target_url, cases, jobs, notes } => {
                self.planned = *cases;
                let _ = writeln!(
                    self.out,
                    "{BOLD}paycheck{BOLD:#}: {cases} case runs against {target} ({target_url}), {jobs} at a time"
                );
                for note in notes {
                    let _ = writeln!(self.out, "  {DIM}{note}{DIM:#}");
                }
                let _ = writeln!(self.out);
            }
            Event::CaseStarted { .. } | Event::StepFinished { .. } => self.show_progress(),
            Event::CaseFinished(case) => {
                self.finished += 1;
                self.clear_progress();
                let is_failure = matches!(case.outcome, Outcome::Failed | Outcome::Errored { .. });
                if is_failure {
                    self.failed += 1;
                    self.failures.push(Arc::clone(case));
                }
                if case.warnings > 0 {
                    self.warned.push(Arc::clone(case));
                }
                if is_failure || !self.quiet {
                    self.case_line(case);
                }
                self.show_progress();
            }
            Event::RunFinished { summary, conformance } => {
                self.clear_progress();
                if let Some(reason) = &summary.stopped {
                    for line in reason.lines() {
                        eprintln!("paycheck: {line}");
                    }
                }
                if !self.failures.is_empty() {
                    let _ = writeln!(self.out, "\n{BOLD}failures{BOLD:#} {DIM}(by case file){DIM:#}:");
                    let mut failures = std::mem::take(&mut self.failures);
                    failures.sort_by(|a, b| a.id.cmp(&b.id));
                    for case in &failures {
                        self.failure_details(case);
                    }
                }
                self.warnings();
                if let Some(conformance) = conformance {
                    self.conformance(conformance);
                }
                self.top_causes();
                self.unmatched_callbacks(&summary.unmatched_callbacks);
                self.summary(summary);
                let _ = self.out.flush();
            }
        }
    }
}

fn outcome_style(outcome: &Outcome) -> Style {
    match outcome {
        Outcome::Passed => GREEN,
        Outcome::Failed => RED,
        Outcome::Known | Outcome::Skipped { .. } => DIM,
        Outcome::Errored { .. } => YELLOW,
    }
}

/// ` [refund.over-limit §8 A9]`, dimmed; nothing when no clause is named.
fn clauses_note(clauses: &[ClauseRef]) -> String {
    if clauses.is_empty() {
        return String::new();
    }
    let names: Vec<String> = clauses.iter().map(|clause| format!("{} §{}", clause.id, clause.section)).collect();
    format!("  {DIM}[{}]{DIM:#}", names.join(", "))
}

/// The first few case runs of a list, and how many more.
fn shortened(runs: &[String]) -> String {
    let shown: Vec<&str> = runs.iter().take(2).map(String::as_str).collect();
    if runs.len() > 2 { format!("{} and {} more", shown.join(", "), runs.len() - 2) } else { shown.join(", ") }
}

/// A line diff of two JSON documents (pretty-printed), when both are objects or arrays.
fn json_diff(expected: &str, actual: &str) -> Option<Diff> {
    let expected: serde_json::Value = serde_json::from_str(expected).ok()?;
    let actual: serde_json::Value = serde_json::from_str(actual).ok()?;
    if !(expected.is_object() || expected.is_array()) || !(actual.is_object() || actual.is_array()) {
        return None;
    }
    let expected = serde_json::to_string_pretty(&expected).ok()?;
    let actual = serde_json::to_string_pretty(&actual).ok()?;
    Some(Diff::whole(&expected, &actual))
}
