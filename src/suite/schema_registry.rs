//! The schema registry: every `schemas/**/*.json` read once, each compiled the first time a case
//! names it.
//!
//! Each file is registered under a base URI derived from its path inside `schemas/`, so that
//! relative `$ref`s between files resolve (`"$ref": "common.json#/$defs/amount"`). Nothing is ever
//! fetched: a reference to a document that is not in `schemas/` is a suite error. Compiling is
//! most of a one-case run's start-up, and a run uses a few of the schemas, so a schema is compiled
//! when it is first asked for (by the cases that name it, on whichever core loads them) and
//! `paycheck check` compiles them all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use jsonschema::{Registry, Validator};
use serde_json::Value;

use super::diagnostic::{Diagnostic, Diagnostics};
use super::source::{SourceFile, SourceSpan};

/// The base every schema file's URI is derived from.
const BASE_URI: &str = "https://schemas.paycheck.invalid/";

/// A compiled schema, ready to validate responses.
pub struct CompiledSchema {
    /// The schema's name: its path inside `schemas/`, with `/` separators.
    pub name: String,
    /// The schema document as written.
    pub document: Arc<Value>,
    /// The compiled validator.
    pub validator: Validator,
}

/// One schema file: its document, and its compiled form once asked for.
struct Entry {
    document: Arc<Value>,
    compiled: OnceLock<Result<Arc<CompiledSchema>, String>>,
}

/// Every schema of the suite, by name.
#[derive(Default)]
pub struct SchemaRegistry {
    entries: BTreeMap<String, Entry>,
    /// Where `$ref`s between the files resolve; `None` when there are no schemas.
    registry: Option<Registry<'static>>,
    /// The folder the files were read from.
    dir: PathBuf,
}

impl SchemaRegistry {
    /// Reads every `*.json` under `dir`; a missing folder is an empty registry. Returns the
    /// schemas that parsed, and a diagnostic for each file that did not.
    pub fn load(dir: &Path) -> (SchemaRegistry, Diagnostics) {
        let mut diagnostics = Diagnostics::default();
        let mut entries = BTreeMap::new();
        for path in json_files(dir) {
            let name = schema_name(dir, &path);
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(error) => {
                    diagnostics.push(Diagnostic::in_file(path.display(), format!("cannot read schema: {error}")));
                    continue;
                }
            };
            match serde_json::from_str::<Value>(&text) {
                Ok(document) => {
                    entries.insert(name, Entry { document: Arc::new(document), compiled: OnceLock::new() });
                }
                Err(error) => {
                    let file = SourceFile::new(&path, text);
                    let offset = byte_offset(&file.text, error.line(), error.column());
                    diagnostics.push(
                        Diagnostic::at(SourceSpan::new(&file, offset..offset), "schema is not valid JSON")
                            .with_label(error.to_string()),
                    );
                }
            }
        }
        if entries.is_empty() {
            return (SchemaRegistry::default(), diagnostics);
        }
        let prepared = Registry::new()
            .extend(entries.iter().map(|(name, entry)| (uri_of(name), Arc::clone(&entry.document))))
            .and_then(|builder| builder.prepare());
        match prepared {
            Ok(registry) => (SchemaRegistry { entries, registry: Some(registry), dir: dir.to_path_buf() }, diagnostics),
            Err(error) => {
                diagnostics
                    .push(Diagnostic::in_file(dir.display(), format!("schemas do not form a valid set: {error}")));
                (SchemaRegistry::default(), diagnostics)
            }
        }
    }

    /// The schema with this name (its path inside `schemas/`), compiled on first use: `None` when
    /// there is no such file, `Some(Err(why))` when it does not compile.
    pub fn get(&self, name: &str) -> Option<Result<&Arc<CompiledSchema>, &str>> {
        let entry = self.entries.get(name)?;
        let compiled = entry.compiled.get_or_init(|| self.compile(name, &entry.document));
        Some(compiled.as_ref().map_err(String::as_str))
    }

    /// Compiles every schema, with a diagnostic for each that does not compile (`paycheck check`).
    pub fn check_all(&self) -> Diagnostics {
        let mut diagnostics = Diagnostics::default();
        for name in self.entries.keys() {
            if let Some(Err(error)) = self.get(name) {
                diagnostics.push(
                    Diagnostic::in_file(self.dir.join(name).display(), format!("invalid schema: {error}"))
                        .with_help(COMPILE_HELP),
                );
            }
        }
        diagnostics
    }

    /// Every schema name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// How many schemas were loaded.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no schema was loaded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn compile(&self, name: &str, document: &Arc<Value>) -> Result<Arc<CompiledSchema>, String> {
        let registry = self.registry.as_ref().ok_or("the schemas were not prepared")?;
        let validator = jsonschema::draft202012::options()
            .with_registry(registry)
            .with_base_uri(uri_of(name))
            .should_validate_formats(true)
            .offline()
            .build(document)
            .map_err(|error| error.to_string())?;
        Ok(Arc::new(CompiledSchema { name: name.to_string(), document: Arc::clone(document), validator }))
    }
}

/// What a schema that does not compile is told.
pub const COMPILE_HELP: &str = "schemas are JSON Schema draft 2020-12; `$ref`s must point at files under schemas/";

fn uri_of(name: &str) -> String {
    format!("{BASE_URI}{name}")
}

fn schema_name(dir: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(dir).unwrap_or(path);
    relative.components().map(|part| part.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
        .map(|entry| entry.into_path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (index, line_text) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            return offset + column.saturating_sub(1).min(line_text.len());
        }
        offset += line_text.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_that_does_not_compile_is_reported_when_asked_for_and_by_check_all() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join("good.json"), r#"{"type": "object"}"#).expect("write a schema");
        std::fs::write(dir.path().join("bad.json"), r#"{"type": 12}"#).expect("write a schema");
        let (registry, diagnostics) = SchemaRegistry::load(dir.path());
        assert!(diagnostics.is_empty(), "reading is not compiling");
        assert!(matches!(registry.get("good.json"), Some(Ok(_))));
        assert!(matches!(registry.get("bad.json"), Some(Err(_))));
        assert!(registry.get("missing.json").is_none());
        let errors = registry.check_all();
        assert_eq!(errors.0.len(), 1, "only the bad schema is reported");
    }
}
