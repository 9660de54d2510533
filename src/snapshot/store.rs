//! The snapshot files: insta's `.snap` format (a YAML header between `---` lines, then the
//! contents), accepted snapshots beside pending `.snap.new` ones, every write atomic.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use foldhash::fast::RandomState;

use crate::outcome::Diff;

use super::name::SnapshotName;
use super::render::{normalise_owned_text, normalised};

/// The folder of every target's snapshots, under the suite root.
pub fn snapshots_root(suite_root: &Path) -> PathBuf {
    if suite_root == Path::new(".") { PathBuf::from("snapshots") } else { suite_root.join("snapshots") }
}

/// The extension of an accepted snapshot.
pub const ACCEPTED_EXTENSION: &str = "snap";
/// The extension of a pending snapshot, written beside the accepted one.
pub const PENDING_EXTENSION: &str = "snap.new";

/// What the run may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritePolicy {
    /// Mismatches and new snapshots are written as pending, for review.
    Pending,
    /// `--update-snapshots`: every result is accepted at once.
    Accept,
    /// Under CI: like `Pending`, and a missing snapshot is a failure (CI never accepts).
    Ci,
    /// `--compare-with`: the folder holds another target's answers; compare, write nothing.
    ReadOnly,
}

impl WritePolicy {
    /// The policy for a run: CI wins over `--update-snapshots`.
    pub fn for_run(update_requested: bool, ci: bool) -> WritePolicy {
        if ci {
            WritePolicy::Ci
        } else if update_requested {
            WritePolicy::Accept
        } else {
            WritePolicy::Pending
        }
    }
}

/// The header fields of a snapshot file (those insta reads).
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// What produced it: the case file.
    pub source: String,
    /// A sentence for reviewers: case, API, step.
    pub description: String,
    /// The step's snapshot name.
    pub expression: String,
    /// The case file again, as insta's `input_file`.
    pub input_file: String,
}

/// How a snapshot compared with the accepted one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assertion {
    /// The same as the accepted snapshot.
    Matched,
    /// There was no accepted snapshot; the result was written as pending (unless read-only).
    New {
        /// The pending file, when one was written.
        pending: Option<PathBuf>,
    },
    /// It differs from the accepted snapshot; the result was written as pending (unless read-only).
    Changed {
        /// The pending file, when one was written.
        pending: Option<PathBuf>,
        /// The diff, accepted → new.
        diff: Diff,
        /// The accepted snapshot's contents.
        accepted: String,
    },
    /// Written as the accepted snapshot (`--update-snapshots`).
    Accepted {
        /// The diff from the former snapshot, if there was one.
        diff: Option<Diff>,
    },
}

/// The snapshots of one target: `snapshots/<target>/`.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    /// The target's snapshot folder.
    pub dir: PathBuf,
    /// The folder as text, for naming files in reports.
    dir_text: String,
    /// What the run may write.
    pub policy: WritePolicy,
    /// The case folders listed so far, by case key: each is listed once, when the run first
    /// compares a snapshot in it (before it writes there), so a run lists only the folders of
    /// the cases it runs, and not before its first request.
    folders: Arc<Mutex<HashMap<String, Arc<CaseFolder>, RandomState>>>,
}

/// The accepted and pending files of one case's folder.
#[derive(Debug, Default)]
struct CaseFolder {
    /// Accepted snapshots, relative to the store's folder (`/`-separated), sorted.
    accepted: Vec<String>,
    /// The names of the pending files.
    pending: HashSet<String>,
}

impl SnapshotStore {
    /// The store of a folder (nothing is read yet).
    pub fn new(dir: PathBuf, policy: WritePolicy) -> SnapshotStore {
        let dir_text = dir.to_string_lossy().into_owned();
        SnapshotStore { dir, dir_text, policy, folders: Arc::default() }
    }

    /// The accepted snapshots in a case's folder (relative to the store's folder,
    /// `/`-separated), sorted, as the folder held them before the run wrote there.
    pub fn accepted_in(&self, case_key: &str) -> Vec<String> {
        self.folder(case_key).accepted.clone()
    }

    /// The listing of a case's folder, read the first time it is asked for.
    fn folder(&self, case_key: &str) -> Arc<CaseFolder> {
        let lock = || self.folders.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(folder) = lock().get(case_key) {
            return Arc::clone(folder);
        }
        let listed = Arc::new(CaseFolder::read(&self.dir, case_key));
        Arc::clone(lock().entry(case_key.to_string()).or_insert(listed))
    }

    /// Removes the pending file of a snapshot, if its folder held one before the run wrote there.
    fn clear_pending(&self, name: &SnapshotName, folder: &CaseFolder) -> Result<(), String> {
        if folder.pending.is_empty() {
            return Ok(());
        }
        let pending = pending_path(name.relative_path());
        let held = pending.file_name().and_then(|file| file.to_str()).is_some_and(|file| folder.pending.contains(file));
        if held { remove_if_present(&self.dir.join(pending)) } else { Ok(()) }
    }

    /// The accepted file of a snapshot.
    pub fn accepted_path(&self, name: &SnapshotName) -> PathBuf {
        self.dir.join(name.relative_path())
    }

    /// The accepted file of a snapshot as text (as [`SnapshotStore::accepted_path`] displays,
    /// `/`-separated inside the folder), for reports: every snapshot of a run is named so.
    pub fn accepted_file(&self, name: &SnapshotName) -> String {
        let mut file = String::with_capacity(self.dir_text.len() + 1 + name.display().len());
        file.push_str(&self.dir_text);
        if !file.is_empty() && !file.ends_with(std::path::MAIN_SEPARATOR) {
            file.push(std::path::MAIN_SEPARATOR);
        }
        file.push_str(name.display());
        file
    }

    /// Compares a snapshot with the accepted one and writes what the policy says.
    /// `metadata` is asked for only when a file is written.
    pub fn assert(
        &self,
        name: &SnapshotName,
        metadata: impl FnOnce() -> Metadata,
        contents: &str,
    ) -> Result<Assertion, String> {
        let accepted = self.accepted_path(name);
        // Listed before anything is written there.
        let folder = self.folder(name.case_key());
        let contents = normalised(contents);
        let old = read_contents(&accepted)?;
        if old.as_deref() == Some(&*contents) {
            if self.policy != WritePolicy::ReadOnly {
                self.clear_pending(name, &folder)?;
            }
            return Ok(Assertion::Matched);
        }
        let diff = old.as_deref().map(|old| unified_diff(old, &contents));
        let old = old.unwrap_or_default();
        let file = serialize(&metadata(), &contents);
        if self.policy == WritePolicy::Accept {
            crate::atomic_file::write(&accepted, file.as_bytes())?;
            self.clear_pending(name, &folder)?;
            return Ok(Assertion::Accepted { diff });
        }
        if self.policy == WritePolicy::ReadOnly {
            return Ok(match diff {
                Some(diff) => Assertion::Changed { pending: None, diff, accepted: old },
                None => Assertion::New { pending: None },
            });
        }
        let pending = pending_path(&accepted);
        crate::atomic_file::write(&pending, file.as_bytes())?;
        Ok(match diff {
            Some(diff) => Assertion::Changed { pending: Some(pending), diff, accepted: old },
            None => Assertion::New { pending: Some(pending) },
        })
    }
}

impl CaseFolder {
    /// The snapshot files directly in the folder of `case_key` under `dir` (none when it does
    /// not exist; a name that is not UTF-8 is not one paycheck wrote).
    fn read(dir: &Path, case_key: &str) -> CaseFolder {
        let mut folder = CaseFolder::default();
        let path = if case_key.is_empty() { dir.to_path_buf() } else { dir.join(case_key) };
        let Ok(entries) = std::fs::read_dir(path) else { return folder };
        for entry in entries.flatten() {
            if !entry.file_type().is_ok_and(|kind| kind.is_file()) {
                continue;
            }
            let file_name = entry.file_name();
            let Some(name) = file_name.to_str() else { continue };
            if has_extension(name, PENDING_EXTENSION) {
                folder.pending.insert(name.to_string());
            } else if has_extension(name, ACCEPTED_EXTENSION) {
                let mut relative = String::with_capacity(case_key.len() + 1 + name.len());
                if !case_key.is_empty() {
                    relative.push_str(case_key);
                    relative.push('/');
                }
                relative.push_str(name);
                folder.accepted.push(relative);
            }
        }
        folder.accepted.sort();
        folder
    }
}

/// True when a file name ends with `.` and the extension.
fn has_extension(name: &str, extension: &str) -> bool {
    name.strip_suffix(extension).is_some_and(|stem| stem.ends_with('.'))
}

/// `x.snap` → `x.snap.new`.
pub fn pending_path(accepted: &Path) -> PathBuf {
    let mut name = accepted.file_name().map(|name| name.to_os_string()).unwrap_or_default();
    name.push(".new");
    accepted.with_file_name(name)
}

/// `x.snap.new` → `x.snap`.
pub fn accepted_path_of(pending: &Path) -> PathBuf {
    let name = pending.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    pending.with_file_name(name.strip_suffix(".new").unwrap_or(&name))
}

/// The file's contents (normalised as insta does), or `None` when there is no file.
pub fn read_contents(path: &Path) -> Result<Option<String>, String> {
    use std::io::Read as _;
    let cannot = |error: std::io::Error| format!("cannot read snapshot {}: {error}", path.display());
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(cannot(error)),
    };
    // Read into a buffer that holds a typical snapshot, without asking the file's size first
    // (one system call fewer for each of a run's thousand snapshots).
    let mut text = String::with_capacity(READ_BUFFER_BYTES);
    file.take(MAX_FILE_BYTES + 1).read_to_string(&mut text).map_err(cannot)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "snapshot {} is larger than {MAX_FILE_BYTES} bytes: not a snapshot paycheck wrote (its text is cut at {} bytes)",
            path.display(),
            super::render::MAX_TEXT_BYTES
        ));
    }
    Ok(Some(contents_of(text)))
}

/// The most a snapshot file may hold: its text is cut at [`super::render::MAX_TEXT_BYTES`] and
/// its header is a few lines, so a larger file is not one of ours.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The buffer a snapshot file is first read into.
const READ_BUFFER_BYTES: usize = 8 * 1024;

/// The contents part of a snapshot file's text, reusing the text (every accepted snapshot of a
/// run is read here).
fn contents_of(mut text: String) -> String {
    let Some(offset) = contents_offset(&text) else { return String::new() };
    text.drain(..offset);
    normalise_owned_text(text)
}

/// Where a snapshot file's contents start: after its `---` header, or at the start when it has
/// none; `None` for a header that is never closed.
fn contents_offset(text: &str) -> Option<usize> {
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else { return Some(0) };
    if first.trim_end() != "---" {
        return Some(0);
    }
    let mut offset = first.len();
    for line in lines {
        offset += line.len();
        if line.trim_end() == "---" {
            return Some(offset);
        }
    }
    None
}

/// A snapshot file's text, as insta writes it.
pub fn serialize(metadata: &Metadata, contents: &str) -> String {
    let mut text = String::from("---\n");
    for (key, value) in [
        ("source", &metadata.source),
        ("description", &metadata.description),
        ("expression", &metadata.expression),
        ("input_file", &metadata.input_file),
    ] {
        if !value.is_empty() {
            text.push_str(&format!("{key}: {}\n", yaml_scalar(value)));
        }
    }
    text.push_str("---\n");
    text.push_str(contents);
    text.push('\n');
    text
}

/// A YAML scalar: plain when that is unambiguous, else a double-quoted (JSON) string.
fn yaml_scalar(value: &str) -> String {
    let plain = value.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_'))
        && !value.ends_with(' ')
        && !value.contains(": ")
        && !value.contains(" #")
        && value.chars().all(|c| c.is_ascii_alphanumeric() || " _./-()".contains(c));
    if plain { value.to_string() } else { serde_json::to_string(value).unwrap_or_default() }
}

/// A unified diff with three lines of context, `-` accepted and `+` new.
pub fn unified_diff(old: &str, new: &str) -> Diff {
    Diff::unified(old, new, "accepted", "new")
}

fn remove_if_present(path: &Path) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(format!("cannot remove {}: {error}", path.display())),
    }
}

/// A pending snapshot and the accepted file it would replace.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The `.snap.new` file.
    pub pending: PathBuf,
    /// The `.snap` file beside it (which may not exist).
    pub accepted: PathBuf,
}

impl Pending {
    /// Makes the pending snapshot the accepted one (an atomic rename).
    pub fn accept(&self) -> Result<(), String> {
        std::fs::rename(&self.pending, &self.accepted)
            .map_err(|error| format!("cannot accept {}: {error}", self.pending.display()))
    }

    /// Deletes the pending snapshot.
    pub fn reject(&self) -> Result<(), String> {
        remove_if_present(&self.pending)
    }

    /// The diff from the accepted snapshot (every line added when there is none).
    pub fn diff(&self) -> Result<Diff, String> {
        let new = read_contents(&self.pending)?.unwrap_or_default();
        let old = read_contents(&self.accepted)?.unwrap_or_default();
        Ok(unified_diff(&old, &new))
    }
}

/// Every pending snapshot under a folder, sorted.
pub fn pending_under(dir: &Path) -> Vec<Pending> {
    if !dir.exists() {
        return Vec::new();
    }
    let mut found: Vec<Pending> = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
        .map(|entry| entry.into_path())
        .filter(|path| path.is_file() && path.to_string_lossy().ends_with(".snap.new"))
        .map(|pending| Pending { accepted: accepted_path_of(&pending), pending })
        .collect();
    found.sort_by(|a, b| a.pending.cmp(&b.pending));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::api::Api;

    fn store(dir: &Path, policy: WritePolicy) -> SnapshotStore {
        SnapshotStore::new(dir.join("snapshots/embedded"), policy)
    }

    #[test]
    fn a_file_too_large_to_be_a_snapshot_is_an_error_naming_it_not_a_read_of_all_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.snap");
        std::fs::write(&path, "x".repeat(usize::try_from(MAX_FILE_BYTES).unwrap() + 1)).unwrap();
        let error = read_contents(&path).unwrap_err();
        assert!(error.contains("huge.snap") && error.contains("larger than"), "{error}");
        std::fs::write(&path, "---\nsource: x\n---\nHTTP 200").unwrap();
        assert_eq!(read_contents(&path).unwrap().as_deref(), Some("HTTP 200"));
        assert_eq!(read_contents(&dir.path().join("absent.snap")).unwrap(), None);
    }

    #[test]
    fn the_accepted_file_is_named_as_its_path_displays() {
        let name = SnapshotName::new("v1/refund", crate::suite::api::Api::Router, "refund-in-part");
        for dir in ["snapshots/embedded", "snapshots/embedded/", "", "/tmp/x y"] {
            let store = SnapshotStore::new(PathBuf::from(dir), WritePolicy::Pending);
            assert_eq!(store.accepted_file(&name), store.accepted_path(&name).display().to_string(), "{dir:?}");
        }
    }

    #[test]
    fn new_then_matched_then_changed_then_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let name = SnapshotName::new("v1/refund", Api::Router, "status");
        let meta = Metadata { source: "cases/v1/refund.yaml".into(), ..Metadata::default() };
        let pending_store = store(dir.path(), WritePolicy::Pending);
        let accepted = pending_store.accepted_path(&name);
        let pending = pending_path(&accepted);

        let first = pending_store.assert(&name, || meta.clone(), "HTTP 200\n\n{}").unwrap();
        assert_eq!(first, Assertion::New { pending: Some(pending.clone()) });
        assert!(!accepted.exists());
        pending_under(&pending_store.dir)[0].accept().unwrap();
        assert_eq!(read_contents(&accepted).unwrap().as_deref(), Some("HTTP 200\n\n{}"));

        let pending_store = store(dir.path(), WritePolicy::Pending);
        assert_eq!(pending_store.assert(&name, || meta.clone(), "HTTP 200\n\n{}\n").unwrap(), Assertion::Matched);
        let Assertion::Changed { diff, .. } = pending_store.assert(&name, || meta.clone(), "HTTP 201\n\n{}").unwrap()
        else {
            panic!("expected a change")
        };
        let diff = diff.to_unified();
        assert!(diff.contains("-HTTP 200") && diff.contains("+HTTP 201"), "{diff}");
        assert!(pending.exists());

        let updated = store(dir.path(), WritePolicy::Accept).assert(&name, || meta.clone(), "HTTP 201\n\n{}").unwrap();
        assert!(matches!(updated, Assertion::Accepted { diff: Some(_) }));
        assert!(!pending.exists(), "accepting clears the pending snapshot");
        assert_eq!(read_contents(&accepted).unwrap().as_deref(), Some("HTTP 201\n\n{}"));
    }

    #[test]
    fn files_have_an_insta_header() {
        let meta = Metadata {
            source: "cases/a.yaml".into(),
            description: "Pay: ok [router], step 1".into(),
            expression: "pay".into(),
            input_file: "cases/a.yaml".into(),
        };
        let text = serialize(&meta, "HTTP 200");
        assert_eq!(
            text,
            "---\nsource: cases/a.yaml\ndescription: \"Pay: ok [router], step 1\"\nexpression: pay\ninput_file: cases/a.yaml\n---\nHTTP 200\n"
        );
        assert_eq!(contents_of(text), "HTTP 200");
    }
}
