//! `paycheck report merge`: the JSON reports of a sharded run merged into one run, written in
//! any report format, with one conformance verdict.

use std::path::PathBuf;

use crate::exit_code;
use crate::report::files::{self, ReportSpec};
use crate::report::merge;
use crate::suite::clauses::ClauseCatalogue;
use crate::suite::config;

use super::suite_loading;

/// Arguments of `paycheck report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// What to do with reports.
    #[command(subcommand)]
    pub action: ReportAction,
}

/// What `paycheck report` does.
#[derive(Debug, clap::Subcommand)]
pub enum ReportAction {
    /// Merge the JSON reports of the shards of one run (`--shard K/N`) into one run.
    Merge {
        /// The shards' JSON reports.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Write the merged run: `junit`, `json` or `html`, with `=PATH` or in reports/ (repeatable).
        #[arg(long = "report", value_name = "FORMAT[=PATH]", required = true)]
        outputs: Vec<ReportSpec>,
        /// The configuration file (default: `paycheck.toml` here or in a parent folder); its
        /// clause catalogue judges the merged run.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// Runs the command and returns the exit code: the merged run's.
pub fn report(args: &ReportArgs) -> i32 {
    let ReportAction::Merge { reports, outputs, config } = &args.action;
    let loaded = match config::load(config.as_deref()) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            suite_loading::print_diagnostics(&diagnostics);
            return exit_code::INVALID_SUITE;
        }
    };
    let catalogue = match ClauseCatalogue::load(&loaded.clauses_path()) {
        Ok(catalogue) => catalogue,
        Err(diagnostics) => {
            suite_loading::print_diagnostics(&diagnostics);
            return exit_code::INVALID_SUITE;
        }
    };
    let record = match merge::merge(reports, &catalogue) {
        Ok(record) => record,
        Err(message) => {
            eprintln!("paycheck: {message}");
            return exit_code::INVALID_SUITE;
        }
    };
    for spec in outputs {
        if let Err(message) = files::write(spec, &record) {
            eprintln!("paycheck: {message}");
            return exit_code::INVALID_SUITE;
        }
        println!("paycheck: wrote the merged {} report to {}", spec.format.name(), spec.path.display());
    }
    let summary = &record.summary;
    println!(
        "paycheck: {} reports merged: {} cases: {} passed, {} failed, {} skipped, {} errored",
        reports.len(),
        summary.total(),
        summary.passed,
        summary.failed,
        summary.skipped,
        summary.errored
    );
    if let Some(conformance) = &record.conformance {
        println!("{}", conformance.score_line());
    }
    summary.exit_code()
}
