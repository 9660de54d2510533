//! The plain options a runner is built from.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::baseline::Baseline;
use crate::engine::verdict::Strictness;
use crate::snapshot::SnapshotSettings;

/// How a run treats snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotOptions {
    /// Render each snapshot into the results, compare nothing, write nothing (`--no-snapshots`,
    /// and the `cargo test` harness, which asserts the text with insta itself).
    RenderOnly,
    /// Compare with the accepted snapshots in `dir` (the target's folder) and write pending ones;
    /// with `update`, accept every result at once (never under CI).
    Compare {
        /// The target's snapshot folder.
        dir: PathBuf,
        /// `--update-snapshots`.
        update: bool,
    },
    /// Write every snapshot as accepted into `dir`, even under CI: the other side of a
    /// `--compare-with` run, recorded into a scratch folder that is not a baseline.
    Record {
        /// The scratch folder.
        dir: PathBuf,
    },
    /// `--compare-with`: compare with the answers in `dir` (another target's, or a folder of
    /// accepted snapshots), write nothing; a difference is a change.
    CompareWith {
        /// The folder of the other answers.
        dir: PathBuf,
        /// What they are, for reports: `embedded`, a target's name, the folder.
        label: String,
    },
}

/// Everything about a run that is not the plan, the target or the environment.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// How many cases run at once.
    pub jobs: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The largest response body read, decompressed, in bytes (a larger one fails its step).
    pub max_response_bytes: usize,
    /// Against a target without a manual clock, cases whose waits add up to more are skipped.
    pub max_wait: Duration,
    /// How snapshots are treated.
    pub snapshots: SnapshotOptions,
    /// Which exchanges are snapshotted, what a change means, the target's redactions (default:
    /// `opt-in`, changes fail).
    pub snapshot_settings: SnapshotSettings,
    /// Where the callback listener binds (default: loopback, an ephemeral port).
    pub callback_listen: Option<SocketAddr>,
    /// The URL gateways send callbacks to, when it is not the listener's own address.
    pub callback_url: Option<String>,
    /// `K/N` when the run is one shard of the suite (recorded in reports).
    pub shard: Option<String>,
    /// How `reference` clauses are judged (spec 8.2).
    pub strictness: Strictness,
    /// Known deviations (`--baseline`): their failures are reported as known, not failed.
    pub baseline: Option<Arc<Baseline>>,
    /// Whether baseline entries that no longer fail fail the run (`--strict-baseline`).
    pub strict_baseline: bool,
    /// The target is a strict gateway (`paycheck serve --strict`): each request names its step in
    /// `X-Paycheck-Step: <case file>#<step>@<api>` (recorded with its violations), and each answer's
    /// `X-Paycheck-Violations` must name exactly the client clauses the step declares (`violates:`).
    pub strict_target: bool,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            jobs: crate::engine::default_jobs(),
            timeout: crate::engine::DEFAULT_TIMEOUT,
            max_response_bytes: crate::engine::http::DEFAULT_MAX_RESPONSE_BYTES,
            max_wait: Duration::from_secs(5 * 60),
            snapshots: SnapshotOptions::RenderOnly,
            snapshot_settings: SnapshotSettings::default(),
            callback_listen: None,
            callback_url: None,
            shard: None,
            strictness: Strictness::Must,
            baseline: None,
            strict_baseline: false,
            strict_target: false,
        }
    }
}
