//! Causes: what made a step fail, as a key that is the same wherever the same check fails the
//! same way, so that reports can show one cause once and count where else it struck.

use std::sync::LazyLock;

use regex::Regex;

use crate::outcome::{CheckResult, StepResult};
use crate::suite::clauses::ClauseRef;

use super::step_message::check_label;

/// Values that differ from one exchange to the next (ids, numbers, dates) and so must not tell
/// two causes apart.
static VOLATILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}  # UUIDs
        | \d{4}-\d{2}-\d{2}[T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?                       # dates
        | [A-Za-z_-]*\d{5,}[A-Za-z0-9_-]*                                          # long numbers, generated numbers
        ",
    )
    .expect("the pattern is valid")
});

/// The text with its volatile values replaced by `…`.
pub fn without_volatile(text: &str) -> String {
    VOLATILE.replace_all(text, "…").into_owned()
}

/// One failing (or warning) check, as a cause.
pub fn check_cause(check: &CheckResult) -> String {
    let mut cause = format!("{}: expected {}, got {}", check_label(check), check.expected, check.actual);
    for violation in &check.violations {
        let at = if violation.instance_path.is_empty() { "(root)" } else { violation.instance_path.as_str() };
        cause.push_str(&format!("; {at}: {}", violation.message));
    }
    without_volatile(&cause)
}

/// What made a step fail: its error, or its failing checks.
pub fn step_cause(step: &StepResult) -> String {
    let mut parts: Vec<String> = step.error.iter().map(|error| without_volatile(error)).collect();
    parts.extend(step.failed_checks().map(check_cause));
    parts.join(" | ")
}

/// `refund.over-limit (§8 A9), refund.partial (§2.10)`.
pub fn clause_list(clauses: &[ClauseRef]) -> String {
    clauses.iter().map(|clause| format!("{} (§{})", clause.id, clause.section)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_dates_and_generated_numbers_do_not_tell_causes_apart() {
        let one = without_volatile(
            "order 5c1f2e1a-0b4e-4b7a-9f00-1234567890ab at 2026-11-30T12:00:01Z, number pc-1732968000123",
        );
        let two = without_volatile(
            "order 0d2f2e1a-1b4e-4b7a-9f00-ba9876543210 at 2026-11-30T12:00:07Z, number pc-1732968000999",
        );
        assert_eq!(one, two);
        assert_eq!(without_volatile("expected 7, got 0"), "expected 7, got 0");
    }
}
