//! Finding case files: a path is a file, or a folder searched for `*.yaml` / `*.yml` (leaving out
//! folder defaults and fragments, which are not cases).

use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, Diagnostics};

/// Every case file under the given paths, sorted and without duplicates.
pub fn case_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
        } else if path.is_dir() {
            files.extend(yaml_files_under(path));
        } else {
            diagnostics.push(Diagnostic::general(format!("no such case file or folder: {}", path.display())));
        }
    }
    files.sort();
    files.dedup();
    if diagnostics.is_empty() { Ok(files) } else { Err(diagnostics) }
}

fn yaml_files_under(dir: &Path) -> Vec<PathBuf> {
    yaml_files(dir).filter(|path| !super::library::is_shared_file(path.strip_prefix(dir).unwrap_or(path))).collect()
}

/// Every `.yaml` and `.yml` file below a folder (hidden ones included, ignore files ignored), as
/// the walk finds them.
pub(super) fn yaml_files(dir: &Path) -> impl Iterator<Item = PathBuf> {
    ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .hidden(true)
        .build()
        .filter_map(Result::ok)
        .map(|entry| entry.into_path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "yaml" || ext == "yml"))
}
