//! The case file format, exactly as written on disk. Every key is known (unknown keys are errors),
//! and the values that later checks may complain about carry their source location.
//!
//! This is the syntax layer only; [`super::compile`] turns it into the typed [`super::case`] model.
//! `schemas/case.schema.json` describes the same format for editors; a test keeps the two equal.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_saphyr::Spanned;

/// One case file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CaseDoc {
    /// What the case shows, in a sentence.
    pub name: Spanned<String>,
    /// Longer notes for readers of the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Ids of the spec clauses the case covers (from `clauses.yaml`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<Spanned<String>>,
    /// Free labels for `--tag`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Spanned<String>>,
    /// The APIs the case runs on: `v1` (router and bank, the default), `router`, `bank`, `gate`, or a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<Spanned<OneOrMany>>,
    /// Variables, evaluated once at the start of the case, in order (later ones may use earlier ones).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub vars: IndexMap<String, Spanned<Value>>,
    /// Run the case once per combination of values: a map of name → list of values (every
    /// combination), or a list of maps (one run each). The names are variables of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<Spanned<Value>>,
    /// The steps, run in order.
    pub steps: Vec<Spanned<StepDoc>>,
    /// Snapshot every request step of the case: `true`, or `{ redact: { "$.path": placeholder },
    /// headers: [name, ...] }`; a step's own `snapshot:` adds to this or turns it off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Spanned<Value>>,
}

/// A string or a list of strings.
#[derive(Debug, Clone, Deserialize, Serialize)]
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
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    /// A short name for reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Spanned<String>>,
    /// Ids of the clauses this step's checks verify (default: the case's, when it names one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<Spanned<String>>,
    /// Run the step only on these APIs (the case may run on several).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<Spanned<OneOrMany>>,
    /// Keep the step only in the runs of a matrix where this template, worked out when the case
    /// loads from the run's values and plain `vars`, is true: `"{{ method != 'decline' }}"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Spanned<String>>,
    /// Ids of the client clauses (`client.…`) the step's request breaks on purpose: a strict
    /// gateway (`paycheck serve --strict`) records exactly these for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violates: Vec<Spanned<String>>,
    /// The request to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Spanned<RequestDoc>>,
    /// Run a fragment's steps here (its name: the file's path under a `_fragments/` folder,
    /// without `.yaml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<Spanned<String>>,
    /// The fragment's arguments: parameter → value.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub with: IndexMap<String, Spanned<Value>>,
    /// Let time pass: `31s`, `2m`, `1h 30m`. Advances the target's clock when it offers one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<Spanned<String>>,
    /// Wait for a callback the gateway sends to the runner, verify its signature, answer it, and
    /// check it like a response (`expect`, `capture`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub await_callback: Option<Spanned<AwaitCallbackDoc>>,
    /// What the response (or the awaited callback) must be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Spanned<ExpectDoc>>,
    /// Values to keep for later steps: name → JSONPath, or `{ header: Name }`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub capture: IndexMap<String, Spanned<Value>>,
    /// Repeat the request until conditions hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll: Option<Spanned<PollDoc>>,
    /// Snapshot the response: `true`, `false` (when the case snapshots every step), or
    /// `{ redact: { "$.path": placeholder }, headers: [name, ...] }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Spanned<Value>>,
    /// Requests sent at the same moment (a race): each a step with `request`, and optionally
    /// `name`, `expect` (what holds whatever the outcome) and `capture`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent: Option<Spanned<Vec<Spanned<StepDoc>>>>,
    /// With `concurrent`: the race's acceptable outcomes, each a list of expectation blocks, one
    /// per request in order; at least one outcome must hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect_one_of: Vec<Spanned<Vec<Spanned<ExpectDoc>>>>,
}

/// A request.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestDoc {
    /// HTTP method; POST when omitted (every method of the API is a POST).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Spanned<String>>,
    /// Path relative to the API's base URL (`register.do`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Spanned<String>>,
    /// An absolute URL instead of a path (a link the gateway returned, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Spanned<String>>,
    /// Extra headers.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, Spanned<String>>,
    /// Query-string parameters.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub query: IndexMap<String, Spanned<Value>>,
    /// The body as a map, encoded by the API family (JSON or form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Spanned<Value>>,
    /// Exact body text, sent as is (for malformed-input cases); set `Content-Type` in `headers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_body: Option<Spanned<String>>,
    /// Override the family's body encoding: `json` or `form`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Spanned<String>>,
    /// Sign the body (a map) by Gate's algorithm (spec 6) and put the signature in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign: Option<Spanned<SignDoc>>,
    /// Names of the folder defaults this request leaves out (body parameters, query parameters,
    /// headers), or `all`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub omit: Vec<Spanned<String>>,
}

/// Signing a request body (spec 6): the signature of the body as rendered, placed at `field`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SignDoc {
    /// The secret key, usually `{{ merchants.gate.secret_key }}` (masked in every output).
    pub key: Spanned<String>,
    /// Where the signature goes, as dot-separated keys of the body (default `general.signature`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<Spanned<String>>,
}

/// Waiting for a callback.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AwaitCallbackDoc {
    /// Which callback: `payment_id` (Gate's `payment.id`), `order_id` (v1 `mdOrder`) or
    /// `order_number` (v1 `orderNumber`) → the value it must have. All given must hold.
    #[serde(rename = "match")]
    pub matching: Spanned<IndexMap<String, Spanned<String>>>,
    /// The key the callback's signature must verify with: Gate's secret key (spec 6) or the v1
    /// callback token (spec 2.11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Spanned<String>>,
    /// `valid` (the default: signed, and the signature verifies with `key`), `invalid` (unsigned or
    /// wrongly signed: for cases proving that a forged callback is caught), or `unchecked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Spanned<String>>,
    /// How long to wait for it (default `10s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Spanned<String>>,
}

/// Expectations on a response.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectDoc {
    /// The HTTP status: a number, or a matcher (`{ one_of: [200, 201] }`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Spanned<Value>>,
    /// A schema from `schemas/` the body must conform to (`v1/register.response.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Spanned<String>>,
    /// JSONPath → matcher.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub json: IndexMap<String, Spanned<Value>>,
    /// Header name → matcher (names are case-insensitive).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, Spanned<Value>>,
    /// A matcher on the body as text (for pages that are not JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Spanned<Value>>,
    /// Additional expectations that apply only on the router API (its schema replaces the common one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub router: Option<Box<Spanned<ExpectDoc>>>,
    /// Additional expectations that apply only on the bank API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank: Option<Box<Spanned<ExpectDoc>>>,
    /// Additional expectations that apply only on Gate v2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Box<Spanned<ExpectDoc>>>,
}

/// Repeat a request until conditions hold.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PollDoc {
    /// JSONPath → matcher; polling stops when all hold.
    pub until: IndexMap<String, Spanned<Value>>,
    /// Time between attempts (default `200ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<Spanned<String>>,
    /// Give up after this long (default `10s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Spanned<String>>,
}

/// The keys of each part of the format, for "did you mean" and for the editor schema's test.
pub mod keys {
    /// Keys of a case.
    pub const CASE: &[&str] = &["name", "description", "covers", "tags", "api", "vars", "matrix", "steps", "snapshot"];
    /// Keys of a step.
    pub const STEP: &[&str] = &[
        "name",
        "covers",
        "only",
        "when",
        "violates",
        "request",
        "call",
        "with",
        "wait",
        "await_callback",
        "expect",
        "capture",
        "poll",
        "snapshot",
        "concurrent",
        "expect_one_of",
    ];
    /// Keys of a request.
    pub const REQUEST: &[&str] =
        &["method", "path", "url", "headers", "query", "body", "raw_body", "encoding", "sign", "omit"];
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
    /// Keys of a folder's `_defaults.yaml`.
    pub const DEFAULTS: &[&str] = &["api", "tags", "vars", "request"];
    /// Keys of a defaults file's `request`.
    pub const DEFAULTS_REQUEST: &[&str] = &["headers", "query", "body"];
    /// Keys of a fragment file.
    pub const FRAGMENT: &[&str] = &["description", "params", "steps"];
    /// Keys of a fragment's parameter.
    pub const PARAM: &[&str] = &["default", "description"];
    /// Keys of a snapshot block.
    pub const SNAPSHOT: &[&str] = &["redact", "headers"];
}

/// A folder's `_defaults.yaml`: what every case in the folder and its subfolders gets unless it
/// says otherwise.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultsDoc {
    /// The APIs the cases run on (a case's `api:` replaces it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<Spanned<OneOrMany>>,
    /// Tags every case gets (a case adds its own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Spanned<String>>,
    /// Variables every case gets (a case's variable of the same name replaces one).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub vars: IndexMap<String, Spanned<Value>>,
    /// What every request to the API (a `path:` request) carries; a request's own value of the
    /// same name replaces one, and its `omit:` leaves one out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Spanned<RequestDefaultsDoc>>,
}

/// The request parameters of a defaults file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestDefaultsDoc {
    /// Headers.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, Spanned<String>>,
    /// Query-string parameters.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub query: IndexMap<String, Spanned<Value>>,
    /// Body parameters, merged into a map body (maps inside are merged key by key).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub body: IndexMap<String, Spanned<Value>>,
}

/// A fragment: a named sequence of steps with parameters, in its own file under `_fragments/`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FragmentDoc {
    /// What the fragment does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its parameters: name → nothing (required) or `{ default: value }`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub params: IndexMap<String, Spanned<Option<ParamDoc>>>,
    /// The steps; what they capture is returned to the caller.
    pub steps: Vec<Spanned<StepDoc>>,
}

/// One parameter of a fragment.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDoc {
    /// The value when a call gives none (without one, every call must give it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
