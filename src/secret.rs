//! Masking secrets (passwords, keys, tokens) in everything the runner writes.
//!
//! A secret can reach an output in several forms: as written, form-urlencoded, JSON-escaped, or
//! base64-encoded. The masker replaces each form with [`MASK`].

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;

/// What a secret is replaced with.
pub const MASK: &str = "[masked]";

/// Replaces every known secret, in every form it can take on the wire, with [`MASK`], in one
/// pass over the text whatever the number of secrets.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    /// Every form of every secret; the longest match wins where forms overlap.
    automaton: Option<AhoCorasick>,
}

impl Masker {
    /// A masker for these secret values (empty values are ignored).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Masker {
        let mut forms = Vec::new();
        for secret in secrets {
            if secret.is_empty() {
                continue;
            }
            forms.push(form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>());
            forms.push(percent_encode_all(&secret));
            let json = serde_json::to_string(&secret).unwrap_or_default();
            forms.push(json.trim_matches('"').to_string());
            forms.push(base64::engine::general_purpose::STANDARD.encode(secret.as_bytes()));
            forms.push(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret.as_bytes()));
            forms.push(secret);
        }
        forms.retain(|form| !form.is_empty());
        forms.sort();
        forms.dedup();
        let automaton = if forms.is_empty() {
            None
        } else {
            AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&forms).ok()
        };
        Masker { automaton }
    }

    /// True when there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
    }

    /// The text with every secret form replaced.
    pub fn mask(&self, text: &str) -> String {
        match &self.automaton {
            Some(automaton) if automaton.is_match(text) => {
                let mut out = String::with_capacity(text.len());
                automaton.replace_all_with(text, &mut out, |_, _, out| {
                    out.push_str(MASK);
                    true
                });
                out
            }
            _ => text.to_string(),
        }
    }
}

/// `%XX` for every byte that is not alphanumeric (another common URL-encoding of the same value).
fn percent_encode_all(secret: &str) -> String {
    secret
        .bytes()
        .map(|byte| if byte.is_ascii_alphanumeric() { (byte as char).to_string() } else { format!("%{byte:02X}") })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_wire_form() {
        let secret = "p@ss word/\"x\"".to_string();
        let masker = Masker::new([secret.clone()]);
        let form = form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>();
        let json = serde_json::to_string(&secret).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&secret);
        for text in [secret.clone(), form, json, b64] {
            let masked = masker.mask(&format!("before {text} after"));
            assert!(masked.contains(MASK), "{masked}");
            assert!(!masked.contains("ss word"), "{masked}");
        }
    }

    #[test]
    fn leaves_other_text_alone() {
        let masker = Masker::new(["test_user_password".to_string()]);
        assert_eq!(
            masker.mask("userName=test_user&password=test_user_password"),
            "userName=test_user&password=[masked]"
        );
    }
}
