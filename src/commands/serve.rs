//! `paycheck serve`: the reference gateway as a server.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::exit_code;
use crate::gateway::strict::{self, ProjectKeys, Session};
use crate::gateway::{ClockMode, ConnectionLimits, FaultSet, GatewayConfig, RunningGateway, StoreLimits};
use crate::report::files::{self, ReportSpec};

/// Arguments of `paycheck serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// `real`, or `manual`: time only moves through POST /_paycheck/clock/advance (plus real time).
    #[arg(long, default_value = "real", value_parser = ["real", "manual"])]
    pub clock: String,
    /// Switch a fault on (repeatable); `paycheck faults` lists them.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Seconds a client has to send a request's headers before its connection is closed.
    #[arg(long, value_name = "SECS", default_value_t = ConnectionLimits::default().header_read_timeout.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Connections served at once; more clients wait until one closes.
    #[arg(long, value_name = "N", default_value_t = ConnectionLimits::default().max_connections,
          value_parser = positive)]
    pub max_connections: usize,
    /// Seconds a finished order (declined, reversed, refunded in full) is kept before removal.
    #[arg(long, value_name = "SECS", default_value_t = StoreLimits::default().retention.as_secs())]
    pub order_retention: u64,
    /// Most orders held at once; when full, the earliest finished make room, else register.do
    /// answers error 7.
    #[arg(long, value_name = "N", default_value_t = StoreLimits::default().max_entries, value_parser = positive)]
    pub max_orders: usize,
    /// Check every request against the client contract (docs/sdk-gating.md): answers are
    /// unchanged but carry X-Paycheck-Violations; GET /_paycheck/violations lists them; on
    /// SIGINT or SIGTERM a summary, the reports, and exit code 1 if any request broke a clause.
    #[arg(long)]
    pub strict: bool,
    /// With --strict: a line per request on stderr (method, path, answer, violations).
    #[arg(long, requires = "strict")]
    pub log_requests: bool,
    /// With --strict: write the session's report when it ends, `junit|json|html[=PATH]`
    /// (repeatable): one test case per clause exercised.
    #[arg(long = "report", value_name = "FORMAT[=PATH]", requires = "strict")]
    pub reports: Vec<ReportSpec>,
}

fn positive(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("expected a positive integer".into()),
    }
}

/// Serves until Ctrl-C; returns the exit code.
pub async fn serve(args: ServeArgs) -> i32 {
    let faults = match FaultSet::from_names(&args.faults) {
        Ok(faults) => faults,
        Err(unknown) => {
            eprintln!("paycheck: unknown fault `{}`; `paycheck faults` lists them", unknown.0);
            return exit_code::INVALID_SUITE;
        }
    };
    let clock = if args.clock == "manual" { ClockMode::Manual } else { ClockMode::Real };
    let config = GatewayConfig {
        clock,
        faults: faults.clone(),
        connections: ConnectionLimits {
            header_read_timeout: Duration::from_secs(args.header_timeout),
            max_connections: args.max_connections,
        },
        orders: StoreLimits { retention: Duration::from_secs(args.order_retention), max_entries: args.max_orders },
        ..GatewayConfig::reference()
    };
    let session = args.strict.then(|| Arc::new(session_for(&config, args.log_requests)));
    let started = (jiff::Timestamp::now(), Instant::now());
    let gateway = match &session {
        Some(session) => RunningGateway::start_strict(config, args.addr, Arc::clone(session)).await,
        None => RunningGateway::start(config, args.addr).await,
    };
    let gateway = match gateway {
        Ok(gateway) => gateway,
        Err(error) => {
            eprintln!("paycheck: cannot listen on {}: {error}", args.addr);
            return exit_code::TARGET_UNREACHABLE;
        }
    };
    // Writes ignore errors: a closed stdout must not stop the server.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "paycheck: reference gateway listening on {}", gateway.url());
    let _ = writeln!(out, "  router API: {0}/v1   bank API: {0}/payment/rest", gateway.url());
    if clock == ClockMode::Manual {
        let _ =
            writeln!(out, "  manual clock: GET {0}/_paycheck/clock, POST {0}/_paycheck/clock/advance", gateway.url());
    }
    for fault in faults.iter() {
        let _ = writeln!(out, "  fault on: {} (breaks {})", fault.name(), fault.clause());
    }
    if session.is_some() {
        let _ = writeln!(
            out,
            "  strict: every request checked against the client contract; GET {}/_paycheck/violations",
            gateway.url()
        );
    }
    let _ = out.flush();
    let Some(session) = session else {
        let _ = tokio::signal::ctrl_c().await;
        gateway.shutdown().await;
        return exit_code::SUCCESS;
    };
    until_stopped().await;
    let target = gateway.url();
    gateway.shutdown().await;
    end_session(&session, &target, started, &args.reports)
}

/// The strict session of a gateway: its merchants' passwords and tokens and its projects' keys
/// are masked; the keys check Gate signatures.
fn session_for(config: &GatewayConfig, log_requests: bool) -> Session {
    let mut secrets = Vec::new();
    for merchant in &config.merchants {
        secrets.push(merchant.password.clone());
        secrets.extend(merchant.api_token.iter().cloned());
        secrets.extend(merchant.callback_token.iter().cloned());
    }
    let keys: ProjectKeys = config.projects.iter().map(|p| (p.project_id, p.secret_key.clone())).collect();
    Session::new(secrets, keys, log_requests)
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM.
pub(crate) async fn until_stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Ends a strict session: prints its summary, writes its reports, and returns the exit code
/// (1 when any exchange broke a clause, 0 otherwise; a report that cannot be written is 2).
pub(crate) fn end_session(
    session: &Session,
    target: &str,
    started: (jiff::Timestamp, Instant),
    reports: &[ReportSpec],
) -> i32 {
    let mut out = std::io::stdout();
    let _ = write!(out, "{}", strict::report::summary(session));
    let _ = out.flush();
    let record = strict::report::run_record(session, target, started.0, started.1.elapsed());
    let mut failed_write = false;
    for spec in reports {
        match files::write(spec, &record) {
            Ok(()) => {
                let _ = writeln!(out, "paycheck: wrote the {} report to {}", spec.format.name(), spec.path.display());
            }
            Err(error) => {
                eprintln!("paycheck: cannot write {}: {error}", spec.path.display());
                failed_write = true;
            }
        }
    }
    if session.any_violation() {
        exit_code::CASES_FAILED
    } else if failed_write {
        exit_code::INVALID_SUITE
    } else {
        exit_code::SUCCESS
    }
}
