//! The "what changed" section as text, for the terminal: the totals, each field change with the
//! exchanges it appears in (the most widespread first), one example diff per change, then the
//! new and vanished exchanges. Every diff is in the JSON and HTML reports.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use crate::outcome::{Changes, ExchangeChange, ExchangeChangeKind};
use crate::text::diff_line_style;

const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const GREEN: Style = AnsiColor::Green.on_default().bold();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();
/// How many exchanges a change lists before "and N more".
const LISTED: usize = 40;
/// How many lines of an example diff are shown.
const DIFF_LINES: usize = 30;

/// The section's text (styled; the caller's stream strips styles when colours are off).
pub fn render(changes: &Changes) -> String {
    let mut out = String::new();
    let (changed, new, vanished) = (
        changes.count(ExchangeChangeKind::Changed),
        changes.count(ExchangeChangeKind::New),
        changes.count(ExchangeChangeKind::Vanished),
    );
    let style = if changes.fails() {
        RED
    } else if changes.is_empty() {
        GREEN
    } else {
        YELLOW
    };
    let verdict = match (changes.is_empty(), changes.fails()) {
        (true, _) => String::new(),
        (false, true) => "; they fail the run".to_string(),
        (false, false) if changes.policy == "warn" => " (warnings: `snapshot_changes = \"warn\"`)".to_string(),
        (false, false) => " (pending review)".to_string(),
    };
    let _ = writeln!(
        out,
        "\n{style}what changed{style:#} {DIM}against {}{DIM:#}: {changed} changed, {new} new, {vanished} vanished of {} exchanges{verdict}",
        changes.against, changes.compared
    );
    for group in &changes.groups {
        let count = group.exchanges.len();
        let _ =
            writeln!(out, "  {BOLD}{}{BOLD:#} in {count} exchange{}", group.change, if count == 1 { "" } else { "s" });
        for name in group.exchanges.iter().take(LISTED) {
            let _ = writeln!(out, "    {DIM}{name}{DIM:#}");
        }
        if count > LISTED {
            let _ = writeln!(out, "    {DIM}and {} more (every one is in the JSON report){DIM:#}", count - LISTED);
        }
        let example = changes.exchanges.iter().find(|exchange| exchange.name == group.exchanges[0]);
        if let Some(exchange) = example {
            example_diff(&mut out, exchange);
        }
    }
    let new_note = match (changes.comparison, changes.new_fails) {
        (true, _) => " (the other side has no such exchange)",
        (false, true) => " (no accepted snapshot; CI never accepts one: accept them locally and commit)",
        (false, false) => " (pending review: `paycheck snapshots review`)",
    };
    let vanished_note = if changes.comparison {
        " (only the other side has them)"
    } else {
        " (accepted, but not produced by this run)"
    };
    for (kind, what, note) in
        [(ExchangeChangeKind::New, "new", new_note), (ExchangeChangeKind::Vanished, "vanished", vanished_note)]
    {
        let listed: Vec<&ExchangeChange> = changes.exchanges.iter().filter(|exchange| exchange.kind == kind).collect();
        if listed.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  {BOLD}{what}{BOLD:#}: {} exchange{}{DIM}{note}{DIM:#}",
            listed.len(),
            if listed.len() == 1 { "" } else { "s" }
        );
        for exchange in listed.iter().take(LISTED) {
            let step = exchange.step.as_deref().map(|step| format!(", step {step}")).unwrap_or_default();
            let _ = writeln!(out, "    {DIM}{} ({}{step}){DIM:#}", exchange.name, exchange.case);
        }
        if listed.len() > LISTED {
            let _ = writeln!(out, "    {DIM}and {} more{DIM:#}", listed.len() - LISTED);
        }
    }
    out
}

fn example_diff(out: &mut String, exchange: &ExchangeChange) {
    let Some(diff) = &exchange.diff else { return };
    let step = exchange.step.as_deref().map(|step| format!(", step {step}")).unwrap_or_default();
    let _ = writeln!(out, "    {DIM}for example {} ({}{step}):{DIM:#}", exchange.name, exchange.case);
    for line in diff.lines.iter().take(DIFF_LINES) {
        let style = diff_line_style(line.kind);
        let _ = writeln!(out, "      {style}{}{style:#}", line.unified());
    }
    if diff.lines.len() > DIFF_LINES {
        let _ = writeln!(out, "      {DIM}…{DIM:#}");
    }
}
