//! Literal replacements in a snapshot's text (the case's inputs by their references, the
//! target's URLs by `[target]`). One set serves many snapshots, so a long value gets a finder
//! built once for the set; a short one is searched by `str::contains`, which is fastest for it.

use memchr::memmem;

/// Values and what replaces them, applied in the order given (longest value first, so that a
/// value containing another is replaced whole).
#[derive(Debug, Clone, Default)]
pub struct Replacements {
    entries: Vec<Entry>,
}

/// One value, what replaces it, and a finder when the value is longer than [`SHORT_VALUE_BYTES`].
#[derive(Debug, Clone)]
struct Entry {
    value: String,
    replacement: String,
    finder: Option<memmem::Finder<'static>>,
}

/// Values up to this long are searched by `str::contains` (vectorised for short needles).
const SHORT_VALUE_BYTES: usize = 32;

impl Replacements {
    /// The replacements, in the order they are applied; empty values are left out.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Replacements {
        let entries = pairs
            .into_iter()
            .filter(|(value, _)| !value.is_empty())
            .map(|(value, replacement)| {
                let finder =
                    (value.len() > SHORT_VALUE_BYTES).then(|| memmem::Finder::new(value.as_bytes()).into_owned());
                Entry { value, replacement, finder }
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
            let found = match &entry.finder {
                Some(finder) => finder.find(text.as_bytes()).is_some(),
                None => text.contains(entry.value.as_str()),
            };
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
    }
}
