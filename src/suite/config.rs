//! `paycheck.toml`: where the suite lives and the named targets it can run against.
//!
//! ```toml
//! [targets.uat]
//! url = "https://uat.example.com"        # the gateway's root: router at /v1, bank at /payment/rest
//! apis = ["router"]                       # what the target offers (default: every API)
//! clock = "real"                          # auto (probe /_paycheck/clock), manual or real
//! [targets.uat.base_urls]                 # per-API base URL, overriding url + default path
//! router = "https://api.uat.example.com/v1"
//! [targets.uat.merchants.main]
//! user = "test_user"
//! password = { env = "PAYCHECK_UAT_PASSWORD" }   # secrets only ever come from the environment
//! [targets.uat.cards.success]
//! pan = "4111111111111111"
//! expiry = "203012"
//! cvc = "123"
//! holder = "TEST CARDHOLDER"
//! [targets.uat.secrets]
//! callback_token = { env = "PAYCHECK_UAT_CALLBACK_TOKEN" }
//! [targets.uat.settings]                  # free values, available to cases as target.settings.*
//! currency = "643"
//! [targets.uat.capabilities]              # optional behaviours of spec 8.2 the target offers
//! status_version = 12
//! callbacks = true
//! ```
//!
//! Snapshots (see `snapshot::policy`), at the target's top level:
//!
//! ```toml
//! [targets.uat]
//! snapshots = "all"                       # off | opt-in | all (default: all; opt-in for a URL)
//! snapshot_changes = "warn"               # fail (default) | warn
//! snapshot_redact = { "$.bankInfo.terminalId" = "terminal" }   # JSONPath → placeholder
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Deserialize;

use super::diagnostic::{Diagnostic, Diagnostics};
use super::source::{SourceFile, SourceSpan};
use super::suggest;

/// The configuration file's name, looked for in the current folder and its ancestors.
pub const FILE_NAME: &str = "paycheck.toml";

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the suite's parts are, relative to the file.
    #[serde(default)]
    pub suite: SuiteLayout,
    /// Named targets.
    #[serde(default)]
    pub targets: IndexMap<String, TargetConfig>,
}

/// Where the suite's parts are.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuiteLayout {
    /// The folder of cases `paycheck run` uses when no path is given.
    pub cases: PathBuf,
    /// The folder of JSON Schemas.
    pub schemas: PathBuf,
    /// The clause catalogue.
    pub clauses: PathBuf,
    /// Run the built-in suite beside the project's: its cases with the project's, its schemas
    /// and clauses under the project's (which add to them).
    pub builtin: bool,
}

impl Default for SuiteLayout {
    fn default() -> Self {
        SuiteLayout { cases: "cases".into(), schemas: "schemas".into(), clauses: "clauses.yaml".into(), builtin: false }
    }
}

/// A named target.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// The gateway's root URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Per-API base URLs.
    #[serde(default)]
    pub base_urls: IndexMap<String, String>,
    /// The APIs the target offers; every API when omitted.
    #[serde(default)]
    pub apis: Option<Vec<String>>,
    /// `auto`, `manual` or `real`.
    #[serde(default)]
    pub clock: Option<String>,
    /// Merchants by role (`main`, `second`, ...).
    #[serde(default)]
    pub merchants: IndexMap<String, IndexMap<String, FieldValue>>,
    /// Test cards by role (`success`, `decline`, ...).
    #[serde(default)]
    pub cards: IndexMap<String, IndexMap<String, String>>,
    /// Secrets by name.
    #[serde(default)]
    pub secrets: IndexMap<String, EnvRef>,
    /// Free values.
    #[serde(default)]
    pub settings: toml::Table,
    /// The optional behaviours of spec 8.2 the target offers (none when the table is absent).
    #[serde(default)]
    pub capabilities: Option<CapabilitiesConfig>,
    /// Which exchanges are snapshotted: `off`, `opt-in` or `all` (default: `all`; see
    /// `snapshot::policy`).
    #[serde(default)]
    pub snapshots: Option<String>,
    /// What a changed, new or vanished snapshot means: `fail` (the default) or `warn`.
    #[serde(default)]
    pub snapshot_changes: Option<String>,
    /// The target's own volatile values: JSONPath query → placeholder, in every snapshot.
    #[serde(default)]
    pub snapshot_redact: IndexMap<String, String>,
}

/// `[targets.NAME.capabilities]`: what the target offers among the optional behaviours (spec 8.2).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapabilitiesConfig {
    /// The getOrderStatusExtended version the merchant is configured for (§2.5: 10 adds
    /// `depositedDate`, 12 `refundedDate`/`reversedDate`, 21 `externalRefundId`).
    #[serde(default)]
    pub status_version: Option<u32>,
    /// v1 callbacks (§2.11).
    #[serde(default)]
    pub callbacks: bool,
    /// `token` authentication (§1.2).
    #[serde(default)]
    pub token_auth: bool,
    /// A partial `reverse.do` (§2.8).
    #[serde(default)]
    pub partial_reversal: bool,
    /// Capture over the hold (A10).
    #[serde(default)]
    pub over_capture: bool,
    /// 3-D Secure steps.
    #[serde(default)]
    pub three_ds: bool,
    /// The Alfa Pay page.
    #[serde(default)]
    pub alfa_pay: bool,
    /// Child merchants through `merchantLogin`.
    #[serde(default)]
    pub child_merchants: bool,
}

/// The fields a merchant table may have.
pub const MERCHANT_FIELDS: &[&str] = &["user", "password", "token", "callback_token", "project_id", "secret_key"];
/// The fields a card table may have.
pub const CARD_FIELDS: &[&str] = &["pan", "expiry", "cvc", "holder"];

/// A configuration value: literal text, or a reference to an environment variable.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// Text written in the file.
    Literal(String),
    /// `{ env = "NAME" }`.
    Env(EnvRef),
}

/// `{ env = "NAME" }`: the value of an environment variable, read when the target is resolved.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvRef {
    /// The variable's name.
    pub env: String,
}

/// A loaded configuration and the folder it was found in (the suite root).
pub struct LoadedConfig {
    /// The parsed file (defaults when there is none).
    pub config: Config,
    /// The folder paths in the file are relative to.
    pub root: PathBuf,
    /// The file, when one was found.
    pub path: Option<PathBuf>,
}

impl LoadedConfig {
    /// The folder of cases.
    pub fn cases_dir(&self) -> PathBuf {
        self.relative(&self.config.suite.cases)
    }

    /// The folder of schemas.
    pub fn schemas_dir(&self) -> PathBuf {
        self.relative(&self.config.suite.schemas)
    }

    /// The clause catalogue.
    pub fn clauses_path(&self) -> PathBuf {
        self.relative(&self.config.suite.clauses)
    }

    fn relative(&self, path: &Path) -> PathBuf {
        if path.is_absolute() || self.root == Path::new(".") { path.to_path_buf() } else { self.root.join(path) }
    }
}

/// Loads the configuration: the given file, or `paycheck.toml` in the current folder or an ancestor.
pub fn load(explicit: Option<&Path>) -> Result<LoadedConfig, Diagnostics> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => find_upwards(),
    };
    let Some(path) = path else {
        return Ok(LoadedConfig { config: Config::default(), root: PathBuf::from("."), path: None });
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|error| Diagnostic::in_file(path.display(), format!("cannot read the configuration: {error}")))?;
    let file = SourceFile::new(&path, text);
    let config: Config = toml::from_str(&file.text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        let mut diagnostic = Diagnostic::at(SourceSpan::new(&file, span), "invalid configuration")
            .with_label(error.message().to_string());
        if let Some(help) = unknown_key_help(error.message()) {
            diagnostic = diagnostic.with_help(help);
        }
        diagnostic
    })?;
    let root = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(LoadedConfig { config, root, path: Some(path) })
}

fn find_upwards() -> Option<PathBuf> {
    let current = std::env::current_dir().ok()?;
    for dir in current.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            let relative = candidate.strip_prefix(&current).map(Path::to_path_buf).unwrap_or(candidate);
            return Some(relative);
        }
    }
    None
}

/// "did you mean" for serde's "unknown field `x`, expected one of `a`, `b`" messages.
fn unknown_key_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> =
        expected.split('`').enumerate().filter(|(index, _)| index % 2 == 1).map(|(_, name)| name).collect();
    suggest::did_you_mean(field, candidates.iter().copied())
}

/// The configuration file as a source, for diagnostics raised after parsing.
pub fn source_of(loaded: &LoadedConfig) -> Option<Arc<SourceFile>> {
    let path = loaded.path.as_ref()?;
    let text = std::fs::read_to_string(path).ok()?;
    Some(SourceFile::new(path, text))
}
