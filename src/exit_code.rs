//! The process exit codes, one named constant each, documented in the README.

/// Every selected case passed (skipped cases do not count against a run).
pub const SUCCESS: i32 = 0;
/// At least one case failed: the target does not behave as the suite says.
pub const CASES_FAILED: i32 = 1;
/// The suite, the configuration or the command line is invalid; nothing was sent.
pub const INVALID_SUITE: i32 = 2;
/// The target could not be reached at all: an infrastructure problem, not a contract failure.
pub const TARGET_UNREACHABLE: i32 = 3;
