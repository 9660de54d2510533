//! The exploration's report: for the terminal, and as a JSON document.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Options, Outcome};

/// The report for the terminal.
pub fn terminal(outcome: &Outcome, options: &Options, target: &str) -> String {
    let mut text = String::new();
    let shard = options.shard.map(|(k, n)| format!(", shard {k}/{n}")).unwrap_or_default();
    let _ = writeln!(text, "paycheck explore: seed {} against `{target}`{shard}", options.seed);
    let _ = writeln!(
        text,
        "  {} operations in {:.1}s ({:.0} operations/s), {} sequences",
        outcome.operations,
        outcome.elapsed.as_secs_f64(),
        outcome.rate(),
        outcome.sequences
    );
    for line in left_out(outcome) {
        let _ = writeln!(text, "  {line}");
    }
    let codes: Vec<String> = outcome.coverage.codes.iter().map(|(code, n)| format!("{code}: {n}")).collect();
    let _ = writeln!(
        text,
        "  coverage: {} (state, operation) pairs reached; result codes {}",
        outcome.coverage.reached(),
        codes.join(", ")
    );
    let mut by_state: std::collections::BTreeMap<&str, Vec<String>> = std::collections::BTreeMap::new();
    for (pair, count) in &outcome.coverage.transitions {
        if let Some((state, operation)) = pair.split_once(' ') {
            by_state.entry(state).or_default().push(format!("{operation} {count}"));
        }
    }
    for (state, operations) in &by_state {
        let _ = writeln!(text, "    {state:>16}: {}", operations.join(", "));
    }
    for (n, d) in outcome.discrepancies.iter().enumerate() {
        let _ = writeln!(text);
        let _ = writeln!(
            text,
            "DISCREPANCY {}: {} (seed {}, sequence {}, after {} operations; shrunk from {} to {} operations; seen {} more times)",
            n + 1,
            d.operation,
            d.seed,
            d.index,
            d.operations_before,
            d.original_length,
            d.shrunk.len(),
            d.repeats
        );
        for m in &d.mismatches {
            let _ = writeln!(text, "  {}: the model predicts {}, the target answered {}", m.at, m.expected, m.actual);
        }
        match &d.case_path {
            Some(path) => {
                let _ = writeln!(text, "  written to {}:", path.display());
            }
            None => {
                let _ = writeln!(text, "  the case:");
            }
        }
        for line in d.case.lines() {
            let _ = writeln!(text, "    {line}");
        }
    }
    if let Some(failure) = &outcome.failure {
        let _ = writeln!(text, "\npaycheck explore stopped: {failure}");
    }
    let _ = writeln!(
        text,
        "\n{} discrepanc{} found.",
        outcome.discrepancies.len(),
        if outcome.discrepancies.len() == 1 { "y" } else { "ies" }
    );
    text
}

/// What the exploration left out and why, one line each.
pub fn left_out(outcome: &Outcome) -> Vec<String> {
    let mut lines = Vec::new();
    if outcome.time_left_out {
        lines.push(
            "time operations left out: the target has no manual clock (lifetimes, auto dates, the reversal window and Gate's 30-minute limit were not explored)".to_string(),
        );
    }
    if outcome.callbacks_left_out {
        lines.push(
            "callbacks left out: the target is not on this machine, so it cannot reach the explorer's listener (give --callback-url a public URL that forwards to --callback-listen), or the main merchant's callback_token is unknown".to_string(),
        );
    }
    if outcome.gate_left_out {
        lines.push("Gate v2 left out: the target does not offer it or names no `gate` project".to_string());
    }
    lines
}

/// The report as explore's own JSON document (`--report explore=PATH`).
pub fn json(outcome: &Outcome, options: &Options, target: &str) -> Value {
    json!({
        "kind": "paycheck-explore",
        "version": env!("CARGO_PKG_VERSION"),
        "target": target,
        "seed": options.seed,
        "shard": options.shard.map(|(k, n)| format!("{k}/{n}")),
        "operations": outcome.operations,
        "sequences": outcome.sequences,
        "elapsed_ms": outcome.elapsed.as_millis() as u64,
        "operations_per_second": outcome.rate().round(),
        "time_left_out": outcome.time_left_out,
        "callbacks_left_out": outcome.callbacks_left_out,
        "gate_left_out": outcome.gate_left_out,
        "failure": outcome.failure,
        "coverage": outcome.coverage,
        "discrepancies": outcome.discrepancies.iter().map(|d| json!({
            "seed": d.seed,
            "sequence": d.index,
            "operations_before": d.operations_before,
            "operation": d.operation,
            "mismatches": d.mismatches.iter().map(|m| json!({"at": m.at, "expected": m.expected, "actual": m.actual})).collect::<Vec<_>>(),
            "original_length": d.original_length,
            "shrunk_length": d.shrunk.len(),
            "repeats": d.repeats,
            "case_path": d.case_path.as_ref().map(|p| p.display().to_string()),
            "case": d.case,
        })).collect::<Vec<_>>(),
    })
}
