//! The async runtime a command runs on.

use std::future::Future;

use crate::exit_code;

/// The threads an async command runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// One thread for everything: a client whose target is another process (a URL, a named
    /// target) spends its time on its sockets, and keeping its tasks on one thread spares every
    /// request the wake-ups across threads. Measured on 2 cores against `paycheck serve`: 1,000
    /// register → status scenarios in 80 ms instead of 112, on 48–85 ms of CPU instead of 158.
    One,
    /// A worker per core: the servers (`serve`, `proxy`), and a run that carries the reference
    /// gateway in-process, whose client and gateway then share the cores.
    PerCore,
}

/// Runs `command` to its exit code on a runtime with `threads`.
pub fn block_on(threads: Threads, command: impl Future<Output = i32>) -> i32 {
    let runtime = match threads {
        Threads::One => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        Threads::PerCore => tokio::runtime::Runtime::new(),
    };
    match runtime {
        Ok(runtime) => runtime.block_on(command),
        Err(error) => {
            eprintln!("paycheck: cannot start the async runtime: {error}");
            exit_code::INVALID_SUITE
        }
    }
}
