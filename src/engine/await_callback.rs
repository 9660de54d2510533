//! Running an `await_callback` step: wait for the callback whose ids the step names, verify its
//! signature (saying whether it is missing or wrong), then check it like a response (schema,
//! JSONPath, headers), capture from it and snapshot it. The listener already answered it `200`.

use std::time::Instant;

use bytes::Bytes;

use super::callbacks::{CallbackListener, Payload, ReceivedCallback};
use super::checks::{self, ResponseView};
use super::context::RunContext;
use super::followups::{self, CaseInRun, Followups, finish};
use super::http::Received;
use crate::outcome::{CheckKind, CheckResult, RequestRecord, ResponseRecord, StepResult, StepStatus};
use crate::signature::Verification;
use crate::suite::case::{AwaitCallback, SignatureExpectation, Step};
use crate::template::Scope;
use crate::text::format_duration;

/// How many unclaimed callbacks a timeout message lists.
const LISTED: usize = 5;

/// Runs the step; captures are written into `scope` when it passes.
pub async fn run_await(
    context: &RunContext,
    listener: &CallbackListener,
    run: CaseInRun<'_>,
    step: &Step,
    awaited: &AwaitCallback,
    scope: &mut Scope,
) -> StepResult {
    let CaseInRun { case, api, snapshots } = run;
    let started = Instant::now();
    let mut result = followups::passing(step);
    let mut wanted = Vec::new();
    for (key, template) in &awaited.matching {
        match template.render_string(scope) {
            Ok(value) => wanted.push((*key, value)),
            Err(error) => {
                let message = format!("cannot render match.{}: {}", key.name(), error.message);
                return finish(result, StepStatus::Failed, Some(context.masker.mask(&message)), started);
            }
        }
    }
    let key = match awaited.key.as_ref().map(|key| key.render_string(scope)).transpose() {
        Ok(key) => key,
        Err(error) => {
            let message = format!("cannot render the key: {}", error.message);
            return finish(result, StepStatus::Failed, Some(context.masker.mask(&message)), started);
        }
    };
    let named = wanted.iter().map(|(key, value)| format!("{} {value}", key.name())).collect::<Vec<_>>().join(", ");
    let callback = match listener.inbox().take(&wanted, awaited.timeout).await {
        Ok(callback) => callback,
        Err(unclaimed) => {
            let mut message = format!(
                "no callback with {named} reached {} within {}",
                listener.url(),
                format_duration(awaited.timeout)
            );
            if !unclaimed.is_empty() {
                let listed: Vec<String> = unclaimed.iter().take(LISTED).map(|callback| callback.describe()).collect();
                message.push_str(&format!(
                    "; {} other callback{} waiting: {}",
                    unclaimed.len(),
                    if unclaimed.len() == 1 { " is" } else { "s are" },
                    listed.join("; ")
                ));
            }
            return finish(result, StepStatus::Failed, Some(context.masker.mask(&message)), started);
        }
    };
    result.attempts = 1;
    result.request = Some(record(context, listener, &callback));
    result.response = Some(ResponseRecord { status: 200, headers: Vec::new(), body: "OK".into(), body_length: 2 });

    let mut signature_problem = None;
    if awaited.signature != SignatureExpectation::Unchecked {
        let verdict = callback.verify(key.as_deref().unwrap_or_default());
        let (check, problem) = signature_check(&callback, awaited.signature, &verdict, &context.masker);
        result.checks.push(check);
        signature_problem = problem.map(|problem| context.masker.mask(&problem));
    }

    let content = match &callback.payload {
        Payload::Json(_) => callback.body.clone(),
        Payload::Params(_) => Bytes::from(callback.json().to_string()),
    };
    let received = Received { status: 200, headers: callback.headers.clone(), body: content };
    let view = ResponseView::new(&received);
    let (common, extra) = awaited.expectations_for(api);
    result.checks.extend(checks::evaluate_content(common, extra, &view, scope, &context.masker));
    let json = view.json;
    let followups =
        Followups { case, step, api, captures: &awaited.captures, snapshot: awaited.snapshot.as_ref(), snapshots };
    let mut concluded =
        followups::conclude(context, followups, received, json, scope, result, started).now(context, scope);
    if concluded.status == StepStatus::Failed && concluded.error.is_none() {
        concluded.error = signature_problem;
    }
    concluded
}

/// The signature check, and the step's error when it fails: which of "unsigned" or "wrongly
/// signed" the callback is.
fn signature_check(
    callback: &ReceivedCallback,
    expected: SignatureExpectation,
    verdict: &Verification,
    masker: &crate::secret::Masker,
) -> (CheckResult, Option<String>) {
    let scheme = callback.scheme();
    let (actual, problem) = match (expected, verdict) {
        (SignatureExpectation::Valid, Verification::Valid) => ("verifies with the key".to_string(), None),
        (SignatureExpectation::Valid, Verification::Missing) => (
            "missing".to_string(),
            Some(format!("the callback is unsigned: it carries no {scheme}, so it cannot be trusted")),
        ),
        (SignatureExpectation::Valid, Verification::Invalid { received }) => (
            format!("{received:?} does not verify with the key"),
            Some(format!(
                "the callback is wrongly signed: its {scheme} {received:?} is not the one the key gives for its content"
            )),
        ),
        (SignatureExpectation::Invalid, Verification::Valid) => (
            "verifies with the key".to_string(),
            Some("the callback's signature verifies, but this step expects a forged one to be caught".to_string()),
        ),
        (SignatureExpectation::Invalid, Verification::Missing) => ("missing: rejected".to_string(), None),
        (SignatureExpectation::Invalid, Verification::Invalid { received }) => {
            (format!("{received:?} does not verify with the key: rejected"), None)
        }
        (SignatureExpectation::Unchecked, _) => ("not checked".to_string(), None),
    };
    let check = CheckResult::new(
        CheckKind::Signature,
        scheme.to_string(),
        problem.is_none(),
        match expected {
            SignatureExpectation::Invalid => "an unsigned or wrongly signed callback, rejected".to_string(),
            _ => "a signature that verifies with the key".to_string(),
        },
        masker.mask(&actual),
    );
    (check, problem)
}

/// The callback as a request record: how it reached the listener.
fn record(context: &RunContext, listener: &CallbackListener, callback: &ReceivedCallback) -> RequestRecord {
    let masker = &context.masker;
    let origin = url::Url::parse(listener.url()).ok().map(|url| url.origin().ascii_serialization()).unwrap_or_default();
    RequestRecord {
        method: callback.method.clone(),
        url: masker.mask(&format!("{origin}{}", callback.target)),
        headers: callback
            .headers
            .iter()
            .map(|(name, value)| (name.to_string(), masker.mask(&String::from_utf8_lossy(value.as_bytes()))))
            .collect(),
        body: (!callback.body.is_empty()).then(|| masker.mask(&String::from_utf8_lossy(&callback.body))),
    }
}
