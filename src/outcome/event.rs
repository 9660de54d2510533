//! The events the engine emits while it runs, and the sink they go through; reporters consume
//! them and never make requests.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::conformance::Conformance;
use super::result::{CaseResult, StepResult};
use super::summary::RunSummary;

/// Something that happened during a run.
#[derive(Debug, Clone)]
pub enum Event {
    /// The run is about to start.
    RunStarted {
        /// The target's name.
        target: String,
        /// Where it is (its root URL or first API base).
        target_url: String,
        /// How many case runs are planned (skipped ones included).
        cases: usize,
        /// How many run at once.
        jobs: usize,
        /// What the runner assumed or learnt about the target (capabilities, clock), for the header.
        notes: Vec<String>,
    },
    /// A case run started.
    CaseStarted {
        /// The case run's id.
        id: String,
    },
    /// A step finished.
    StepFinished {
        /// The case run's id.
        case_id: String,
        /// The step's result.
        step: Arc<StepResult>,
    },
    /// A case run finished.
    CaseFinished(Arc<CaseResult>),
    /// The run finished.
    RunFinished {
        /// The totals.
        summary: RunSummary,
        /// The per-clause verdicts (when the suite has a clause catalogue).
        conformance: Option<Arc<Conformance>>,
    },
}

/// Where the engine sends events; a run without reporters simply drops them.
#[derive(Clone, Default)]
pub struct EventSink {
    sender: Option<UnboundedSender<Event>>,
}

impl EventSink {
    /// A sink feeding a channel.
    pub fn new(sender: UnboundedSender<Event>) -> EventSink {
        EventSink { sender: Some(sender) }
    }

    /// A sink that drops everything.
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
