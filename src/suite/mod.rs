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
pub mod library;
pub mod matrix;
pub mod needs;
mod parallel;
pub mod schema_registry;
pub mod source;
pub mod substitute;
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
use library::Library;
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
    load_layers(&[paths])
}

/// Loads several suites as one (the built-in suite beside a project's): every layer's cases; the
/// schemas of all (a later layer's schema replaces one of the same name); the clauses of all (an
/// id in two is an error).
pub fn load_layers(layers: &[&SuitePaths]) -> Result<Suite, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let schema_dirs: Vec<&Path> = layers.iter().map(|paths| paths.schemas.as_path()).collect();
    let clause_files: Vec<&Path> = layers.iter().map(|paths| paths.clauses.as_path()).collect();
    // The schemas and the clause catalogue are independent, and each costs a few milliseconds of
    // every start: read them at the same time.
    let ((schemas, schema_errors), clauses) = parallel::join(
        || SchemaRegistry::load_all(&schema_dirs),
        || match (layers, layers.first().and_then(|paths| paths.clause_cache.as_ref())) {
            ([paths], Some(cache)) => ClauseCatalogue::load_cached(&paths.clauses, cache),
            _ => ClauseCatalogue::load_all(&clause_files),
        },
    );
    diagnostics.0.extend(schema_errors.0);
    let clauses = clauses.unwrap_or_else(|errors| {
        diagnostics.0.extend(errors.0);
        ClauseCatalogue::default()
    });
    let mut files = Vec::new();
    for paths in layers {
        match discover::case_files(&paths.cases) {
            Ok(found) => files.extend(found.into_iter().map(|file| (file, paths.shown_from.as_deref()))),
            Err(errors) => diagnostics.0.extend(errors.0),
        }
    }
    let context = CompileContext { schemas: &schemas, clauses: &clauses };
    let shared = shared_fragments(layers);
    let shared = shared.as_ref().map(|(cases, root)| (cases.as_path(), Some(*root)));
    let (library, library_errors) = Library::load_beside(&files, shared);
    diagnostics.0.extend(library_errors.0);
    let compiled =
        parallel::map_in_order(&files, |(path, shown_from)| load_case(path, *shown_from, &context, &library));
    let mut cases: Vec<Arc<Case>> = Vec::new();
    let mut names: BTreeMap<String, SourceSpan> = BTreeMap::new();
    let mut reported = std::collections::HashSet::new();
    for loaded in compiled.into_iter().flat_map(|loaded| match loaded {
        Ok(cases) => cases.into_iter().map(Ok).collect::<Vec<_>>(),
        Err(errors) => vec![Err(errors)],
    }) {
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
            // A mistake inside a fragment or a defaults file shows once, with the first call
            // that reached it, not once per case.
            Err(errors) => diagnostics.0.extend(
                errors.0.into_iter().filter(|error| reported.insert((error.position(), error.message.clone()))),
            ),
        }
    }
    if diagnostics.is_empty() { Ok(Suite { cases, schemas, clauses }) } else { Err(diagnostics) }
}

/// The built-in suite's cases folder when it is loaded beside a project's (the first of several
/// layers): its fragments are the project's too, as `builtin/<folder>/<name>`.
fn shared_fragments<'a>(layers: &[&'a SuitePaths]) -> Option<(PathBuf, &'a Path)> {
    let [first, _, ..] = layers else { return None };
    let root = first.clauses.parent()?;
    Some((root.join("cases"), root))
}

/// Reads and compiles one case file: one case, or one per row of its matrix.
fn load_case(
    path: &Path,
    shown_from: Option<&Path>,
    context: &CompileContext<'_>,
    library: &Library,
) -> Result<Vec<Case>, Diagnostics> {
    let file = read_case(path, shown_from)?;
    let scope = library.scope(path.parent().unwrap_or(Path::new("")));
    compile::compile_file(&file, context, &scope, library)
}

fn read_case(path: &Path, shown_from: Option<&Path>) -> Result<Arc<SourceFile>, Diagnostics> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| Diagnostic::in_file(path.display(), format!("cannot read case file: {error}")))?;
    let shown = shown_from.and_then(|base| path.strip_prefix(base).ok()).unwrap_or(path);
    Ok(SourceFile::new(shown, text))
}

/// One case file as `paycheck list --expanded` shows it: its folder defaults applied and its
/// fragment calls replaced by their steps, as YAML.
/// `layers` gives the schemas and clauses, as [`load_layers`] takes them.
pub fn expand(path: &Path, layers: &[&SuitePaths]) -> Result<String, Diagnostics> {
    let schema_dirs: Vec<&Path> = layers.iter().map(|paths| paths.schemas.as_path()).collect();
    let clause_files: Vec<&Path> = layers.iter().map(|paths| paths.clauses.as_path()).collect();
    let (schemas, _) = SchemaRegistry::load_all(&schema_dirs);
    let clauses = ClauseCatalogue::load_all(&clause_files)?;
    let context = CompileContext { schemas: &schemas, clauses: &clauses };
    let shown_from = None;
    let shared = shared_fragments(layers);
    let shared = shared.as_ref().map(|(cases, root)| (cases.as_path(), Some(*root)));
    let (library, errors) = Library::load_beside(&[(path.to_path_buf(), shown_from)], shared);
    if !errors.is_empty() {
        return Err(errors);
    }
    let file = read_case(path, shown_from)?;
    let scope = library.scope(path.parent().unwrap_or(Path::new("")));
    let doc = compile::expand_file(&file, &context, &scope, &library)?;
    serde_saphyr::to_string(&doc)
        .map_err(|error| Diagnostic::in_file(file.display_path(), format!("cannot show the case: {error}")).into())
}
