//! `paycheck explore`: model-based stateful testing. Random operation sequences (the
//! [`generator`]: v1 orders and Gate v2 payments) are sent to a target over HTTP (the
//! [`executor`]); the reference gateway's pure models (the [`oracle`], with [`gate`] for Gate v2)
//! predict each answer and the callbacks it causes, and [`compare`] and [`callbacks`] check what
//! the spec fixes plus the schemas. A discrepancy is [`shrink`]ed against the target and written
//! as an ordinary YAML case ([`case_writer`], [`gate_case`]); [`record`] turns an exploration into
//! `run`'s record for its report formats.

pub mod callbacks;
pub mod case_writer;
pub mod clauses;
pub mod compare;
pub mod coverage;
pub mod executor;
pub mod gate;
pub mod gate_case;
pub mod generator;
pub mod op;
pub mod oracle;
pub mod record;
pub mod report;
pub mod rng;
pub mod shrink;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::RwLock;

use crate::engine::callbacks::CallbackSettings;
use crate::gateway::v1::model::{Family, OrderState};
use crate::secret::Masker;
use crate::suite::schema_registry::SchemaRegistry;
use callbacks::{Callbacks, compare_callback};
use compare::{Mismatch, compare, compare_gate};
use coverage::Coverage;
use executor::{Execution, Failure, Wire};
use generator::{Scope, Sequence, generate};
use op::Op;
use oracle::{ExpectedCallback, Prediction, View, World};

const DAY_MS: i64 = 86_400_000;

/// What to explore and how far.
#[derive(Debug, Clone)]
pub struct Options {
    /// The seed: the same seed replays the same operations.
    pub seed: u64,
    /// Stop after about this many operations.
    pub max_ops: Option<u64>,
    /// Stop after this long.
    pub max_time: Option<Duration>,
    /// Sequences run at the same time.
    pub jobs: usize,
    /// This shard `(K, N)` of the seed space: sequences K-1, K-1+N, ...
    pub shard: Option<(u64, u64)>,
    /// Where to write the cases found; `None`: not written.
    pub out: Option<PathBuf>,
    /// Re-runs allowed to shrink one discrepancy.
    pub shrink_runs: usize,
    /// Stop once this many distinct discrepancies were found.
    pub stop_after: Option<usize>,
}

/// One discrepancy: a sequence whose answers contradict the model, shrunk.
#[derive(Debug, Clone)]
pub struct Discrepancy {
    /// The run's seed.
    pub seed: u64,
    /// The sequence's index.
    pub index: u64,
    /// The path family.
    pub family: Family,
    /// The merchant's role.
    pub merchant: &'static str,
    /// Operations the run had sent when it was found (this sequence's included).
    pub operations_before: u64,
    /// The operation answered wrongly (in the shrunk sequence).
    pub operation: String,
    /// The clause its predicted answer shows (the written case's name).
    pub clause: &'static str,
    /// What differs.
    pub mismatches: Vec<Mismatch>,
    /// The sequence's length up to the discrepancy, before shrinking.
    pub original_length: usize,
    /// The shrunk sequence.
    pub shrunk: Vec<Op>,
    /// The written case's text.
    pub case: String,
    /// Where it was written.
    pub case_path: Option<PathBuf>,
    /// More sequences that showed the same discrepancy.
    pub repeats: u64,
}

impl Discrepancy {
    fn signature(&self) -> (String, String) {
        (self.operation_kind(), self.mismatches.first().map(|m| m.at.clone()).unwrap_or_default())
    }

    fn operation_kind(&self) -> String {
        self.shrunk.last().map(|op| op.kind().to_string()).unwrap_or_default()
    }
}

/// What an exploration did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Operations sent (waits included).
    pub operations: u64,
    /// Sequences run.
    pub sequences: u64,
    /// How long it took.
    pub elapsed: Duration,
    /// The discrepancies, in the order found.
    pub discrepancies: Vec<Discrepancy>,
    /// What was reached.
    pub coverage: Coverage,
    /// Time operations were left out: the target has no manual clock.
    pub time_left_out: bool,
    /// Callbacks were left out: the target cannot reach the explorer's listener (or, for v1,
    /// the main merchant's callback token is unknown).
    pub callbacks_left_out: bool,
    /// Gate v2 was left out: the target does not offer it or names no `gate` project.
    pub gate_left_out: bool,
    /// Why the exploration stopped early (the target could not be reached).
    pub failure: Option<String>,
}

impl Outcome {
    /// Operations per second.
    pub fn rate(&self) -> f64 {
        self.operations as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The result of running one sequence.
#[derive(Debug)]
pub enum Executed {
    /// Every answer was as predicted.
    Clean {
        /// Operations sent.
        sent: u64,
    },
    /// An answer contradicted the model.
    Found {
        /// Operations sent.
        sent: u64,
        /// The index of the operation answered wrongly.
        at: usize,
        /// What differs.
        mismatches: Vec<Mismatch>,
        /// The operations as run up to that one (waits as long as they were).
        ran: Vec<Op>,
    },
    /// The sequence names an order never made, or something the target lacks.
    NotApplicable {
        /// Operations sent.
        sent: u64,
    },
}

impl Executed {
    fn sent(&self) -> u64 {
        match self {
            Executed::Clean { sent } | Executed::Found { sent, .. } | Executed::NotApplicable { sent } => *sent,
        }
    }
}

/// An explorer of one target.
pub struct Explorer {
    wire: Wire,
    callbacks: Option<Callbacks>,
    schemas: Arc<SchemaRegistry>,
    masker: Masker,
    target_name: String,
    scope: Scope,
    time_gate: RwLock<()>,
}

#[derive(Debug, Default)]
struct Progress {
    operations: AtomicU64,
    sequences: AtomicU64,
    next: AtomicU64,
    stop: AtomicBool,
    claimed: AtomicUsize,
    found: Mutex<Vec<Discrepancy>>,
    coverage: Mutex<Coverage>,
    failure: Mutex<Option<String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Explorer {
    /// An explorer sending over `wire`, validating answers with `schemas`, masking with `masker`.
    /// With `callbacks`, operations ask for callbacks to its listener and the explorer checks them.
    pub fn new(
        mut wire: Wire,
        callbacks: Option<Callbacks>,
        schemas: Arc<SchemaRegistry>,
        masker: Masker,
        target_name: &str,
    ) -> Explorer {
        if let Some(callbacks) = &callbacks {
            wire.set_callback_url(callbacks.url().to_string());
        }
        let scope = Scope {
            time: wire.manual_clock(),
            router: wire.offers(Family::Router),
            bank: wire.offers(Family::Bank),
            gate: wire.offers_gate(),
            callbacks: wire.callbacks() && wire.callback_token().is_some(),
            gate_callbacks: wire.callbacks(),
        };
        Explorer {
            wire,
            callbacks,
            schemas,
            masker,
            target_name: target_name.to_string(),
            scope,
            time_gate: RwLock::new(()),
        }
    }

    /// An explorer of `target`: its clock probed, `jobs` connections, `timeout` per request;
    /// callbacks explored when the target is on this machine.
    pub async fn connect(
        target: &crate::suite::target::Target,
        jobs: usize,
        timeout: Duration,
        schemas: Arc<SchemaRegistry>,
        masker: Masker,
    ) -> Result<Explorer, String> {
        Explorer::connect_with(target, jobs, timeout, schemas, masker, &CallbackSettings::default()).await
    }

    /// The same, with the callback listener's settings: callbacks are explored when the target
    /// is on this machine or `listener` names a public URL that reaches it (`--callback-url`).
    pub async fn connect_with(
        target: &crate::suite::target::Target,
        jobs: usize,
        timeout: Duration,
        schemas: Arc<SchemaRegistry>,
        masker: Masker,
        listener: &CallbackSettings,
    ) -> Result<Explorer, String> {
        let client = crate::engine::http::client(timeout, jobs)?;
        let (clock, _) = crate::engine::clock::TargetClock::probe(&client, target, timeout).await?;
        let wire = Wire::new(client, target, clock, timeout);
        let reachable = listener.public_url.is_some() || reaches_loopback(target);
        let callbacks = if reachable { Some(Callbacks::start(listener).await?) } else { None };
        Ok(Explorer::new(wire, callbacks, schemas, masker, &target.name))
    }

    /// Stops the callback listener.
    pub async fn shutdown(&self) {
        if let Some(callbacks) = &self.callbacks {
            callbacks.shutdown().await;
        }
    }

    /// The wire the explorer sends over.
    pub fn wire(&self) -> &Wire {
        &self.wire
    }

    /// Explores until the budget is spent (or a stop condition holds).
    pub async fn explore(&self, options: &Options) -> Outcome {
        let started = Instant::now();
        let progress = Progress::default();
        let workers = (0..options.jobs.max(1)).map(|_| self.worker(options, &progress, started));
        futures::future::join_all(workers).await;
        let coverage = lock(&progress.coverage).clone();
        let discrepancies = lock(&progress.found).clone();
        let failure = lock(&progress.failure).clone();
        Outcome {
            operations: progress.operations.load(Ordering::SeqCst),
            sequences: progress.sequences.load(Ordering::SeqCst),
            elapsed: started.elapsed(),
            discrepancies,
            coverage,
            time_left_out: !self.scope.time,
            callbacks_left_out: !self.scope.gate_callbacks || !self.scope.callbacks,
            gate_left_out: !self.scope.gate,
            failure,
        }
    }

    async fn worker(&self, options: &Options, progress: &Progress, started: Instant) {
        let (shard, shards) = options.shard.map_or((0, 1), |(k, n)| (k.saturating_sub(1), n.max(1)));
        loop {
            let spent = progress.operations.load(Ordering::SeqCst);
            let out_of_budget = options.max_ops.is_some_and(|max| spent >= max)
                || options.max_time.is_some_and(|max| started.elapsed() >= max);
            if out_of_budget || progress.stop.load(Ordering::SeqCst) {
                return;
            }
            let index = shard + shards * progress.next.fetch_add(1, Ordering::SeqCst);
            let sequence = generate(options.seed, index, self.scope);
            let mut coverage = Coverage::default();
            let executed = self.execute(sequence.family, sequence.merchant, &sequence.ops, Some(&mut coverage)).await;
            lock(&progress.coverage).merge(&coverage);
            progress.sequences.fetch_add(1, Ordering::SeqCst);
            match executed {
                Err(message) => {
                    *lock(&progress.failure) = Some(message);
                    progress.stop.store(true, Ordering::SeqCst);
                    return;
                }
                Ok(executed) => {
                    let total = progress.operations.fetch_add(executed.sent(), Ordering::SeqCst) + executed.sent();
                    if let Executed::Found { at, mismatches, ran, .. } = executed {
                        self.found(options, progress, &sequence, total, at, mismatches, ran).await;
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn found(
        &self,
        options: &Options,
        progress: &Progress,
        sequence: &Sequence,
        total: u64,
        at: usize,
        mismatches: Vec<Mismatch>,
        ran: Vec<Op>,
    ) {
        let signature = (
            ran.get(at).map(|op| op.kind().to_string()).unwrap_or_default(),
            mismatches.first().map(|m| m.at.clone()).unwrap_or_default(),
        );
        {
            let mut found = lock(&progress.found);
            if let Some(known) = found.iter_mut().find(|d| d.signature() == signature) {
                known.repeats += 1;
                return;
            }
            let claimed = progress.claimed.load(Ordering::SeqCst);
            if options.stop_after.is_some_and(|n| claimed >= n) {
                return;
            }
            progress.claimed.store(claimed + 1, Ordering::SeqCst);
            if options.stop_after.is_some_and(|n| claimed + 1 >= n) {
                progress.stop.store(true, Ordering::SeqCst);
            }
        }
        let original_length = ran.len();
        let (shrunk, mismatches) =
            shrink::shrink(self, sequence.family, sequence.merchant, ran, mismatches, options.shrink_runs).await;
        let found_lines: Vec<String> = mismatches
            .iter()
            .map(|m| format!("{}: the model predicts {}, the target answered {}", m.at, m.expected, m.actual))
            .collect();
        let origin = case_writer::Origin {
            seed: sequence.seed,
            index: sequence.index,
            target: &self.target_name,
            found: &found_lines,
        };
        let case = self.masker.mask(&case_writer::write_case(sequence.family, sequence.merchant, &shrunk, &origin));
        let clause = oracle_clause(sequence.family, sequence.merchant, &shrunk);
        let case_path = options.out.as_ref().and_then(|dir| {
            let path = dir.join(format!("{clause}-seed{}-{}.yaml", sequence.seed, sequence.index));
            std::fs::create_dir_all(dir).ok()?;
            crate::atomic_file::write(&path, case.as_bytes()).ok()?;
            Some(path)
        });
        let discrepancy = Discrepancy {
            seed: sequence.seed,
            index: sequence.index,
            family: sequence.family,
            merchant: sequence.merchant,
            operations_before: total,
            operation: shrunk.last().map(Op::to_string).unwrap_or_default(),
            clause,
            mismatches,
            original_length,
            shrunk,
            case,
            case_path,
            repeats: 0,
        };
        let mut found = lock(&progress.found);
        match found.iter_mut().find(|d| d.signature() == discrepancy.signature()) {
            Some(known) => known.repeats += 1,
            None => found.push(discrepancy),
        }
    }

    /// Runs `ops` as `merchant` on `family` against the target, on fresh orders, comparing every
    /// answer with the model's prediction; stops at the first discrepancy. `Err`: the target
    /// could not be reached.
    pub async fn execute(
        &self,
        family: Family,
        merchant: &str,
        ops: &[Op],
        coverage: Option<&mut Coverage>,
    ) -> Result<Executed, String> {
        let waits = ops.iter().any(Op::waits);
        let _shared;
        let _alone;
        if waits {
            _alone = self.time_gate.write().await;
        } else {
            _shared = self.time_gate.read().await;
        }
        let world = World::new(family, merchant, self.wire.now().await?);
        let mut execution = self.wire.execution(family, merchant);
        if let Some(callbacks) = &self.callbacks {
            callbacks.begin(execution.prefix());
        }
        let executed = self.run_ops(family, world, &mut execution, ops, coverage).await;
        if let Some(callbacks) = &self.callbacks {
            callbacks.end(execution.prefix());
        }
        if waits && matches!(executed, Ok(Executed::Clean { .. })) {
            self.away_from_midnight().await?;
        }
        executed
    }

    async fn run_ops(
        &self,
        family: Family,
        mut world: World,
        execution: &mut Execution<'_>,
        ops: &[Op],
        mut coverage: Option<&mut Coverage>,
    ) -> Result<Executed, String> {
        let mut sent = 0u64;
        let mut ran = Vec::with_capacity(ops.len());
        let transport = |failure: Failure| match failure {
            Failure::Transport(error) => Err(error.describe(&self.masker)),
            Failure::Unsendable(_) => Ok(()),
        };
        for (at, op) in ops.iter().enumerate() {
            if !world.applicable(op) {
                return Ok(Executed::NotApplicable { sent });
            }
            let mismatches = match op {
                Op::Wait { seconds } => {
                    let seconds = world.safe_wait(*seconds);
                    self.wire.advance(seconds).await?;
                    world.apply(&Op::Wait { seconds });
                    ran.push(Op::Wait { seconds });
                    sent += 1;
                    continue;
                }
                Op::Together(pair) => {
                    let now = world.now;
                    let answers = match execution.send_together(pair, now).await {
                        Ok(answers) => answers,
                        Err(failure) => {
                            transport(failure)?;
                            return Ok(Executed::NotApplicable { sent });
                        }
                    };
                    sent += pair.len() as u64;
                    ran.push(op.clone());
                    let mut first = None;
                    let mut chosen = None;
                    for order in [[0usize, 1], [1, 0]].iter().filter(|_| pair.len() == 2) {
                        let mut candidate = world.clone();
                        let mut predictions = [None, None];
                        for &k in order {
                            predictions[k] = candidate.apply(&pair[k]);
                        }
                        let mismatches: Vec<Mismatch> = (0..2)
                            .filter_map(|k| {
                                let p = predictions[k].as_ref()?;
                                Some(compare(&pair[k], family, p, &answers[k], &self.schemas, &self.masker))
                            })
                            .flatten()
                            .collect();
                        if mismatches.is_empty() {
                            if let Some(coverage) = coverage.as_deref_mut() {
                                for (k, p) in predictions.iter().enumerate() {
                                    if let Some(p) = p {
                                        coverage.note(&state_name(&world, &pair[k]), pair[k].kind(), &p.code_label());
                                    }
                                }
                            }
                            let in_order: Vec<Option<Prediction>> =
                                order.iter().map(|&k| predictions[k].clone()).collect();
                            chosen = Some((candidate, in_order));
                            break;
                        }
                        first.get_or_insert(mismatches);
                    }
                    match chosen {
                        Some((candidate, predictions)) => {
                            world = candidate;
                            let expected: Vec<ExpectedCallback> =
                                predictions.into_iter().flatten().flat_map(|p| p.callbacks).collect();
                            self.check_callbacks(execution, &expected).await
                        }
                        None => first.unwrap_or_default(),
                    }
                }
                op => {
                    let state = state_name(&world, op);
                    let now = world.now;
                    let before = World::may_challenge(op).then(|| world.clone());
                    let Some(mut prediction) = world.apply(op) else { continue };
                    let answer = match execution.send(op, now).await {
                        Ok(answer) => answer,
                        Err(failure) => {
                            transport(failure)?;
                            return Ok(Executed::NotApplicable { sent });
                        }
                    };
                    sent += 1;
                    ran.push(op.clone());
                    if let Some(before) = before
                        && prediction.code == 0
                        && asks_for_acs(&answer.body)
                    {
                        world.enter_acs(before, op);
                        prediction.callbacks.clear();
                    }
                    if let Some(coverage) = coverage.as_deref_mut() {
                        coverage.note(&state, op.kind(), &prediction.code_label());
                    }
                    let mismatches = match (op, &prediction.view) {
                        (Op::Gate(gate_op), View::Gate(predicted)) => {
                            let key = self.wire.project().map(|p| p.key.as_str()).unwrap_or_default();
                            compare_gate(gate_op, predicted, &answer, key, &self.schemas, &self.masker)
                        }
                        _ => compare(op, family, &prediction, &answer, &self.schemas, &self.masker),
                    };
                    if mismatches.is_empty() {
                        self.check_callbacks(execution, &prediction.callbacks).await
                    } else {
                        mismatches
                    }
                }
            };
            if !mismatches.is_empty() {
                return Ok(Executed::Found { sent, at, mismatches, ran });
            }
        }
        Ok(Executed::Clean { sent })
    }

    /// Takes each callback the model expects from the listener, in order, and compares it.
    async fn check_callbacks(&self, execution: &mut Execution<'_>, expected: &[ExpectedCallback]) -> Vec<Mismatch> {
        let Some(callbacks) = &self.callbacks else { return Vec::new() };
        for callback in expected {
            let gate = matches!(callback, ExpectedCallback::Gate(_));
            let (id, key) = if gate {
                (execution.payment_id_of(callback.slot()), self.wire.project().map(|p| p.key.clone()))
            } else {
                (
                    execution.order_id_of(callback.slot()).map(str::to_string),
                    self.wire.callback_token().map(str::to_string),
                )
            };
            let (Some(id), Some(key)) = (id, key) else { continue };
            let Some(received) = callbacks.take(gate, &id).await else {
                return vec![Mismatch {
                    at: "callback".into(),
                    expected: callbacks::describe(callback),
                    actual: format!("none within {}s", callbacks::WAIT.as_secs()),
                }];
            };
            let mismatches = compare_callback(callback, &received, &key, &self.schemas, &self.masker);
            if !mismatches.is_empty() {
                return mismatches;
            }
            if let ExpectedCallback::Gate(expected) = callback
                && expected.redirect
                && let Some(url) = received.json().pointer("/redirect_data/url").and_then(serde_json::Value::as_str)
            {
                if !page_url_usable(url) {
                    return vec![Mismatch {
                        at: "callback $.redirect_data.url".into(),
                        expected: "an absolute http(s) URL of at most 2048 characters".into(),
                        actual: self.masker.mask(&url.chars().take(200).collect::<String>()),
                    }];
                }
                execution.set_page(expected.slot, url.to_string());
            }
        }
        Vec::new()
    }

    /// After time passed, moves the clock past midnight when it is a few minutes before it, so
    /// that the next sequences do not straddle a day (the reversal window ends at midnight).
    async fn away_from_midnight(&self) -> Result<(), String> {
        let now = self.wire.now().await?;
        let left = DAY_MS - now.rem_euclid(DAY_MS);
        if left < 10 * 60_000 {
            self.wire.advance(u64::try_from(left / 1000 + 120).unwrap_or(0)).await?;
        }
        Ok(())
    }
}

/// Whether the payer's page a callback names can be followed: an absolute http(s) URL, bounded.
pub(crate) fn page_url_usable(url: &str) -> bool {
    url.len() <= 2048
        && url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// Whether a payment's answer is a 3-D Secure step rather than an outcome: `acsUrl` (3DS1, or
/// the second 3DS2 call) or `is3DSVer2` (spec 2.2, 2.3).
fn asks_for_acs(body: &serde_json::Value) -> bool {
    body.get("acsUrl").is_some() || body.get("is3DSVer2").is_some()
}

/// Whether the target's APIs are on this machine, so that it can reach the callback listener.
fn reaches_loopback(target: &crate::suite::target::Target) -> bool {
    let on_this_machine = |url: &String| match url::Url::parse(url).ok().as_ref().and_then(url::Url::host) {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    !target.apis.is_empty() && target.apis.values().all(on_this_machine)
}

/// The state the model holds the order of `op` in, for coverage.
fn state_name(world: &World, op: &Op) -> String {
    if let Op::Gate(gate) = op {
        return match gate.slot().and_then(|slot| world.gate().payment(slot, world.now)) {
            Some(payment) => payment.status.as_str().replace(' ', "_"),
            None => "-".to_string(),
        };
    }
    match op.slots().first().and_then(|slot| world.order(*slot)) {
        Some(order) => state_label(order.state).to_string(),
        None => "-".to_string(),
    }
}

fn state_label(state: OrderState) -> &'static str {
    match state {
        OrderState::PendingAcs => "PENDING_ACS",
        OrderState::PendingRedirect => "PENDING_REDIRECT",
        other => other.router_state(),
    }
}

/// The clause of the last operation's predicted answer: the name of the written case.
fn oracle_clause(family: Family, merchant: &str, ops: &[Op]) -> &'static str {
    let mut world = World::new(family, merchant, 0);
    let mut clause = "explore";
    for op in case_writer::flatten(ops) {
        if let Some(p) = world.apply(&op) {
            clause = p.clause;
        }
    }
    clause
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::embedded::reference_profile;
    use crate::suite::target::Target;

    #[test]
    fn callbacks_are_explored_only_on_a_target_on_this_machine() {
        let reaches = |url: &str| {
            let target = Target::from_url("t", url, &reference_profile()).expect("a target");
            reaches_loopback(&target)
        };
        assert!(reaches("http://127.0.0.1:8080"));
        assert!(reaches("http://localhost:8080"));
        assert!(reaches("http://[::1]:8080"));
        assert!(!reaches("https://gateway.example"));
        assert!(!reaches("http://10.0.0.5:8080"));
    }

    #[test]
    fn only_a_bounded_http_page_is_followed() {
        assert!(page_url_usable("http://127.0.0.1:8080/alfa-click-emulator/checkout/payments/?orderId=p"));
        assert!(!page_url_usable("file:///etc/passwd"));
        assert!(!page_url_usable("not a url"));
        assert!(!page_url_usable(&format!("http://h/{}", "a".repeat(3000))));
    }
}
