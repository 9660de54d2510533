//! Validation of a response body against a compiled schema: every violation, with where it is.

use serde_json::Value;

use crate::suite::schema_registry::CompiledSchema;

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

/// Every violation of the schema by the document (empty when it conforms).
pub fn validate(schema: &CompiledSchema, document: &Value) -> Vec<Violation> {
    if schema.validator.is_valid(document) {
        return Vec::new();
    }
    schema
        .validator
        .iter_errors(document)
        .map(|error| Violation {
            instance_path: error.instance_path().to_string(),
            schema_path: error.evaluation_path().to_string(),
            message: error.to_string(),
        })
        .collect()
}
