//! Running one case on one API: variables, then the steps in order. A failed step does not stop
//! the case: a later step that reads a value the failed step did not capture is blocked, the
//! others run. An infrastructure error (the target unreachable) stops it.

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;

use crate::outcome::Event;
use crate::outcome::{CaseResult, Outcome, StepResult, StepStatus};
use crate::suite::case::Action;
use crate::template::Scope;

use super::await_callback;
use super::callbacks::CallbackListener;
use super::context::RunContext;
use super::followups::{CaseInRun, Concluded};
use super::plan::CaseRun;
use super::snapshot_step::{CaseSnapshots, HeldSnapshot};
use super::step;
use super::verdict;

/// The run's callback listener, as a case sees it.
#[derive(Debug)]
pub enum CallbackHub {
    /// No case of the run needs one.
    NotNeeded,
    /// Listening.
    Listening(CallbackListener),
    /// It could not start: why.
    Failed(String),
}

/// Runs a planned case and reports its steps as they finish.
pub async fn run_case(context: &RunContext, run: &CaseRun, callbacks: &CallbackHub) -> CaseResult {
    let started = Instant::now();
    let case = &run.case;
    let mut result = CaseResult {
        id: run.id.clone(),
        name: if run.repetition > 1 { format!("{} #{}", case.name, run.repetition) } else { case.name.clone() },
        path: case.path(),
        api: run.api,
        tags: case.tags.clone(),
        covers: case.covers.clone(),
        outcome: Outcome::Passed,
        warnings: 0,
        steps: Vec::new(),
        duration: Default::default(),
    };
    if let Some(reason) = &run.skip {
        result.outcome = Outcome::Skipped { reason: reason.clone() };
        return result;
    }
    context.events.emit(Event::CaseStarted { id: run.id.clone() });
    let mut scope = context.base_scope.clone();
    scope.set("api", json!({ "name": run.api.name(), "base": context.target.base_url(run.api) }));
    let listener = match callbacks {
        CallbackHub::Listening(listener) => Some(listener),
        _ => None,
    };
    if case.uses_callbacks {
        match (listener, callbacks) {
            (Some(listener), _) => scope.set("callback", json!({ "url": listener.url() })),
            (None, CallbackHub::Failed(reason)) => {
                result.outcome = Outcome::Errored { reason: reason.clone() };
                return result;
            }
            (None, _) => {
                result.outcome = Outcome::Errored { reason: "the run has no callback listener".into() };
                return result;
            }
        }
    }
    if let Err(message) = evaluate_vars(run, &mut scope) {
        result.outcome = Outcome::Failed;
        result.steps.push(Arc::new(StepResult {
            number: 0,
            name: "vars".into(),
            position: case.path(),
            status: StepStatus::Failed,
            request: None,
            response: None,
            checks: Vec::new(),
            clauses: Vec::new(),
            error: Some(context.masker.mask(&message)),
            attempts: 0,
            snapshot: None,
            duration: Default::default(),
        }));
    }
    let vars_failed = result.outcome != Outcome::Passed;
    let snapshots = CaseSnapshots::new(context, case, run.api);
    let in_run = CaseInRun { case, api: run.api, snapshots: &snapshots };
    let mut held_snapshot = None;
    for step in &case.steps {
        let clauses = verdict::clauses_of_step(case, step);
        let stopped = vars_failed || matches!(result.outcome, Outcome::Errored { .. });
        let mut held = HeldSnapshot::new(held_snapshot.take());
        let mut concluded = if stopped {
            Concluded::done(skipped(
                step,
                if vars_failed {
                    "the case's variables could not be evaluated"
                } else {
                    "the target could not be reached"
                },
            ))
        } else if !step.runs_on(run.api) {
            Concluded::done(skipped(step, "the step is for another API"))
        } else if let Some(reason) = verdict::missing_capability(&step.covers, &context.target.capabilities) {
            Concluded::done(skipped(step, &reason))
        } else if let Some(missing) = step.needs.iter().find(|name| !scope.contains(name)) {
            let mut blocked = skipped(step, &format!("it needs `{missing}`, which an earlier step failed to capture"));
            blocked.status = StepStatus::Blocked;
            Concluded::done(blocked)
        } else {
            match &step.action {
                Action::Exchange(exchange) => {
                    step::run_exchange(context, in_run, step, exchange, &mut scope, &mut held).await
                }
                Action::AwaitCallback(awaited) => {
                    if let Some(previous) = held.settle(context, &scope) {
                        record(context, &run.id, &mut result, previous);
                    }
                    Concluded::done(match listener {
                        Some(listener) => {
                            await_callback::run_await(context, listener, in_run, step, awaited, &mut scope).await
                        }
                        None => {
                            let mut result = skipped(step, "");
                            result.status = StepStatus::Errored;
                            result.error = Some("the run has no callback listener".into());
                            result
                        }
                    })
                }
                Action::Concurrent(group) => {
                    if let Some(previous) = held.settle(context, &scope) {
                        record(context, &run.id, &mut result, previous);
                    }
                    Concluded::done(super::concurrent_step::run_group(context, in_run, step, group, &mut scope).await)
                }
                Action::Wait(duration) => {
                    if let Some(previous) = held.settle(context, &scope) {
                        record(context, &run.id, &mut result, previous);
                    }
                    let waited = Instant::now();
                    let outcome = context.clock.pass(&context.client, *duration).await;
                    let mut result = skipped(step, "");
                    result.status = if outcome.is_ok() { StepStatus::Passed } else { StepStatus::Errored };
                    result.error = outcome.err();
                    result.duration = waited.elapsed();
                    Concluded::done(result)
                }
            }
        };
        if let Some(previous) = held.settle(context, &scope) {
            record(context, &run.id, &mut result, previous);
        }
        concluded.result.clauses = clauses;
        if concluded.snapshot.is_some() {
            held_snapshot = Some(concluded);
        } else {
            record(context, &run.id, &mut result, concluded.result);
        }
    }
    if let Some(last) = held_snapshot {
        record(context, &run.id, &mut result, last.now(context, &scope));
    }
    if let (Outcome::Failed, Some(baseline)) = (&result.outcome, &context.baseline) {
        let failed = result.steps.iter().filter(|step| step.status == StepStatus::Failed);
        let case_id = crate::baseline::case_of(&result.id);
        if failed.clone().all(|step| baseline.knows(case_id, step)) {
            result.outcome = Outcome::Known;
        }
    }
    result.duration = started.elapsed();
    result
}

/// Adds a finished step to the case's result (its warnings, the case's outcome) and reports it.
fn record(context: &RunContext, case_id: &str, result: &mut CaseResult, step_result: StepResult) {
    result.warnings += step_result.warnings().count();
    match step_result.status {
        StepStatus::Failed if result.outcome == Outcome::Passed => result.outcome = Outcome::Failed,
        StepStatus::Errored if result.outcome == Outcome::Passed => {
            let reason = step_result.error.clone().unwrap_or_else(|| "the target could not be reached".into());
            result.outcome = Outcome::Errored { reason };
        }
        _ => {}
    }
    let step_result = Arc::new(step_result);
    context.events.emit(Event::StepFinished { case_id: case_id.to_string(), step: Arc::clone(&step_result) });
    result.steps.push(step_result);
}

fn evaluate_vars(run: &CaseRun, scope: &mut Scope) -> Result<(), String> {
    for variable in &run.case.vars {
        let value = variable.value.render(scope).map_err(|error| {
            format!("variable `{}` ({}): {}", variable.name, variable.span.position(), error.message)
        })?;
        scope.set(&variable.name, value);
    }
    Ok(())
}

fn skipped(step: &crate::suite::case::Step, reason: &str) -> StepResult {
    StepResult {
        number: step.number,
        name: step.name.clone(),
        position: step.span.position(),
        status: StepStatus::Skipped,
        request: None,
        response: None,
        checks: Vec::new(),
        clauses: Vec::new(),
        error: (!reason.is_empty()).then(|| reason.to_string()),
        attempts: 0,
        snapshot: None,
        duration: Default::default(),
    }
}
