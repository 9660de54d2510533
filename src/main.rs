//! The `paycheck` command line: argument parsing and dispatch, nothing else.

use clap::{Parser, Subcommand};
use paycheck::commands::{check, list, run};

/// Contract tests and conformance for payment gateway APIs, with a reference gateway.
#[derive(Debug, Parser)]
#[command(name = "paycheck", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the suite against a target (default: the embedded reference gateway).
    Run(run::RunArgs),
    /// Validate every case, schema and clause reference; send nothing.
    Check(check::CheckArgs),
    /// List the cases, with their APIs, tags and clauses.
    List(list::ListArgs),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => match tokio::runtime::Runtime::new() {
            Ok(runtime) => runtime.block_on(run::run(args)),
            Err(error) => {
                eprintln!("paycheck: cannot start the async runtime: {error}");
                paycheck::exit_code::INVALID_SUITE
            }
        },
        Command::Check(args) => check::check(&args),
        Command::List(args) => list::list(&args),
    };
    std::process::exit(code);
}
