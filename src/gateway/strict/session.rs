//! A strict session: every request checked, the violations recorded (secrets masked), the
//! clauses exercised counted. Shared by `paycheck serve --strict` and `paycheck proxy`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

use super::contract::{self, Incoming, ProjectKeys};
use crate::secret::Masker;

/// The header a strict gateway adds to an answer: the client clauses its request broke.
pub const VIOLATIONS_HEADER: &str = "x-paycheck-violations";

/// The header a client may send to name the step a request comes from (`paycheck run` sends
/// `case-file#step` when asked to label its requests); recorded with each violation.
pub const STEP_HEADER: &str = "x-paycheck-step";

/// How many violations are kept; later ones are only counted.
pub const MAX_RECORDS: usize = 10_000;

/// How much of a request is kept in a record, in bytes (masked before it is cut).
pub const KEPT_REQUEST_BYTES: usize = 2048;

/// Parameter names whose values are secrets, whatever their case.
const SECRET_NAMES: [&str; 6] = ["password", "token", "secret", "secret_key", "api_token", "callback_token"];

/// Which side of an exchange broke the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The client's request broke a client clause.
    Request,
    /// The gateway's answer broke a response schema or a clause that needs no state (proxy).
    Response,
}

/// One recorded violation.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// Request or response.
    pub side: Side,
    /// The HTTP method.
    pub method: String,
    /// The path (no query).
    pub path: String,
    /// The clause broken (a clause id, or `schema:<file>` for a response schema).
    pub clause: String,
    /// What is wrong (masked).
    pub message: String,
    /// The step that sent it, when the client named one (`X-Paycheck-Step`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The request as received, secrets masked, cut at [`KEPT_REQUEST_BYTES`].
    pub request: String,
}

/// How often a clause was checked, and broken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Exchanges checked against it.
    pub checked: usize,
    /// Exchanges that broke it.
    pub broken: usize,
}

#[derive(Debug, Default)]
struct State {
    requests: usize,
    records: Vec<Record>,
    dropped: usize,
    tallies: BTreeMap<(Side, String), Tally>,
}

/// A request as the session receives it.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The request as the contract sees it.
    pub incoming: Incoming<'a>,
    /// `X-Paycheck-Step`, when sent.
    pub step: Option<&'a str>,
}

/// The session.
#[derive(Debug)]
pub struct Session {
    state: Mutex<State>,
    secrets: Vec<String>,
    keys: ProjectKeys,
    log_requests: bool,
}

/// What one request's check found, for the answer's header and the log line.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// The clauses broken, each once.
    pub broken: Vec<String>,
}

impl Verdict {
    /// The value of [`VIOLATIONS_HEADER`], when any clause was broken.
    pub fn header(&self) -> Option<String> {
        (!self.broken.is_empty()).then(|| self.broken.join(", "))
    }
}

impl Session {
    /// A session masking `secrets` (passwords, tokens, keys it knows) and checking Gate
    /// signatures with `keys`; `log_requests` prints a line per request on stderr.
    pub fn new(secrets: Vec<String>, keys: ProjectKeys, log_requests: bool) -> Session {
        let mut secrets = secrets;
        secrets.extend(keys.values().cloned());
        Session { state: Mutex::new(State::default()), secrets, keys, log_requests }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A masker for the known secrets and those this request carries.
    pub fn masker_for(&self, incoming: &Incoming<'_>, extra: &[String]) -> Masker {
        let mut secrets = self.secrets.clone();
        secrets.extend(secrets_in(incoming));
        secrets.extend(extra.iter().cloned());
        Masker::new(secrets)
    }

    /// Checks a request, records what it breaks; `None` when the path is no API method.
    pub fn check_request(&self, exchange: &Exchange<'_>, masker: &Masker) -> Option<Verdict> {
        let checked = contract::check(&exchange.incoming, &self.keys)?;
        let request = render_request(exchange, masker);
        let mut state = self.state();
        state.requests += 1;
        for clause in &checked.exercised {
            let tally = state.tallies.entry((Side::Request, (*clause).to_string())).or_default();
            tally.checked += 1;
            if checked.findings.iter().any(|finding| finding.clause == *clause) {
                tally.broken += 1;
            }
        }
        for finding in &checked.findings {
            let record = Record {
                side: Side::Request,
                method: exchange.method.to_string(),
                path: exchange.incoming.path.to_string(),
                clause: finding.clause.to_string(),
                message: masker.mask(&finding.message),
                step: exchange.step.map(|step| masker.mask_prefix(step, 200)),
                request: request.clone(),
            };
            push(&mut state, record);
        }
        Some(Verdict { broken: checked.broken().into_iter().map(String::from).collect() })
    }

    /// Records the checks of an answer: `checked` clauses, of which `broken` (clause, message).
    pub fn check_response(
        &self,
        exchange: &Exchange<'_>,
        masker: &Masker,
        checked: &[String],
        broken: &[(String, String)],
    ) {
        let request = if broken.is_empty() { String::new() } else { render_request(exchange, masker) };
        let mut state = self.state();
        for clause in checked {
            let tally = state.tallies.entry((Side::Response, clause.clone())).or_default();
            tally.checked += 1;
            if broken.iter().any(|(b, _)| b == clause) {
                tally.broken += 1;
            }
        }
        for (clause, message) in broken {
            let record = Record {
                side: Side::Response,
                method: exchange.method.to_string(),
                path: exchange.incoming.path.to_string(),
                clause: clause.clone(),
                message: masker.mask(message),
                step: exchange.step.map(|step| masker.mask_prefix(step, 200)),
                request: request.clone(),
            };
            push(&mut state, record);
        }
    }

    /// Prints the request's log line on stderr, when asked.
    pub fn log(&self, method: &str, path: &str, status: u16, verdict: Option<&Verdict>, response: &[(String, String)]) {
        if !self.log_requests {
            return;
        }
        let mut broken: Vec<&str> = verdict.map(|v| v.broken.iter().map(String::as_str).collect()).unwrap_or_default();
        broken.extend(response.iter().map(|(clause, _)| clause.as_str()));
        let violations = if broken.is_empty() { "none".to_string() } else { broken.join(", ") };
        let checked = if verdict.is_some() { "" } else { " (not checked)" };
        eprintln!("paycheck: {method} {path} -> {status}{checked} violations: {violations}");
    }

    /// The violations so far, as `GET /_paycheck/violations` answers them.
    pub fn violations_json(&self) -> Value {
        let state = self.state();
        serde_json::json!({
            "violations": state.records,
            "requests": state.requests,
            "dropped": state.dropped,
        })
    }

    /// Forgets every violation and count (`DELETE /_paycheck/violations`).
    pub fn clear(&self) {
        *self.state() = State::default();
    }

    /// The recorded violations.
    pub fn records(&self) -> Vec<Record> {
        self.state().records.clone()
    }

    /// Every clause exercised, with its side and tally, in order.
    pub fn tallies(&self) -> Vec<(Side, String, Tally)> {
        self.state().tallies.iter().map(|((side, clause), tally)| (*side, clause.clone(), *tally)).collect()
    }

    /// Requests checked.
    pub fn requests(&self) -> usize {
        self.state().requests
    }

    /// Whether any violation was recorded (kept or dropped).
    pub fn any_violation(&self) -> bool {
        let state = self.state();
        !state.records.is_empty() || state.dropped > 0
    }
}

fn push(state: &mut State, record: Record) {
    if state.records.len() < MAX_RECORDS {
        state.records.push(record);
    } else {
        state.dropped += 1;
    }
}

fn render_request(exchange: &Exchange<'_>, masker: &Masker) -> String {
    let incoming = &exchange.incoming;
    let query = incoming.query.map(|q| format!("?{q}")).unwrap_or_default();
    let content_type = incoming.content_type.map(|ct| format!("Content-Type: {ct}\n")).unwrap_or_default();
    let text = format!(
        "{} {}{query}\n{content_type}\n{}",
        exchange.method,
        incoming.path,
        String::from_utf8_lossy(incoming.body)
    );
    masker.mask_prefix(&text, KEPT_REQUEST_BYTES)
}

/// The values of secret parameters a request carries: in its query string, a form body or a
/// JSON body (at any depth).
fn secrets_in(incoming: &Incoming<'_>) -> Vec<String> {
    let secret = |name: &str| SECRET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name));
    let mut found = Vec::new();
    let mut from_form = |bytes: &[u8]| {
        for (name, value) in form_urlencoded::parse(bytes) {
            if secret(&name) && !value.is_empty() {
                found.push(value.into_owned());
            }
        }
    };
    if let Some(query) = incoming.query {
        from_form(query.as_bytes());
    }
    match serde_json::from_slice::<Value>(incoming.body) {
        Ok(json) => json_secrets(&json, &secret, &mut found),
        Err(_) => from_form(incoming.body),
    }
    found
}

fn json_secrets(value: &Value, secret: &dyn Fn(&str) -> bool, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (name, inner) in map {
                match inner {
                    Value::String(text) if secret(name) && !text.is_empty() => found.push(text.clone()),
                    Value::Number(number) if secret(name) => found.push(number.to_string()),
                    other => json_secrets(other, secret, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| json_secrets(item, secret, found)),
        _ => {}
    }
}
