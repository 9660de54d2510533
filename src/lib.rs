//! paycheck: a contract-testing and conformance suite for payment gateway APIs.
//!
//! The crate holds three things that only make sense together: the suite (YAML cases and JSON
//! Schemas), the runner that executes it against a target, and the reference gateway that is the
//! default target.

pub mod gateway;
