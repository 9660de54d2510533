//! The case's own inputs, written as references: a value the case chose or captured (an order
//! number it generated, an order id an earlier step took) appears in a snapshot as
//! `{{order_number}}`, not as this run's value. That keeps the snapshot stable where no schema
//! marks the value volatile (an HTML page, a URL's query), and makes a diff say "the answer no
//! longer echoes the order number" instead of showing two random strings.

use serde_json::Value;

use super::replacements::Replacements;

/// Values shorter than this are left alone: short values (`0`, `RUB`, `643`) occur by chance.
pub const MIN_VALUE_CHARS: usize = 8;
/// Values longer than this are left alone (a captured page, say): too costly to look for.
pub const MAX_VALUE_CHARS: usize = 512;
/// At most this many references per case run.
pub const MAX_REFERENCES: usize = 256;

/// One value and the reference written in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputReference {
    /// The value as it appears in answers.
    pub value: String,
    /// `{{name}}` or `{{name.field}}`.
    pub reference: String,
}

/// The references of named values (case variables, captures): every string leaf of
/// [`MIN_VALUE_CHARS`] to [`MAX_VALUE_CHARS`] characters, longest value first (so that a value
/// containing another is replaced whole). A value two names share keeps the first name.
pub fn references<'a>(named: impl IntoIterator<Item = (&'a str, Value)>) -> Vec<InputReference> {
    let leaves: Vec<Vec<InputReference>> = named.into_iter().map(|(name, value)| leaves(name, &value)).collect();
    merge(leaves.iter().map(Vec::as_slice))
}

/// The string leaves of one named value that can become references (at most
/// [`MAX_REFERENCES`]), in the order they stand.
pub fn leaves(name: &str, value: &Value) -> Vec<InputReference> {
    let mut found = Vec::new();
    let mut path = name.to_string();
    collect(&mut path, value, &mut found, 0);
    found
}

/// The references of several names' [`leaves`], taken in the names' order: a value two names
/// share keeps the first; at most [`MAX_REFERENCES`]; longest value first.
pub fn merge<'a>(lists: impl IntoIterator<Item = &'a [InputReference]>) -> Vec<InputReference> {
    let mut found: Vec<InputReference> = Vec::new();
    for leaf in lists.into_iter().flatten() {
        if found.len() >= MAX_REFERENCES {
            break;
        }
        if !found.iter().any(|known| known.value == leaf.value) {
            found.push(leaf.clone());
        }
    }
    found.sort_by(|a, b| b.value.len().cmp(&a.value.len()).then_with(|| a.value.cmp(&b.value)));
    found
}

/// How deep under its name a value's strings are looked for.
pub const MAX_DEPTH: usize = 8;

/// Adds the string `text`, found at `path` under an input's name, when it can become a
/// reference (its length in bounds, its value not known yet); false once `found` is full.
pub fn add_leaf(path: &str, text: &str, found: &mut Vec<InputReference>) -> bool {
    if found.len() >= MAX_REFERENCES {
        return false;
    }
    // A character is one to four bytes: most strings are told apart by their length alone.
    let fits = match text.len() {
        bytes if !(MIN_VALUE_CHARS..=4 * MAX_VALUE_CHARS).contains(&bytes) => false,
        bytes if (4 * MIN_VALUE_CHARS..=MAX_VALUE_CHARS).contains(&bytes) => true,
        _ => (MIN_VALUE_CHARS..=MAX_VALUE_CHARS).contains(&text.chars().count()),
    };
    if fits && !found.iter().any(|known| known.value == text) {
        let mut reference = String::with_capacity(path.len() + 4);
        reference.push_str("{{");
        reference.push_str(path);
        reference.push_str("}}");
        found.push(InputReference { value: text.to_string(), reference });
    }
    true
}

/// Collects the string leaves under `path` (which it leaves as it found it).
fn collect(path: &mut String, value: &Value, found: &mut Vec<InputReference>, depth: usize) {
    if depth > MAX_DEPTH || found.len() >= MAX_REFERENCES {
        return;
    }
    let length = path.len();
    match value {
        Value::String(text) => {
            add_leaf(path, text, found);
        }
        Value::Object(fields) => {
            for (key, field) in fields {
                path.push('.');
                path.push_str(key);
                collect(path, field, found, depth + 1);
                path.truncate(length);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push_str(&format!("[{index}]"));
                collect(path, item, found, depth + 1);
                path.truncate(length);
            }
        }
        _ => {}
    }
}

/// The references ready to be written into a snapshot's text, longest value first.
pub fn replacements(references: Vec<InputReference>) -> Replacements {
    Replacements::new(references.into_iter().map(|reference| (reference.value, reference.reference)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_values_become_references_longest_first_short_ones_stay() {
        let references = replacements(references([
            ("order_number", json!("ord-20261130-1")),
            ("order_id", json!("5c1f0000-aaaa")),
            ("form", json!({"url": "https://pay.example/form?mdOrder=5c1f0000-aaaa"})),
            ("currency", json!("643")),
            ("again", json!("ord-20261130-1")),
        ]));
        assert_eq!(references.len(), 3, "{references:?}");
        let text = "<p>Order ord-20261130-1</p> mdOrder=5c1f0000-aaaa currency 643";
        assert_eq!(
            references.apply(text.to_string()),
            "<p>Order {{order_number}}</p> mdOrder={{order_id}} currency 643"
        );
        assert_eq!(
            references.apply("see https://pay.example/form?mdOrder=5c1f0000-aaaa".to_string()),
            "see {{form.url}}"
        );
    }
}
