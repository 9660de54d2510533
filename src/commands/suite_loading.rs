//! Loading the configuration and the suite for a command, printing diagnostics on failure.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::suite::builtin::{self, BuiltinSuite};
use crate::suite::config::{self, LoadedConfig};
use crate::suite::diagnostic::{Diagnostic, Diagnostics};
use crate::suite::{self, Suite, SuitePaths};

/// Prints diagnostics on stderr, styled when stderr is a terminal.
pub fn print_diagnostics(diagnostics: &Diagnostics) {
    let styled = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    eprint!("{}", diagnostics.render(styled));
    let count = diagnostics.len();
    eprintln!("paycheck: {count} error{} found; nothing was sent", if count == 1 { "" } else { "s" });
}

/// Which suite a command loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuiteOrigin {
    /// The project's (`paycheck.toml`, or `cases/` in the current folder): it replaces the
    /// built-in suite.
    Project,
    /// The suite compiled into paycheck, written to a cache folder.
    Builtin,
    /// The case files given on the command line, with the built-in schemas and clause catalogue.
    GivenWithBuiltin,
}

impl SuiteOrigin {
    /// One line for `paycheck list` and `check`.
    pub fn describe(&self, loaded: &LoadedConfig) -> String {
        match self {
            SuiteOrigin::Project => format!(
                "the project's suite ({}), which replaces the built-in one",
                loaded.path.as_ref().map_or_else(|| "cases/ here".to_string(), |path| path.display().to_string())
            ),
            SuiteOrigin::Builtin => format!("the built-in suite of paycheck {}", env!("CARGO_PKG_VERSION")),
            SuiteOrigin::GivenWithBuiltin => {
                "the case files given, with the built-in schemas and clause catalogue".to_string()
            }
        }
    }
}

/// Loads `paycheck.toml` and the suite: in a project (a `paycheck.toml` here or above, or a
/// `cases/` folder here), the project's suite (the given paths, or its cases folder); anywhere
/// else, the suite compiled into paycheck (or the given paths with its schemas and clauses).
pub fn load(config_path: Option<&std::path::Path>, paths: &[PathBuf]) -> Result<(LoadedConfig, Suite), Diagnostics> {
    load_with_origin(config_path, paths).map(|(loaded, suite, _)| (loaded, suite))
}

/// [`load`], also saying which suite it loaded.
pub fn load_with_origin(
    config_path: Option<&std::path::Path>,
    paths: &[PathBuf],
) -> Result<(LoadedConfig, Suite, SuiteOrigin), Diagnostics> {
    let loaded = config::load(config_path)?;
    let in_project = loaded.path.is_some() || std::path::Path::new("cases").is_dir();
    let variables: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    let cache = builtin::default_cache(&variables);
    if in_project {
        let cases = if paths.is_empty() { vec![loaded.cases_dir()] } else { paths.to_vec() };
        let suite = suite::load(&SuitePaths {
            cases,
            schemas: loaded.schemas_dir(),
            clauses: loaded.clauses_path(),
            shown_from: None,
            clause_cache: Some(cache),
        })?;
        return Ok((loaded, suite, SuiteOrigin::Project));
    }
    let builtin =
        BuiltinSuite::materialise(&cache).map_err(|message| Diagnostics::from(Diagnostic::general(message)))?;
    let (cases, origin) = if paths.is_empty() {
        (vec![builtin.cases()], SuiteOrigin::Builtin)
    } else {
        (paths.to_vec(), SuiteOrigin::GivenWithBuiltin)
    };
    let suite = suite::load(&SuitePaths {
        cases,
        schemas: builtin.schemas(),
        clauses: builtin.clauses(),
        shown_from: Some(builtin.root.clone()),
        clause_cache: Some(cache),
    })?;
    Ok((loaded, suite, origin))
}
