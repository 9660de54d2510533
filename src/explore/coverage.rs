//! What an exploration reached: (order state, operation) pairs and result codes.

use std::collections::BTreeMap;

use serde::Serialize;

/// Counts of what was reached.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// `STATE operation` → times sent (the state the model held the order in just before).
    pub transitions: BTreeMap<String, u64>,
    /// Result code → times answered.
    pub codes: BTreeMap<String, u64>,
}

impl Coverage {
    /// Counts one operation sent in `state` (`-` for operations on no order) answered with `code`.
    pub fn note(&mut self, state: &str, operation: &str, code: &str) {
        *self.transitions.entry(format!("{state} {operation}")).or_default() += 1;
        *self.codes.entry(code.to_string()).or_default() += 1;
    }

    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: &Coverage) {
        for (key, n) in &other.transitions {
            *self.transitions.entry(key.clone()).or_default() += n;
        }
        for (key, n) in &other.codes {
            *self.codes.entry(key.clone()).or_default() += n;
        }
    }

    /// How many distinct (state, operation) pairs were reached.
    pub fn reached(&self) -> usize {
        self.transitions.len()
    }
}
