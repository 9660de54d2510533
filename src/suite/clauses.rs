//! The clause catalogue (`clauses.yaml`): every normative statement of the spec with a stable id.
//! Cases name the clauses they cover; an unknown id is a suite error.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};

use super::diagnostic::{Diagnostic, Diagnostics};
use super::source::{SourceFile, SourceSpan};
use super::yaml;
use crate::atomic_file;

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
    /// What a target that differs gets (spec 8.2).
    pub level: Level,
    /// For a `capability` clause: the capability it needs the target to declare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability: Option<Capability>,
}

impl Clause {
    /// The id prefix of the client contract's clauses: what a client must send (`serve --strict`,
    /// `proxy`), never judged against a gateway.
    pub const CLIENT_AREA: &'static str = "client.";

    /// Whether the clause is the client contract's.
    pub fn is_client(&self) -> bool {
        self.id.starts_with(Clause::CLIENT_AREA)
    }
}

/// A clause as a case, a step or a check refers to it: resolved at load time, so that results
/// carry what reporters and the conformance table need without the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct ClauseRef {
    /// The clause id.
    pub id: String,
    /// The spec section.
    pub section: String,
    /// Its level.
    pub level: Level,
    /// The capability a `capability` clause needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability: Option<Capability>,
}

/// How binding a clause is (spec 8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Settled by a source: a target that differs fails.
    Must,
    /// The reference gateway's own choice: a target that differs gets a warning, unless the run
    /// asks for reference strictness.
    Reference,
    /// Behaviour a gateway offers only if configured: checked only when the target declares it.
    Capability,
}

impl Level {
    /// Every level, in order.
    pub const ALL: [Level; 3] = [Level::Must, Level::Reference, Level::Capability];

    /// The name in `clauses.yaml` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Reference => "reference",
            Level::Capability => "capability",
        }
    }
}

/// An optional capability a target may declare (spec 8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Capability {
    /// v1 callbacks (§2.11 "optional").
    Callbacks,
    /// `token` authentication instead of userName/password (§1.2 "alternatively").
    TokenAuth,
    /// A partial `reverse.do` (§2.8 "needs permission").
    PartialReversal,
    /// Capture over the hold (A10).
    OverCapture,
    /// Status fields of this version and later (§2.5: `depositedDate` 10, `refundedDate` and
    /// `reversedDate` 12, `externalRefundId` 21).
    StatusVersion(u32),
    /// Emulated 3-D Secure steps.
    ThreeDs,
    /// The Alfa Pay page (`alfapay/paymentOrder.do`).
    AlfaPay,
    /// A manual clock (`/_paycheck/clock`), for waits of any length.
    ManualClock,
    /// Child merchants acting through `merchantLogin`.
    ChildMerchants,
}

impl Capability {
    /// The names of the capabilities without a value, as `clauses.yaml` and `paycheck.toml` write them.
    pub const SIMPLE_NAMES: [&'static str; 7] =
        ["callbacks", "token-auth", "partial-reversal", "over-capture", "three-ds", "alfa-pay", "child-merchants"];

    /// Parses `callbacks`, `status-version-12`, ...
    pub fn parse(text: &str) -> Option<Capability> {
        Some(match text {
            "callbacks" => Capability::Callbacks,
            "token-auth" => Capability::TokenAuth,
            "partial-reversal" => Capability::PartialReversal,
            "over-capture" => Capability::OverCapture,
            "three-ds" => Capability::ThreeDs,
            "alfa-pay" => Capability::AlfaPay,
            "manual-clock" => Capability::ManualClock,
            "child-merchants" => Capability::ChildMerchants,
            other => Capability::StatusVersion(other.strip_prefix("status-version-")?.parse().ok()?),
        })
    }
}

impl std::fmt::Display for Capability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Capability::Callbacks => f.write_str("callbacks"),
            Capability::TokenAuth => f.write_str("token-auth"),
            Capability::PartialReversal => f.write_str("partial-reversal"),
            Capability::OverCapture => f.write_str("over-capture"),
            Capability::StatusVersion(version) => write!(f, "status-version-{version}"),
            Capability::ThreeDs => f.write_str("three-ds"),
            Capability::AlfaPay => f.write_str("alfa-pay"),
            Capability::ManualClock => f.write_str("manual-clock"),
            Capability::ChildMerchants => f.write_str("child-merchants"),
        }
    }
}

impl<'de> Deserialize<'de> for Capability {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Capability, D::Error> {
        let text = String::deserialize(deserializer)?;
        Capability::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown capability `{text}`: use {}, manual-clock or status-version-N",
                Capability::SIMPLE_NAMES.join(", ")
            ))
        })
    }
}

impl serde::Serialize for Capability {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
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
        match read(path)? {
            Some(text) => Self::parse(path, text),
            None => Ok(ClauseCatalogue::default()),
        }
    }

    /// Reads several catalogues as one (the built-in suite's and a project's): an id defined in
    /// two of them is an error in the later file.
    pub fn load_all(paths: &[&Path]) -> Result<ClauseCatalogue, Diagnostics> {
        let mut clauses: Vec<Clause> = Vec::new();
        let mut ids = std::collections::BTreeSet::new();
        let mut diagnostics = Diagnostics::default();
        for path in paths {
            match Self::load(path) {
                Ok(catalogue) => {
                    for clause in catalogue.clauses {
                        if ids.insert(clause.id.clone()) {
                            clauses.push(clause);
                        } else {
                            diagnostics.push(Diagnostic::in_file(
                                path.display(),
                                format!("clause `{}` is already defined by an earlier catalogue", clause.id),
                            ));
                        }
                    }
                }
                Err(errors) => diagnostics.0.extend(errors.0),
            }
        }
        if diagnostics.is_empty() { Ok(Self::from_clauses(clauses)) } else { Err(diagnostics) }
    }

    /// [`ClauseCatalogue::load`], keeping a JSON copy of a valid catalogue in `cache`, named by
    /// the file's SHA-256, which later loads of the same bytes read instead: parsing the YAML is
    /// most of a one-case run's start-up. A missing or unreadable copy is parsed afresh.
    pub fn load_cached(path: &Path, cache: &Path) -> Result<ClauseCatalogue, Diagnostics> {
        let Some(text) = read(path)? else { return Ok(ClauseCatalogue::default()) };
        let digest = hex::encode(&Sha256::digest(text.as_bytes())[..16]);
        let copy = cache.join(format!("clauses-{}-{digest}.json", env!("CARGO_PKG_VERSION")));
        if let Some(clauses) = std::fs::read(&copy).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()) {
            return Ok(Self::from_clauses(clauses));
        }
        let catalogue = Self::parse(path, text)?;
        if let Ok(bytes) = serde_json::to_vec(&catalogue.clauses) {
            let _ = std::fs::create_dir_all(cache).map(|()| atomic_file::write(&copy, &bytes));
        }
        Ok(catalogue)
    }

    fn from_clauses(clauses: Vec<Clause>) -> ClauseCatalogue {
        let index = clauses.iter().enumerate().map(|(position, clause)| (clause.id.clone(), position)).collect();
        ClauseCatalogue { clauses, index }
    }

    fn parse(path: &Path, text: String) -> Result<ClauseCatalogue, Diagnostics> {
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
            match (clause.value.level, clause.value.capability) {
                (Level::Capability, None) => diagnostics.push(
                    Diagnostic::at(
                        SourceSpan::from_location(&file, &clause.referenced),
                        "a capability clause names no capability",
                    )
                    .with_label(format!("`{}` needs `capability: <name>` (spec 8.2)", clause.value.id)),
                ),
                (Level::Must | Level::Reference, Some(_)) => diagnostics.push(
                    Diagnostic::at(
                        SourceSpan::from_location(&file, &clause.referenced),
                        "only a capability clause names a capability",
                    )
                    .with_label(format!(
                        "`{}` is a {} clause",
                        clause.value.id,
                        clause.value.level.name()
                    )),
                ),
                _ => {}
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

    /// The clause with this id, as cases refer to it.
    pub fn reference(&self, id: &str) -> Option<ClauseRef> {
        self.get(id).map(|clause| ClauseRef {
            id: clause.id.clone(),
            section: clause.section.clone(),
            level: clause.level,
            capability: clause.capability,
        })
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

    /// How many clauses there are of each level.
    pub fn count_by_level(&self) -> BTreeMap<Level, usize> {
        let mut counts = BTreeMap::new();
        for clause in &self.clauses {
            *counts.entry(clause.level).or_insert(0) += 1;
        }
        counts
    }

    /// True when the catalogue is empty.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }
}

/// The catalogue's text; `None` when there is no file.
fn read(path: &Path) -> Result<Option<String>, Diagnostics> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => {
            Err(Diagnostic::in_file(path.display(), format!("cannot read the clause catalogue: {error}")).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOGUE: &str = "version: 1\nclauses:\n  - id: refund.partial\n    api: v1\n    section: \"2.10\"\n    text: A partial refund.\n    level: must\n";

    #[test]
    fn a_cached_catalogue_equals_the_parsed_one_and_follows_the_file() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("clauses.yaml");
        let cache = dir.path().join("cache");
        std::fs::write(&path, CATALOGUE).expect("write the catalogue");
        let parsed = ClauseCatalogue::load_cached(&path, &cache).expect("the catalogue loads");
        assert_eq!(std::fs::read_dir(&cache).expect("the cache folder exists").count(), 1);
        let cached = ClauseCatalogue::load_cached(&path, &cache).expect("the cached copy loads");
        assert_eq!(cached.get("refund.partial").map(|clause| &clause.text), Some(&"A partial refund.".to_string()));
        assert_eq!(parsed.len(), cached.len());

        std::fs::write(&path, CATALOGUE.replace("refund.partial", "refund.partial-two")).expect("edit it");
        let edited = ClauseCatalogue::load_cached(&path, &cache).expect("the edited catalogue loads");
        assert!(edited.get("refund.partial").is_none() && edited.get("refund.partial-two").is_some());

        std::fs::write(&path, CATALOGUE.replace("level: must", "level: maybe")).expect("break it");
        assert!(
            ClauseCatalogue::load_cached(&path, &cache).is_err(),
            "an invalid catalogue is never served from the cache"
        );
    }
}
