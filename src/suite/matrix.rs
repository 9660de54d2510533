//! A case's `matrix:`: the case runs once per row, each row a set of variables, and each run is
//! named by its values (`Refund limits [amount=0, method=refund.do]`).
//!
//! Written as a map of name → list of values (every combination, the first name varying
//! slowest) or as a list of maps (one run each, for rows whose values go together, such as an
//! amount and the answer it gets).

use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;
use serde_saphyr::{Location, Spanned};

use super::diagnostic::Diagnostic;
use super::source::{SourceFile, SourceSpan};

/// Most runs a matrix may give.
pub const MAX_ROWS: usize = 256;

/// One run of a matrix case.
#[derive(Debug, Clone)]
pub struct Row {
    /// `name=value, ...`: what the run's name ends with.
    pub label: String,
    /// The variables of the run.
    pub values: IndexMap<String, Value>,
    /// Where the matrix is written.
    pub location: Location,
}

/// The runs of a case: one `None` when it has no matrix.
pub fn rows(file: &Arc<SourceFile>, matrix: Option<&Spanned<Value>>) -> Result<Vec<Option<Row>>, Diagnostic> {
    let Some(matrix) = matrix else { return Ok(vec![None]) };
    let location = matrix.referenced;
    let error = |message: &str| Diagnostic::at(SourceSpan::from_location(file, &location), message.to_string());
    let rows: Vec<IndexMap<String, Value>> = match &matrix.value {
        Value::Object(axes) => {
            let mut rows = vec![IndexMap::new()];
            for (name, values) in axes {
                let Value::Array(values) = values else {
                    return Err(error(&format!("the matrix's `{name}` is not a list of values"))
                        .with_help("write `name: [value, value, ...]`"));
                };
                if values.is_empty() {
                    return Err(error(&format!("the matrix's `{name}` has no values")));
                }
                if rows.len().saturating_mul(values.len()) > MAX_ROWS {
                    return Err(error(&format!("the matrix gives more than {MAX_ROWS} runs")));
                }
                rows = rows
                    .into_iter()
                    .flat_map(|row| {
                        values.iter().map(move |value| {
                            let mut row = row.clone();
                            row.insert(name.clone(), value.clone());
                            row
                        })
                    })
                    .collect();
            }
            rows
        }
        Value::Array(listed) => {
            if listed.is_empty() || listed.len() > MAX_ROWS {
                return Err(error(&format!("a matrix lists 1 to {MAX_ROWS} runs")));
            }
            let mut rows = Vec::new();
            for row in listed {
                let Value::Object(row) = row else {
                    return Err(error("each run of a listed matrix is a map of name → value"));
                };
                rows.push(row.iter().map(|(name, value)| (name.clone(), value.clone())).collect());
            }
            rows
        }
        _ => {
            return Err(error("a matrix is a map of name → list of values, or a list of maps")
                .with_help("`matrix: { amount: [0, 1] }` runs the case twice"));
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for values in rows {
        if values.keys().any(|name| !is_identifier(name)) {
            return Err(error("matrix names are variable names: letters, digits and `_`"));
        }
        let label =
            values.iter().map(|(name, value)| format!("{name}={}", shown(value))).collect::<Vec<_>>().join(", ");
        if !seen.insert(label.clone()) {
            return Err(error(&format!("the matrix gives the run [{label}] twice")));
        }
        out.push(Some(Row { label, values, location }));
    }
    Ok(out)
}

fn is_identifier(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// A value as a run's name shows it: text as it is, anything else as compact JSON.
fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(matrix: Value) -> Vec<String> {
        let file = SourceFile::new("case.yaml", "matrix: x\n");
        let spanned = Spanned::new(matrix, Location::UNKNOWN, Location::UNKNOWN);
        rows(&file, Some(&spanned)).expect("rows").into_iter().map(|row| row.expect("a row").label).collect()
    }

    #[test]
    fn a_map_of_lists_gives_every_combination_in_order() {
        assert_eq!(
            labels(json!({ "api": ["router", "bank"], "amount": [1, 0] })),
            ["api=router, amount=1", "api=router, amount=0", "api=bank, amount=1", "api=bank, amount=0"]
        );
    }

    #[test]
    fn a_list_of_maps_gives_one_run_each() {
        assert_eq!(labels(json!([{ "amount": 0, "code": "4" }, { "amount": 1 }])), ["amount=0, code=4", "amount=1"]);
    }
}
