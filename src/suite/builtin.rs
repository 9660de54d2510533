//! The suite compiled into the binary: `cases/`, `schemas/` and `clauses.yaml` as they were when
//! paycheck was built, so that an installed `paycheck run --target URL` works from any folder.
//! They are written once to a cache folder (named by paycheck's version and the suite's digest)
//! and loaded from there like any suite.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use sha2::{Digest, Sha256};

static CASES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/cases");
static SCHEMAS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/schemas");
static CLAUSES: &str = include_str!("../../clauses.yaml");

/// The built-in suite, written out: its root holds `cases/`, `schemas/` and `clauses.yaml`.
pub struct BuiltinSuite {
    /// The folder it was written to.
    pub root: PathBuf,
}

impl BuiltinSuite {
    /// Writes the suite under `cache` (once per version and content) and returns where it is.
    pub fn materialise(cache: &Path) -> Result<BuiltinSuite, String> {
        let root = cache.join(format!("suite-{}-{}", env!("CARGO_PKG_VERSION"), digest()));
        if !root.join("clauses.yaml").is_file() {
            let staging = cache.join(format!(".suite-{}", uuid::Uuid::new_v4()));
            write_dir(&CASES, &staging.join("cases"))?;
            write_dir(&SCHEMAS, &staging.join("schemas"))?;
            write_file(&staging.join("clauses.yaml"), CLAUSES.as_bytes())?;
            if let Err(error) = std::fs::rename(&staging, &root) {
                let _ = std::fs::remove_dir_all(&staging);
                if !root.join("clauses.yaml").is_file() {
                    return Err(format!("cannot write the built-in suite to {}: {error}", root.display()));
                }
            }
        }
        Ok(BuiltinSuite { root })
    }

    /// Its cases folder.
    pub fn cases(&self) -> PathBuf {
        self.root.join("cases")
    }

    /// Its schemas folder.
    pub fn schemas(&self) -> PathBuf {
        self.root.join("schemas")
    }

    /// Its clause catalogue.
    pub fn clauses(&self) -> PathBuf {
        self.root.join("clauses.yaml")
    }
}

/// Where the built-in suite is written: `$XDG_CACHE_HOME/paycheck`, `$HOME/.cache/paycheck`, or
/// the system's temporary folder.
pub fn default_cache(variables: &std::collections::BTreeMap<String, String>) -> PathBuf {
    let base = variables
        .get("XDG_CACHE_HOME")
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .or_else(|| variables.get("HOME").filter(|path| !path.is_empty()).map(|home| Path::new(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("paycheck")
}

/// A digest of everything embedded, so that another build never reuses a stale copy.
fn digest() -> String {
    let mut hasher = Sha256::new();
    for dir in [&CASES, &SCHEMAS] {
        hash_dir(dir, &mut hasher);
    }
    hasher.update(CLAUSES.as_bytes());
    hex::encode(&hasher.finalize()[..8])
}

fn hash_dir(dir: &Dir<'_>, hasher: &mut Sha256) {
    for file in dir.files() {
        hasher.update(file.path().to_string_lossy().as_bytes());
        hasher.update(file.contents());
    }
    for child in dir.dirs() {
        hash_dir(child, hasher);
    }
}

fn write_dir(dir: &Dir<'_>, to: &Path) -> Result<(), String> {
    for file in dir.files() {
        let relative = file.path().strip_prefix(dir.path()).unwrap_or(file.path());
        write_file(&to.join(relative), file.contents())?;
    }
    for child in dir.dirs() {
        let relative = child.path().strip_prefix(dir.path()).unwrap_or(child.path());
        write_dir(child, &to.join(relative))?;
    }
    Ok(())
}

fn write_file(path: &Path, contents: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
    }
    std::fs::write(path, contents).map_err(|error| format!("cannot write {}: {error}", path.display()))
}
