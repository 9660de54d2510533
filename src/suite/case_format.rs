//! The case file format, exactly as written on disk. Every key is known (unknown keys are errors),
//! and the values that later checks may complain about carry their source location.
//!
//! This is the syntax layer only; [`super::compile`] turns it into the typed [`super::case`] model.
//! `schemas/case.schema.json` describes the same format for editors; a test keeps the two equal.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

/// One case file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseDoc {
    /// What the case shows, in a sentence.
    pub name: Spanned<String>,
    /// Longer notes for readers of the case.
    #[serde(default)]
    pub description: Option<String>,
    /// Ids of the spec clauses the case covers (from `clauses.yaml`).
    #[serde(default)]
    pub covers: Vec<Spanned<String>>,
    /// Free labels for `--tag`.
    #[serde(default)]
    pub tags: Vec<Spanned<String>>,
    /// The APIs the case runs on: `v1` (router and bank, the default), `router`, `bank`, `gate`, or a list.
    #[serde(default)]
    pub api: Option<Spanned<OneOrMany>>,
    /// Variables, evaluated once at the start of the case, in order (later ones may use earlier ones).
    #[serde(default)]
    pub vars: IndexMap<String, Spanned<Value>>,
    /// The steps, run in order.
    pub steps: Vec<Spanned<StepDoc>>,
    /// Snapshot every request step of the case: `true`, or `{ redact: { "$.path": placeholder },
    /// headers: [name, ...] }`; a step's own `snapshot:` adds to this or turns it off.
    #[serde(default)]
    pub snapshot: Option<Spanned<Value>>,
}

/// A string or a list of strings.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One name.
    One(String),
    /// Several names.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The names, as a list.
    pub fn names(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(name) => vec![name.as_str()],
            OneOrMany::Many(names) => names.iter().map(String::as_str).collect(),
        }
    }
}

/// One step: a request (with checks), a wait, or a callback awaited (with checks).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    /// A short name for reports.
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    /// Ids of the clauses this step's checks verify (default: the case's, when it names one).
    #[serde(default)]
    pub covers: Vec<Spanned<String>>,
    /// Run the step only on these APIs (the case may run on several).
    #[serde(default)]
    pub only: Option<Spanned<OneOrMany>>,
    /// Ids of the client clauses (`client.…`) the step's request breaks on purpose: a strict
    /// gateway (`paycheck serve --strict`) records exactly these for it.
    #[serde(default)]
    pub violates: Vec<Spanned<String>>,
    /// The request to send.
    #[serde(default)]
    pub request: Option<Spanned<RequestDoc>>,
    /// Let time pass: `31s`, `2m`, `1h 30m`. Advances the target's clock when it offers one.
    #[serde(default)]
    pub wait: Option<Spanned<String>>,
    /// Wait for a callback the gateway sends to the runner, verify its signature, answer it, and
    /// check it like a response (`expect`, `capture`).
    #[serde(default)]
    pub await_callback: Option<Spanned<AwaitCallbackDoc>>,
    /// What the response (or the awaited callback) must be.
    #[serde(default)]
    pub expect: Option<Spanned<ExpectDoc>>,
    /// Values to keep for later steps: name → JSONPath, or `{ header: Name }`.
    #[serde(default)]
    pub capture: IndexMap<String, Spanned<Value>>,
    /// Repeat the request until conditions hold.
    #[serde(default)]
    pub poll: Option<Spanned<PollDoc>>,
    /// Snapshot the response: `true`, `false` (when the case snapshots every step), or
    /// `{ redact: { "$.path": placeholder }, headers: [name, ...] }`.
    #[serde(default)]
    pub snapshot: Option<Spanned<Value>>,
}

/// A request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestDoc {
    /// HTTP method; POST when omitted (every method of the API is a POST).
    #[serde(default)]
    pub method: Option<Spanned<String>>,
    /// Path relative to the API's base URL (`register.do`).
    #[serde(default)]
    pub path: Option<Spanned<String>>,
    /// An absolute URL instead of a path (a link the gateway returned, say).
    #[serde(default)]
    pub url: Option<Spanned<String>>,
    /// Extra headers.
    #[serde(default)]
    pub headers: IndexMap<String, Spanned<String>>,
    /// Query-string parameters.
    #[serde(default)]
    pub query: IndexMap<String, Spanned<Value>>,
    /// The body as a map, encoded by the API family (JSON or form).
    #[serde(default)]
    pub body: Option<Spanned<Value>>,
    /// Exact body text, sent as is (for malformed-input cases); set `Content-Type` in `headers`.
    #[serde(default)]
    pub raw_body: Option<Spanned<String>>,
    /// Override the family's body encoding: `json` or `form`.
    #[serde(default)]
    pub encoding: Option<Spanned<String>>,
    /// Sign the body (a map) by Gate's algorithm (spec 6) and put the signature in it.
    #[serde(default)]
    pub sign: Option<Spanned<SignDoc>>,
}

/// Signing a request body (spec 6): the signature of the body as rendered, placed at `field`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignDoc {
    /// The secret key, usually `{{ merchants.gate.secret_key }}` (masked in every output).
    pub key: Spanned<String>,
    /// Where the signature goes, as dot-separated keys of the body (default `general.signature`).
    #[serde(default)]
    pub field: Option<Spanned<String>>,
}

/// Waiting for a callback.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwaitCallbackDoc {
    /// Which callback: `payment_id` (Gate's `payment.id`), `order_id` (v1 `mdOrder`) or
    /// `order_number` (v1 `orderNumber`) → the value it must have. All given must hold.
    #[serde(rename = "match")]
    pub matching: Spanned<IndexMap<String, Spanned<String>>>,
    /// The key the callback's signature must verify with: Gate's secret key (spec 6) or the v1
    /// callback token (spec 2.11).
    #[serde(default)]
    pub key: Option<Spanned<String>>,
    /// `valid` (the default: signed, and the signature verifies with `key`), `invalid` (unsigned or
    /// wrongly signed: for cases proving that a forged callback is caught), or `unchecked`.
    #[serde(default)]
    pub signature: Option<Spanned<String>>,
    /// How long to wait for it (default `10s`).
    #[serde(default)]
    pub timeout: Option<Spanned<String>>,
}

/// Expectations on a response.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectDoc {
    /// The HTTP status: a number, or a matcher (`{ one_of: [200, 201] }`).
    #[serde(default)]
    pub status: Option<Spanned<Value>>,
    /// A schema from `schemas/` the body must conform to (`v1/register.response.json`).
    #[serde(default)]
    pub schema: Option<Spanned<String>>,
    /// JSONPath → matcher.
    #[serde(default)]
    pub json: IndexMap<String, Spanned<Value>>,
    /// Header name → matcher (names are case-insensitive).
    #[serde(default)]
    pub headers: IndexMap<String, Spanned<Value>>,
    /// A matcher on the body as text (for pages that are not JSON).
    #[serde(default)]
    pub text: Option<Spanned<Value>>,
    /// Additional expectations that apply only on the router API (its schema replaces the common one).
    #[serde(default)]
    pub router: Option<Box<Spanned<ExpectDoc>>>,
    /// Additional expectations that apply only on the bank API.
    #[serde(default)]
    pub bank: Option<Box<Spanned<ExpectDoc>>>,
    /// Additional expectations that apply only on Gate v2.
    #[serde(default)]
    pub gate: Option<Box<Spanned<ExpectDoc>>>,
}

/// Repeat a request until conditions hold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollDoc {
    /// JSONPath → matcher; polling stops when all hold.
    pub until: IndexMap<String, Spanned<Value>>,
    /// Time between attempts (default `200ms`).
    #[serde(default)]
    pub every: Option<Spanned<String>>,
    /// Give up after this long (default `10s`).
    #[serde(default)]
    pub timeout: Option<Spanned<String>>,
}

/// The keys of each part of the format, for "did you mean" and for the editor schema's test.
pub mod keys {
    /// Keys of a case.
    pub const CASE: &[&str] = &["name", "description", "covers", "tags", "api", "vars", "steps", "snapshot"];
    /// Keys of a step.
    pub const STEP: &[&str] = &[
        "name",
        "covers",
        "only",
        "violates",
        "request",
        "wait",
        "await_callback",
        "expect",
        "capture",
        "poll",
        "snapshot",
    ];
    /// Keys of a request.
    pub const REQUEST: &[&str] = &["method", "path", "url", "headers", "query", "body", "raw_body", "encoding", "sign"];
    /// Keys of a request's `sign` block.
    pub const SIGN: &[&str] = &["key", "field"];
    /// Keys of an `await_callback` block.
    pub const AWAIT_CALLBACK: &[&str] = &["match", "key", "signature", "timeout"];
    /// Keys of an `await_callback`'s `match`.
    pub const CALLBACK_MATCH: &[&str] = &["payment_id", "order_id", "order_number"];
    /// Values of an `await_callback`'s `signature`.
    pub const CALLBACK_SIGNATURE: &[&str] = &["valid", "invalid", "unchecked"];
    /// Keys of an expectation block.
    pub const EXPECT: &[&str] = &["status", "schema", "json", "headers", "text", "router", "bank", "gate"];
    /// Keys of a poll block.
    pub const POLL: &[&str] = &["until", "every", "timeout"];
    /// Keys of a snapshot block.
    pub const SNAPSHOT: &[&str] = &["redact", "headers"];
}
