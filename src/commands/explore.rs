//! `paycheck explore`: model-based exploration of a target (see `docs/explore.md`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::engine;
use crate::engine::credentials;
use crate::engine::shard::Shard;
use crate::exit_code;
use crate::explore::executor::Wire;
use crate::explore::{Explorer, Options, report};
use crate::gateway::v1::model::Family;
use crate::gateway::{FaultSet, GatewayConfig};
use crate::report::files::{self, ReportSpec};
use crate::runner::Environment;
use crate::secret::{Masker, target_secrets};
use crate::suite::api::Api;
use crate::suite::needs::MAIN_ROLE;
use crate::suite::target::Target;

use super::{embedded, run, suite_loading};

/// The most operations one run may be asked for.
const MAX_OPS: u64 = 100_000_000;
/// The longest run.
const MAX_TIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// The most sequences at once.
const MAX_JOBS: usize = 256;
/// Operations when neither `--ops` nor `--time` is given.
const DEFAULT_OPS: u64 = 10_000;

/// `paycheck explore`'s arguments.
#[derive(Debug, clap::Args)]
pub struct ExploreArgs {
    /// `embedded` (the reference gateway, in-process), a URL (the gateway's root), or a target
    /// named in paycheck.toml.
    #[arg(long, default_value = embedded::NAME)]
    pub target: String,
    /// The seed: the same seed against the same target replays the same operations (default:
    /// one derived from the time, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Stop after about this many operations (default 10000).
    #[arg(long, conflicts_with = "time", value_parser = clap::value_parser!(u64).range(1..=MAX_OPS))]
    pub ops: Option<u64>,
    /// Stop after this long: `30s`, `10m`.
    #[arg(long, value_parser = parse_time)]
    pub time: Option<Duration>,
    /// Sequences run at the same time (default: 4 per core).
    #[arg(long, short, value_parser = clap::value_parser!(u64).range(1..=MAX_JOBS as u64))]
    pub jobs: Option<u64>,
    /// Where the cases found are written.
    #[arg(long, default_value = "cases/found")]
    pub out: PathBuf,
    /// Print the cases found without writing them.
    #[arg(long)]
    pub no_write: bool,
    /// Also write the report: `junit`, `json` or `html` (as `paycheck run`'s, mergeable with
    /// `paycheck report merge`), or `explore` (explore's own JSON document), with `=PATH`
    /// (repeatable).
    #[arg(long = "report", value_name = "FORMAT[=PATH]")]
    pub reports: Vec<String>,
    /// This slice `K/N` of the seed space (sequences K-1, K-1+N, ...).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// With the embedded target: switch this fault on (repeatable; `paycheck faults` lists them).
    #[arg(long)]
    pub fault: Vec<String>,
    /// Stop once this many distinct discrepancies were found.
    #[arg(long, value_name = "N")]
    pub max_discrepancies: Option<usize>,
    /// Re-runs allowed to shrink one discrepancy.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(0..=100_000))]
    pub shrink_runs: u64,
    /// Per-request timeout.
    #[arg(long, default_value = "30s", value_parser = parse_time)]
    pub timeout: Duration,
    /// The configuration file (default: paycheck.toml here or above).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Where to listen for callbacks, such as `0.0.0.0:8099` (default: loopback, an ephemeral port).
    #[arg(long, value_name = "ADDR")]
    pub callback_listen: Option<std::net::SocketAddr>,
    /// The URL a target elsewhere sends callbacks to, forwarding to `--callback-listen`: with it,
    /// callbacks are explored on a target that is not on this machine (as `paycheck run` does).
    #[arg(long, value_name = "URL", value_parser = super::run::parse_callback_url)]
    pub callback_url: Option<String>,
}

fn parse_time(text: &str) -> Result<Duration, String> {
    let duration = crate::suite::compile::parse_duration(text)?;
    if duration.is_zero() || duration > MAX_TIME {
        return Err(format!("`{text}` is out of range: more than zero and at most 7 days"));
    }
    Ok(duration)
}

/// Runs `paycheck explore`; returns the exit code.
pub async fn explore(args: ExploreArgs) -> i32 {
    let environment = Environment::from_process();
    let reports = match report_outputs(&args.reports) {
        Ok(reports) => reports,
        Err(message) => return invalid(&message),
    };
    let faults = match FaultSet::from_names(&args.fault) {
        Ok(faults) => faults,
        Err(error) => return invalid(&error.to_string()),
    };
    if !faults.is_empty() && args.target != embedded::NAME {
        return invalid("--fault applies to the embedded target only");
    }
    let (loaded, suite) = match suite_loading::load(args.config.as_deref(), &[]) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            suite_loading::print_diagnostics(&diagnostics);
            return exit_code::INVALID_SUITE;
        }
    };
    let profile = embedded::reference_profile();
    let target = match run::named_or_url_target(&args.target, &loaded, &profile, &environment) {
        Ok(target) => target,
        Err(diagnostics) => {
            suite_loading::print_diagnostics(&diagnostics);
            return exit_code::INVALID_SUITE;
        }
    };
    let (target, gateway) = match target {
        Some(target) => (target, None),
        None => match embedded::start_target(GatewayConfig { faults, ..GatewayConfig::reference() }).await {
            Ok((target, gateway)) => (target, Some(gateway)),
            Err(message) => {
                eprintln!("paycheck: {message}");
                return exit_code::TARGET_UNREACHABLE;
            }
        },
    };
    let masker = Masker::labelled(target_secrets(&target, loaded.config.targets.get(&target.name)));
    let jobs = args.jobs.map_or_else(engine::default_jobs, |j| j as usize);
    let seed = args.seed.unwrap_or_else(|| jiff::Timestamp::now().as_millisecond().unsigned_abs() % 1_000_000);
    let options = Options {
        seed,
        max_ops: args.ops.or(args.time.is_none().then_some(DEFAULT_OPS)),
        max_time: args.time,
        jobs,
        shard: args.shard.map(|s| (s.index, s.count)),
        out: (!args.no_write).then(|| args.out.clone()),
        shrink_runs: args.shrink_runs as usize,
        stop_after: args.max_discrepancies,
    };
    let code = explore_target(&target, &args, &options, masker, suite.schemas, &reports).await;
    if let Some(gateway) = gateway {
        gateway.shutdown().await;
    }
    code
}

fn invalid(message: &str) -> i32 {
    eprintln!("paycheck: {message}");
    exit_code::INVALID_SUITE
}

/// The reports asked for: explore's own document, and `run`'s formats.
#[derive(Debug, Default)]
struct Reports {
    explore: Option<PathBuf>,
    run: Vec<ReportSpec>,
}

/// Reads `--report FORMAT[=PATH]`: `explore[=PATH]` or one of `run`'s formats.
fn report_outputs(reports: &[String]) -> Result<Reports, String> {
    let mut outputs = Reports::default();
    for spec in reports {
        match spec.split_once('=') {
            Some(("explore", p)) if !p.is_empty() => outputs.explore = Some(PathBuf::from(p)),
            None if spec == "explore" => outputs.explore = Some(PathBuf::from("reports/explore.json")),
            _ => outputs.run.push(spec.parse::<ReportSpec>().map_err(|e| format!("--report `{spec}`: {e}"))?),
        }
    }
    Ok(outputs)
}

async fn explore_target(
    target: &crate::suite::target::Target,
    args: &ExploreArgs,
    options: &Options,
    masker: Masker,
    schemas: crate::suite::schema_registry::SchemaRegistry,
    reports: &Reports,
) -> i32 {
    for url in target.apis.values() {
        if let Err(message) = engine::http::probe_reachable(url, args.timeout).await {
            eprintln!("paycheck: the target is unreachable: {}", masker.mask(&message));
            return exit_code::TARGET_UNREACHABLE;
        }
    }
    let listener = crate::engine::callbacks::CallbackSettings {
        listen: args.callback_listen.unwrap_or(crate::engine::callbacks::CallbackSettings::default().listen),
        public_url: args.callback_url.clone(),
    };
    let connected =
        Explorer::connect_with(target, options.jobs, args.timeout, Arc::new(schemas), masker.clone(), &listener).await;
    let explorer = match connected {
        Ok(explorer) => explorer,
        Err(message) => {
            eprintln!("paycheck: {}", masker.mask(&message));
            return exit_code::TARGET_UNREACHABLE;
        }
    };
    if let Err(message) = preflight(explorer.wire(), target).await {
        eprintln!("paycheck: {}", masker.mask(&message));
        return exit_code::TARGET_UNREACHABLE;
    }
    let outcome = explorer.explore(options).await;
    explorer.shutdown().await;
    print!("{}", masker.mask(&report::terminal(&outcome, options, &target.name)));
    if let Some(path) = &reports.explore {
        let document = report::json(&outcome, options, &target.name);
        let text = masker.mask(&serde_json::to_string_pretty(&document).unwrap_or_default());
        match crate::atomic_file::write(path, text.as_bytes()) {
            Ok(()) => println!("paycheck: wrote the explore report to {}", path.display()),
            Err(message) => eprintln!("paycheck: {message}"),
        }
    }
    if !reports.run.is_empty() {
        let url = target.root.clone().or_else(|| target.apis.values().next().cloned()).unwrap_or_default();
        let record = crate::explore::record::run_record(&outcome, options, &target.name, &masker.mask(&url));
        for spec in &reports.run {
            match files::write(spec, &record) {
                Ok(()) => println!("paycheck: wrote the {} report to {}", spec.format.name(), spec.path.display()),
                Err(message) => eprintln!("paycheck: {message}"),
            }
        }
    }
    if outcome.failure.is_some() {
        exit_code::TARGET_UNREACHABLE
    } else if outcome.discrepancies.is_empty() {
        exit_code::SUCCESS
    } else {
        exit_code::CASES_FAILED
    }
}

/// Checks the main merchant's credentials as `paycheck run`'s preflight does
/// ([`credentials::check`]) on one family the target offers.
async fn preflight(wire: &Wire, target: &Target) -> Result<(), String> {
    if !wire.has_merchant(MAIN_ROLE) {
        return Err("the target has no `main` merchant to explore as".into());
    }
    let api = if wire.offers(Family::Router) { Api::Router } else { Api::Bank };
    match credentials::check(wire.client(), target, MAIN_ROLE, api).await {
        credentials::Answer::Refused(code, _) => {
            Err(format!("the target refused the main merchant's credentials (errorCode {code})"))
        }
        credentials::Answer::Accepted | credentials::Answer::Inconclusive => Ok(()),
    }
}
