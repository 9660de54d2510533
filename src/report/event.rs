//! The events the engine emits while it runs; reporters consume them and never make requests.

use std::sync::Arc;

use super::conformance::Conformance;
use super::result::{CaseResult, RunSummary, StepResult};

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

/// A consumer of events: the terminal display, the JUnit writer, the JSON writer.
pub trait Reporter: Send {
    /// Called for every event, in order.
    fn on_event(&mut self, event: &Event);

    /// Called once after the last event, to write files; errors are reported, not fatal.
    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}
