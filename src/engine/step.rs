//! Running one request step: render, send, poll if asked, check, capture.

use std::time::Instant;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use crate::outcome::{CheckKind, CheckResult, RequestRecord, ResponseRecord, StepStatus};
use crate::suite::api::{Api, Encoding};
use crate::suite::case::{Body, CaptureSource, Exchange, RequestTarget, Step};
use crate::template::Scope;

use super::checks::{self, ResponseView};
use super::context::RunContext;
use super::encode;
use super::followups::{self, CaseInRun, Concluded, Followups, finish};
use super::http::{self, TransportError};
use super::snapshot_step::HeldSnapshot;
use super::verdict;

/// The header naming a request's step against a strict target (`RunOptions::strict_target`); the
/// gateway records it with each violation.
const STEP_HEADER: &str = "x-paycheck-step";

/// How many bytes of a body that is not JSON are quoted in the error.
const QUOTED_BYTES: usize = 512;

/// Runs a request step; captures are written into `scope` when the step passes. The previous
/// step's snapshot, if `held`, is taken while this step's first request is in flight.
pub async fn run_exchange<'a>(
    context: &RunContext,
    run: CaseInRun<'a>,
    step: &'a Step,
    exchange: &'a Exchange,
    scope: &mut Scope,
    held: &mut HeldSnapshot<'a>,
) -> Concluded<'a> {
    let CaseInRun { case, api, snapshots } = run;
    let started = Instant::now();
    let mut result = followups::passing(step);
    let received = loop {
        result.attempts += 1;
        let label = context.strict_target.then(|| format!("{}#{}@{api}", case.file.path.display(), step.number));
        let (request, record) = match build_request(context, exchange, api, scope, label.as_deref()) {
            Ok(built) => built,
            Err(message) => {
                return Concluded::done(finish(
                    result,
                    StepStatus::Failed,
                    Some(context.masker.mask(&message)),
                    started,
                ));
            }
        };
        result.request = Some(record);
        let received = match held
            .alongside(context, scope, http::send(request, context.timeout, context.max_response_bytes))
            .await
        {
            Ok(received) => received,
            Err(error) => {
                let status = match error {
                    TransportError::Unreachable(_) => StepStatus::Errored,
                    _ => StepStatus::Failed,
                };
                if let Some((code, headers, partial_body)) = error.partial_response() {
                    result.response = Some(response_record(context, code, &headers, partial_body));
                }
                return Concluded::done(finish(result, status, Some(error.describe(&context.masker)), started));
            }
        };
        result.response = Some(response_record(context, received.status, &received.headers, &received.body));
        let Some(poll) = &exchange.poll else { break received };
        let view = ResponseView::new(&received);
        let conditions: Vec<CheckResult> = poll
            .until
            .iter()
            .map(|condition| checks::json_check(condition, &view.json, scope, &context.masker))
            .collect();
        if conditions.iter().all(|check| check.passed) {
            break received;
        }
        if started.elapsed() + poll.every > poll.timeout {
            result.checks = conditions
                .into_iter()
                .map(|mut check| {
                    check.kind = CheckKind::Poll;
                    check
                })
                .collect();
            verdict::judge(&mut result.checks, &verdict::step_clauses(case, step), context.rules());
            let message = format!(
                "poll gave up after {} attempt{} in {}: the conditions never all held",
                result.attempts,
                if result.attempts == 1 { "" } else { "s" },
                crate::text::format_duration(started.elapsed())
            );
            let followups = Followups {
                case,
                step,
                api,
                captures: &exchange.captures,
                snapshot: exchange.snapshot.as_ref(),
                snapshots,
            };
            followups::snapshot(context, &followups, &received, None, scope, &mut result);
            return Concluded::done(finish(result, StepStatus::Failed, Some(message), started));
        }
        tokio::time::sleep(poll.every).await;
    };
    let view = ResponseView::new(&received);
    let (common, extra) = exchange.expectations_for(api);
    let needs_json = common.needs_json()
        || extra.is_some_and(|block| block.needs_json())
        || exchange.captures.iter().any(|capture| matches!(capture.source, CaptureSource::Json(_)));
    result.checks = checks::evaluate(common, extra, &view, scope, &context.masker);
    if context.strict_target {
        result.checks.push(checks::declared_violations(&step.violates, scope, &received));
    }
    if let (true, Err(reason)) = (needs_json, &view.json) {
        let message =
            format!("the response is not JSON ({reason}); body: {}", quote_bytes(&context.masker, &received.body));
        return Concluded::done(finish(result, StepStatus::Failed, Some(context.masker.mask(&message)), started));
    }
    let json = view.json;
    let followups =
        Followups { case, step, api, captures: &exchange.captures, snapshot: exchange.snapshot.as_ref(), snapshots };
    followups::conclude(context, followups, received, json, scope, result, started)
}

/// Renders the request's templates and encodes its body.
pub(super) fn build_request(
    context: &RunContext,
    exchange: &Exchange,
    api: Api,
    scope: &Scope,
    label: Option<&str>,
) -> Result<(reqwest::RequestBuilder, RequestRecord), String> {
    let spec = &exchange.request;
    let render_error = |what: &str, message: String| format!("cannot build the request: {what}: {message}");
    let mut url = match &spec.target {
        RequestTarget::Path(path) => {
            let path = path.render_string(scope).map_err(|error| render_error("path", error.message))?;
            let base = context.target.base_url(api).ok_or_else(|| format!("the target offers no {api} API"))?;
            format!("{base}/{}", path.trim_start_matches('/'))
        }
        RequestTarget::Url(url) => url.render_string(scope).map_err(|error| render_error("url", error.message))?,
    };
    if !spec.query.is_empty() {
        let mut query = serde_json::Map::new();
        for (name, value) in &spec.query {
            query.insert(name.clone(), value.render(scope).map_err(|error| render_error(name, error.message))?);
        }
        let pairs = encode::form_pairs(&Value::Object(query))?;
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &pairs {
            serializer.append_pair(name, value);
        }
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&serializer.finish());
    }
    let encoding = spec.encoding.unwrap_or_else(|| api.encoding());
    let (body, content_type) = match &spec.body {
        Body::Empty => (None, None),
        Body::Map(map) => {
            let mut rendered = map.render(scope).map_err(|error| render_error("body", error.message))?;
            if let Some(signing) = &spec.sign {
                if encoding == Encoding::Form {
                    return Err(render_error("sign", "Gate signatures sign JSON bodies; this API sends forms".into()));
                }
                super::sign::sign_body(&mut rendered, signing, scope)
                    .map_err(|message| render_error("sign", message))?;
            }
            (Some(encode::encode_body(&rendered, encoding)?), Some(encode::content_type(encoding)))
        }
        Body::Raw(text) => {
            (Some(text.render_string(scope).map_err(|error| render_error("raw_body", error.message))?), None)
        }
    };
    let mut headers = HeaderMap::new();
    if let Some(content_type) = content_type {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    for (name, value) in &spec.headers {
        let value = value.render_string(scope).map_err(|error| render_error(name, error.message))?;
        let header_name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("invalid header name `{name}`"))?;
        let header_value = HeaderValue::from_str(&value).map_err(|_| format!("invalid value for header `{name}`"))?;
        headers.insert(header_name, header_value);
    }
    if let Some(value) = label.and_then(|label| HeaderValue::from_str(label).ok()) {
        headers.insert(HeaderName::from_static(STEP_HEADER), value);
    }
    let masker = &context.masker;
    let record = RequestRecord {
        method: spec.method.to_string(),
        url: masker.mask(&url),
        headers: headers
            .iter()
            .map(|(name, value)| (name.to_string(), masker.mask(&String::from_utf8_lossy(value.as_bytes()))))
            .collect(),
        body: body.as_ref().map(|text| masker.mask(text)),
    };
    // Text that is not a URL goes to the client as it is, which reports it as it would.
    let builder = match context.urls.get_or_compile(&url, url::Url::parse) {
        Ok(parsed) => context.client.request(spec.method.clone(), parsed),
        Err(_) => context.client.request(spec.method.clone(), &url),
    };
    let mut builder = builder.headers(headers);
    if let Some(body) = body {
        builder = builder.body(body);
    }
    Ok((builder, record))
}

pub(super) fn response_record(context: &RunContext, status: u16, headers: &HeaderMap, body: &[u8]) -> ResponseRecord {
    ResponseRecord {
        status,
        headers: headers
            .iter()
            .map(|(name, value)| (name.to_string(), context.masker.mask(&String::from_utf8_lossy(value.as_bytes()))))
            .collect(),
        body: context.masker.mask_prefix(&text_of(body), ResponseRecord::KEPT_BYTES),
        body_length: body.len(),
    }
}

/// A body as text, invalid UTF-8 replaced (`String::from_utf8_lossy`, with the fast validation
/// first: every response body goes through here).
fn text_of(body: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(body) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(body),
    }
}

/// The first bytes of a body, masked then cut, quoted, for an error message.
fn quote_bytes(masker: &crate::secret::Masker, body: &[u8]) -> String {
    let text = masker.mask_prefix(&String::from_utf8_lossy(body), QUOTED_BYTES);
    if body.len() > QUOTED_BYTES { format!("{text:?}… ({} bytes in all)", body.len()) } else { format!("{text:?}") }
}
