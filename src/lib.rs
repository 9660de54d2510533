//! paycheck: a contract-testing and conformance suite for payment gateway APIs.
//!
//! The crate holds three things that only make sense together: the suite (YAML cases and JSON
//! Schemas), the runner that executes it against a target, and the reference gateway that is the
//! default target.
//!
//! Layers, as data flows: [`suite`] loads case files into a typed model (with source spans for
//! every error), [`engine`] runs them against a target and emits [`report::Event`]s, [`check`]
//! holds the checks a step makes, and [`report`] renders events for people and machines.

pub mod atomic_file;
pub mod baseline;
pub mod check;
pub mod commands;
pub mod engine;
pub mod exit_code;
pub mod explore;
pub mod gateway;
pub mod outcome;
pub mod proxy;
pub mod report;
pub mod runner;
pub mod secret;
pub mod signature;
pub mod snapshot;
pub mod suite;
pub mod template;
pub mod text;
pub mod tls;
