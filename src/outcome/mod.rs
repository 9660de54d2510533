//! The outcome layer, at the bottom of the runner: the events the engine emits, the results of
//! cases, steps and checks, the run's totals, the per-clause verdicts and typed diffs. The engine
//! writes them; reporters, snapshot review and the conformance table read them. Nothing here
//! makes a request or formats text for people.

pub mod changes;
pub mod conformance;
pub mod diff;
pub mod event;
pub mod record;
pub mod result;
pub mod summary;

pub use changes::{ChangeGroup, Changes, ExchangeChange, ExchangeChangeKind, FieldChange, FieldChangeKind};
pub use conformance::Conformance;
pub use diff::{Diff, DiffLine, LineKind};
pub use event::{Event, EventSink};
pub use record::RunRecord;
pub use result::{CaseResult, CheckKind, CheckResult, Outcome, RequestRecord, ResponseRecord, StepResult, StepStatus};
pub use summary::{RunSummary, SnapshotCounts, UnmatchedCallback};
