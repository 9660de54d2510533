//! The subcommands, one file each. `main.rs` parses arguments and calls these.

pub mod check;
pub mod embedded;
pub mod faults;
pub mod list;
pub mod run;
pub mod serve;
mod suite_loading;
