//! The subcommands, one file each. `main.rs` parses arguments and calls these.

pub mod check;
mod compare_with;
pub mod embedded;
pub mod explore;
pub mod faults;
pub mod list;
pub mod proxy;
pub mod report;
pub mod run;
mod run_outputs;
pub mod runtime;
pub mod serve;
pub mod snapshots;
mod suite_loading;
