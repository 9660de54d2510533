//! The schema registry: every `schemas/**/*.json` read and compiled once, before any request.
//!
//! Each file is registered under a base URI derived from its path inside `schemas/`, so that
//! relative `$ref`s between files resolve (`"$ref": "common.json#/$defs/amount"`). Nothing is ever
//! fetched: a reference to a document that is not in `schemas/` is a suite error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// Every schema of the suite, by name.
#[derive(Default)]
pub struct SchemaRegistry {
    schemas: BTreeMap<String, Arc<CompiledSchema>>,
}

impl SchemaRegistry {
    /// Loads and compiles every `*.json` under `dir`; a missing folder is an empty registry.
    /// Returns the schemas that compiled, and a diagnostic for each that did not.
    pub fn load(dir: &Path) -> (SchemaRegistry, Diagnostics) {
        SchemaRegistry::load_all(&[dir])
    }

    /// Loads several schema folders as one set (the built-in suite's and a project's): a schema
    /// of a later folder replaces one of the same name, and `$ref`s resolve across them.
    pub fn load_all(dirs: &[&Path]) -> (SchemaRegistry, Diagnostics) {
        let mut diagnostics = Diagnostics::default();
        let mut documents: Vec<(String, Value)> = Vec::new();
        let dir = dirs.last().copied().unwrap_or(Path::new("schemas"));
        for (dir, path) in dirs.iter().flat_map(|dir| json_files(dir).into_iter().map(move |path| (*dir, path))) {
            let name = schema_name(dir, &path);
            documents.retain(|(known, _)| *known != name);
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(error) => {
                    diagnostics.push(Diagnostic::in_file(path.display(), format!("cannot read schema: {error}")));
                    continue;
                }
            };
            match serde_json::from_str::<Value>(&text) {
                Ok(document) => documents.push((name, document)),
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
        let registry = match Registry::new()
            .extend(documents.iter().map(|(name, document)| (uri_of(name), document)))
            .and_then(|builder| builder.prepare())
        {
            Ok(registry) => registry,
            Err(error) => {
                diagnostics
                    .push(Diagnostic::in_file(dir.display(), format!("schemas do not form a valid set: {error}")));
                return (SchemaRegistry::default(), diagnostics);
            }
        };
        let mut schemas = BTreeMap::new();
        for (name, document) in &documents {
            let built = jsonschema::draft202012::options()
                .with_registry(&registry)
                .with_base_uri(uri_of(name))
                .should_validate_formats(true)
                .offline()
                .build(document);
            match built {
                Ok(validator) => {
                    let compiled =
                        CompiledSchema { name: name.clone(), document: Arc::new(document.clone()), validator };
                    schemas.insert(name.clone(), Arc::new(compiled));
                }
                Err(error) => diagnostics
                    .push(Diagnostic::in_file(dir.join(name).display(), format!("invalid schema: {error}")).with_help(
                        "schemas are JSON Schema draft 2020-12; `$ref`s must point at files under schemas/",
                    )),
            }
        }
        (SchemaRegistry { schemas }, diagnostics)
    }

    /// The schema with this name (its path inside `schemas/`).
    pub fn get(&self, name: &str) -> Option<&Arc<CompiledSchema>> {
        self.schemas.get(name)
    }

    /// Every schema name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.schemas.keys().map(String::as_str)
    }

    /// How many schemas were loaded.
    pub fn len(&self) -> usize {
        self.schemas.len()
    }

    /// True when no schema was loaded.
    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
    }
}

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
