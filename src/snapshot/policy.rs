//! Which exchanges a run snapshots, and what a change means: per target in `paycheck.toml`
//! (`snapshots`, `snapshot_changes`, `snapshot_redact`), overridden per run with `--snapshots`.
//!
//! Defaults: `all` for the embedded target and for named targets, whose baselines live in the
//! user's repository (`snapshots/<target>/`) and are the regression gate; `opt-in` for a target
//! given as a URL, an ad-hoc run with no baseline of its own (only the steps that ask for a
//! snapshot take one). Changes fail the run unless the target says `snapshot_changes = "warn"`.

use crate::suite::case::Redaction;
use crate::suite::config::TargetConfig;
use crate::suite::diagnostic::{Diagnostic, Diagnostics};
use crate::suite::schema_registry::SchemaRegistry;

use super::volatile::VolatileFields;

/// Which exchanges a run snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotPolicy {
    /// None: nothing is rendered, compared or written.
    Off,
    /// The steps whose case or step says `snapshot:`.
    OptIn,
    /// Every exchange of every step: each response, and each callback awaited.
    All,
}

impl SnapshotPolicy {
    /// Reads `off`, `opt-in` or `all`.
    pub fn parse(text: &str) -> Result<SnapshotPolicy, String> {
        match text.trim() {
            "off" => Ok(SnapshotPolicy::Off),
            "opt-in" => Ok(SnapshotPolicy::OptIn),
            "all" => Ok(SnapshotPolicy::All),
            other => Err(format!("`{other}` is not a snapshot policy: `off`, `opt-in` or `all`")),
        }
    }

    /// The name as written in `paycheck.toml` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SnapshotPolicy::Off => "off",
            SnapshotPolicy::OptIn => "opt-in",
            SnapshotPolicy::All => "all",
        }
    }

    /// The default for a target: `opt-in` for a target given as a URL, `all` otherwise.
    pub fn default_for(target_name: &str) -> SnapshotPolicy {
        if target_name.starts_with("http://") || target_name.starts_with("https://") {
            SnapshotPolicy::OptIn
        } else {
            SnapshotPolicy::All
        }
    }
}

/// What a changed, new or vanished exchange means for the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ChangePolicy {
    /// It fails its step and the run (exit 1).
    #[default]
    Fail,
    /// It is reported as a warning; the exit code is unaffected.
    Warn,
}

impl ChangePolicy {
    /// Reads `fail` or `warn`.
    pub fn parse(text: &str) -> Result<ChangePolicy, String> {
        match text.trim() {
            "fail" => Ok(ChangePolicy::Fail),
            "warn" => Ok(ChangePolicy::Warn),
            other => Err(format!("`{other}` is not a snapshot change policy: `fail` or `warn`")),
        }
    }

    /// The name as written in `paycheck.toml`.
    pub fn name(self) -> &'static str {
        match self {
            ChangePolicy::Fail => "fail",
            ChangePolicy::Warn => "warn",
        }
    }
}

/// A target's snapshot settings, resolved: the policy in force, what changes mean, and the
/// target's own redactions (applied to every snapshot of the target, after the schemas' and the
/// case's).
#[derive(Debug, Clone)]
pub struct SnapshotSettings {
    /// Which exchanges are snapshotted.
    pub policy: SnapshotPolicy,
    /// What a change means.
    pub changes: ChangePolicy,
    /// JSONPath queries → placeholders.
    pub redactions: Vec<Redaction>,
    /// Field names the suite's schemas mark volatile everywhere (see [`super::volatile`]).
    pub volatile_fields: VolatileFields,
}

impl Default for SnapshotSettings {
    fn default() -> SnapshotSettings {
        SnapshotSettings {
            policy: SnapshotPolicy::OptIn,
            changes: ChangePolicy::Fail,
            redactions: Vec::new(),
            volatile_fields: VolatileFields::default(),
        }
    }
}

impl SnapshotSettings {
    /// A target's settings: its `paycheck.toml` entry (if any), then `--snapshots` (`asked`).
    pub fn for_target(
        name: &str,
        config: Option<&TargetConfig>,
        asked: Option<SnapshotPolicy>,
    ) -> Result<SnapshotSettings, Diagnostics> {
        let mut diagnostics = Diagnostics::default();
        let mut settings =
            SnapshotSettings { policy: SnapshotPolicy::default_for(name), ..SnapshotSettings::default() };
        if let Some(config) = config {
            let context = format!("target `{name}`");
            if let Some(text) = &config.snapshots {
                match SnapshotPolicy::parse(text) {
                    Ok(policy) => settings.policy = policy,
                    Err(message) => diagnostics.push(Diagnostic::general(format!("{context}: `snapshots`: {message}"))),
                }
            }
            if let Some(text) = &config.snapshot_changes {
                match ChangePolicy::parse(text) {
                    Ok(changes) => settings.changes = changes,
                    Err(message) => {
                        diagnostics.push(Diagnostic::general(format!("{context}: `snapshot_changes`: {message}")))
                    }
                }
            }
            for (query, placeholder) in &config.snapshot_redact {
                match redaction(query, placeholder) {
                    Ok(redaction) => settings.redactions.push(redaction),
                    Err(message) => {
                        diagnostics.push(Diagnostic::general(format!("{context}: `snapshot_redact`: {message}")))
                    }
                }
            }
        }
        if let Some(policy) = asked {
            settings.policy = policy;
        }
        if diagnostics.is_empty() { Ok(settings) } else { Err(diagnostics) }
    }

    /// The same settings, with the volatile field names of the suite's schemas.
    pub fn with_schemas(mut self, registry: &SchemaRegistry) -> SnapshotSettings {
        self.volatile_fields = VolatileFields::of_registry(registry);
        self
    }
}

fn redaction(query: &str, placeholder: &str) -> Result<Redaction, String> {
    const MAX_QUERY: usize = 1024;
    if query.len() > MAX_QUERY {
        return Err(format!("a query is at most {MAX_QUERY} bytes"));
    }
    let path = serde_json_path::JsonPath::parse(query)
        .map_err(|error| format!("`{query}` is not a JSONPath query ({error}); queries start with `$`"))?;
    let name = placeholder.trim().trim_start_matches('[').trim_end_matches(']');
    if !super::name::is_placeholder_name(name) {
        return Err(format!(
            "invalid placeholder `{placeholder}` for `{query}`: letters, digits, `_`, `-` or `.`, such as `terminal`"
        ));
    }
    Ok(Redaction { source: query.to_string(), path, placeholder: name.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_defaults_follow_the_kind_of_target() {
        for policy in [SnapshotPolicy::Off, SnapshotPolicy::OptIn, SnapshotPolicy::All] {
            assert_eq!(SnapshotPolicy::parse(policy.name()), Ok(policy));
        }
        assert!(SnapshotPolicy::parse("some").unwrap_err().contains("`off`, `opt-in` or `all`"));
        assert_eq!(SnapshotPolicy::default_for("embedded"), SnapshotPolicy::All);
        assert_eq!(SnapshotPolicy::default_for("uat"), SnapshotPolicy::All);
        assert_eq!(SnapshotPolicy::default_for("http://127.0.0.1:8080"), SnapshotPolicy::OptIn);
        assert_eq!(ChangePolicy::parse("warn"), Ok(ChangePolicy::Warn));
        assert!(ChangePolicy::parse("ignore").is_err());
    }
}
