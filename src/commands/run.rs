//! `paycheck run`: the suite against a target.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::clock::TargetClock;
use crate::engine::plan::{self, Selection};
use crate::engine::shard::Shard;
use crate::engine::{self, RunContext, http};
use crate::exit_code;
use crate::gateway::GatewayConfig;
use crate::report::Reporter;
use crate::report::drive;
use crate::report::files::{FileReporter, ReportSpec};
use crate::report::terminal::TerminalReporter;
use crate::secret::{self, Masker};
use crate::suite::clauses::ClauseCatalogue;
use crate::suite::config::LoadedConfig;
use crate::suite::diagnostic::{Diagnostic, Diagnostics};
use crate::suite::suggest;
use crate::suite::target::{ReferenceProfile, Target};

use super::{embedded, run_outputs as outputs, suite_loading};

/// How long the pre-run reachability check waits for each host.
const REACHABILITY_TIMEOUT: Duration = Duration::from_secs(5);

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
    /// Run only cases whose name contains this text (case-insensitive).
    #[arg(long)]
    pub filter: Option<String>,
    /// Per-request timeout, such as `10s` or `500ms`.
    #[arg(long, default_value = "30s", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// The largest response body read (decompressed), such as `8MiB` or `512KiB`; a larger one
    /// fails its step.
    #[arg(long, default_value = "8MiB", value_parser = http::parse_size)]
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
    /// Neither compare nor write snapshots (a quick run against a UAT, say).
    #[arg(long, conflicts_with = "update_snapshots")]
    pub no_snapshots: bool,
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

fn parse_callback_url(text: &str) -> Result<String, String> {
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
    let (loaded, suite) = match suite_loading::load(args.config.as_deref(), &args.paths) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            suite_loading::print_diagnostics(&diagnostics);
            return exit_code::INVALID_SUITE;
        }
    };
    let profile = embedded::reference_profile();
    let selection = Selection { tags: args.tag.clone(), filter: args.filter.clone() };
    let target = match named_or_url_target(&args.target, &loaded, &profile) {
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
        None => match embedded::start(GatewayConfig::reference()).await {
            Ok(gateway) => match Target::from_url(embedded::NAME, &gateway.url(), &profile) {
                Ok(target) => (target, Some(gateway)),
                Err(diagnostic) => {
                    suite_loading::print_diagnostics(&diagnostic.into());
                    return exit_code::INVALID_SUITE;
                }
            },
            Err(message) => {
                eprintln!("paycheck: {message}");
                return exit_code::TARGET_UNREACHABLE;
            }
        },
    };
    let clauses = Arc::new(suite.clauses);
    let code = run_against(&args, &cases, clauses, target, &selection, &loaded).await;
    if let Some(gateway) = gateway {
        gateway.shutdown().await;
    }
    code
}

async fn run_against(
    args: &RunArgs,
    cases: &[Arc<crate::suite::case::Case>],
    clauses: Arc<ClauseCatalogue>,
    target: Target,
    selection: &Selection,
    loaded: &LoadedConfig,
) -> i32 {
    let mut runs = plan::plan(cases, &target, selection);
    let jobs = args.jobs.unwrap_or_else(engine::default_jobs).max(1);
    let client = match http::client(args.timeout, jobs) {
        Ok(client) => client,
        Err(message) => {
            eprintln!("paycheck: {message}");
            return exit_code::INVALID_SUITE;
        }
    };
    let used_bases: BTreeSet<&str> =
        runs.iter().filter(|run| run.skip.is_none()).filter_map(|run| target.base_url(run.api)).collect();
    for base in used_bases {
        if let Err(message) = http::probe_reachable(base, REACHABILITY_TIMEOUT).await {
            eprintln!("paycheck: target `{}` is unreachable: {message}", target.name);
            eprintln!("paycheck: this is an infrastructure problem, not a contract failure; no case was run");
            return exit_code::TARGET_UNREACHABLE;
        }
    }
    let clock = match TargetClock::probe(&client, &target, args.timeout).await {
        Ok((clock, notice)) => {
            if let Some(notice) = notice {
                eprintln!("paycheck: {notice}");
            }
            clock
        }
        Err(message) => {
            eprintln!("paycheck: {message}");
            return exit_code::INVALID_SUITE;
        }
    };
    if !clock.is_manual() {
        plan::skip_long_waits(&mut runs, args.max_wait);
    }
    let report_specs = outputs::report_specs(&args.reports);
    let mut reporters: Vec<Box<dyn Reporter>> = vec![Box::new(TerminalReporter::new(args.quiet).with_curl(args.curl))];
    let shard = args.shard.map(|shard| shard.to_string());
    reporters.extend(
        report_specs.iter().map(|spec| Box::new(FileReporter::new(spec.clone(), shard.clone())) as Box<dyn Reporter>),
    );
    let (events, reporters) = drive::spawn(reporters);
    let masker = Masker::labelled(secret::target_secrets(&target, loaded.config.targets.get(&target.name)));
    let snapshots = outputs::snapshot_session(loaded, &target, args.update_snapshots, args.no_snapshots);
    let mut context = RunContext::new(client, Arc::new(target), clock, args.timeout, events);
    context.masker = masker;
    context.max_response_bytes = args.max_response_size;
    context.snapshots = snapshots;
    if !clauses.is_empty() {
        context.clauses = Some(clauses);
    }
    if let Some(listen) = args.callback_listen {
        context.callbacks.listen = listen;
    }
    context.callbacks.public_url.clone_from(&args.callback_url);
    let context = Arc::new(context);
    let (summary, _results) = engine::run(Arc::clone(&context), runs, jobs).await;
    drop(context);
    if let Ok(errors) = reporters.await {
        for error in &errors {
            eprintln!("paycheck: {error}");
        }
        if errors.is_empty() {
            for spec in &report_specs {
                println!("paycheck: wrote the {} report to {}", spec.format.name(), spec.path.display());
            }
        }
    }
    summary.exit_code()
}

/// Resolves a target that needs no gateway started: a URL or a configured name (`None`: embedded).
fn named_or_url_target(
    name: &str,
    loaded: &LoadedConfig,
    profile: &ReferenceProfile,
) -> Result<Option<Target>, Diagnostics> {
    if name == embedded::NAME {
        return Ok(None);
    }
    if name.starts_with("http://") || name.starts_with("https://") {
        return Target::from_url(name, name, profile).map(Some).map_err(Diagnostics::from);
    }
    match loaded.config.targets.get(name) {
        Some(config) => Target::from_config(name, config, profile).map(Some),
        None => {
            let known: Vec<&str> =
                std::iter::once(embedded::NAME).chain(loaded.config.targets.keys().map(String::as_str)).collect();
            let help = suggest::did_you_mean(name, known.iter().copied())
                .unwrap_or_else(|| format!("targets: {} or a URL such as http://127.0.0.1:8080", known.join(", ")));
            Err(Diagnostic::general(format!("unknown target `{name}`")).with_help(help).into())
        }
    }
}
