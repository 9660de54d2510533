//! Known deviations: a small, reviewed TOML file listing the failures a target is accepted to
//! have (as web-platform-tests' expectation files and test262's known-failure lists do).
//! `paycheck run --write-baseline FILE` records a run's failing steps; `--baseline FILE` then
//! reports those as known (XFAIL), fails on any other failure, and lists the entries that no
//! longer fail so they can be removed.
//!
//! A failure matches an entry when it is in the same case run, at the same step, with the same
//! cause (the failing checks and error, volatile values such as ids and dates left out).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::outcome::{CaseResult, Outcome, StepResult, StepStatus};
use crate::text::cause::{clause_list, step_cause};

/// The version of the file's shape.
pub const VERSION: u32 = 1;

/// The most entries a baseline file may hold (a bound on what is read from outside).
const MAX_ENTRIES: usize = 100_000;

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Always [`VERSION`].
    pub version: u32,
    /// The target the deviations were recorded against.
    #[serde(default)]
    pub target: String,
    /// The known failures.
    #[serde(default, rename = "deviation")]
    pub deviations: Vec<Deviation>,
}

/// One known failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// The case run: `path [api]`.
    pub case: String,
    /// The failing step's number.
    pub step: usize,
    /// The step's name, for readers.
    #[serde(default)]
    pub name: String,
    /// The clauses the step verifies, for readers.
    #[serde(default)]
    pub clauses: String,
    /// The cause, as the run reported it (volatile values left out).
    pub cause: String,
}

impl Baseline {
    /// The failing steps of a run's failed cases.
    pub fn of_run<'a>(target: &str, cases: impl IntoIterator<Item = &'a CaseResult>) -> Baseline {
        let mut deviations = Vec::new();
        for case in cases.into_iter().filter(|case| matches!(case.outcome, Outcome::Failed | Outcome::Known)) {
            for step in case.steps.iter().filter(|step| step.status == StepStatus::Failed) {
                deviations.push(Deviation {
                    case: case_of(&case.id).to_string(),
                    step: step.number,
                    name: step.name.clone(),
                    clauses: clause_list(&step.clauses),
                    cause: step_cause(step),
                });
            }
        }
        deviations.sort_by(|a, b| (&a.case, a.step, &a.cause).cmp(&(&b.case, b.step, &b.cause)));
        deviations.dedup_by(|a, b| a.case == b.case && a.step == b.step && a.cause == b.cause);
        Baseline { version: VERSION, target: target.to_string(), deviations }
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read the baseline {}: {error}", path.display()))?;
        let baseline: Baseline =
            toml::from_str(&text).map_err(|error| format!("invalid baseline {}: {error}", path.display()))?;
        if baseline.version != VERSION {
            return Err(format!("baseline {}: unsupported version {}", path.display(), baseline.version));
        }
        if baseline.deviations.len() > MAX_ENTRIES {
            return Err(format!("baseline {}: more than {MAX_ENTRIES} entries", path.display()));
        }
        Ok(baseline)
    }

    /// Writes the file atomically, with a header for reviewers.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let body = toml::to_string_pretty(self).map_err(|error| format!("cannot write the baseline: {error}"))?;
        let text = format!(
            "# paycheck baseline: the known deviations of target `{}`, one [[deviation]] per failing step.\n\
             # `paycheck run --baseline FILE` reports these as known and fails on any other failure.\n\
             # Review it like code: remove an entry when the deviation is fixed.\n\n{body}",
            self.target
        );
        crate::atomic_file::write(path, text.as_bytes())
    }

    /// True when the step's failure is listed.
    pub fn knows(&self, case_id: &str, step: &StepResult) -> bool {
        let cause = step_cause(step);
        self.deviations.iter().any(|known| known.case == case_id && known.step == step.number && known.cause == cause)
    }

    /// The entries whose case ran without that failure (every repetition of it, under
    /// `--repeat`): the deviations that are gone. Entries of cases the run did not run (not
    /// selected, skipped) are left alone.
    pub fn resolved<'a>(&self, cases: impl IntoIterator<Item = &'a CaseResult>) -> Vec<&Deviation> {
        let ran: Vec<&CaseResult> =
            cases.into_iter().filter(|case| !matches!(case.outcome, Outcome::Skipped { .. })).collect();
        self.deviations
            .iter()
            .filter(|known| {
                let mut runs = ran.iter().filter(|case| case_of(&case.id) == known.case).peekable();
                runs.peek().is_some()
                    && runs.all(|case| {
                        !case.steps.iter().any(|step| {
                            step.status == StepStatus::Failed
                                && step.number == known.step
                                && step_cause(step) == known.cause
                        })
                    })
            })
            .collect()
    }
}

/// A case run's id without its repetition (`path [api] #2` → `path [api]`, see `run --repeat`):
/// what a baseline entry names, so that every repetition of a case is judged by the same entries.
pub fn case_of(id: &str) -> &str {
    match id.rsplit_once(" #") {
        Some((case, number))
            if case.ends_with(']') && !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit()) =>
        {
            case
        }
        _ => id,
    }
}

#[cfg(test)]
mod tests {
    use super::case_of;

    #[test]
    fn a_repetition_names_its_case_and_nothing_else_is_cut() {
        assert_eq!(case_of("cases/v1/refund.yaml [router] #12"), "cases/v1/refund.yaml [router]");
        assert_eq!(case_of("cases/v1/refund.yaml [router]"), "cases/v1/refund.yaml [router]");
        assert_eq!(case_of("cases/v1/x.yaml [amount=0] [bank] #2"), "cases/v1/x.yaml [amount=0] [bank]");
        assert_eq!(case_of("cases/v1/a #2.yaml [bank]"), "cases/v1/a #2.yaml [bank]");
        assert_eq!(case_of("cases/v1/a.yaml [bank] #"), "cases/v1/a.yaml [bank] #");
        assert_eq!(case_of("cases/v1/a.yaml [bank] #x2"), "cases/v1/a.yaml [bank] #x2");
    }
}
