//! `paycheck check`: validate every case, schema, clause reference and the configuration; send nothing.

use std::io::Write;
use std::path::PathBuf;

use crate::exit_code;

use super::suite_loading;

/// Arguments of `paycheck check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Case files or folders (default: the suite's `cases/` folder).
    pub paths: Vec<PathBuf>,
    /// The configuration file (default: `paycheck.toml` here or in a parent folder).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// Runs the command and returns the exit code.
pub fn check(args: &CheckArgs) -> i32 {
    let mut out = std::io::stdout().lock();
    match suite_loading::load_with_origin(args.config.as_deref(), &args.paths) {
        Ok((loaded, suite, origin)) => {
            let schema_errors = suite.schemas.check_all();
            if !schema_errors.is_empty() {
                suite_loading::print_diagnostics(&schema_errors);
                return exit_code::INVALID_SUITE;
            }
            let _ = writeln!(out, "paycheck: {}", origin.describe(&loaded));
            let covered: std::collections::BTreeSet<&str> =
                suite.cases.iter().flat_map(|case| case.covers.iter().map(String::as_str)).collect();
            let client = suite.clauses.clauses().iter().filter(|clause| clause.is_client()).count();
            let _ = writeln!(
                out,
                "paycheck: the suite is valid: {} cases, {} schemas, {} clauses ({} covered by a case; {client} of the client contract, checked by serve --strict and proxy)",
                suite.cases.len(),
                suite.schemas.len(),
                suite.clauses.len(),
                covered.len()
            );
            let levels: Vec<String> = suite
                .clauses
                .count_by_level()
                .into_iter()
                .map(|(level, count)| format!("{count} {}", level.name()))
                .collect();
            if !levels.is_empty() {
                let _ = writeln!(out, "paycheck: clauses by level (spec 8.2): {}", levels.join(", "));
            }
            exit_code::SUCCESS
        }
        Err(diagnostics) => {
            suite_loading::print_diagnostics(&diagnostics);
            exit_code::INVALID_SUITE
        }
    }
}
