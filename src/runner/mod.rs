//! The runner API: the one way to run cases against a target. The command line, the `cargo test`
//! harness, the fault matrix and the benchmarks all go through [`Runner::run`]; nothing else
//! assembles an engine context.
//!
//! A [`Runner`] is built from plain [`RunOptions`] and one [`Environment`]. A run takes a
//! [`Plan`] (the cases, the selection, the clause catalogue), a target and reporters; it checks
//! that the target is reachable, detects its clock, runs the cases through the engine, judges the
//! clauses, feeds every event to the reporters and returns the whole run as a [`RunRecord`].

pub mod capabilities;
mod environment;
mod options;
mod preflight;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::callbacks::CallbackSettings;
use crate::engine::clock::TargetClock;
use crate::engine::plan::{self, Selection};
use crate::engine::requirements::{self, RunFacts};
use crate::engine::{self, RunContext, http};
use crate::exit_code;
use crate::outcome::{CaseResult, Changes, Conformance, Event, RunRecord, RunSummary};
use crate::report::{Reporter, drive};
use crate::secret::{self, Masker};
use crate::snapshot::{SnapshotPolicy, SnapshotSession, SnapshotStore, WritePolicy, vanished};
use crate::suite::case::Case;
use crate::suite::clauses::{Capability, ClauseCatalogue};
use crate::suite::config::TargetConfig;
use crate::suite::target::Target;
use crate::template::cache::SourceCache;

pub use environment::Environment;
pub use options::{RunOptions, SnapshotOptions};

/// How long the pre-run reachability check waits for each host.
const REACHABILITY_TIMEOUT: Duration = Duration::from_secs(5);

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The loaded cases (after sharding, when the run is one shard).
    pub cases: Vec<Arc<Case>>,
    /// Which of them the user selected.
    pub selection: Selection,
    /// The clauses the run is judged against, when the suite has a catalogue.
    pub clauses: Option<Arc<ClauseCatalogue>>,
    /// The folders case keys (snapshot names, shards) are relative to: the cases folder, then the
    /// suite root.
    pub case_bases: Vec<PathBuf>,
}

/// Why a run stopped before any case ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// The exit code it calls for ([`exit_code::TARGET_UNREACHABLE`] or [`exit_code::INVALID_SUITE`]).
    pub exit_code: i32,
    /// What happened, for people.
    pub message: String,
}

/// A finished run: the whole outcome, and the reporters that could not write their output.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The run.
    pub record: RunRecord,
    /// One message per reporter that failed to finish (a report file that could not be written).
    pub reporter_errors: Vec<String>,
}

impl Finished {
    /// The process exit code for the run.
    pub fn exit_code(&self) -> i32 {
        self.record.summary.exit_code()
    }
}

/// Runs plans against targets.
pub struct Runner {
    options: RunOptions,
    environment: Environment,
    client: reqwest::Client,
}

impl Runner {
    /// A runner with its own HTTP client (one connection pool, shared by every run it makes).
    pub fn new(options: RunOptions, environment: Environment) -> Result<Runner, String> {
        let client = http::client(options.timeout, options.jobs.max(1))?;
        Ok(Runner { options, environment, client })
    }

    /// The environment the runner was given.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// Runs the plan against the target, feeding every event to the reporters. `target_config`
    /// is the target's entry in `paycheck.toml`, when it has one (its secrets are masked under
    /// their variables' names).
    ///
    /// A target that cannot be reached, or that refuses the main merchant's credentials at
    /// preflight, stops the run before any case: the reporters still write their output, with
    /// the reason, and the run's exit code is [`exit_code::TARGET_UNREACHABLE`]. `Err` only when
    /// the target contradicts its configuration (a manual clock it does not offer).
    pub async fn run(
        &self,
        plan: &Plan,
        target: &Target,
        target_config: Option<&TargetConfig>,
        reporters: Vec<Box<dyn Reporter>>,
    ) -> Result<Finished, Stopped> {
        let options = &self.options;
        let started_at = jiff::Timestamp::now();
        let mut target = target.clone();
        let masker = Masker::labelled(secret::target_secrets(&target, target_config));
        let planned = plan::plan(&plan.cases, &target, &plan.selection);
        if let Err(message) = self.check_reachable(&target, &planned).await {
            return Ok(self.stopped(&target, started_at, Vec::new(), message, reporters).await);
        }
        let mut notes = vec![capabilities::resolve(&self.client, &mut target).await];
        let (clock, no_clock) = TargetClock::probe(&self.client, &target, options.timeout)
            .await
            .map_err(|message| Stopped { exit_code: exit_code::INVALID_SUITE, message })?;
        if clock.is_manual() {
            target.capabilities.declare(Capability::ManualClock);
        } else {
            target.capabilities.withdraw(Capability::ManualClock);
            notes.push(format!(
                "clock: real (the target offers no manual clock{}); cases waiting more than {} in all are skipped",
                no_clock.map(|reason| format!(": {reason}")).unwrap_or_default(),
                crate::text::format_duration(options.max_wait)
            ));
        }
        let mut runs = plan::plan(&plan.cases, &target, &plan.selection);
        if !clock.is_manual() {
            plan::skip_long_waits(&mut runs, options.max_wait);
        }
        let preflight = match preflight::check(&self.client, &target, target_config, &runs, &masker).await {
            Ok(preflight) => preflight,
            Err(message) => return Ok(self.stopped(&target, started_at, notes, message, reporters).await),
        };
        notes.extend(preflight.notes);
        let facts = RunFacts {
            refused_roles: preflight.refused_roles,
            callbacks_reachable: options.callback_url.is_some() || requirements::is_local(&target),
        };
        requirements::skip_unmet(&mut runs, &target, &facts);
        let target = &target;
        let session = self.snapshot_session(plan, target);
        let (events, reporters) = drive::spawn(reporters);
        let context = RunContext {
            client: self.client.clone(),
            urls: SourceCache::default(),
            target: Arc::new(target.clone()),
            clock,
            masker,
            timeout: options.timeout,
            max_response_bytes: options.max_response_bytes,
            base_scope: engine::context::base_scope(target, &self.environment.variables),
            events: events.clone(),
            snapshots: session.clone(),
            callbacks: CallbackSettings {
                listen: options.callback_listen.unwrap_or(CallbackSettings::default().listen),
                public_url: options.callback_url.clone(),
            },
            strictness: options.strictness,
            baseline: options.baseline.clone(),
            strict_target: options.strict_target,
        };
        let jobs = options.jobs.max(1);
        events.emit(Event::RunStarted {
            target: target.name.clone(),
            target_url: target_url(target),
            cases: runs.len(),
            jobs,
            notes: notes.clone(),
        });
        let (mut summary, cases) = engine::run(Arc::new(context), runs, jobs).await;
        summary.changes = self.changes(&session, &cases);
        if let Some(baseline) = &options.baseline {
            summary.resolved_deviations = baseline
                .resolved(cases.iter().map(Arc::as_ref))
                .into_iter()
                .map(|known| format!("{} step {} \"{}\": {}", known.case, known.step, known.name, known.cause))
                .collect();
            summary.strict_baseline = options.strict_baseline;
        }
        let conformance = plan.clauses.as_ref().map(|clauses| Arc::new(Conformance::judge(clauses, &cases)));
        events.emit(Event::RunFinished { summary: summary.clone(), conformance: conformance.clone() });
        drop(events);
        let reporter_errors = reporters.await.unwrap_or_else(|error| vec![format!("a reporter stopped: {error}")]);
        let record = RunRecord {
            target: target.name.clone(),
            target_url: target_url(target),
            jobs,
            shard: options.shard.clone(),
            started_at: Some(started_at),
            notes,
            cases,
            summary,
            conformance,
        };
        Ok(Finished { record, reporter_errors })
    }

    /// A run stopped before any case: the reporters get its start and its end with the reason.
    async fn stopped(
        &self,
        target: &Target,
        started_at: jiff::Timestamp,
        notes: Vec<String>,
        reason: String,
        reporters: Vec<Box<dyn Reporter>>,
    ) -> Finished {
        let (events, reporters) = drive::spawn(reporters);
        let jobs = self.options.jobs.max(1);
        events.emit(Event::RunStarted {
            target: target.name.clone(),
            target_url: target_url(target),
            cases: 0,
            jobs,
            notes: notes.clone(),
        });
        let summary = RunSummary { stopped: Some(reason), ..RunSummary::default() };
        events.emit(Event::RunFinished { summary: summary.clone(), conformance: None });
        drop(events);
        let reporter_errors = reporters.await.unwrap_or_else(|error| vec![format!("a reporter stopped: {error}")]);
        let record = RunRecord {
            target: target.name.clone(),
            target_url: target_url(target),
            jobs,
            shard: self.options.shard.clone(),
            started_at: Some(started_at),
            notes,
            cases: Vec::new(),
            summary,
            conformance: None,
        };
        Finished { record, reporter_errors }
    }

    /// Every API host the run will use accepts connections.
    async fn check_reachable(&self, target: &Target, runs: &[engine::CaseRun]) -> Result<(), String> {
        let bases: BTreeSet<&str> =
            runs.iter().filter(|run| run.skip.is_none()).filter_map(|run| target.base_url(run.api)).collect();
        for base in bases {
            if let Err(message) = http::probe_reachable(base, REACHABILITY_TIMEOUT).await {
                return Err(format!(
                    "target `{}` is unreachable: {message}
                     this is an infrastructure problem, not a contract failure; no case was run",
                    target.name
                ));
            }
        }
        Ok(())
    }

    /// The snapshot folder and how it is written, when the run compares or records snapshots.
    fn snapshot_folder(&self) -> Option<(PathBuf, WritePolicy)> {
        match &self.options.snapshots {
            SnapshotOptions::RenderOnly => None,
            SnapshotOptions::Compare { dir, update } => {
                Some((dir.clone(), WritePolicy::for_run(*update, self.environment.ci)))
            }
            SnapshotOptions::Record { dir } => Some((dir.clone(), WritePolicy::Accept)),
            SnapshotOptions::CompareWith { dir, .. } => Some((dir.clone(), WritePolicy::ReadOnly)),
        }
    }

    fn snapshot_session(&self, plan: &Plan, target: &Target) -> SnapshotSession {
        SnapshotSession {
            store: self.snapshot_folder().map(|(dir, policy)| SnapshotStore::new(dir, policy)),
            case_bases: crate::snapshot::name::canonical_bases(
                &plan.case_bases.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
            ),
            settings: self.options.snapshot_settings.clone(),
            target_urls: crate::snapshot::render::target_urls(target.apis.values().cloned().chain(target.root.clone())),
            ..SnapshotSession::default()
        }
    }

    /// "What changed": the snapshots that changed, appeared or vanished, when the run compared them.
    fn changes(&self, session: &SnapshotSession, cases: &[Arc<CaseResult>]) -> Option<Changes> {
        let store = session.store.as_ref()?;
        if session.settings.policy == SnapshotPolicy::Off
            || matches!(self.options.snapshots, SnapshotOptions::Record { .. })
        {
            return None;
        }
        let vanished = vanished::vanished(store, |file| session.case_key(file), cases);
        let (against, comparison) = match &self.options.snapshots {
            SnapshotOptions::CompareWith { label, .. } => (label.clone(), true),
            _ => (format!("the accepted snapshots in {}", store.dir.display()), false),
        };
        let mut changes =
            Changes::collect(against, session.settings.changes.name(), cases.iter().map(Arc::as_ref), vanished);
        changes.comparison = comparison;
        changes.new_fails = comparison || self.environment.ci;
        Some(changes)
    }
}

/// Where the target is, for reports: its root, or its first API's base.
fn target_url(target: &Target) -> String {
    target.root.clone().or_else(|| target.apis.values().next().cloned()).unwrap_or_default()
}
