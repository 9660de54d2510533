//! The `paycheck` command line: argument parsing and dispatch, nothing else.

use clap::{Parser, Subcommand};
use paycheck::commands::runtime::{Threads, block_on};
use paycheck::commands::{check, explore, faults, list, proxy, report, run, serve, snapshots};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay`: its place in `mi_option_e` (mimalloc.h, v2 and v3 alike; the sys
/// crate names only some options).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long mimalloc keeps freed memory before giving it back, in milliseconds. With its default
/// (10) a hostile target's huge answers held 240 MB at the peak, with 1 about 170 (glibc's
/// malloc: about 155); giving it back at once (0) costs a third more system time on every run.
const PURGE_DELAY_MS: std::ffi::c_long = 1;

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
    Run(Box<run::RunArgs>),
    /// Validate every case, schema and clause reference; send nothing.
    Check(check::CheckArgs),
    /// List the cases, with their APIs, tags and clauses.
    List(list::ListArgs),
    /// Review, accept or reject pending snapshots (`.snap.new` files under snapshots/).
    Snapshots(snapshots::SnapshotsArgs),
    /// Merge the JSON reports of a sharded run into one run (`paycheck report merge A.json B.json --report html`).
    Report(report::ReportArgs),
    /// Serve the reference gateway.
    Serve(serve::ServeArgs),
    /// A validating proxy in front of any gateway: forwards every exchange unchanged and records
    /// the requests that break the client contract and the answers that break their schemas.
    Proxy(proxy::ProxyArgs),
    /// List the reference gateway's faults: name, the clause it breaks, description.
    Faults,
    /// Explore a target with random operation sequences, the reference model as the oracle.
    Explore(Box<explore::ExploreArgs>),
}

fn main() {
    // SAFETY: sets one of mimalloc's options, by its documented index, before any thread starts.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => block_on(run::threads(&args), run::run(*args)),
        Command::Serve(args) => block_on(Threads::PerCore, serve::serve(args)),
        Command::Proxy(args) => block_on(Threads::PerCore, proxy::proxy(args)),
        Command::Check(args) => check::check(&args),
        Command::List(args) => list::list(&args),
        Command::Faults => faults::faults(),
        Command::Explore(args) => block_on(Threads::PerCore, explore::explore(*args)),
        Command::Snapshots(args) => snapshots::snapshots(&args),
        Command::Report(args) => report::report(&args),
    };
    std::process::exit(code);
}
