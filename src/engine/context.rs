//! What every case of a run shares: the client, the target, its clock, the masker, the events.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::mpsc::UnboundedSender;

use crate::report::Event;
use crate::secret::Masker;
use crate::snapshot::SnapshotSession;
use crate::suite::clauses::ClauseCatalogue;
use crate::suite::target::Target;
use crate::template::Scope;

use super::callbacks::CallbackSettings;
use super::clock::TargetClock;

/// Shared by every case of a run.
pub struct RunContext {
    /// The one HTTP client (one connection pool).
    pub client: reqwest::Client,
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
    /// The clauses the run is judged against.
    pub clauses: Option<Arc<ClauseCatalogue>>,
    /// Where snapshots are compared and written.
    pub snapshots: SnapshotSession,
    /// Where the callback listener listens, when a case needs it (loopback, ephemeral port, by default).
    pub callbacks: CallbackSettings,
}

impl RunContext {
    /// Builds the shared context; the scope holds the target's namespaces, `env` and `run`.
    pub fn new(
        client: reqwest::Client,
        target: Arc<Target>,
        clock: TargetClock,
        timeout: Duration,
        events: EventSink,
    ) -> RunContext {
        let masker = Masker::new(target.secret_values());
        let mut base_scope = Scope::default();
        for (name, value) in target.namespaces() {
            base_scope.set(name, value);
        }
        let environment: Map<String, Value> =
            std::env::vars().map(|(name, value)| (name, Value::String(value))).collect();
        base_scope.set("env", Value::Object(environment));
        base_scope.set("run", json!({ "id": uuid::Uuid::new_v4().to_string() }));
        RunContext {
            client,
            target,
            clock,
            masker,
            timeout,
            max_response_bytes: super::http::DEFAULT_MAX_RESPONSE_BYTES,
            base_scope,
            events,
            clauses: None,
            snapshots: SnapshotSession::default(),
            callbacks: CallbackSettings::default(),
        }
    }
}

/// Sends events to the reporters; a run without reporters simply drops them.
#[derive(Clone, Default)]
pub struct EventSink {
    sender: Option<UnboundedSender<Event>>,
}

impl EventSink {
    /// A sink feeding a channel.
    pub fn new(sender: UnboundedSender<Event>) -> EventSink {
        EventSink { sender: Some(sender) }
    }

    /// A sink that drops everything (benchmarks, embedding).
    pub fn discard() -> EventSink {
        EventSink { sender: None }
    }

    /// Emits an event.
    pub fn emit(&self, event: Event) {
        if let Some(sender) = &self.sender {
            let _ = sender.send(event);
        }
    }
}
