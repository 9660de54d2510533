//! The command line end to end, in one test binary: `paycheck run` against stub servers and the
//! reference gateway, callbacks, reports, snapshots, and the scan for leaked secrets.

mod callbacks;
mod embedded;
mod explore;
mod hostile_target;
mod reports_e2e;
mod reports_support;
mod run;
mod sdk_gating;
mod secrets_scan;
mod snapshot_all;
mod snapshot_workflow;
mod support;
mod verdicts;
