//! What every case of a run shares: the client, the target, its clock, the masker, the events.
//! The runner builds it; the engine only reads it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::baseline::Baseline;
use crate::outcome::EventSink;
use crate::secret::Masker;
use crate::snapshot::SnapshotSession;
use crate::suite::target::Target;
use crate::template::Scope;
use crate::template::cache::SourceCache;

use super::callbacks::CallbackSettings;
use super::clock::TargetClock;
use super::verdict::{Rules, Strictness};

/// Shared by every case of a run.
pub struct RunContext {
    /// The one HTTP client (one connection pool).
    pub client: reqwest::Client,
    /// The request URLs parsed so far: a suite requests the same few URLs again and again, and
    /// parsing one (its host above all) cost a tenth of what the client spends on a request.
    pub urls: SourceCache<url::Url>,
    /// Where requests go.
    pub target: Arc<Target>,
    /// How `wait` steps let time pass.
    pub clock: TargetClock,
    /// Masks secrets in everything recorded.
    pub masker: Masker,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The largest response body read, decompressed, in bytes (a larger one fails its step).
    pub max_response_bytes: usize,
    /// The namespaces every case starts with.
    pub base_scope: Scope,
    /// Where events go.
    pub events: EventSink,
    /// Where snapshots are compared and written.
    pub snapshots: SnapshotSession,
    /// Where the callback listener listens, when a case needs it (loopback, ephemeral port, by default).
    pub callbacks: CallbackSettings,
    /// How `reference` clauses are judged.
    pub strictness: Strictness,
    /// Known deviations: failures listed here make their case known (XFAIL), not failed.
    pub baseline: Option<Arc<Baseline>>,
    /// The target is a strict gateway (see `RunOptions::strict_target`).
    pub strict_target: bool,
}

impl RunContext {
    /// What judging a step's checks needs.
    pub fn rules(&self) -> Rules<'_> {
        Rules { strictness: self.strictness, capabilities: &self.target.capabilities }
    }
}

/// The names every case's templates start with: the target's namespaces (`merchant`, `cards`,
/// `secret`, ...), `env` (the variables the runner was given) and `run` (the run's id).
pub fn base_scope(target: &Target, variables: &BTreeMap<String, String>) -> Scope {
    let mut scope = Scope::default();
    for (name, value) in target.namespaces() {
        scope.set(name, value);
    }
    let environment: Map<String, Value> =
        variables.iter().map(|(name, value)| (name.clone(), Value::String(value.clone()))).collect();
    scope.set("env", Value::Object(environment));
    scope.set("run", json!({ "id": uuid::Uuid::new_v4().to_string() }));
    scope
}
