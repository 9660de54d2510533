//! Running a `concurrent:` group: its requests are built first, then sent at the same moment;
//! each answer is checked against its own `expect`, the race against `expect_one_of` (at least
//! one outcome must hold), and each request's captures are taken.
//!
//! The group reports as one step: its checks are every request's (their subjects prefixed with
//! the request's name) and the outcome check; its request and response are those of the first
//! request whose checks failed (else the first), and the error names every answer's status.

use std::time::Instant;

use crate::outcome::{CheckKind, CheckResult, StepResult, StepStatus};
use crate::suite::api::Api;
use crate::suite::case::{Action, Concurrent, Exchange, Step};
use crate::template::Scope;

use super::checks::{self, ResponseView};
use super::context::RunContext;
use super::followups::{self, CaseInRun, finish};
use super::http::{self, Received, TransportError};
use super::step::{build_request, response_record};
use super::verdict;

/// One request of the group, with what it was sent and answered.
struct Sent<'a> {
    member: &'a Step,
    exchange: &'a Exchange,
    received: Received,
    request: crate::outcome::RequestRecord,
}

/// Runs the group `step`; the captures of its requests are written into `scope`.
pub async fn run_group(
    context: &RunContext,
    run: CaseInRun<'_>,
    step: &Step,
    group: &Concurrent,
    scope: &mut Scope,
) -> StepResult {
    let started = Instant::now();
    let mut result = followups::passing(step);
    result.attempts = 1;
    let mut built = Vec::with_capacity(group.members.len());
    for member in &group.members {
        let Action::Exchange(exchange) = &member.action else { continue };
        let label =
            context.strict_target.then(|| format!("{}#{}@{}", run.case.file.path.display(), step.number, run.api));
        match build_request(context, exchange, run.api, scope, label.as_deref()) {
            Ok((request, record)) => built.push((member, exchange.as_ref(), request, record)),
            Err(message) => {
                let message = format!("{}: {message}", member.name);
                return finish(result, StepStatus::Failed, Some(context.masker.mask(&message)), started);
            }
        }
    }
    let sends = built.into_iter().map(|(member, exchange, request, record)| async move {
        (member, exchange, record, http::send(request, context.timeout, context.max_response_bytes).await)
    });
    let mut sent = Vec::with_capacity(group.members.len());
    for (member, exchange, request, answer) in futures::future::join_all(sends).await {
        match answer {
            Ok(received) => sent.push(Sent { member, exchange, received, request }),
            Err(error) => {
                let status = match error {
                    TransportError::Unreachable(_) => StepStatus::Errored,
                    _ => StepStatus::Failed,
                };
                result.request = Some(request);
                let message = format!("{}: {}", member.name, error.describe(&context.masker));
                return finish(result, status, Some(message), started);
            }
        }
    }
    let clauses = verdict::step_clauses(run.case, step);
    let views: Vec<ResponseView<'_>> = sent.iter().map(|s| ResponseView::new(&s.received)).collect();
    let mut first_failed = None;
    for (index, (one, view)) in sent.iter().zip(&views).enumerate() {
        let (common, extra) = one.exchange.expectations_for(run.api);
        let mut own = checks::evaluate(common, extra, view, scope, &context.masker);
        for capture in &one.exchange.captures {
            let (check, value) = checks::capture(capture, view, &context.masker);
            own.push(check);
            if let Some(value) = value {
                scope.set(&capture.name, value);
            }
        }
        verdict::judge(&mut own, &clauses, context.rules());
        if first_failed.is_none() && own.iter().any(CheckResult::fails) {
            first_failed = Some(index);
        }
        result.checks.extend(own.into_iter().map(|mut check| {
            check.subject = format!("{}: {}", one.member.name, check.subject);
            check
        }));
    }
    run.snapshots.inputs_changed(group.capture_names());
    if !group.outcomes.is_empty() {
        let mut check = outcome_check(context, run.api, group, &views, scope);
        verdict::judge(std::slice::from_mut(&mut check), &clauses, context.rules());
        result.checks.push(check);
    }
    let shown = first_failed.unwrap_or(0);
    if let Some(one) = sent.get(shown) {
        result.request = Some(one.request.clone());
        result.response =
            Some(response_record(context, one.received.status, &one.received.headers, &one.received.body));
    }
    if result.checks.iter().any(CheckResult::fails) {
        let answers: Vec<String> =
            sent.iter().map(|one| format!("{} answered {}", one.member.name, one.received.status)).collect();
        let message = format!("sent at the same moment: {}", answers.join(", "));
        return finish(result, StepStatus::Failed, Some(message), started);
    }
    finish(result, StepStatus::Passed, None, started)
}

/// The check that at least one outcome of `expect_one_of` holds for the answers in `views`.
fn outcome_check(
    context: &RunContext,
    api: Api,
    group: &Concurrent,
    views: &[ResponseView<'_>],
    scope: &Scope,
) -> CheckResult {
    let mut misses = Vec::with_capacity(group.outcomes.len());
    let mut held = None;
    for (number, outcome) in group.outcomes.iter().enumerate() {
        let failed: Vec<String> = outcome
            .expect
            .iter()
            .zip(views)
            .zip(&group.members)
            .flat_map(|(((common, per_api), view), member)| {
                let extra = per_api.iter().find(|(on, _)| *on == api).map(|(_, block)| block);
                let status_given = common.status.is_some() || extra.is_some_and(|block| block.status.is_some());
                let found = if status_given {
                    checks::evaluate(common, extra, view, scope, &context.masker)
                } else {
                    checks::evaluate_content(common, extra, view, scope, &context.masker)
                };
                found
                    .into_iter()
                    .filter(|check| !check.passed)
                    .map(|check| format!("{}: {} is {}", member.name, check.subject, check.actual))
                    .collect::<Vec<_>>()
            })
            .collect();
        if failed.is_empty() {
            held = Some(number + 1);
            break;
        }
        misses.push(format!("outcome {} not ({})", number + 1, failed.join("; ")));
    }
    CheckResult {
        position: group.outcomes.first().map(|outcome| outcome.span.position()),
        ..CheckResult::new(
            CheckKind::Json,
            "expect_one_of",
            held.is_some(),
            format!("one of {} outcomes of the race", group.outcomes.len()),
            match held {
                Some(number) => format!("outcome {number}"),
                None => context.masker.mask(&misses.join(" | ")),
            },
        )
    }
}
