//! "What changed": the run's exchanges whose snapshot differs from the accepted one (or, with
//! `--compare-with`, from another target's), the new ones and the vanished ones, each with the
//! fields that differ and its diff, and the same field change grouped over every exchange it
//! appears in ("`$.actionCodeDescription` changed in 37 exchanges").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::diff::Diff;
use super::result::{CaseResult, CheckKind, SnapshotStatus};

/// How one field differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldChangeKind {
    /// In both, with another value (or another type).
    Changed,
    /// Only in the new answer.
    Added,
    /// Only in the accepted answer.
    Removed,
}

impl FieldChangeKind {
    /// `changed`, `added`, `removed`.
    pub fn name(self) -> &'static str {
        match self {
            FieldChangeKind::Changed => "changed",
            FieldChangeKind::Added => "added",
            FieldChangeKind::Removed => "removed",
        }
    }
}

/// One field that differs: `status`, `header content-type`, `body`, or a JSONPath into a JSON body.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FieldChange {
    /// Where: `status`, `header NAME`, `body`, or `$.path[0].to.field`.
    pub field: String,
    /// How.
    pub kind: FieldChangeKind,
}

impl std::fmt::Display for FieldChange {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "`{}` {}", self.field, self.kind.name())
    }
}

/// What happened to an exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExchangeChangeKind {
    /// Its answer differs.
    Changed,
    /// It has no accepted snapshot.
    New,
    /// Its accepted snapshot was not produced by this run (its step no longer answers, or is gone).
    Vanished,
}

impl ExchangeChangeKind {
    /// `changed`, `new`, `vanished`.
    pub fn name(self) -> &'static str {
        match self {
            ExchangeChangeKind::Changed => "changed",
            ExchangeChangeKind::New => "new",
            ExchangeChangeKind::Vanished => "vanished",
        }
    }
}

/// One exchange that changed, appeared or vanished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeChange {
    /// The snapshot's name: its path inside the snapshot folder (`v1/refund/router__status.snap`).
    pub name: String,
    /// The case run (`cases/v1/refund.yaml [router]`).
    pub case: String,
    /// The step (`3 "status"`), when the exchange ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// What happened.
    pub kind: ExchangeChangeKind,
    /// The fields that differ (for a changed exchange).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// The diff, accepted → new (for a changed exchange).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<Diff>,
}

/// The same field change over many exchanges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeGroup {
    /// The change.
    pub change: FieldChange,
    /// The exchanges (snapshot names) it appears in.
    pub exchanges: Vec<String>,
}

/// The run's "what changed" verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// What the answers were compared with: `accepted snapshots (snapshots/uat)`, or another
    /// target (`embedded`) with `--compare-with`.
    pub against: String,
    /// `fail`: changes fail the run; `warn`: they are reported only.
    pub policy: String,
    /// True with `--compare-with`: the answers were compared with another target's.
    #[serde(default)]
    pub comparison: bool,
    /// True when a new exchange fails the run too: in a comparison (the other target lacks it),
    /// and under CI (CI never accepts a snapshot).
    #[serde(default)]
    pub new_fails: bool,
    /// Exchanges compared (matched or not).
    pub compared: usize,
    /// Every exchange that changed, appeared or vanished, sorted by name.
    pub exchanges: Vec<ExchangeChange>,
    /// Field changes, each over the exchanges it appears in, the most widespread first.
    pub groups: Vec<ChangeGroup>,
}

impl Changes {
    /// The changes of a run's cases (their snapshot records), plus the vanished exchanges.
    pub fn collect<'a>(
        against: String,
        policy: &str,
        cases: impl IntoIterator<Item = &'a CaseResult>,
        vanished: Vec<ExchangeChange>,
    ) -> Changes {
        let mut exchanges = Vec::new();
        let mut compared = 0;
        for case in cases {
            for step in &case.steps {
                let Some(snapshot) = &step.snapshot else { continue };
                let kind = match snapshot.status {
                    SnapshotStatus::Changed => ExchangeChangeKind::Changed,
                    SnapshotStatus::New => ExchangeChangeKind::New,
                    SnapshotStatus::Matched | SnapshotStatus::Updated => {
                        compared += 1;
                        continue;
                    }
                    SnapshotStatus::Recorded => continue,
                };
                compared += 1;
                exchanges.push(ExchangeChange {
                    name: snapshot.name.clone(),
                    case: case.id.clone(),
                    step: Some(format!("{} \"{}\"", step.number, step.name)),
                    kind,
                    fields: snapshot.fields.clone(),
                    diff: step
                        .checks
                        .iter()
                        .filter(|check| check.kind == CheckKind::Snapshot)
                        .find_map(|check| check.diff.clone()),
                });
            }
        }
        compared += vanished.len();
        exchanges.extend(vanished);
        let mut changes = Changes {
            against,
            policy: policy.to_string(),
            comparison: false,
            new_fails: false,
            compared,
            exchanges,
            groups: Vec::new(),
        };
        changes.regroup();
        changes
    }

    /// The changes of shards of one run, as one (`paycheck report merge`).
    pub fn merge(parts: Vec<Changes>) -> Option<Changes> {
        let mut parts = parts.into_iter();
        let mut merged = parts.next()?;
        for part in parts {
            merged.compared += part.compared;
            merged.new_fails |= part.new_fails;
            merged.exchanges.extend(part.exchanges);
        }
        merged.regroup();
        Some(merged)
    }

    /// Sorts the exchanges by name and groups their field changes, the most widespread first.
    fn regroup(&mut self) {
        self.exchanges.sort_by(|a, b| a.name.cmp(&b.name).then(a.kind.cmp(&b.kind)));
        let mut grouped: BTreeMap<&FieldChange, Vec<String>> = BTreeMap::new();
        for exchange in &self.exchanges {
            for field in &exchange.fields {
                grouped.entry(field).or_default().push(exchange.name.clone());
            }
        }
        let mut groups: Vec<ChangeGroup> =
            grouped.into_iter().map(|(change, exchanges)| ChangeGroup { change: change.clone(), exchanges }).collect();
        groups.sort_by(|a, b| b.exchanges.len().cmp(&a.exchanges.len()).then_with(|| a.change.cmp(&b.change)));
        self.groups = groups;
    }

    /// True when nothing changed, appeared or vanished.
    pub fn is_empty(&self) -> bool {
        self.exchanges.is_empty()
    }

    /// How many exchanges of a kind.
    pub fn count(&self, kind: ExchangeChangeKind) -> usize {
        self.exchanges.iter().filter(|exchange| exchange.kind == kind).count()
    }

    /// True when the changes fail the run: the policy is `fail` and an exchange changed or
    /// vanished, or is new when [`Changes::new_fails`]. Otherwise a new exchange of a baseline
    /// is only pending review.
    pub fn fails(&self) -> bool {
        let new = if self.new_fails { self.count(ExchangeChangeKind::New) } else { 0 };
        self.policy == "fail"
            && self.count(ExchangeChangeKind::Changed) + self.count(ExchangeChangeKind::Vanished) + new > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(name: &str, kind: ExchangeChangeKind, fields: &[&str]) -> ExchangeChange {
        ExchangeChange {
            name: name.into(),
            case: "cases/a.yaml [router]".into(),
            step: None,
            kind,
            fields: fields
                .iter()
                .map(|field| FieldChange { field: field.to_string(), kind: FieldChangeKind::Changed })
                .collect(),
            diff: None,
        }
    }

    #[test]
    fn the_same_field_change_is_grouped_and_the_policy_decides_the_verdict() {
        let first = Changes::collect(
            "the accepted snapshots".into(),
            "fail",
            [],
            vec![exchange("b.snap", ExchangeChangeKind::Changed, &["$.actionCodeDescription", "status"])],
        );
        let second = Changes {
            exchanges: vec![
                exchange("a.snap", ExchangeChangeKind::Changed, &["$.actionCodeDescription"]),
                exchange("c.snap", ExchangeChangeKind::New, &[]),
            ],
            ..first.clone()
        };
        let merged = Changes::merge(vec![first, second]).expect("two parts");
        assert_eq!(merged.groups[0].change.to_string(), "`$.actionCodeDescription` changed");
        assert_eq!(merged.groups[0].exchanges, ["a.snap", "b.snap"]);
        assert_eq!(merged.groups[1].exchanges, ["b.snap"]);
        assert!(merged.fails());
        assert!(!Changes { policy: "warn".into(), ..merged.clone() }.fails());
        let only_new = Changes { exchanges: vec![exchange("c.snap", ExchangeChangeKind::New, &[])], ..merged };
        assert!(!only_new.fails(), "a new exchange is pending review");
        assert!(Changes { new_fails: true, ..only_new }.fails(), "under CI or in a comparison it fails");
    }
}
