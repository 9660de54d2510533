//! Stable names: a case's key (its path inside the suite, which snapshots and shards use), a
//! step's slug, and where a snapshot lives.

use std::path::{Path, PathBuf};

use crate::suite::api::Api;

/// A case's stable key: its file path relative to the first base folder that contains it
/// (the cases folder, then the suite root), with `/` separators and without the extension.
/// The same on every machine and for every way the case was named on the command line. The base
/// folders are resolved once for many files, by [`canonical_bases`].
pub fn case_key(file: &Path, canonical_bases: &[PathBuf]) -> String {
    let absolute = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let relative = canonical_bases
        .iter()
        .find_map(|base| absolute.strip_prefix(base).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from(file.file_name().unwrap_or(file.as_os_str())));
    let without_extension = relative.with_extension("");
    without_extension
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .filter(|part| !part.is_empty() && part != "." && part != "..")
        .collect::<Vec<_>>()
        .join("/")
}

/// The base folders as [`case_key`] takes them: resolved (those that exist), in order.
pub fn canonical_bases(bases: &[&Path]) -> Vec<PathBuf> {
    bases.iter().filter_map(|base| std::fs::canonicalize(base).ok()).collect()
}

/// `Status shows the refund` → `status-shows-the-refund`.
pub fn slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() { "step".to_string() } else { slug }
}

/// True for a placeholder name: letters, digits, `_`, `-`, `.`.
pub fn is_placeholder_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Where one step's snapshot of one case run lives, relative to `snapshots/<target>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotName {
    /// The accepted file relative to the target's snapshot folder, `/`-separated:
    /// `<case key>/<api>__<step slug>.snap`.
    relative: String,
}

impl SnapshotName {
    /// The name of a step's snapshot on an API.
    pub fn new(case_key: &str, api: Api, step_slug: &str) -> SnapshotName {
        // Concatenated by hand: every exchange of every case run is named here.
        let mut relative = String::with_capacity(case_key.len() + step_slug.len() + 16);
        if !case_key.is_empty() {
            relative.push_str(case_key);
            relative.push('/');
        }
        relative.push_str(api.name());
        relative.push_str("__");
        relative.push_str(step_slug);
        relative.push_str(".snap");
        SnapshotName { relative }
    }

    /// The accepted file, relative to the target's snapshot folder.
    pub fn relative_path(&self) -> &Path {
        Path::new(&self.relative)
    }

    /// The accepted file relative to the target's snapshot folder, `/`-separated on every system.
    pub fn display(&self) -> &str {
        &self.relative
    }

    /// The case key: the folder the file is in, relative to the target's snapshot folder.
    pub fn case_key(&self) -> &str {
        self.relative.rsplit_once('/').map_or("", |(folder, _)| folder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert_eq!(slug("Refund 3000 (partial)"), "refund-3000-partial");
        assert_eq!(slug("step 3"), "step-3");
        assert_eq!(slug("  --  "), "step");
    }

    #[test]
    fn case_keys_are_relative_to_the_cases_folder() {
        let dir = tempfile::tempdir().unwrap();
        let cases = dir.path().join("cases");
        std::fs::create_dir_all(cases.join("v1")).unwrap();
        let file = cases.join("v1/refund.yaml");
        std::fs::write(&file, "").unwrap();
        assert_eq!(case_key(&file, &canonical_bases(&[&cases, dir.path()])), "v1/refund");
        assert_eq!(case_key(&file, &canonical_bases(&[dir.path()])), "cases/v1/refund");
        let name = SnapshotName::new("v1/refund", Api::Bank, "status");
        assert_eq!(name.relative_path(), Path::new("v1/refund/bank__status.snap"));
        assert_eq!(name.display(), "v1/refund/bank__status.snap");
    }
}
