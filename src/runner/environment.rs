//! What the runner may know of the process it runs in. Only the command line fills it from the
//! process; tests and embedders pass their own, so nothing below the CLI reads the environment.

use std::collections::BTreeMap;
use std::io::IsTerminal;

/// The process's environment, as the runner sees it.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// Running under CI: snapshots are never accepted, a missing one fails, reports default on,
    /// no progress line.
    pub ci: bool,
    /// The terminal display may use colour.
    pub color: bool,
    /// Variables cases may read as `env.NAME`, and where secrets named in `paycheck.toml` come from.
    pub variables: BTreeMap<String, String>,
}

impl Environment {
    /// The current process's environment. `CI` counts when set to anything but empty, `0` or
    /// `false`; colour is on for a terminal unless `NO_COLOR` is set, or forced by `CLICOLOR_FORCE`.
    pub fn from_process() -> Environment {
        let variables: BTreeMap<String, String> = std::env::vars().collect();
        let ci = variables.get("CI").is_some_and(|value| is_true(value));
        let no_color = variables.get("NO_COLOR").is_some_and(|value| !value.is_empty());
        let forced = variables.get("CLICOLOR_FORCE").is_some_and(|value| is_true(value));
        let color = !no_color && (forced || std::io::stdout().is_terminal());
        Environment { ci, color, variables }
    }

    /// An environment with no variables, not CI, no colour: what tests and benchmarks run in.
    pub fn isolated() -> Environment {
        Environment::default()
    }

    /// A variable's value.
    pub fn variable(&self, name: &str) -> Option<&str> {
        self.variables.get(name).map(String::as_str)
    }
}

fn is_true(value: &str) -> bool {
    !matches!(value.trim().to_ascii_lowercase().as_str(), "" | "0" | "false")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_means_set_to_something_true() {
        for (value, ci) in [("true", true), ("1", true), ("yes", true), ("", false), ("0", false), ("FALSE", false)] {
            assert_eq!(is_true(value), ci, "CI={value}");
        }
    }
}
