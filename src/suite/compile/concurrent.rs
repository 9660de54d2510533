//! `concurrent:` step groups: requests sent at the same moment (a race), each with its own
//! `expect` and `capture`, and `expect_one_of`, the race's acceptable outcomes.

use serde_saphyr::Spanned;

use super::Compiler;
use crate::suite::case::{Action, Concurrent, RaceOutcome, Step};
use crate::suite::case_format::StepDoc;

/// The fewest and the most requests a group sends at once.
const REQUESTS: std::ops::RangeInclusive<usize> = 2..=8;
/// The most outcomes a group may list.
const MAX_OUTCOMES: usize = 16;

impl Compiler<'_> {
    /// Compiles a `concurrent:` group (the step `doc`, numbered `number`, named `name`).
    pub(super) fn concurrent(
        &mut self,
        number: usize,
        doc: &Spanned<StepDoc>,
        group: &Spanned<Vec<Spanned<StepDoc>>>,
    ) -> Option<Concurrent> {
        let step = &doc.value;
        let span = self.span(doc);
        let misplaced = present_keys([
            ("expect", step.expect.is_some()),
            ("capture", !step.capture.is_empty()),
            ("poll", step.poll.is_some()),
            ("snapshot", step.snapshot.is_some()),
            ("violates", !step.violates.is_empty()),
        ]);
        if !misplaced.is_empty() {
            self.error(span.clone(), format!("a `concurrent` group cannot have `{}`", misplaced.join("` or `")))
                .add_help("give each request of the group its own `expect` and `capture`; `expect_one_of` lists the race's outcomes");
        }
        let count = group.value.len();
        if !REQUESTS.contains(&count) {
            let at = self.span(group);
            self.error(at, format!("a `concurrent` group sends 2 to 8 requests at once, not {count}"));
            return None;
        }
        let known_before = self.known.clone();
        let mut members = Vec::with_capacity(count);
        let mut captured = Vec::new();
        for (index, member) in group.value.iter().enumerate() {
            self.known.clone_from(&known_before);
            members.extend(self.member(number, index, member));
            captured.extend(self.known.difference(&known_before).cloned().collect::<Vec<_>>());
        }
        self.known = known_before;
        let mut outcomes = Vec::with_capacity(doc.value.expect_one_of.len());
        if doc.value.expect_one_of.len() > MAX_OUTCOMES {
            self.error(span.clone(), format!("`expect_one_of` lists at most {MAX_OUTCOMES} outcomes"));
        }
        for outcome in doc.value.expect_one_of.iter().take(MAX_OUTCOMES) {
            let at = self.span(outcome);
            if outcome.value.len() != count {
                self.error(
                    at.clone(),
                    format!(
                        "this outcome has {} expectation block{}, but the group sends {count} requests",
                        outcome.value.len(),
                        if outcome.value.len() == 1 { "" } else { "s" }
                    ),
                )
                .add_help("give one block per request, in the order of `concurrent` (`{}` expects nothing of one)");
                continue;
            }
            let expect = outcome.value.iter().map(|block| self.expectations(block)).collect();
            outcomes.push(RaceOutcome { span: at, expect });
        }
        self.known.extend(captured);
        (members.len() == count).then_some(Concurrent { members, outcomes })
    }

    /// One request of a group: a request step with, at most, a name, `expect` and `capture`.
    fn member(&mut self, number: usize, index: usize, doc: &Spanned<StepDoc>) -> Option<Step> {
        let span = self.span(doc);
        let step = &doc.value;
        let foreign = present_keys([
            ("covers", !step.covers.is_empty()),
            ("only", step.only.is_some()),
            ("when", step.when.is_some()),
            ("violates", !step.violates.is_empty()),
            ("call", step.call.is_some()),
            ("with", !step.with.is_empty()),
            ("wait", step.wait.is_some()),
            ("await_callback", step.await_callback.is_some()),
            ("poll", step.poll.is_some()),
            ("snapshot", step.snapshot.is_some()),
            ("concurrent", step.concurrent.is_some()),
            ("expect_one_of", !step.expect_one_of.is_empty()),
        ]);
        if !foreign.is_empty() {
            self.error(span.clone(), format!("a request of a `concurrent` group cannot have `{}`", foreign.join("` or `")))
                .add_help("a request of a group has `request`, and optionally `name`, `expect` and `capture`; `covers`, `only` and `when` go on the group");
            return None;
        }
        if step.request.is_none() {
            self.error(span, "a request of a `concurrent` group needs `request:`");
            return None;
        }
        let with_defaults = self.apply_defaults(doc);
        let doc = with_defaults.as_ref().unwrap_or(doc);
        let request = doc.value.request.as_ref()?;
        let exchange = self.exchange(request, &doc.value)?;
        let name = step.name.as_ref().map_or_else(|| format!("request {}", index + 1), |name| name.value.clone());
        Some(Step {
            number,
            name,
            span,
            only: None,
            covers: Vec::new(),
            violates: Vec::new(),
            needs: Vec::new(),
            action: Action::Exchange(Box::new(exchange)),
        })
    }
}

/// The keys, of those given with whether the step has them, that the step has.
fn present_keys<const N: usize>(keys: [(&'static str, bool); N]) -> Vec<&'static str> {
    keys.into_iter().filter_map(|(key, present)| present.then_some(key)).collect()
}
