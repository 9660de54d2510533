//! Vanished exchanges: accepted snapshots (as the case's folder held them before the run wrote
//! there) of the case runs that ran which this run did not produce (the step no longer answers,
//! or it is gone). Only the folders of case runs that ran are looked at, so a filtered, sharded
//! or skipped case never counts as vanished.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use crate::outcome::{CaseResult, ExchangeChange, ExchangeChangeKind, Outcome};

use super::name;
use super::store::SnapshotStore;

/// The accepted snapshots of the run's case runs that no step of theirs produced, sorted;
/// `case_key` gives a case file's key (see [`name::case_key`]).
pub fn vanished(
    store: &SnapshotStore,
    case_key: impl Fn(&Path) -> String,
    cases: &[Arc<CaseResult>],
) -> Vec<ExchangeChange> {
    let mut found = Vec::new();
    for case in cases.iter().filter(|case| !matches!(case.outcome, Outcome::Skipped { .. })) {
        let (file, variant) = split_variant(&case.path);
        let key = case_key(Path::new(file));
        let produced: BTreeSet<&str> = case
            .steps
            .iter()
            .filter_map(|step| step.snapshot.as_ref())
            .map(|snapshot| snapshot.name.as_str())
            .collect();
        let prefix = match variant {
            Some(variant) => format!("{key}/{}__{}__", case.api.name(), name::slug(variant)),
            None => format!("{key}/{}__", case.api.name()),
        };
        let names: Vec<String> = store
            .accepted_in(&key)
            .into_iter()
            .filter(|name| name.starts_with(&prefix) && !produced.contains(name.as_str()))
            .collect();
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

/// `cases/x.yaml [amount=0]` (a run of a matrix case) → (`cases/x.yaml`, `amount=0`).
fn split_variant(path: &str) -> (&str, Option<&str>) {
    match path.strip_suffix(']').and_then(|rest| rest.rsplit_once(" [")) {
        Some((file, variant)) => (file, Some(variant)),
        None => (path, None),
    }
}

#[cfg(test)]
mod tests {
    use super::split_variant;

    #[test]
    fn a_matrix_run_s_path_names_its_file_and_its_values() {
        assert_eq!(
            split_variant("cases/v1/x.yaml [amount=0, method=refund.do]"),
            ("cases/v1/x.yaml", Some("amount=0, method=refund.do"))
        );
        assert_eq!(split_variant("cases/v1/x.yaml"), ("cases/v1/x.yaml", None));
    }
}
