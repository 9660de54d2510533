//! `paycheck serve`: the reference gateway as a server.

use std::io::Write;
use std::net::SocketAddr;

use crate::exit_code;
use crate::gateway::{ClockMode, FaultSet, GatewayConfig, RunningGateway};

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
    let config = GatewayConfig { clock, faults: faults.clone(), ..GatewayConfig::reference() };
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
