//! The plan: which case runs on which API, after filtering; runs the target cannot serve are
//! kept as skipped so that reports show them.

use std::sync::Arc;

use crate::suite::api::Api;
use crate::suite::case::Case;
use crate::suite::target::Target;

/// One planned run of a case on an API.
#[derive(Debug, Clone)]
pub struct CaseRun {
    /// The case.
    pub case: Arc<Case>,
    /// The API it runs on.
    pub api: Api,
    /// `path [api]`, unique in the run (`path [api] #2`, ... for repetitions, see
    /// [`Selection::repeat`]).
    pub id: String,
    /// Which repetition of the case on this API it is, from 1.
    pub repetition: u32,
    /// Why it will not run, if it will not.
    pub skip: Option<String>,
}

/// What the user selected.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Run only cases with at least one of these tags (all when empty).
    pub tags: Vec<String>,
    /// Leave out cases with any of these tags.
    pub exclude_tags: Vec<String>,
    /// Run only cases whose name contains this text (case-insensitive).
    pub filter: Option<String>,
    /// How many times each selected case runs on each API (`--repeat`; 0 counts as 1): to hunt
    /// a flaky answer, or to load the target with the same scenario, as Hurl's `--repeat`.
    pub repeat: u32,
}

/// The most repetitions `--repeat` asks for.
pub const MAX_REPEAT: u32 = 100_000;

impl Selection {
    /// True when the case is selected.
    pub fn selects(&self, case: &Case) -> bool {
        let tagged = (self.tags.is_empty() || case.tags.iter().any(|tag| self.tags.contains(tag)))
            && !case.tags.iter().any(|tag| self.exclude_tags.contains(tag));
        let named = self.filter.as_ref().is_none_or(|filter| case.name.to_lowercase().contains(&filter.to_lowercase()));
        tagged && named
    }
}

/// Expands the selected cases into runs, one per API each case runs on (times `repeat`).
pub fn plan(cases: &[Arc<Case>], target: &Target, selection: &Selection) -> Vec<CaseRun> {
    let mut runs = Vec::new();
    for case in cases.iter().filter(|case| selection.selects(case)) {
        for &api in &case.apis {
            let skip = if target.offers(api) {
                super::verdict::missing_capability(&case.clauses, &target.capabilities)
            } else {
                Some(format!("target `{}` does not offer the {api} API", target.name))
            };
            let id = format!("{} [{api}]", case.path());
            for repetition in 1..=selection.repeat.clamp(1, MAX_REPEAT) {
                let id = if repetition == 1 { id.clone() } else { format!("{id} #{repetition}") };
                runs.push(CaseRun { case: Arc::clone(case), api, id, repetition, skip: skip.clone() });
            }
        }
    }
    runs
}

/// Against a target whose clock really runs, marks as skipped every run whose waits add up to
/// more than `max_wait`: a lifetime case that waits 30 minutes (or 8 days) is left out, with the
/// reason, rather than holding a nightly run for that long.
pub fn skip_long_waits(runs: &mut [CaseRun], max_wait: std::time::Duration) {
    for run in runs.iter_mut().filter(|run| run.skip.is_none()) {
        let waits = run.case.total_wait();
        if waits > max_wait {
            run.skip = Some(format!(
                "it waits {} in all and the target has no manual clock (--max-wait {})",
                crate::text::format_duration(waits),
                crate::text::format_duration(max_wait)
            ));
        }
    }
}
