//! The typed case model the engine runs: everything parsed, compiled and checked at load time
//! (templates, JSONPath queries, matchers, schema references, durations), each piece carrying the
//! source span that reports point at.

use std::sync::Arc;
use std::time::Duration;

use crate::check::jsonpath::JsonQuery;
use crate::check::matcher::Matcher;
use crate::template::{Template, TemplateValue};

use super::api::{Api, Encoding};
use super::clauses::ClauseRef;
use super::needs::Needs;
use super::schema_registry::CompiledSchema;
use super::source::{SourceFile, SourceSpan};

/// One case: a named, ordered list of steps with the clauses it covers.
#[derive(Debug)]
pub struct Case {
    /// The file the case came from.
    pub file: Arc<SourceFile>,
    /// For one run of a matrix: its values, `amount=0, method=refund.do`.
    pub variant: Option<String>,
    /// The case's name.
    pub name: String,
    /// Notes for readers.
    pub description: Option<String>,
    /// Clause ids covered.
    pub covers: Vec<String>,
    /// The same clauses, resolved from the catalogue.
    pub clauses: Vec<ClauseRef>,
    /// Labels for `--tag`.
    pub tags: Vec<String>,
    /// The APIs the case runs on, each as a separate run of the case.
    pub apis: Vec<Api>,
    /// Variables, evaluated in order at the start of each run.
    pub vars: Vec<Variable>,
    /// The steps.
    pub steps: Vec<Step>,
    /// Whether the case needs the runner's callback listener: it awaits a callback, or its
    /// templates name `callback`.
    pub uses_callbacks: bool,
    /// What it needs of the target (merchant roles, cards, secrets), from what its templates read.
    pub needs: Needs,
}

impl Case {
    /// The case's file path for display; a matrix run adds its values (`x.yaml [amount=0]`), so
    /// that every run has its own id in reports and baselines.
    pub fn path(&self) -> String {
        match &self.variant {
            Some(variant) => format!("{} [{variant}]", self.file.display_path()),
            None => self.file.display_path(),
        }
    }

    /// True when a step lets time pass (such a case must not share the target's clock with others).
    pub fn waits(&self) -> bool {
        self.steps.iter().any(|step| matches!(step.action, Action::Wait(_)))
    }

    /// How long the case's `wait` steps let pass, in all (saturating: it never overflows).
    pub fn total_wait(&self) -> Duration {
        self.steps
            .iter()
            .map(|step| match step.action {
                Action::Wait(duration) => duration,
                _ => Duration::ZERO,
            })
            .fold(Duration::ZERO, Duration::saturating_add)
    }
}

/// A case variable.
#[derive(Debug)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// Its value, possibly templated.
    pub value: TemplateValue,
    /// Where it is defined.
    pub span: SourceSpan,
}

/// A step of a case.
#[derive(Debug)]
pub struct Step {
    /// Position in the case, from 1.
    pub number: usize,
    /// The name for reports (`step 3` when the case gave none).
    pub name: String,
    /// Where the step is.
    pub span: SourceSpan,
    /// The APIs the step runs on (`None`: all the case runs on).
    pub only: Option<Vec<Api>>,
    /// The clauses the step's checks verify (empty: the case's, when it names exactly one).
    pub covers: Vec<ClauseRef>,
    /// The client clauses its request breaks on purpose (what a strict gateway records for it).
    pub violates: Vec<Declared>,
    /// Names captured by earlier steps that this step reads: when one is missing (its step
    /// failed), this step is blocked.
    pub needs: Vec<String>,
    /// What the step does.
    pub action: Action,
}

/// A client clause a step declares its request breaks: named, or computed for each run by a
/// template (a matrix cell's own clause), rendering to ids (a list, or text separated by commas).
#[derive(Debug, Clone)]
pub enum Declared {
    /// A clause of the catalogue.
    Clause(ClauseRef),
    /// A template rendering to clause ids, or to nothing.
    Computed(Arc<Template>),
}

impl Step {
    /// True when the step runs on this API.
    pub fn runs_on(&self, api: Api) -> bool {
        self.only.as_ref().is_none_or(|apis| apis.contains(&api))
    }
}

/// What a step does.
#[derive(Debug)]
pub enum Action {
    /// Send a request and check the response.
    Exchange(Box<Exchange>),
    /// Let time pass.
    Wait(Duration),
    /// Wait for a callback, verify it, and check it.
    AwaitCallback(Box<AwaitCallback>),
    /// Send requests at the same moment (a race) and check each, and the race's outcome.
    Concurrent(Box<Concurrent>),
}

/// Requests sent at the same moment: each with its own checks and captures, and the outcomes of
/// the race that are acceptable (`expect_one_of`).
#[derive(Debug)]
pub struct Concurrent {
    /// The requests, as steps whose action is an [`Action::Exchange`] (no poll, no snapshot).
    pub members: Vec<Step>,
    /// The acceptable outcomes; at least one must hold (none listed: any outcome is).
    pub outcomes: Vec<RaceOutcome>,
}

impl Concurrent {
    /// The names the group's requests capture.
    pub fn capture_names(&self) -> impl Iterator<Item = &str> {
        self.members.iter().flat_map(|member| match &member.action {
            Action::Exchange(exchange) => exchange.captures.iter().map(|capture| capture.name.as_str()).collect(),
            _ => Vec::new(),
        })
    }
}

/// One acceptable outcome of a race: an expectation block per request of the group, in order.
#[derive(Debug)]
pub struct RaceOutcome {
    /// Where it is.
    pub span: SourceSpan,
    /// For each request: the checks in force, and extra ones for one API.
    pub expect: Vec<(Expectations, Vec<(Api, Expectations)>)>,
}

/// Waiting for a callback the gateway sends to the runner's listener.
#[derive(Debug)]
pub struct AwaitCallback {
    /// What the callback must carry to be this step's (all must hold).
    pub matching: Vec<(CallbackKey, Template)>,
    /// The key its signature must verify with.
    pub key: Option<Template>,
    /// What its signature must be.
    pub signature: SignatureExpectation,
    /// How long to wait.
    pub timeout: Duration,
    /// Checks on the callback's content (no status: the runner is the one answering).
    pub expect: Expectations,
    /// Extra checks for one API.
    pub expect_on: Vec<(Api, Expectations)>,
    /// Values to keep for later steps.
    pub captures: Vec<Capture>,
    /// Snapshot the callback (its step's `snapshot:`, or the case's).
    pub snapshot: Option<SnapshotSpec>,
}

impl AwaitCallback {
    /// The expectations in force on an API: the common ones plus that API's.
    pub fn expectations_for(&self, api: Api) -> (&Expectations, Option<&Expectations>) {
        let extra = self.expect_on.iter().find(|(on, _)| *on == api).map(|(_, expectations)| expectations);
        (&self.expect, extra)
    }
}

/// What identifies a callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallbackKey {
    /// Gate's `payment.id`, the merchant's `payment_id`.
    PaymentId,
    /// v1 `mdOrder`, the gateway's `orderId`.
    OrderId,
    /// v1 `orderNumber`, the merchant's.
    OrderNumber,
}

impl CallbackKey {
    /// The name used in case files.
    pub fn name(self) -> &'static str {
        match self {
            CallbackKey::PaymentId => "payment_id",
            CallbackKey::OrderId => "order_id",
            CallbackKey::OrderNumber => "order_number",
        }
    }

    /// The key named so in a case file.
    pub fn from_name(name: &str) -> Option<CallbackKey> {
        [CallbackKey::PaymentId, CallbackKey::OrderId, CallbackKey::OrderNumber].into_iter().find(|k| k.name() == name)
    }
}

/// What an awaited callback's signature must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureExpectation {
    /// Present, and it verifies with the key.
    Valid,
    /// Missing or not what the key gives: the callback is forged (the step proves it is caught).
    Invalid,
    /// Not looked at.
    Unchecked,
}

/// A request, the checks on its response, and what to capture from it.
#[derive(Debug)]
pub struct Exchange {
    /// The request.
    pub request: RequestSpec,
    /// Checks that apply on every API.
    pub expect: Expectations,
    /// Extra checks for one API (its schema, if any, replaces the common one).
    pub expect_on: Vec<(Api, Expectations)>,
    /// Values to keep for later steps.
    pub captures: Vec<Capture>,
    /// Repeat the request until conditions hold.
    pub poll: Option<Poll>,
    /// Snapshot the response (from the step's or the case's `snapshot:`).
    pub snapshot: Option<SnapshotSpec>,
}

impl Exchange {
    /// The expectations in force on an API: the common ones plus that API's.
    pub fn expectations_for(&self, api: Api) -> (&Expectations, Option<&Expectations>) {
        let extra = self.expect_on.iter().find(|(on, _)| *on == api).map(|(_, expectations)| expectations);
        (&self.expect, extra)
    }
}

/// A request, with its templates compiled.
#[derive(Debug)]
pub struct RequestSpec {
    /// HTTP method.
    pub method: reqwest::Method,
    /// Where to send it.
    pub target: RequestTarget,
    /// Extra headers.
    pub headers: Vec<(String, Template)>,
    /// Query-string parameters.
    pub query: Vec<(String, TemplateValue)>,
    /// The body.
    pub body: Body,
    /// An explicit encoding, overriding the API family's.
    pub encoding: Option<Encoding>,
    /// Sign the body (spec 6).
    pub sign: Option<Signing>,
}

/// Signing a request body by Gate's algorithm (spec 6).
#[derive(Debug)]
pub struct Signing {
    /// The secret key.
    pub key: Template,
    /// Where the signature goes: keys from the body's root (`["general", "signature"]`).
    pub field: Vec<String>,
}

/// Where a request goes.
#[derive(Debug)]
pub enum RequestTarget {
    /// A path relative to the API's base URL.
    Path(Template),
    /// An absolute URL.
    Url(Template),
}

/// A request body.
#[derive(Debug)]
pub enum Body {
    /// No body.
    Empty,
    /// A map, encoded by the API family.
    Map(TemplateValue),
    /// Exact text.
    Raw(Template),
}

/// A value with the place in the case it came from.
#[derive(Debug)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: SourceSpan,
}

/// What a response must be.
#[derive(Debug, Default)]
pub struct Expectations {
    /// The HTTP status.
    pub status: Option<Located<Matcher>>,
    /// The schema the body must conform to.
    pub schema: Option<Located<Arc<CompiledSchema>>>,
    /// JSONPath expectations.
    pub json: Vec<JsonExpectation>,
    /// Header expectations (names lower-cased).
    pub headers: Vec<(String, Located<Matcher>)>,
    /// A matcher on the body as text.
    pub text: Option<Located<Matcher>>,
}

impl Expectations {
    /// True when a check needs the body to be JSON.
    pub fn needs_json(&self) -> bool {
        self.schema.is_some() || !self.json.is_empty()
    }
}

impl std::fmt::Debug for CompiledSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CompiledSchema({})", self.name)
    }
}

/// A JSONPath query and the matcher its selection must satisfy.
#[derive(Debug)]
pub struct JsonExpectation {
    /// The query.
    pub query: JsonQuery,
    /// The matcher.
    pub matcher: Matcher,
    /// The clauses this check verifies (empty: the step's).
    pub covers: Vec<ClauseRef>,
    /// Where it was written.
    pub span: SourceSpan,
}

/// A value kept for later steps.
#[derive(Debug)]
pub struct Capture {
    /// The name later templates use.
    pub name: String,
    /// How results name the capture: `order_id ← $.orderId`, `token ← header x-token`.
    pub subject: String,
    /// Where the value comes from.
    pub source: CaptureSource,
    /// Where it was written.
    pub span: SourceSpan,
}

impl Capture {
    /// A capture of `name` from `source`.
    pub fn new(name: &str, source: CaptureSource, span: SourceSpan) -> Capture {
        let subject = match &source {
            CaptureSource::Json(query) => format!("{name} ← {}", query.source()),
            CaptureSource::Header(header) => format!("{name} ← header {header}"),
        };
        Capture { name: name.to_string(), subject, source, span }
    }
}

/// Where a captured value comes from.
#[derive(Debug)]
pub enum CaptureSource {
    /// A JSONPath selection of the body.
    Json(JsonQuery),
    /// A response header (lower-cased name).
    Header(String),
}

/// Repeat a request until conditions hold.
#[derive(Debug)]
pub struct Poll {
    /// The conditions.
    pub until: Vec<JsonExpectation>,
    /// Time between attempts.
    pub every: Duration,
    /// When to give up.
    pub timeout: Duration,
    /// Where the poll block is.
    pub span: SourceSpan,
}

/// What a step's snapshot keeps and hides, beyond what the schemas declare volatile.
#[derive(Debug, Clone, Default)]
pub struct SnapshotSpec {
    /// The snapshot's name inside the case: the step's name as a slug, unique in the case.
    pub name: String,
    /// The case's own redactions, on top of the schema's `x-volatile` fields.
    pub redact: Vec<Redaction>,
    /// Response headers kept besides `content-type` (lower-cased).
    pub headers: Vec<String>,
    /// `snapshot: false`: the step opts out, even when the run snapshots every exchange.
    pub off: bool,
}

/// Values a case hides in its snapshots: a JSONPath query and the placeholder put instead.
#[derive(Debug, Clone)]
pub struct Redaction {
    /// The query as written.
    pub source: String,
    /// The parsed query (any query: every node it selects is replaced).
    pub path: serde_json_path::JsonPath,
    /// The placeholder's name, without brackets: `order_id` is written `[order_id]`.
    pub placeholder: String,
}
