//! A run as a whole: collected from the events, returned by the runner, read by the report writers.

use std::sync::Arc;

use super::conformance::Conformance;
use super::event::Event;
use super::result::CaseResult;
use super::summary::RunSummary;

/// A whole run as data, collected from its events: what the runner returns and what every report
/// file is written from.
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    /// The target's name.
    pub target: String,
    /// The target's URL.
    pub target_url: String,
    /// Cases run at once.
    pub jobs: usize,
    /// `K/N` when the run was one shard.
    pub shard: Option<String>,
    /// When the run started.
    pub started_at: Option<jiff::Timestamp>,
    /// What the runner assumed or learnt about the target.
    pub notes: Vec<String>,
    /// Every finished case, in the order they finished.
    pub cases: Vec<Arc<CaseResult>>,
    /// The totals.
    pub summary: RunSummary,
    /// The per-clause verdicts.
    pub conformance: Option<Arc<Conformance>>,
}

impl RunRecord {
    /// Takes in an event.
    pub fn on_event(&mut self, event: &Event) {
        match event {
            Event::RunStarted { target, target_url, jobs, notes, .. } => {
                self.target = target.clone();
                self.target_url = target_url.clone();
                self.jobs = *jobs;
                self.notes.clone_from(notes);
                self.started_at = Some(jiff::Timestamp::now());
            }
            Event::CaseFinished(case) => self.cases.push(Arc::clone(case)),
            Event::RunFinished { summary, conformance } => {
                self.summary = summary.clone();
                self.conformance = conformance.clone();
            }
            Event::CaseStarted { .. } | Event::StepFinished { .. } => {}
        }
    }

    /// The cases sorted by id (file path, then API), so that reports are stable.
    pub fn sorted_cases(&self) -> Vec<&CaseResult> {
        let mut cases: Vec<&CaseResult> = self.cases.iter().map(Arc::as_ref).collect();
        cases.sort_by(|a, b| a.id.cmp(&b.id));
        cases
    }
}
