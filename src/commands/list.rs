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
    /// Print only the matrix cases, one line per cell (a run's values) with the clauses it
    /// covers: which cells of the systematic dimensions the suite covers.
    #[arg(long, conflicts_with = "expanded")]
    pub cells: bool,
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
    if args.cells {
        write_cells(&mut out, &suite.cases);
        return exit_code::SUCCESS;
    }
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

/// The matrix cases, each with its cells (one per run's values) and what each covers.
fn write_cells(out: &mut impl Write, cases: &[std::sync::Arc<crate::suite::case::Case>]) {
    let mut files = 0;
    let mut cells = 0;
    let mut runs = 0;
    let matrix_cases = cases.iter().filter(|case| case.variant.is_some());
    let mut by_file: indexmap::IndexMap<String, Vec<&crate::suite::case::Case>> = indexmap::IndexMap::new();
    for case in matrix_cases {
        by_file.entry(case.file.display_path()).or_default().push(case);
    }
    for (file, rows) in &by_file {
        files += 1;
        cells += rows.len();
        runs += rows.iter().map(|case| case.apis.len()).sum::<usize>();
        let apis: Vec<&str> = rows[0].apis.iter().map(|api| api.name()).collect();
        let _ = writeln!(out, "{file}: {} cells, each on {}", rows.len(), apis.join(", "));
        let width = rows.iter().filter_map(|case| case.variant.as_ref()).map(|v| v.chars().count()).max().unwrap_or(0);
        for case in rows {
            let variant = case.variant.as_deref().unwrap_or_default();
            let _ = writeln!(out, "    {variant:<width$}  {}", case.covers.join(", "));
        }
    }
    let _ = writeln!(out, "{files} matrix cases, {cells} cells, {runs} case runs");
}
