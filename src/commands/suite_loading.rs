//! Loading the configuration and the suite for a command, printing diagnostics on failure.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::suite::config::{self, LoadedConfig};
use crate::suite::diagnostic::Diagnostics;
use crate::suite::{self, Suite, SuitePaths};

/// Prints diagnostics on stderr, styled when stderr is a terminal.
pub fn print_diagnostics(diagnostics: &Diagnostics) {
    let styled = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    eprint!("{}", diagnostics.render(styled));
    let count = diagnostics.len();
    eprintln!("paycheck: {count} error{} found; nothing was sent", if count == 1 { "" } else { "s" });
}

/// Loads `paycheck.toml` and the suite (the given paths, or the configured cases folder).
pub fn load(config_path: Option<&std::path::Path>, paths: &[PathBuf]) -> Result<(LoadedConfig, Suite), Diagnostics> {
    let loaded = config::load(config_path)?;
    let cases = if paths.is_empty() { vec![loaded.cases_dir()] } else { paths.to_vec() };
    let suite = suite::load(&SuitePaths { cases, schemas: loaded.schemas_dir(), clauses: loaded.clauses_path() })?;
    Ok((loaded, suite))
}
