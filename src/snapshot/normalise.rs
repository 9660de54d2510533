//! A JSON answer as its snapshot shows it, written in one walk: the case's and the target's
//! redactions, the case's inputs as references, signature, password and secret fields and
//! volatile fields as placeholders, keys sorted, pretty-printed exactly as
//! `serde_json::to_string_pretty` prints (the committed snapshots depend on it).

use serde_json::Value;

use super::render::Normalisation;

/// Writes a JSON answer as the snapshot shows it: the case's and the target's redactions, then
/// one walk that writes it the way `serde_json::to_string_pretty` would once normalised (see
/// [`write_value`]).
pub fn write_normalised_json(out: &mut Vec<u8>, mut document: Value, normalisation: &Normalisation<'_>) {
    let mut redacted: Vec<(String, String)> = Vec::new();
    for redaction in normalisation.spec.redact.iter().chain(normalisation.target_redactions) {
        for location in redaction.path.query_located(&document).locations() {
            redacted.push((location.to_json_pointer(), redaction.placeholder.clone()));
        }
    }
    for (pointer, placeholder) in redacted {
        if let Some(value) = document.pointer_mut(&pointer)
            && !value.is_null()
        {
            *value = Value::String(format!("[{placeholder}]"));
        }
    }
    write_value(out, &document, normalisation, 0);
}

/// How deep strings become references and volatile fields are redacted.
const MAX_REDACTION_DEPTH: usize = 64;
/// How deep keys are sorted.
const MAX_SORT_DEPTH: usize = 128;

/// Writes `value`, found `depth` levels down, pretty-printed (two spaces a level, as
/// `serde_json::to_string_pretty`): each string equal to one of the case's inputs as its
/// reference, so that an echoed input reads `{{order_number}}` rather than the schema's generic
/// placeholder; each field named like a signature, password or secret as its placeholder; each
/// volatile field's scalar as its placeholder (placeholders and references stay); keys sorted.
/// Nothing is copied or changed in the answer.
fn write_value(out: &mut Vec<u8>, value: &Value, normalisation: &Normalisation<'_>, depth: usize) {
    match value {
        Value::String(text) => write_scalar(out, reference(text, normalisation, depth).unwrap_or(text)),
        Value::Object(fields) if fields.is_empty() => out.extend_from_slice(b"{}"),
        Value::Object(fields) => {
            let mut sorted: Vec<(&String, &Value)> = fields.iter().collect();
            if depth <= MAX_SORT_DEPTH {
                sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
            }
            out.push(b'{');
            for (index, (key, field)) in sorted.into_iter().enumerate() {
                out.extend_from_slice(if index == 0 { b"\n" } else { b",\n" });
                indent(out, depth + 1);
                write_scalar(out, key.as_str());
                out.extend_from_slice(b": ");
                write_field(out, key, field, normalisation, depth);
            }
            out.push(b'\n');
            indent(out, depth);
            out.push(b'}');
        }
        Value::Array(items) if items.is_empty() => out.extend_from_slice(b"[]"),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                out.extend_from_slice(if index == 0 { b"\n" } else { b",\n" });
                indent(out, depth + 1);
                write_value(out, item, normalisation, depth + 1);
            }
            out.push(b'\n');
            indent(out, depth);
            out.push(b']');
        }
        Value::Number(number) => write_scalar(out, number),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Null => out.extend_from_slice(b"null"),
    }
}

/// Writes the value of the field `key` of an object found `depth` levels down: a sensitive
/// field's placeholder, a reference, a volatile field's placeholder, or the value itself.
fn write_field(out: &mut Vec<u8>, key: &str, field: &Value, normalisation: &Normalisation<'_>, depth: usize) {
    if !field.is_null()
        && let Some(placeholder) = sensitive_field_placeholder(key)
    {
        return write_scalar(out, placeholder);
    }
    if let Value::String(text) = field
        && let Some(reference) = reference(text, normalisation, depth + 1)
    {
        return write_scalar(out, reference);
    }
    if depth <= MAX_REDACTION_DEPTH
        && let Some(placeholder) = normalisation.volatile_fields.replacement(key, field)
    {
        return write_scalar(out, placeholder);
    }
    write_value(out, field, normalisation, depth + 1);
}

/// The reference a string found `depth` levels down is written as, when it is one of the case's
/// inputs.
fn reference<'n>(text: &str, normalisation: &'n Normalisation<'_>, depth: usize) -> Option<&'n str> {
    if depth <= MAX_REDACTION_DEPTH { normalisation.inputs.whole(text) } else { None }
}

/// Writes a string or a number as JSON does (escapes included).
fn write_scalar(out: &mut Vec<u8>, value: &(impl serde::Serialize + ?Sized)) {
    // Writing into memory cannot fail, and a string or a number always serializes.
    let _ = serde_json::to_writer(out, value);
}

fn indent(out: &mut Vec<u8>, depth: usize) {
    out.resize(out.len() + 2 * depth, b' ');
}

fn sensitive_field_placeholder(key: &str) -> Option<&'static str> {
    let key = key.as_bytes();
    let is = |word: &str| key.eq_ignore_ascii_case(word.as_bytes());
    let ends =
        |word: &str| key.len() >= word.len() && key[key.len() - word.len()..].eq_ignore_ascii_case(word.as_bytes());
    let words = held_words(key);
    if words.signature || is("sign") || is("checksum") {
        Some("[signature]")
    } else if words.secret || is("token") || ends("_token") {
        Some("[secret]")
    } else {
        None
    }
}

/// Which of the words that make a field sensitive a key holds, in any case.
struct HeldWords {
    /// `signature`.
    signature: bool,
    /// `password` or `secret`.
    secret: bool,
}

/// Looks for `signature`, `password` and `secret` in one pass over the key, comparing only where
/// a word's first letter stands (every key of every answer is looked at).
fn held_words(key: &[u8]) -> HeldWords {
    let holds =
        |at: usize, word: &[u8]| key[at..].get(..word.len()).is_some_and(|part| part.eq_ignore_ascii_case(word));
    let mut words = HeldWords { signature: false, secret: false };
    for (at, byte) in key.iter().enumerate() {
        // `| 0x20` lowers an ASCII capital, and turns no other byte into `s` or `p`.
        match byte | 0x20 {
            b's' if holds(at, b"signature") => words.signature = true,
            b's' if holds(at, b"secret") => words.secret = true,
            b'p' if holds(at, b"password") => words.secret = true,
            _ => {}
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Masker;
    use crate::snapshot::replacements::Replacements;
    use crate::snapshot::volatile::VolatileFields;
    use crate::suite::case::SnapshotSpec;
    use serde_json::json;

    fn written(document: Value) -> String {
        let spec = SnapshotSpec::default();
        let masker = Masker::default();
        let inputs = Replacements::default();
        let normalisation = Normalisation {
            spec: &spec,
            masker: &masker,
            target_urls: &Replacements::default(),
            target_redactions: &[],
            inputs: &inputs,
            volatile_fields: &VolatileFields::default(),
        };
        let mut out = Vec::new();
        write_normalised_json(&mut out, document, &normalisation);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_document_with_nothing_to_replace_is_printed_as_serde_json_prints_it_sorted() {
        let document = json!({
            "b": [1, -2.5, 18446744073709551615u64, true, false, null, [], {}, [[]]],
            "a": {"z": "quote \" backslash \\ tab \t nul \u{0} del \u{7f} é ✓", "y": {"x": [{}]}},
            "": "empty key",
        });
        let sorted = {
            let mut sorted = document.clone();
            sorted.sort_all_objects();
            sorted
        };
        assert_eq!(written(document), serde_json::to_string_pretty(&sorted).unwrap());
        assert_eq!(written(json!("top")), "\"top\"");
        assert_eq!(written(json!([])), "[]");
    }

    #[test]
    fn fields_named_like_signatures_and_secrets_are_found_in_any_case() {
        for key in ["signature", "xSignature", "SIGNATURE_V2", "sign", "CheckSum", "signaturePassword"] {
            assert_eq!(sensitive_field_placeholder(key), Some("[signature]"), "{key}");
        }
        for key in ["password", "clientSecret", "SECRET", "token", "access_token", "oldPassWord", "é_secret_ü"] {
            assert_eq!(sensitive_field_placeholder(key), Some("[secret]"), "{key}");
        }
        for key in ["signed", "signatur", "tokens", "secre", "pass", "orderStatus", "", "s", "sécret"] {
            assert_eq!(sensitive_field_placeholder(key), None, "{key}");
        }
    }
}
