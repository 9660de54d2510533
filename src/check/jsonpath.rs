//! JSONPath queries (RFC 9535) over response bodies.
//!
//! A *singular* query (only names and indexes: `$.a.b[0]`) selects one value or nothing. Any other
//! query (wildcards, slices, filters, `..`, unions) selects the array of every match, possibly
//! empty, so that `len`, `contains` and `expr: "value | sum <= 100"` work on it.

use std::sync::Arc;

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::template::cache::SourceCache;
use crate::template::{bracket_nesting, is_plain_name};

/// The longest query accepted, in bytes (the longest in the bundled cases is about 80).
pub const MAX_QUERY_LENGTH: usize = 500;

/// The deepest nesting of brackets (`(`, `[`) accepted in a query: the JSONPath parser recurses
/// into each, and a deep enough query exhausts the stack and aborts the process.
pub const MAX_QUERY_NESTING: usize = 16;

/// The most filter selectors (`?`) accepted in a query: the parser's work doubles with each
/// filter nested in another.
pub const MAX_QUERY_FILTERS: usize = 4;

/// A parsed JSONPath query.
#[derive(Debug, Clone)]
pub struct JsonQuery {
    source: Arc<str>,
    path: Arc<JsonPath>,
    singular: bool,
    /// The member names of a query made of nothing else (`$.a.b`), walked without the JSONPath
    /// engine: most queries are these.
    names: Option<Arc<[String]>>,
}

/// Every query parsed so far, by its text.
static QUERIES: SourceCache<JsonQuery> = SourceCache::new();

impl JsonQuery {
    /// Parses a query (once per process for each text); the error names what is wrong with it.
    pub fn parse(source: &str) -> Result<JsonQuery, String> {
        QUERIES.get_or_compile(source, parse_query)
    }

    /// The query as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed query.
    pub fn path(&self) -> &JsonPath {
        &self.path
    }

    /// True when the query can select at most one value.
    pub fn is_singular(&self) -> bool {
        self.singular
    }

    /// The selected value: the node (or `None`) for a singular query, the array of nodes otherwise.
    pub fn select(&self, document: &Value) -> Option<Value> {
        if let Some(names) = &self.names {
            return names.iter().try_fold(document, |node, name| node.get(name.as_str())).cloned();
        }
        let nodes = self.path.query(document);
        if self.singular {
            nodes.at_most_one().ok().flatten().cloned()
        } else {
            Some(Value::Array(nodes.all().into_iter().cloned().collect()))
        }
    }
}

fn parse_query(source: &str) -> Result<JsonQuery, String> {
    if source.len() > MAX_QUERY_LENGTH {
        return Err(format!("JSONPath too long: {} bytes (at most {MAX_QUERY_LENGTH})", source.len()));
    }
    let depth = bracket_nesting(source);
    if depth > MAX_QUERY_NESTING {
        return Err(format!("JSONPath nested too deeply: {depth} levels of brackets (at most {MAX_QUERY_NESTING})"));
    }
    let filters = source.matches('?').count();
    if filters > MAX_QUERY_FILTERS {
        return Err(format!("JSONPath with too many filters: {filters} `?` (at most {MAX_QUERY_FILTERS})"));
    }
    let path = JsonPath::parse(source).map_err(|error| format!("invalid JSONPath `{source}`: {error}"))?;
    let names = member_names(source);
    Ok(JsonQuery { source: Arc::from(source), path: Arc::new(path), singular: is_singular(source), names })
}

/// The names of a query written `$.name.name…` with plain ASCII names, where each name selects
/// that member of an object and nothing of anything else (RFC 9535 2.5.1).
fn member_names(source: &str) -> Option<Arc<[String]>> {
    let names: Vec<&str> = source.strip_prefix("$.")?.split('.').collect();
    names.iter().all(|name| is_plain_name(name)).then(|| names.iter().map(|name| name.to_string()).collect())
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
    fn member_names_select_what_the_jsonpath_engine_selects() {
        let doc = json!({"a": {"b": {"c": 1}, "n": null, "list": [1]}, "s": "text", "_x1": true});
        for source in ["$.a", "$.a.b.c", "$.a.n", "$.a.list", "$.a.missing", "$.s.length", "$.a.list.b", "$._x1", "$.q"]
        {
            let query = JsonQuery::parse(source).unwrap();
            assert!(query.names.is_some(), "{source} is made of member names");
            let engine = JsonQuery { names: None, ..query.clone() };
            assert_eq!(query.select(&doc), engine.select(&doc), "{source}");
        }
        for source in ["$", "$.a[0]", "$['a']", "$.a.*", "$..a", "$.a-b", "$.1a", "$.é"] {
            assert!(member_names(source).is_none(), "{source} goes through the engine");
        }
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

    /// The largest queries of each shape within the limits.
    fn adversarial() -> Vec<String> {
        let fill = |start: &str, unit: &str, end: &str| {
            let count = (MAX_QUERY_LENGTH - start.len() - end.len()) / unit.len();
            format!("{start}{}{end}", unit.repeat(count))
        };
        let depth = MAX_QUERY_NESTING - 1;
        vec![
            fill("$", ".a", ""),
            fill("$", "[0]", ""),
            fill("$", "..a", ""),
            fill("$[?@.a", " && @.a", "]"),
            fill("$[?@.a", " || @.a", "]"),
            fill("$[?", "!", "@.a]"),
            fill("$[?@.a == 1", " || 1 == 1", "]"),
            format!("$[?{}@.a{}]", "(".repeat(depth), ")".repeat(depth)),
            format!("$[?{}@.a{}]", "length(".repeat(depth), ")".repeat(depth)),
            format!("$[?{}@.a{}]", "@[?".repeat(MAX_QUERY_FILTERS - 1), "]".repeat(MAX_QUERY_FILTERS - 1)),
            format!("$[?{}@.a{}]", "!(".repeat(depth), ")".repeat(depth)),
        ]
    }

    /// Half the stack of a thread spawned by the standard library (test threads, tokio workers).
    #[test]
    fn queries_at_the_limits_parse_on_a_small_stack() {
        let handle = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(|| {
                for query in adversarial() {
                    assert!(query.len() <= MAX_QUERY_LENGTH, "{query}");
                    let _ = parse_query(&query);
                }
            })
            .expect("spawn");
        assert!(handle.join().is_ok());
    }

    #[test]
    fn long_or_deep_queries_are_refused_with_the_limit() {
        let deep = format!("$[?{}@.a{}]", "(".repeat(40), ")".repeat(40));
        let error = JsonQuery::parse(&deep).unwrap_err();
        assert!(error.contains("nested too deeply"), "{error}");
        let filters = format!("${}", "[?@.a]".repeat(5));
        assert!(JsonQuery::parse(&filters).unwrap_err().contains("too many filters"));
        let long = format!("${}", ".a".repeat(300));
        assert!(JsonQuery::parse(&long).unwrap_err().contains("at most 500"));
    }
}
