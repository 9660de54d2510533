//! Literal replacements in a snapshot's text (the case's inputs by their references, the
//! target's URLs by `[target]`). A set is rebuilt whenever a step captures something, so it
//! builds nothing ahead: a long value is first looked for by its first [`PROBE_BYTES`] bytes,
//! which `str::contains` finds with vector instructions, and searched whole only when those are
//! there.

use crate::text::floor_char_boundary;

/// Values and what replaces them, applied in the order given (longest value first, so that a
/// value containing another is replaced whole).
#[derive(Debug, Clone, Default)]
pub struct Replacements {
    entries: Vec<Entry>,
}

/// One value, what replaces it, and the length of its probe (its first bytes, up to
/// [`PROBE_BYTES`], ending on a character boundary).
#[derive(Debug, Clone)]
struct Entry {
    value: String,
    replacement: String,
    probe: usize,
}

/// The longest needle `str::contains` searches with vector instructions.
const PROBE_BYTES: usize = 32;

impl Replacements {
    /// The replacements, in the order they are applied; empty values are left out.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Replacements {
        let entries = pairs
            .into_iter()
            .filter(|(value, _)| !value.is_empty())
            .map(|(value, replacement)| {
                let probe = floor_char_boundary(&value, PROBE_BYTES);
                Entry { value, replacement, probe }
            })
            .collect();
        Replacements { entries }
    }

    /// What replaces a text that is one of the values as a whole.
    pub fn whole(&self, text: &str) -> Option<&str> {
        self.entries.iter().find(|entry| entry.value == text).map(|entry| entry.replacement.as_str())
    }

    /// The text with every occurrence of each value replaced.
    pub fn apply(&self, mut text: String) -> String {
        for entry in &self.entries {
            let found = text.contains(&entry.value[..entry.probe])
                && (entry.probe == entry.value.len() || text.contains(entry.value.as_str()));
            if found {
                text = text.replace(entry.value.as_str(), &entry.replacement);
            }
        }
        text
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is nothing to replace.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_replaced_in_order_and_whole_texts_looked_up() {
        let replacements = Replacements::new([
            ("http://127.0.0.1:8080/v1".to_string(), "[target]".to_string()),
            ("http://127.0.0.1:8080".to_string(), "[target]".to_string()),
            (String::new(), "never".to_string()),
        ]);
        assert_eq!(replacements.len(), 2);
        assert_eq!(
            replacements.apply("go to http://127.0.0.1:8080/v1/x and http://127.0.0.1:8080/".to_string()),
            "go to [target]/x and [target]/"
        );
        assert_eq!(replacements.whole("http://127.0.0.1:8080"), Some("[target]"));
        assert_eq!(replacements.whole("http://127.0.0.1"), None);
        assert_eq!(Replacements::default().apply("unchanged".to_string()), "unchanged");

        let long = format!("https://pay.example/{}/é", "a".repeat(40));
        let replacements = Replacements::new([(long.clone(), "{{url}}".to_string())]);
        assert_eq!(replacements.apply(format!("go {long} now")), "go {{url}} now");
        let same_start = format!("go {}", &long[..long.len() - 3]);
        assert_eq!(replacements.apply(same_start.clone()), same_start, "its first bytes alone are not the value");
    }
}
