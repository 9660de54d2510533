//! `paycheck proxy`: the validating proxy (docs/sdk-gating.md).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::http::parse_size;
use crate::exit_code;
use crate::gateway::strict::{ProjectKeys, Session};
use crate::proxy::{ProxySettings, RunningProxy};
use crate::report::files::ReportSpec;
use crate::runner::Environment;
use crate::suite::builtin::{self, BuiltinSuite};
use crate::suite::schema_registry::SchemaRegistry;

use super::serve::{end_session, until_stopped};

/// Arguments of `paycheck proxy`.
#[derive(Debug, clap::Args)]
pub struct ProxyArgs {
    /// The gateway's root, as `paycheck run --target` takes it (`https://api.uat.example.com`).
    #[arg(long, value_name = "URL")]
    pub upstream: url::Url,
    /// Where the proxy listens; a loopback address unless --allow-remote.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    /// Allow --listen on an address other than loopback: anyone who can reach it can send through it.
    #[arg(long)]
    pub allow_remote: bool,
    /// Gate the session: exit 1 when any exchange broke a clause (without it the proxy records and
    /// reports, and exits 0).
    #[arg(long)]
    pub strict: bool,
    /// A line per exchange on stderr (method, path, answer, violations).
    #[arg(long)]
    pub log_requests: bool,
    /// Write the session's report when it ends, `junit|json|html[=PATH]` (repeatable).
    #[arg(long = "report", value_name = "FORMAT[=PATH]")]
    pub reports: Vec<ReportSpec>,
    /// A Gate project's secret key, from an environment variable: `PROJECT_ID=ENV_NAME`
    /// (repeatable); the proxy then checks that project's signatures (client.gate-signature).
    #[arg(long = "gate-key", value_name = "PROJECT_ID=ENV_NAME")]
    pub gate_keys: Vec<String>,
    /// Largest request or answer body forwarded (counted decompressed for checks).
    #[arg(long, value_name = "SIZE", default_value = "8MiB", value_parser = parse_size)]
    pub max_body: usize,
    /// Seconds the upstream has to answer.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
}

/// Proxies until SIGINT or SIGTERM; returns the exit code.
pub async fn proxy(args: ProxyArgs) -> i32 {
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        eprintln!(
            "paycheck: --listen {} is not a loopback address; add --allow-remote to accept other machines",
            args.listen
        );
        return exit_code::INVALID_SUITE;
    }
    if !matches!(args.upstream.scheme(), "http" | "https") {
        eprintln!("paycheck: --upstream must be an http or https URL");
        return exit_code::INVALID_SUITE;
    }
    let environment = Environment::from_process();
    let keys = match gate_keys(&args.gate_keys, &environment) {
        Ok(keys) => keys,
        Err(message) => {
            eprintln!("paycheck: {message}");
            return exit_code::INVALID_SUITE;
        }
    };
    let schemas = match BuiltinSuite::materialise(&builtin::default_cache(&environment.variables)) {
        Ok(suite) => SchemaRegistry::load(&suite.schemas()).0,
        Err(message) => {
            eprintln!("paycheck: {message}");
            return exit_code::INVALID_SUITE;
        }
    };
    let session = Arc::new(Session::new(Vec::new(), keys, args.log_requests));
    let settings = ProxySettings {
        upstream: args.upstream.clone(),
        max_body: args.max_body,
        timeout: Duration::from_secs(args.timeout),
    };
    let started = (jiff::Timestamp::now(), Instant::now());
    let proxy = match RunningProxy::start(settings, Arc::clone(&session), Arc::new(schemas), args.listen).await {
        Ok(proxy) => proxy,
        Err(message) => {
            eprintln!("paycheck: {message}");
            return exit_code::TARGET_UNREACHABLE;
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "paycheck: proxy listening on {} for {}", proxy.url(), args.upstream);
    let _ = writeln!(out, "  violations: GET {}/_paycheck/violations", proxy.url());
    let _ = out.flush();
    until_stopped().await;
    proxy.shutdown().await;
    let code = end_session(&session, args.upstream.as_str(), started, &args.reports);
    if args.strict || code != exit_code::CASES_FAILED { code } else { exit_code::SUCCESS }
}

fn gate_keys(specs: &[String], environment: &Environment) -> Result<ProjectKeys, String> {
    let mut keys = ProjectKeys::new();
    for spec in specs {
        let (project, name) =
            spec.split_once('=').ok_or_else(|| format!("--gate-key `{spec}`: expected PROJECT_ID=ENV_NAME"))?;
        let project: u64 =
            project.trim().parse().map_err(|_| format!("--gate-key `{spec}`: `{project}` is not a project id"))?;
        let key = environment
            .variables
            .get(name.trim())
            .filter(|key| !key.is_empty())
            .ok_or_else(|| format!("--gate-key `{spec}`: the environment variable `{name}` is not set"))?;
        keys.insert(project, key.clone());
    }
    Ok(keys)
}
