//! The engine: runs planned cases concurrently against a target and emits events. It never
//! formats text for people; reporters do.
//!
//! Cases are tokio tasks, at most `jobs` at once, sharing one connection pool; the steps of a case
//! run in order. Waiting and polling hold no thread. When the target's clock is manual, a case
//! that waits advances it, so such a case runs alone: others see no jump in time mid-case.

mod await_callback;
pub mod callbacks;
mod case_run;
mod checks;
pub mod clock;
mod concurrent_step;
pub mod context;
pub mod credentials;
pub mod encode;
mod followups;
pub mod http;
pub mod plan;
pub mod requirements;
pub mod shard;
mod sign;
mod snapshot_step;
mod step;
pub mod verdict;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{RwLock, Semaphore};
use tokio::task::JoinSet;

use crate::outcome::Event;
use crate::outcome::{CaseResult, Outcome, RunSummary, UnmatchedCallback};

use callbacks::CallbackListener;
use case_run::CallbackHub;

pub use context::RunContext;
pub use plan::CaseRun;

/// The default number of cases run at once.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(4, |cores| cores.get() * 4).clamp(4, 64)
}

/// The default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs every planned case and returns the totals and the results in plan order. It emits the
/// events of cases and steps; the run's own start and end are the runner's.
pub async fn run(context: Arc<RunContext>, runs: Vec<CaseRun>, jobs: usize) -> (RunSummary, Vec<Arc<CaseResult>>) {
    let started = Instant::now();
    let needs_callbacks = runs.iter().any(|run| run.skip.is_none() && run.case.uses_callbacks);
    let callbacks = Arc::new(if needs_callbacks {
        match CallbackListener::start(&context.callbacks).await {
            Ok(listener) => CallbackHub::Listening(listener),
            Err(reason) => CallbackHub::Failed(reason),
        }
    } else {
        CallbackHub::NotNeeded
    });
    let permits = Arc::new(Semaphore::new(jobs.max(1)));
    let clock_lock = Arc::new(RwLock::new(()));
    let mut tasks = JoinSet::new();
    let mut results: Vec<Option<Arc<CaseResult>>> = vec![None; runs.len()];
    for (index, run) in runs.iter().cloned().enumerate() {
        let context = Arc::clone(&context);
        let permits = Arc::clone(&permits);
        let clock_lock = Arc::clone(&clock_lock);
        let callbacks = Arc::clone(&callbacks);
        tasks.spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return (index, None);
            };
            let exclusive = context.clock.is_manual() && run.case.waits() && run.skip.is_none();
            let result = if exclusive {
                let _guard = clock_lock.write().await;
                case_run::run_case(&context, &run, &callbacks).await
            } else {
                let _guard = clock_lock.read().await;
                case_run::run_case(&context, &run, &callbacks).await
            };
            let result = Arc::new(result);
            context.events.emit(Event::CaseFinished(Arc::clone(&result)));
            (index, Some(result))
        });
    }
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, Some(result))) = joined {
            results[index] = Some(result);
        }
    }
    let mut summary = RunSummary::default();
    let results: Vec<Arc<CaseResult>> = results
        .into_iter()
        .zip(&runs)
        .map(|(result, run)| {
            result.unwrap_or_else(|| {
                let crashed = Arc::new(CaseResult {
                    id: run.id.clone(),
                    name: run.case.name.clone(),
                    path: run.case.path(),
                    api: run.api,
                    tags: run.case.tags.clone(),
                    covers: run.case.covers.clone(),
                    outcome: Outcome::Errored { reason: "internal error: the case's task stopped unexpectedly".into() },
                    warnings: 0,
                    steps: Vec::new(),
                    duration: Duration::ZERO,
                });
                context.events.emit(Event::CaseFinished(Arc::clone(&crashed)));
                crashed
            })
        })
        .collect();
    for result in &results {
        summary.record(&result.outcome);
        summary.snapshots.record(result);
    }
    if let CallbackHub::Listening(listener) = callbacks.as_ref() {
        summary.unmatched_callbacks = unmatched(&context, listener);
        listener.shutdown().await;
    }
    summary.duration = started.elapsed();
    (summary, results)
}

/// The callbacks no step took, masked, for the summary.
fn unmatched(context: &RunContext, listener: &CallbackListener) -> Vec<UnmatchedCallback> {
    listener
        .inbox()
        .drain()
        .iter()
        .map(|callback| {
            let content = match &callback.payload {
                callbacks::Payload::Json(_) => String::from_utf8_lossy(&callback.body).into_owned(),
                callbacks::Payload::Params(_) => callback.json().to_string(),
            };
            UnmatchedCallback {
                received: context.masker.mask(&callback.describe()),
                content: context.masker.mask_prefix(&content, UnmatchedCallback::KEPT_BYTES),
            }
        })
        .collect()
}
