//! `paycheck run --compare-with TARGET|DIR`: the other side of a differential run. A target
//! (`embedded`, a name in paycheck.toml, a URL) runs the same cases first, its snapshots recorded
//! into a scratch folder; a folder is read as it is (a target's accepted snapshots, such as
//! `snapshots/embedded`). The run then compares its answers with those, writing nothing.

use std::path::{Path, PathBuf};

use crate::exit_code;
use crate::gateway::GatewayConfig;
use crate::runner::{Environment, Plan, RunOptions, Runner, SnapshotOptions};
use crate::snapshot::SnapshotSettings;
use crate::suite::config::LoadedConfig;
use crate::suite::diagnostic::Diagnostic;

use super::run::{RunArgs, named_or_url_target};
use super::{embedded, suite_loading};

/// The answers to compare with: a folder, and what it holds for reports. A scratch folder is
/// removed when this is dropped.
pub struct Compared {
    /// The folder of snapshots.
    pub dir: PathBuf,
    /// `embedded`, the target's name or URL, or `the snapshots in DIR`.
    pub label: String,
    scratch: bool,
}

impl Drop for Compared {
    fn drop(&mut self) {
        if self.scratch {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Resolves `other`: runs the plan on it when it is a target, or takes it as a folder.
pub async fn record(
    other: &str,
    args: &RunArgs,
    plan: &Plan,
    loaded: &LoadedConfig,
    settings: &SnapshotSettings,
    environment: &Environment,
) -> Result<Compared, i32> {
    let is_target = other == embedded::NAME
        || other.starts_with("http://")
        || other.starts_with("https://")
        || loaded.config.targets.contains_key(other);
    if !is_target {
        let folder = Path::new(other);
        if folder.is_dir() {
            return Ok(Compared {
                dir: folder.to_path_buf(),
                label: format!("the snapshots in {}", folder.display()),
                scratch: false,
            });
        }
        let message = format!("--compare-with `{other}` is neither a target nor a folder of snapshots");
        let help = "give `embedded`, a target named in paycheck.toml, a URL, or a folder such as snapshots/embedded";
        suite_loading::print_diagnostics(&Diagnostic::general(message).with_help(help).into());
        return Err(exit_code::INVALID_SUITE);
    }
    let profile = embedded::reference_profile();
    let named = match named_or_url_target(other, loaded, &profile, environment) {
        Ok(named) => named,
        Err(diagnostics) => {
            suite_loading::print_diagnostics(&diagnostics);
            return Err(exit_code::INVALID_SUITE);
        }
    };
    let (target, gateway) = match named {
        Some(target) => (target, None),
        None => match embedded::start_target(GatewayConfig::reference()).await {
            Ok((target, gateway)) => (target, Some(gateway)),
            Err(message) => {
                eprintln!("paycheck: {message}");
                return Err(exit_code::TARGET_UNREACHABLE);
            }
        },
    };
    let compared = Compared { dir: scratch_folder(), label: other.to_string(), scratch: true };
    println!("paycheck: running the cases on {other} first, to compare with");
    let options = RunOptions {
        jobs: args.jobs.unwrap_or_else(crate::engine::default_jobs).max(1),
        timeout: args.timeout,
        max_response_bytes: args.max_response_size,
        max_wait: args.max_wait,
        snapshots: SnapshotOptions::Record { dir: compared.dir.clone() },
        snapshot_settings: settings.clone(),
        callback_listen: args.callback_listen,
        callback_url: args.callback_url.clone(),
        ..RunOptions::default()
    };
    let outcome = match Runner::new(options, environment.clone()) {
        Ok(runner) => runner.run(plan, &target, loaded.config.targets.get(&target.name), Vec::new()).await,
        Err(message) => {
            eprintln!("paycheck: {message}");
            return Err(exit_code::INVALID_SUITE);
        }
    };
    if let Some(gateway) = gateway {
        gateway.shutdown().await;
    }
    match outcome {
        Ok(finished) if finished.record.summary.stopped.is_none() => Ok(compared),
        Ok(finished) => {
            eprintln!("paycheck: cannot compare with {other}: {}", finished.record.summary.stopped.unwrap_or_default());
            Err(exit_code::TARGET_UNREACHABLE)
        }
        Err(stopped) => {
            eprintln!("paycheck: cannot compare with {other}: {}", stopped.message);
            Err(stopped.exit_code)
        }
    }
}

/// A new, empty scratch folder under the system's temporary folder.
fn scratch_folder() -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    std::env::temp_dir().join(format!("paycheck-compare-{}-{nanos}", std::process::id()))
}
