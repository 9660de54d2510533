//! Vanished exchanges: accepted snapshots of the case runs that ran which this run did not
//! produce (the step no longer answers, or it is gone). Only the folders of case runs that ran
//! are looked at, so a filtered, sharded or skipped case never counts as vanished.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use crate::outcome::{CaseResult, ExchangeChange, ExchangeChangeKind, Outcome};

use super::name;
use super::store::{ACCEPTED_EXTENSION, SnapshotStore};

/// The accepted snapshots of the run's case runs that no step of theirs produced, sorted.
pub fn vanished(store: &SnapshotStore, bases: &[&Path], cases: &[Arc<CaseResult>]) -> Vec<ExchangeChange> {
    let mut found = Vec::new();
    for case in cases.iter().filter(|case| !matches!(case.outcome, Outcome::Skipped { .. })) {
        let key = name::case_key(Path::new(&case.path), bases);
        let produced: BTreeSet<&str> = case
            .steps
            .iter()
            .filter_map(|step| step.snapshot.as_ref())
            .map(|snapshot| snapshot.name.as_str())
            .collect();
        let prefix = format!("{}__", case.api.name());
        let Ok(entries) = std::fs::read_dir(store.dir.join(&key)) else { continue };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
            .filter(|file| file.starts_with(&prefix) && file.ends_with(&format!(".{ACCEPTED_EXTENSION}")))
            .map(|file| format!("{key}/{file}"))
            .filter(|relative| !produced.contains(relative.as_str()))
            .collect();
        names.sort();
        found.extend(names.into_iter().map(|name| ExchangeChange {
            name,
            case: case.id.clone(),
            step: None,
            kind: ExchangeChangeKind::Vanished,
            fields: Vec::new(),
            diff: None,
        }));
    }
    found
}
