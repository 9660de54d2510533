//! `paycheck serve`: the reference gateway as a server.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use crate::exit_code;
use crate::gateway::{ClockMode, ConnectionLimits, FaultSet, GatewayConfig, RunningGateway, StoreLimits};

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
    let gateway = match RunningGateway::start(config, args.addr).await {
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
    let _ = out.flush();
    let _ = tokio::signal::ctrl_c().await;
    gateway.shutdown().await;
    exit_code::SUCCESS
}
