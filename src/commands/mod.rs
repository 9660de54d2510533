//! The subcommands, one file each. `main.rs` parses arguments and calls these.

pub mod check;
mod embedded;
pub mod list;
pub mod run;
mod suite_loading;
