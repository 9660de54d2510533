//! The checks a step makes on a response: matchers over JSONPath selections, status and header
//! expectations, and JSON Schema validation.

pub mod jsonpath;
pub mod matcher;
pub mod schema;
