//! Loading the suite: case files into a typed model with source spans, the schema registry, the
//! clause catalogue, and the configuration of targets. Every mistake is reported with its file,
//! line and column before anything is sent.

pub mod api;
pub mod builtin;
pub mod capabilities;
pub mod case;
pub mod case_format;
pub mod clauses;
pub mod compile;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod needs;
mod parallel;
pub mod schema_registry;
pub mod source;
pub mod suggest;
pub mod target;
mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use case::Case;
use clauses::ClauseCatalogue;
use compile::CompileContext;
use diagnostic::{Diagnostic, Diagnostics};
use schema_registry::SchemaRegistry;
use source::{SourceFile, SourceSpan};

/// A loaded suite: compiled cases, the schemas they use, and the clause catalogue.
pub struct Suite {
    /// The cases, sorted by path.
    pub cases: Vec<Arc<Case>>,
    /// Every schema under `schemas/`.
    pub schemas: SchemaRegistry,
    /// The clause catalogue.
    pub clauses: ClauseCatalogue,
}

/// Where to load the suite from.
pub struct SuitePaths {
    /// Case files or folders.
    pub cases: Vec<PathBuf>,
    /// The schemas folder.
    pub schemas: PathBuf,
    /// The clause catalogue.
    pub clauses: PathBuf,
    /// Case files under this folder are shown relative to it (the built-in suite, written to a
    /// cache folder, shows as `cases/...`).
    pub shown_from: Option<PathBuf>,
    /// Where a parsed copy of the clause catalogue is kept between runs (`None`: parse every time).
    pub clause_cache: Option<PathBuf>,
}

/// Loads everything, reporting every problem found (not just the first).
pub fn load(paths: &SuitePaths) -> Result<Suite, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    // The schemas and the clause catalogue are independent, and each costs a few milliseconds of
    // every start: read them at the same time.
    let ((schemas, schema_errors), clauses) = parallel::join(
        || SchemaRegistry::load(&paths.schemas),
        || match &paths.clause_cache {
            Some(cache) => ClauseCatalogue::load_cached(&paths.clauses, cache),
            None => ClauseCatalogue::load(&paths.clauses),
        },
    );
    diagnostics.0.extend(schema_errors.0);
    let clauses = clauses.unwrap_or_else(|errors| {
        diagnostics.0.extend(errors.0);
        ClauseCatalogue::default()
    });
    let files = match discover::case_files(&paths.cases) {
        Ok(files) => files,
        Err(errors) => {
            diagnostics.0.extend(errors.0);
            Vec::new()
        }
    };
    let context = CompileContext { schemas: &schemas, clauses: &clauses };
    let shown_from = paths.shown_from.as_deref();
    let compiled = parallel::map_in_order(&files, |path| load_case(path, shown_from, &context));
    let mut cases: Vec<Arc<Case>> = Vec::new();
    let mut names: BTreeMap<String, SourceSpan> = BTreeMap::new();
    for loaded in compiled {
        match loaded {
            Ok(case) => {
                let span = SourceSpan::new(&case.file, 0..0);
                if let Some(first) = names.get(&case.name) {
                    diagnostics.push(
                        Diagnostic::at(span, format!("two cases are named \"{}\"", case.name))
                            .with_help(format!("the other one is {}; case names must be unique", first.position())),
                    );
                } else {
                    names.insert(case.name.clone(), span);
                }
                cases.push(Arc::new(case));
            }
            Err(errors) => diagnostics.0.extend(errors.0),
        }
    }
    if diagnostics.is_empty() { Ok(Suite { cases, schemas, clauses }) } else { Err(diagnostics) }
}

/// Reads and compiles one case file.
fn load_case(path: &Path, shown_from: Option<&Path>, context: &CompileContext<'_>) -> Result<Case, Diagnostics> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| Diagnostic::in_file(path.display(), format!("cannot read case file: {error}")))?;
    let shown = shown_from.and_then(|base| path.strip_prefix(base).ok()).unwrap_or(path);
    compile::compile_case(&SourceFile::new(shown, text), context)
}
