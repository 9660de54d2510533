//! Snapshots: the regression gate. A step (or every step of a case) snapshots its response,
//! normalised and with volatile values replaced by named placeholders, into an insta-compatible
//! `.snap` file under `snapshots/<target>/`; a mismatch fails the step and leaves a pending
//! `.snap.new` beside the accepted file for review.
//!
//! - [`render`]: `render_snapshot`, the text (shared with the `cargo test` harness);
//! - [`normalise`]: a JSON answer as its snapshot shows it, in one walk;
//! - [`name`]: case keys, step slugs and file locations;
//! - [`store`]: reading, comparing, writing (atomically), pending, accept and reject;
//! - [`policy`]: which exchanges a run snapshots (`off`, `opt-in`, `all`) and what a change means;
//! - [`inputs`]: the case's own inputs, written as references in the text;
//! - [`replacements`]: literal replacements (references, the target's URLs), found fast;
//! - [`changes`]: which fields two snapshots differ in; [`vanished`]: the exchanges gone;
//! - [`volatile`]: volatile values beyond the step's schema (names, generated order numbers).
//!
//! It is a library over plain inputs: taking a snapshot inside a step is the engine's job.

pub mod changes;
pub mod inputs;
pub mod name;
pub mod normalise;
pub mod policy;
pub mod render;
pub mod replacements;
pub mod store;
pub mod vanished;
pub mod volatile;

use std::path::PathBuf;

pub use policy::{ChangePolicy, SnapshotPolicy, SnapshotSettings};
pub use render::{Normalisation, SnapshotInput, render_snapshot};
pub use store::{SnapshotStore, WritePolicy};

/// How a run treats snapshots.
#[derive(Debug, Clone, Default)]
pub struct SnapshotSession {
    /// Case keys already computed, by case file (computing one resolves paths on disk).
    pub keys: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<PathBuf, String>>>,
    /// Where snapshots are compared and written; `None` renders them only (the `cargo test`
    /// harness asserts them with insta itself).
    pub store: Option<SnapshotStore>,
    /// The folders case keys are relative to: the cases folder, then the suite root, resolved
    /// ([`name::canonical_bases`]).
    pub case_bases: Vec<PathBuf>,
    /// Which exchanges are snapshotted, what a change means, the target's redactions.
    pub settings: SnapshotSettings,
    /// The target's URLs, written `[target]` (see [`render::target_urls`]).
    pub target_urls: replacements::Replacements,
}

impl SnapshotSession {
    /// The case key of a case file (see [`name::case_key`]), computed once per file.
    pub fn case_key(&self, file: &std::path::Path) -> String {
        let mut keys = self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(key) = keys.get(file) {
            return key.clone();
        }
        let key = name::case_key(file, &self.case_bases);
        keys.insert(file.to_path_buf(), key.clone());
        key
    }
}
