//! `paycheck run`: the suite against a target.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::baseline::Baseline;
use crate::engine;
use crate::engine::plan::Selection;
use crate::engine::shard::Shard;
use crate::engine::verdict::Strictness;
use crate::exit_code;
use crate::gateway::GatewayConfig;
use crate::report::Reporter;
use crate::report::files::{FileReporter, ReportSpec};
use crate::report::terminal::TerminalReporter;
use crate::runner::{Environment, Plan, RunOptions, Runner, SnapshotOptions};
use crate::snapshot::{SnapshotPolicy, SnapshotSettings};
use crate::suite::config::LoadedConfig;
use crate::suite::diagnostic::{Diagnostic, Diagnostics};
use crate::suite::suggest;
use crate::suite::target::{ReferenceProfile, Target};

use super::runtime::Threads;
use super::{compare_with, embedded, run_outputs as outputs, suite_loading};

/// Arguments of `paycheck run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Case files or folders (default: the suite's `cases/` folder).
    pub paths: Vec<PathBuf>,
    /// `embedded` (the reference gateway, in-process), a gateway root URL, or a target named in paycheck.toml.
    #[arg(long, default_value = embedded::NAME)]
    pub target: String,
    /// How many cases run at once (default: 4 per core).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Run only cases with this tag (repeatable: any of them).
    #[arg(long)]
    pub tag: Vec<String>,
    /// Leave out cases with this tag (repeatable), even when `--tag` selects them.
    #[arg(long = "exclude-tag", value_name = "TAG")]
    pub exclude_tag: Vec<String>,
    /// How clauses the sources leave open are judged: `must` (a difference from the reference
    /// gateway is a warning) or `reference` (it fails, for a mock that must mirror the reference).
    #[arg(long, default_value = "must", value_parser = Strictness::parse)]
    pub strictness: Strictness,
    /// Record the run's failing steps as known deviations in this TOML file (to review and commit).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Known deviations: failures listed in this file are reported as known (XFAIL), any other
    /// failure fails the run, and entries that no longer fail are listed for removal.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// With --baseline: entries that no longer fail fail the run too.
    #[arg(long, requires = "baseline")]
    pub strict_baseline: bool,
    /// The target runs `paycheck serve --strict`: each request names its step
    /// (`X-Paycheck-Step`), and each answer's X-Paycheck-Violations must name exactly the client
    /// clauses the step declares in `violates:` (docs/sdk-gating.md).
    #[arg(long)]
    pub strict_target: bool,
    /// Run only cases whose name contains this text (case-insensitive).
    #[arg(long)]
    pub filter: Option<String>,
    /// Run each selected case this many times on each API (1 to 100000): to catch an answer
    /// that changes now and then, or to load the target with the same scenarios. Repetitions
    /// after the first are named `#2`, `#3`, ... in reports.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=i64::from(engine::plan::MAX_REPEAT)))]
    pub repeat: u32,
    /// Per-request timeout, such as `10s` or `500ms`.
    #[arg(long, default_value = "30s", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// The largest response body read (decompressed), such as `8MiB` or `512KiB`; a larger one
    /// fails its step.
    #[arg(long, default_value = "8MiB", value_parser = engine::http::parse_size)]
    pub max_response_size: usize,
    /// Show only failing cases and the summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// The configuration file (default: `paycheck.toml` here or in a parent folder).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Write a report: `junit`, `json` or `html`, with `=PATH` or in reports/ (repeatable).
    /// Under CI (`CI` set) all three are written there unless one is asked for.
    #[arg(long = "report", value_name = "FORMAT[=PATH]")]
    pub reports: Vec<ReportSpec>,
    /// Also print each failed step as a `curl` command that reproduces it (secrets as `${VARIABLE}`).
    #[arg(long)]
    pub curl: bool,
    /// Accept every snapshot this run takes as the new reference (never under CI).
    #[arg(long)]
    pub update_snapshots: bool,
    /// Against a target without a manual clock, skip the cases whose waits add up to more than this.
    #[arg(long, default_value = "5m", value_parser = parse_max_wait)]
    pub max_wait: Duration,
    /// Neither compare nor write snapshots (a quick run against a UAT, say): `--snapshots off`.
    #[arg(long, conflicts_with_all = ["update_snapshots", "snapshots"])]
    pub no_snapshots: bool,
    /// Which exchanges are snapshotted: `off`, `opt-in` (the steps that say `snapshot:`) or
    /// `all` (every response and awaited callback). Default: the target's `snapshots` in
    /// paycheck.toml, else `all` (`opt-in` for a target given as a URL).
    #[arg(long, value_name = "POLICY", value_parser = SnapshotPolicy::parse)]
    pub snapshots: Option<SnapshotPolicy>,
    /// Run the same cases on another target (`embedded`, a name in paycheck.toml, a URL) or read
    /// a folder of accepted snapshots, and report every exchange whose normalised answer differs
    /// from the other's (in "what changed"). Writes no snapshot.
    #[arg(long, value_name = "TARGET|DIR", conflicts_with_all = ["update_snapshots", "no_snapshots"])]
    pub compare_with: Option<String>,
    /// Run only slice K of N of the selected cases (by a hash of each case's path), such as `2/4`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Where to listen for callbacks, such as `0.0.0.0:8099` (default: loopback, an ephemeral port).
    #[arg(long, value_name = "ADDR")]
    pub callback_listen: Option<std::net::SocketAddr>,
    /// The URL gateways send callbacks to (`callback.url` in cases), when they must reach the
    /// runner through a public address that forwards to `--callback-listen`.
    #[arg(long, value_name = "URL", value_parser = parse_callback_url)]
    pub callback_url: Option<String>,
}

/// An absolute http(s) URL, as `--callback-url` takes it.
pub(super) fn parse_callback_url(text: &str) -> Result<String, String> {
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(text.to_string()),
        _ => Err(format!("`{text}` is not an absolute http(s) URL")),
    }
}

fn parse_max_wait(text: &str) -> Result<Duration, String> {
    crate::suite::compile::parse_duration(text)
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let duration = crate::suite::compile::parse_duration(text)?;
    if duration.is_zero() { Err("the timeout must be more than zero".into()) } else { Ok(duration) }
}

/// Runs the command and returns the exit code.
pub async fn run(args: RunArgs) -> i32 {
    let environment = Environment::from_process();
    let (loaded, suite) = match suite_loading::load(args.config.as_deref(), &args.paths) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            suite_loading::print_diagnostics(&diagnostics);
            return exit_code::INVALID_SUITE;
        }
    };
    let profile = embedded::reference_profile();
    let selection = Selection {
        tags: args.tag.clone(),
        exclude_tags: args.exclude_tag.clone(),
        filter: args.filter.clone(),
        repeat: args.repeat,
    };
    let target = match named_or_url_target(&args.target, &loaded, &profile, &environment) {
        Ok(target) => target,
        Err(diagnostics) => {
            suite_loading::print_diagnostics(&diagnostics);
            return exit_code::INVALID_SUITE;
        }
    };
    if !suite.cases.iter().any(|case| selection.selects(case)) {
        eprintln!(
            "paycheck: no case matches the selection ({} cases in the suite); nothing was sent",
            suite.cases.len()
        );
        return exit_code::INVALID_SUITE;
    }
    let cases = outputs::shard_cases(&suite.cases, &loaded, args.shard);
    if let (Some(shard), false) = (args.shard, cases.iter().any(|case| selection.selects(case))) {
        println!("paycheck: shard {shard} holds none of the selected cases; nothing to run");
        return exit_code::SUCCESS;
    }
    let (target, gateway) = match target {
        Some(target) => (target, None),
        None => match embedded::start_target(GatewayConfig::reference()).await {
            Ok((target, gateway)) => (target, Some(gateway)),
            Err(message) => {
                eprintln!("paycheck: {message}");
                return exit_code::TARGET_UNREACHABLE;
            }
        },
    };
    let schemas = suite.schemas;
    let clauses = (!suite.clauses.is_empty()).then(|| Arc::new(suite.clauses));
    let plan = Plan { cases, selection, clauses, case_bases: outputs::case_bases(&loaded) };
    let asked = if args.no_snapshots { Some(SnapshotPolicy::Off) } else { args.snapshots };
    let settings = match SnapshotSettings::for_target(&target.name, loaded.config.targets.get(&target.name), asked) {
        // With snapshots off nothing is rendered, so the schemas' volatile fields (a sixth of a
        // one-case run's start-up) are not looked for.
        Ok(settings) if settings.policy == SnapshotPolicy::Off => settings,
        Ok(settings) => settings.with_schemas(&schemas),
        Err(diagnostics) => {
            suite_loading::print_diagnostics(&diagnostics);
            if let Some(gateway) = gateway {
                gateway.shutdown().await;
            }
            return exit_code::INVALID_SUITE;
        }
    };
    let compared = match &args.compare_with {
        Some(other) => {
            let compared = compare_with::record(other, &args, &plan, &loaded, &settings, &environment).await;
            match compared {
                Ok(compared) => Some(compared),
                Err(code) => {
                    if let Some(gateway) = gateway {
                        gateway.shutdown().await;
                    }
                    return code;
                }
            }
        }
        None => None,
    };
    let snapshots = match &compared {
        Some(compared) => SnapshotOptions::CompareWith { dir: compared.dir.clone(), label: compared.label.clone() },
        None => outputs::snapshot_options(&loaded, &target, args.update_snapshots, settings.policy),
    };
    let code = run_plan(&args, &plan, &target, &loaded, environment, snapshots, settings).await;
    drop(compared);
    if let Some(gateway) = gateway {
        gateway.shutdown().await;
    }
    code
}

/// Runs the plan through the runner with the terminal display and the asked-for report files.
async fn run_plan(
    args: &RunArgs,
    plan: &Plan,
    target: &Target,
    loaded: &LoadedConfig,
    environment: Environment,
    snapshots: SnapshotOptions,
    snapshot_settings: SnapshotSettings,
) -> i32 {
    if args.update_snapshots && environment.ci {
        eprintln!(
            "paycheck: --update-snapshots is ignored under CI: CI never accepts snapshots (they are written as pending)"
        );
    }
    let baseline = match &args.baseline {
        Some(path) => match Baseline::load(path) {
            Ok(baseline) => Some(Arc::new(baseline)),
            Err(message) => {
                eprintln!("paycheck: {message}");
                return exit_code::INVALID_SUITE;
            }
        },
        None => None,
    };
    let options = RunOptions {
        jobs: args.jobs.unwrap_or_else(engine::default_jobs).max(1),
        timeout: args.timeout,
        max_response_bytes: args.max_response_size,
        max_wait: args.max_wait,
        snapshots,
        snapshot_settings,
        callback_listen: args.callback_listen,
        callback_url: args.callback_url.clone(),
        shard: args.shard.map(|shard| shard.to_string()),
        strictness: args.strictness,
        baseline,
        strict_baseline: args.strict_baseline,
        strict_target: args.strict_target,
    };
    let report_specs = outputs::report_specs(&args.reports, environment.ci);
    let mut reporters: Vec<Box<dyn Reporter>> =
        vec![Box::new(TerminalReporter::new(args.quiet, environment.color, environment.ci).with_curl(args.curl))];
    reporters.extend(
        report_specs
            .iter()
            .map(|spec| Box::new(FileReporter::new(spec.clone(), options.shard.clone())) as Box<dyn Reporter>),
    );
    let runner = match Runner::new(options, environment) {
        Ok(runner) => runner,
        Err(message) => {
            eprintln!("paycheck: {message}");
            return exit_code::INVALID_SUITE;
        }
    };
    match runner.run(plan, target, loaded.config.targets.get(&target.name), reporters).await {
        Ok(finished) => {
            for error in &finished.reporter_errors {
                eprintln!("paycheck: {error}");
            }
            if finished.reporter_errors.is_empty() {
                for spec in &report_specs {
                    println!("paycheck: wrote the {} report to {}", spec.format.name(), spec.path.display());
                }
            }
            if let Some(path) = &args.write_baseline {
                let record = &finished.record;
                let baseline = Baseline::of_run(&record.target, record.cases.iter().map(Arc::as_ref));
                match baseline.write(path) {
                    Ok(()) => println!(
                        "paycheck: wrote {} known deviations to {} (review it, then run with --baseline)",
                        baseline.deviations.len(),
                        path.display()
                    ),
                    Err(message) => {
                        eprintln!("paycheck: {message}");
                        return exit_code::INVALID_SUITE;
                    }
                }
            }
            let code = finished.exit_code();
            // The process exits next: freeing every result of a long run one by one would only
            // delay that (5 million instructions for 1,000 case runs).
            std::mem::forget(finished);
            code
        }
        Err(stopped) => {
            for line in stopped.message.lines() {
                eprintln!("paycheck: {line}");
            }
            stopped.exit_code
        }
    }
}

/// The threads a run needs: one, unless it starts the reference gateway in-process (the
/// embedded target, or `--compare-with embedded`), whose work then shares the cores with the
/// client's (measured: the suite with every exchange snapshotted in 169 ms on a worker per
/// core, 186 ms on one thread).
pub fn threads(args: &RunArgs) -> Threads {
    let in_process = args.target == embedded::NAME || args.compare_with.as_deref() == Some(embedded::NAME);
    if in_process { Threads::PerCore } else { Threads::One }
}

/// Resolves a target that needs no gateway started: a URL or a configured name (`None`: embedded).
pub(super) fn named_or_url_target(
    name: &str,
    loaded: &LoadedConfig,
    profile: &ReferenceProfile,
    environment: &Environment,
) -> Result<Option<Target>, Diagnostics> {
    if name == embedded::NAME {
        return Ok(None);
    }
    if name.starts_with("http://") || name.starts_with("https://") {
        return Target::from_url(name, name, profile).map(Some).map_err(Diagnostics::from);
    }
    match loaded.config.targets.get(name) {
        Some(config) => Target::from_config(name, config, profile, &environment.variables).map(Some),
        None => {
            let known: Vec<&str> =
                std::iter::once(embedded::NAME).chain(loaded.config.targets.keys().map(String::as_str)).collect();
            let help = suggest::did_you_mean(name, known.iter().copied())
                .unwrap_or_else(|| format!("targets: {} or a URL such as http://127.0.0.1:8080", known.join(", ")));
            Err(Diagnostic::general(format!("unknown target `{name}`")).with_help(help).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        run: RunArgs,
    }

    fn threads_for(arguments: &[&str]) -> Threads {
        let command = Command::try_parse_from(std::iter::once("run").chain(arguments.iter().copied()))
            .expect("the arguments parse");
        threads(&command.run)
    }

    #[test]
    fn a_run_with_the_gateway_in_process_gets_a_worker_per_core_and_any_other_one_thread() {
        assert_eq!(threads_for(&[]), Threads::PerCore);
        assert_eq!(threads_for(&["--target", "embedded"]), Threads::PerCore);
        assert_eq!(threads_for(&["--target", "http://127.0.0.1:8080", "--compare-with", "embedded"]), Threads::PerCore);
        assert_eq!(threads_for(&["--target", "http://127.0.0.1:8080"]), Threads::One);
        assert_eq!(threads_for(&["--target", "uat", "--compare-with", "snapshots/accepted"]), Threads::One);
    }
}
