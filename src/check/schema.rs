//! Validation of a response body against a compiled schema: the violations, with where they are,
//! masked and bounded whatever the body holds (a message quotes the value it is about, and a
//! hostile body can break a schema a million times).

use serde_json::Value;

use crate::secret::Masker;
use crate::suite::schema_registry::CompiledSchema;

/// How many violations are listed; the others are only counted.
pub const LISTED_VIOLATIONS: usize = 50;

/// How long a message or a path may be, in bytes (a message quotes the value it is about).
pub const KEPT_BYTES: usize = 512;

/// One way a document breaks a schema.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Violation {
    /// JSON Pointer into the response (`/orderStatus`), empty for the root.
    pub instance_path: String,
    /// JSON Pointer into the schema (`/properties/orderStatus/type`).
    pub schema_path: String,
    /// What is wrong.
    pub message: String,
}

/// The violations of a schema by a document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Violations {
    /// The first [`LISTED_VIOLATIONS`], secrets masked and each text cut at [`KEPT_BYTES`].
    pub listed: Vec<Violation>,
    /// How many there are in all (0 when the document conforms).
    pub total: usize,
}

/// The violations of the schema by the document, masked then cut.
pub fn validate(schema: &CompiledSchema, document: &Value, masker: &Masker) -> Violations {
    if schema.validator.is_valid(document) {
        return Violations::default();
    }
    let mut violations = Violations::default();
    for error in schema.validator.iter_errors(document) {
        violations.total += 1;
        if violations.listed.len() < LISTED_VIOLATIONS {
            violations.listed.push(Violation {
                instance_path: masker.mask_quote(&error.instance_path().to_string(), KEPT_BYTES),
                schema_path: masker.mask_quote(&error.evaluation_path().to_string(), KEPT_BYTES),
                message: masker.mask_quote(&error.to_string(), KEPT_BYTES),
            });
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(schema: Value) -> CompiledSchema {
        CompiledSchema {
            name: "test.json".into(),
            validator: jsonschema::validator_for(&schema).expect("a valid schema"),
            document: std::sync::Arc::new(schema),
        }
    }

    #[test]
    fn a_message_quoting_a_huge_value_is_masked_then_cut() {
        let schema = compiled(serde_json::json!({"properties": {"amount": {"type": "integer"}}}));
        let secret = "s3cr3t-p4ssw0rd";
        let huge = format!("{}{secret}{}", "x".repeat(KEPT_BYTES - 20), "y".repeat(1_000_000));
        let found = validate(&schema, &serde_json::json!({ "amount": huge }), &Masker::new([secret.to_string()]));
        assert_eq!(found.total, 1);
        let message = &found.listed[0].message;
        assert!(message.len() < KEPT_BYTES + 40, "{} bytes", message.len());
        assert!(message.contains("bytes in all)"), "{message}");
        assert!(!message.contains("s3cr3t"), "{message}");
    }

    #[test]
    fn a_million_violations_are_counted_and_fifty_listed() {
        let schema = compiled(serde_json::json!({"items": {"type": "string"}}));
        let document = Value::Array(vec![Value::from(1); 1_000_000]);
        let found = validate(&schema, &document, &Masker::default());
        assert_eq!(found.total, 1_000_000);
        assert_eq!(found.listed.len(), LISTED_VIOLATIONS);
    }
}
