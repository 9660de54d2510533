//! `paycheck list`: the cases, with their APIs, tags and clauses.

use std::io::Write;
use std::path::PathBuf;

use crate::exit_code;

use super::suite_loading;

/// Arguments of `paycheck list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Case files or folders (default: the suite's `cases/` folder).
    pub paths: Vec<PathBuf>,
    /// The configuration file (default: `paycheck.toml` here or in a parent folder).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Print one case file as it runs: its folder defaults applied and its fragment calls
    /// replaced by their steps, as YAML.
    #[arg(long, value_name = "CASE")]
    pub expanded: Option<PathBuf>,
}

/// Runs the command and returns the exit code.
pub fn list(args: &ListArgs) -> i32 {
    let mut out = std::io::stdout().lock();
    if let Some(case) = &args.expanded {
        return match suite_loading::expand(args.config.as_deref(), case) {
            Ok(text) => {
                let _ = write!(out, "{text}");
                exit_code::SUCCESS
            }
            Err(diagnostics) => {
                suite_loading::print_diagnostics(&diagnostics);
                exit_code::INVALID_SUITE
            }
        };
    }
    let (suite, origin) = match suite_loading::load_with_origin(args.config.as_deref(), &args.paths) {
        Ok((loaded, suite, origin)) => (suite, origin.describe(&loaded)),
        Err(diagnostics) => {
            suite_loading::print_diagnostics(&diagnostics);
            return exit_code::INVALID_SUITE;
        }
    };
    for case in &suite.cases {
        let apis: Vec<&str> = case.apis.iter().map(|api| api.name()).collect();
        let _ = writeln!(out, "{}", case.path());
        let _ = writeln!(out, "    name:   {}", case.name);
        if let Some(variant) = &case.variant {
            let _ = writeln!(out, "    matrix: {variant}");
        }
        let _ = writeln!(out, "    apis:   {}", apis.join(", "));
        if !case.tags.is_empty() {
            let _ = writeln!(out, "    tags:   {}", case.tags.join(", "));
        }
        if !case.covers.is_empty() {
            let _ = writeln!(out, "    covers: {}", case.covers.join(", "));
        }
    }
    let _ = writeln!(out, "{} cases, from {origin}", suite.cases.len());
    exit_code::SUCCESS
}
