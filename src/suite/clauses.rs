//! The clause catalogue (`clauses.yaml`): every normative statement of the spec with a stable id.
//! Cases name the clauses they cover; an unknown id is a suite error.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::diagnostic::{Diagnostic, Diagnostics};
use super::source::{SourceFile, SourceSpan};
use super::yaml;

/// One clause of the spec.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    /// Stable id, `<area>.<kebab-case>`.
    pub id: String,
    /// The API it belongs to (`v1`, `gate`).
    pub api: String,
    /// The spec section.
    pub section: String,
    /// Provenance tags of the statement.
    #[serde(default)]
    pub sources: Vec<String>,
    /// The statement, in one line.
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueDoc {
    version: u32,
    clauses: Vec<Spanned<Clause>>,
}

/// Every clause, by id, in catalogue order.
#[derive(Debug, Default)]
pub struct ClauseCatalogue {
    clauses: Vec<Clause>,
    index: BTreeMap<String, usize>,
}

impl ClauseCatalogue {
    /// Reads `clauses.yaml`; a missing file is an empty catalogue (then no case may name a clause).
    pub fn load(path: &Path) -> Result<ClauseCatalogue, Diagnostics> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(ClauseCatalogue::default()),
            Err(error) => {
                return Err(
                    Diagnostic::in_file(path.display(), format!("cannot read the clause catalogue: {error}")).into()
                );
            }
        };
        let file = SourceFile::new(path, text);
        let doc: CatalogueDoc = yaml::parse(&file)?;
        let mut diagnostics = Diagnostics::default();
        if doc.version != 1 {
            diagnostics
                .push(Diagnostic::in_file(path.display(), format!("unsupported catalogue version {}", doc.version)));
        }
        let mut catalogue = ClauseCatalogue::default();
        for clause in doc.clauses {
            if catalogue.index.contains_key(&clause.value.id) {
                diagnostics.push(
                    Diagnostic::at(SourceSpan::from_location(&file, &clause.referenced), "duplicate clause id")
                        .with_label(format!("`{}` is defined earlier in the catalogue", clause.value.id)),
                );
                continue;
            }
            catalogue.index.insert(clause.value.id.clone(), catalogue.clauses.len());
            catalogue.clauses.push(clause.value);
        }
        if diagnostics.is_empty() { Ok(catalogue) } else { Err(diagnostics) }
    }

    /// The clause with this id.
    pub fn get(&self, id: &str) -> Option<&Clause> {
        self.index.get(id).map(|&position| &self.clauses[position])
    }

    /// Every clause, in catalogue order.
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }

    /// Every id.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.clauses.iter().map(|clause| clause.id.as_str())
    }

    /// How many clauses there are.
    pub fn len(&self) -> usize {
        self.clauses.len()
    }

    /// True when the catalogue is empty.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }
}
