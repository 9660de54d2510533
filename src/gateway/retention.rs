//! What both stores share to stay bounded: an index of the entries (v1 orders, Gate payments)
//! that reached a final state, earliest first, so the sweep removes those past the retention and
//! a full store makes room in O(log n) without scanning every entry.

use std::collections::BTreeSet;

use crate::gateway::clock::EpochMillis;

/// The finished entries of a store, by when they finished. An entry is checked against its
/// subject when taken: one that is no longer finished (an expired order paid under a lenient
/// policy) is dropped, one that finished again later is filed again.
#[derive(Debug)]
pub struct Finished<K> {
    entries: BTreeSet<(EpochMillis, K)>,
}

impl<K> Default for Finished<K> {
    fn default() -> Self {
        Finished { entries: BTreeSet::new() }
    }
}

impl<K: Ord + Clone> Finished<K> {
    /// Records `key` as finished at `at`, if it is finished.
    pub fn note(&mut self, key: &K, at: Option<EpochMillis>) {
        if let Some(at) = at {
            self.entries.insert((at, key.clone()));
        }
    }

    /// Forgets `key`, removed from its store, which finished at `at`.
    pub fn forget(&mut self, key: &K, at: Option<EpochMillis>) {
        if let Some(at) = at {
            self.entries.remove(&(at, key.clone()));
        }
    }

    /// The earliest finished entry whose finishing time meets `due`, taken out of the index;
    /// `finished_at` says when a key's subject finished now (`None`: gone, or not finished).
    pub fn take_due(
        &mut self,
        due: impl Fn(EpochMillis) -> bool,
        finished_at: impl Fn(&K) -> Option<EpochMillis>,
    ) -> Option<K> {
        while let Some((at, key)) = self.entries.first().cloned() {
            if !due(at) {
                return None;
            }
            self.entries.remove(&(at, key.clone()));
            match finished_at(&key) {
                Some(current) if current == at => return Some(key),
                Some(current) => {
                    self.entries.insert((current, key));
                }
                None => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_out_earliest_first_and_stale_ones_are_skipped() {
        let mut finished = Finished::default();
        for (key, at) in [("b", 20), ("a", 10), ("c", 30), ("gone", 5)] {
            finished.note(&key.to_string(), Some(at));
        }
        let now = |key: &String| match key.as_str() {
            "a" => Some(10),
            "b" => Some(25),
            "c" => Some(30),
            _ => None,
        };
        let order: Vec<String> = std::iter::from_fn(|| finished.take_due(|at| at <= 30, now)).collect();
        assert_eq!(order, ["a", "b", "c"]);
    }
}
