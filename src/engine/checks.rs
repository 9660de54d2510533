//! Evaluating a step's expectations against the response it got.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::check::matcher::{self, Matcher};
use crate::check::schema;
use crate::outcome::{CheckKind, CheckResult};
use crate::secret::Masker;
use crate::suite::case::{Capture, CaptureSource, Declared, Expectations, JsonExpectation};
use crate::suite::clauses::{ClauseRef, Level};
use crate::template::Scope;

use super::http::Received;

/// The response as the checks see it: its body parsed once, if it is JSON.
pub struct ResponseView<'a> {
    /// The response.
    pub received: &'a Received,
    /// The body parsed as JSON, or why it is not JSON.
    pub json: Result<Value, String>,
}

impl<'a> ResponseView<'a> {
    /// Parses the body once.
    pub fn new(received: &'a Received) -> ResponseView<'a> {
        let json = if received.body.is_empty() {
            Err("the body is empty".to_string())
        } else {
            serde_json::from_slice(&received.body).map_err(|error| error.to_string())
        };
        ResponseView { received, json }
    }
}

/// Runs every expectation; `extra` is the block for the API the case runs on, whose schema
/// replaces the common one.
pub fn evaluate(
    common: &Expectations,
    extra: Option<&Expectations>,
    view: &ResponseView<'_>,
    scope: &Scope,
    masker: &Masker,
) -> Vec<CheckResult> {
    let status_matcher = extra.and_then(|block| block.status.as_ref()).or(common.status.as_ref());
    let mut checks = vec![status_check(status_matcher, view.received.status, scope, masker)];
    checks.extend(evaluate_content(common, extra, view, scope, masker));
    checks
}

/// Runs every expectation but the status: schema, JSONPath, headers, text (an awaited callback
/// has no status; the runner is the one answering it).
pub fn evaluate_content(
    common: &Expectations,
    extra: Option<&Expectations>,
    view: &ResponseView<'_>,
    scope: &Scope,
    masker: &Masker,
) -> Vec<CheckResult> {
    let mut checks = Vec::new();
    let schema = extra.and_then(|block| block.schema.as_ref()).or(common.schema.as_ref());
    if let Some(schema) = schema {
        let subject = schema.value.name.clone();
        let position = Some(schema.span.position());
        checks.push(match &view.json {
            Ok(document) => {
                let found = schema::validate(&schema.value, document, masker);
                let passed = found.total == 0;
                let actual = if passed {
                    "conforms".to_string()
                } else {
                    format!("{} violation{}", found.total, if found.total == 1 { "" } else { "s" })
                };
                let violations = found.listed;
                CheckResult {
                    position,
                    violations,
                    ..CheckResult::new(CheckKind::Schema, subject, passed, "a body conforming to the schema", actual)
                }
            }
            Err(_) => not_json(CheckKind::Schema, subject, position),
        });
    }
    for block in std::iter::once(common).chain(extra) {
        for expectation in &block.json {
            checks.push(json_check(expectation, &view.json, scope, masker));
        }
        for (name, matcher) in &block.headers {
            let actual = view
                .received
                .headers
                .get(name)
                .map(|value| Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()));
            checks.push(matcher_check(
                CheckKind::Header,
                name.clone(),
                &matcher.value,
                actual.as_ref(),
                Some(matcher.span.position()),
                scope,
                masker,
            ));
        }
        if let Some(text) = &block.text {
            let body = Value::String(String::from_utf8_lossy(&view.received.body).into_owned());
            checks.push(matcher_check(
                CheckKind::Text,
                "body text".into(),
                &text.value,
                Some(&body),
                Some(text.span.position()),
                scope,
                masker,
            ));
        }
    }
    checks
}

/// Takes one capture from a response or callback: the check that records it, and the value when
/// there is one (a capture with nothing to take fails its step).
pub fn capture(capture: &Capture, view: &ResponseView<'_>, masker: &Masker) -> (CheckResult, Option<Value>) {
    let value = match &capture.source {
        CaptureSource::Json(query) => view.json.as_ref().ok().and_then(|document| query.select(document)),
        CaptureSource::Header(name) => view
            .received
            .headers
            .get(name)
            .map(|value| Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned())),
    };
    let check = CheckResult {
        position: Some(capture.span.position()),
        ..CheckResult::new(
            CheckKind::Capture,
            capture.subject.clone(),
            value.is_some(),
            "a value to capture",
            matcher::shorten(masker.mask(&matcher::show(value.as_ref()))),
        )
    };
    (check, value)
}

/// Checks one JSONPath expectation (also used for poll conditions).
pub fn json_check(
    expectation: &JsonExpectation,
    json: &Result<Value, String>,
    scope: &Scope,
    masker: &Masker,
) -> CheckResult {
    let subject = expectation.query.source().to_string();
    let position = Some(expectation.span.position());
    let mut check = match json {
        Ok(document) => {
            let actual = expectation.query.select(document);
            matcher_check(CheckKind::Json, subject, &expectation.matcher, actual.as_ref(), position, scope, masker)
        }
        Err(_) => not_json(CheckKind::Json, subject, position),
    };
    check.clauses.clone_from(&expectation.covers);
    check
}

fn status_check(
    matcher: Option<&crate::suite::case::Located<Matcher>>,
    status: u16,
    scope: &Scope,
    masker: &Masker,
) -> CheckResult {
    let actual = Value::from(status);
    match matcher {
        Some(matcher) => matcher_check(
            CheckKind::Status,
            "status".into(),
            &matcher.value,
            Some(&actual),
            Some(matcher.span.position()),
            scope,
            masker,
        ),
        None => CheckResult::new(
            CheckKind::Status,
            "status",
            (200..300).contains(&status),
            "a 2xx status (no status given)",
            status.to_string(),
        ),
    }
}

fn matcher_check(
    kind: CheckKind,
    subject: String,
    matcher: &Matcher,
    actual: Option<&Value>,
    position: Option<String>,
    scope: &Scope,
    masker: &Masker,
) -> CheckResult {
    let (passed, expected, actual_text) = match matcher.check(actual, scope) {
        Ok(expected) => (true, expected, matcher::show(actual)),
        Err(mismatch) => (false, mismatch.expected, mismatch.actual),
    };
    CheckResult {
        position,
        ..CheckResult::new(
            kind,
            subject,
            passed,
            matcher::shorten(masker.mask(&expected)),
            matcher::shorten(masker.mask(&actual_text)),
        )
    }
}

/// The answer header in which a strict gateway names the client clauses a request broke.
const VIOLATIONS_HEADER: &str = "x-paycheck-violations";

/// Against a strict target: the answer's `X-Paycheck-Violations` names exactly the client clauses
/// the step declares in `violates:` (none when it declares none). The check is tied to the
/// clauses either side names.
pub fn declared_violations(declared: &[Declared], scope: &Scope, received: &Received) -> CheckResult {
    let named: BTreeSet<String> = received
        .headers
        .get(VIOLATIONS_HEADER)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .map(|text| text.split(',').map(|id| id.trim().to_string()).filter(|id| !id.is_empty()).collect())
        .unwrap_or_default();
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    let mut unrendered = None;
    for entry in declared {
        match entry {
            Declared::Clause(clause) => {
                wanted.insert(clause.id.clone());
            }
            Declared::Computed(template) => match template.render_value(scope) {
                Ok(Value::Array(items)) => wanted.extend(items.iter().filter_map(Value::as_str).map(String::from)),
                Ok(Value::String(text)) => {
                    wanted.extend(text.split(',').map(str::trim).filter(|id| !id.is_empty()).map(String::from));
                }
                Ok(_) => {}
                Err(error) => unrendered = Some(error.message),
            },
        }
    }
    let listing = |ids: &BTreeSet<String>| {
        if ids.is_empty() { "no violation".to_string() } else { ids.iter().cloned().collect::<Vec<_>>().join(", ") }
    };
    let clauses = wanted
        .union(&named)
        .map(|id| ClauseRef { id: id.clone(), section: "client contract".into(), level: Level::Must, capability: None })
        .collect();
    let passed = named == wanted && unrendered.is_none();
    let expected = match unrendered {
        Some(message) => format!("the step's violates: ({message})"),
        None => listing(&wanted),
    };
    CheckResult { clauses, ..CheckResult::new(CheckKind::Header, VIOLATIONS_HEADER, passed, expected, listing(&named)) }
}

fn not_json(kind: CheckKind, subject: String, position: Option<String>) -> CheckResult {
    CheckResult { position, ..CheckResult::new(kind, subject, false, "a JSON body", "a body that is not JSON") }
}
