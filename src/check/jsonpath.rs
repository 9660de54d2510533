//! JSONPath queries (RFC 9535) over response bodies.
//!
//! A *singular* query (only names and indexes: `$.a.b[0]`) selects one value or nothing. Any other
//! query (wildcards, slices, filters, `..`, unions) selects the array of every match, possibly
//! empty, so that `len`, `contains` and `expr: "value | sum <= 100"` work on it.

use serde_json::Value;
use serde_json_path::JsonPath;

/// A parsed JSONPath query.
#[derive(Debug, Clone)]
pub struct JsonQuery {
    source: String,
    path: JsonPath,
    singular: bool,
}

impl JsonQuery {
    /// Parses a query; the error names what is wrong with it.
    pub fn parse(source: &str) -> Result<JsonQuery, String> {
        let path = JsonPath::parse(source).map_err(|error| format!("invalid JSONPath `{source}`: {error}"))?;
        Ok(JsonQuery { source: source.to_string(), path, singular: is_singular(source) })
    }

    /// The query as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True when the query can select at most one value.
    pub fn is_singular(&self) -> bool {
        self.singular
    }

    /// The selected value: the node (or `None`) for a singular query, the array of nodes otherwise.
    pub fn select(&self, document: &Value) -> Option<Value> {
        let nodes = self.path.query(document);
        if self.singular {
            nodes.at_most_one().ok().flatten().cloned()
        } else {
            Some(Value::Array(nodes.all().into_iter().cloned().collect()))
        }
    }
}

/// True when the query has only name and index selectors, judged outside quoted names.
fn is_singular(source: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut previous = '\0';
    for c in source.chars() {
        match quote {
            Some(q) => {
                if c == q && previous != '\\' {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '*' | '?' | ':' | ',' => return false,
                '.' if previous == '.' => return false,
                _ => {}
            },
        }
        previous = if previous == '\\' && c == '\\' { '\0' } else { c };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn singular_queries_select_one_value_or_nothing() {
        let doc = json!({"a": {"b": [1, 2]}, "x.y": 3});
        assert_eq!(JsonQuery::parse("$.a.b[1]").unwrap().select(&doc), Some(json!(2)));
        assert_eq!(JsonQuery::parse("$.a.c").unwrap().select(&doc), None);
        assert_eq!(JsonQuery::parse("$['x.y']").unwrap().select(&doc), Some(json!(3)));
    }

    #[test]
    fn other_queries_select_an_array() {
        let doc = json!({"refunds": [{"amount": 1}, {"amount": 2}], "a": {"amount": 5}});
        assert_eq!(JsonQuery::parse("$.refunds[*].amount").unwrap().select(&doc), Some(json!([1, 2])));
        assert_eq!(JsonQuery::parse("$.none[*]").unwrap().select(&doc), Some(json!([])));
        assert!(!JsonQuery::parse("$..amount").unwrap().is_singular());
        assert!(!JsonQuery::parse("$.refunds[?@.amount > 1]").unwrap().is_singular());
        assert!(JsonQuery::parse("$['a:b']").unwrap().is_singular());
    }

    #[test]
    fn invalid_queries_are_reported() {
        assert!(JsonQuery::parse("$.a[").unwrap_err().contains("invalid JSONPath"));
        assert!(JsonQuery::parse("a.b").is_err());
    }
}
