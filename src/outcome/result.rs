//! What running a case produced, as data. The engine fills these in; every reporter renders them
//! its own way. Secrets are already masked in everything here.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use crate::check::schema::Violation;

use super::diff::Diff;
use crate::suite::api::Api;
use crate::suite::clauses::ClauseRef;

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    /// Every step passed.
    Passed,
    /// A step found the target not doing what the suite says.
    Failed,
    /// It failed, but every failure is a known deviation listed in the run's baseline (XFAIL).
    Known,
    /// The case did not run (the target does not offer its API, say).
    Skipped {
        /// Why.
        reason: String,
    },
    /// The target could not be reached while the case ran: infrastructure, not a contract failure.
    Errored {
        /// What happened.
        reason: String,
    },
}

impl Outcome {
    /// A short word for terminal output.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Passed => "PASS",
            Outcome::Failed => "FAIL",
            Outcome::Known => "XFAIL",
            Outcome::Skipped { .. } => "SKIP",
            Outcome::Errored { .. } => "ERROR",
        }
    }
}

/// One run of one case on one API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseResult {
    /// Unique in the run: `path [api]`.
    pub id: String,
    /// The case's name.
    pub name: String,
    /// The case file.
    pub path: String,
    /// The API this run was on.
    pub api: Api,
    /// The case's tags.
    pub tags: Vec<String>,
    /// Clause ids the case covers.
    pub covers: Vec<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Checks that differ from the reference gateway on points the sources leave open.
    pub warnings: usize,
    /// Each step that ran (and the ones that did not, as skipped); shared with the step events.
    pub steps: Vec<std::sync::Arc<StepResult>>,
    /// Wall time.
    #[serde(rename = "duration_ms", serialize_with = "as_millis", deserialize_with = "from_millis")]
    pub duration: Duration,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// Every check held.
    Passed,
    /// A check failed, or the response was unusable.
    Failed,
    /// The target could not be reached.
    Errored,
    /// Not run: the step is for another API, or the target lacks a capability it needs.
    Skipped,
    /// Not run: it reads a value an earlier step failed to capture.
    Blocked,
}

/// One step of a case run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepResult {
    /// Position in the case, from 1.
    pub number: usize,
    /// The step's name.
    pub name: String,
    /// `file:line:column` of the step.
    pub position: String,
    /// How it ended.
    pub status: StepStatus,
    /// The last request sent (masked).
    pub request: Option<RequestRecord>,
    /// The last response received (masked).
    pub response: Option<ResponseRecord>,
    /// Every check made, passed or not.
    pub checks: Vec<CheckResult>,
    /// The clauses the step verifies (so that a blocked or skipped step names what it left unverified).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clauses: Vec<ClauseRef>,
    /// A failure that is not a check: no response, a body that is not JSON, a template error.
    pub error: Option<String>,
    /// How many requests were sent (more than one when polling).
    pub attempts: u32,
    /// The step's snapshot, when it takes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotRecord>,
    /// Wall time.
    #[serde(rename = "duration_ms", serialize_with = "as_millis", deserialize_with = "from_millis")]
    pub duration: Duration,
}

/// A step's snapshot: the text and how it compared.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotRecord {
    /// Its name: the file's path inside `snapshots/<target>/`.
    pub name: String,
    /// The accepted file, when the run compares snapshots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The pending `.snap.new` file written, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
    /// How it compared.
    pub status: SnapshotStatus,
    /// The snapshot's text (normalised, volatile values replaced, secrets masked).
    pub text: String,
    /// When it changed: the fields that differ from the accepted one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<super::changes::FieldChange>,
}

/// How a snapshot compared with the accepted one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapshotStatus {
    /// The same as the accepted one.
    Matched,
    /// No accepted snapshot yet: written as pending.
    New,
    /// Differs from the accepted one: written as pending.
    Changed,
    /// Written as the accepted one (`--update-snapshots`).
    Updated,
    /// Rendered only, not compared (the `cargo test` harness compares with insta).
    Recorded,
}

impl StepResult {
    /// The checks that failed the step.
    pub fn failed_checks(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|check| check.fails())
    }

    /// The checks that did not hold but only warn.
    pub fn warnings(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|check| check.warns())
    }
}

/// A request as sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Full URL, query included.
    pub url: String,
    /// Headers sent.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: Option<String>,
}

/// A response as received.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResponseRecord {
    /// HTTP status code.
    pub status: u16,
    /// Headers received.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), cut at [`ResponseRecord::KEPT_BYTES`].
    pub body: String,
    /// The body's real length in bytes.
    pub body_length: usize,
}

impl ResponseRecord {
    /// How much of a body is kept in results.
    pub const KEPT_BYTES: usize = 64 * 1024;
}

/// What a check looked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    /// The HTTP status.
    Status,
    /// Conformance to a JSON Schema.
    Schema,
    /// A JSONPath expectation.
    Json,
    /// A response header.
    Header,
    /// The body as text.
    Text,
    /// A value to capture.
    Capture,
    /// The conditions of a poll.
    Poll,
    /// The response against its accepted snapshot.
    Snapshot,
    /// The signature of an awaited callback.
    Signature,
}

/// One check and its verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    /// What kind of check.
    pub kind: CheckKind,
    /// What it looked at: `status`, a schema name, a JSONPath, a header name, a capture name.
    pub subject: String,
    /// Whether it held.
    pub passed: bool,
    /// What was wanted.
    pub expected: String,
    /// What was there.
    pub actual: String,
    /// `file:line:column` of the expectation in the case.
    pub position: Option<String>,
    /// For schema checks: every violation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    /// For snapshot checks: the diff from the accepted snapshot to this run's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<Diff>,
    /// The clauses this check verifies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clauses: Vec<ClauseRef>,
    /// What it means when the check does not hold.
    pub severity: Severity,
    /// Why the check was not made (the target does not declare a capability it needs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// What a check that does not hold means for the target (spec 8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// It breaks the contract: the step fails.
    Failure,
    /// It differs from the reference gateway where the sources leave the point open: a warning,
    /// unless the run asks for reference strictness.
    Warning,
}

impl CheckResult {
    /// A check whose failure fails its step, without a position, violations, a diff, clauses or
    /// a reason it was skipped (set those with `CheckResult { position, ..CheckResult::new(..) }`).
    pub fn new(
        kind: CheckKind,
        subject: impl Into<String>,
        passed: bool,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> CheckResult {
        CheckResult {
            kind,
            subject: subject.into(),
            passed,
            expected: expected.into(),
            actual: actual.into(),
            position: None,
            violations: Vec::new(),
            diff: None,
            clauses: Vec::new(),
            severity: Severity::Failure,
            skipped: None,
        }
    }

    /// True when the check was made, did not hold, and that fails its step.
    pub fn fails(&self) -> bool {
        !self.passed && self.skipped.is_none() && self.severity == Severity::Failure
    }

    /// True when the check was made, did not hold, and that is a warning.
    pub fn warns(&self) -> bool {
        !self.passed && self.skipped.is_none() && self.severity == Severity::Warning
    }
}

/// Reads a duration written by [`as_millis`] (a report being merged); a negative or non-finite
/// value reads as zero.
pub(crate) fn from_millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let millis = f64::deserialize(deserializer)?;
    Ok(Duration::try_from_secs_f64(millis / 1000.0).unwrap_or_default())
}

/// Serialises a duration as milliseconds (a float), as every report shows durations.
pub(crate) fn as_millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64() * 1000.0)
}
