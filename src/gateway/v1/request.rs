//! Request parameters: the union of the query string and the body, the body decoded by its
//! `Content-Type` (spec A2, SDK-1). An empty body is no body, whatever its content type.

use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use super::reply::ApiError;

/// A parameter that is present but not of the expected form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// The parameters of one request; the body wins where a name is in both places.
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Json,
    Form,
}

/// Up to how many parameters a name is looked for by comparing it with each (more are hashed).
const LOOKED_THROUGH: usize = 16;

impl Params {
    /// Decodes the query string (unless `read_query` is false) and the body.
    pub fn parse(headers: &HeaderMap, query: Option<&str>, body: &[u8], read_query: bool) -> Result<Params, ApiError> {
        let mut values = Map::new();
        if read_query && let Some(q) = query {
            for (k, v) in decode_form(q.as_bytes(), "query string")? {
                values.insert(k, Value::String(v));
            }
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Params { values });
        }
        match encoding(headers, body)? {
            Encoding::Json => {
                let parsed: Value = serde_json::from_slice(body)
                    .map_err(|e| ApiError::new(5, format!("The request body is not valid JSON: {e}")))?;
                let Value::Object(object) = parsed else {
                    return Err(ApiError::new(5, "The JSON request body must be an object"));
                };
                if values.is_empty() {
                    values = object;
                } else {
                    values.extend(object);
                }
            }
            Encoding::Form => {
                for (k, v) in decode_form(body, "request body")? {
                    values.insert(k, Value::String(v));
                }
            }
        }
        Ok(Params { values })
    }

    /// A parameter from a map (for tests and internal calls).
    pub fn from_map(values: Map<String, Value>) -> Params {
        Params { values }
    }

    /// The raw value of `name`; `null` and the empty string count as absent.
    pub fn get(&self, name: &str) -> Option<&Value> {
        // A request holds a handful of parameters, and a method asks for a dozen or more by name:
        // comparing names costs less than hashing the one asked for.
        let found = if self.values.len() <= LOOKED_THROUGH {
            self.values.iter().find_map(|(key, value)| (key == name).then_some(value))
        } else {
            self.values.get(name)
        };
        match found {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(v) => Some(v),
        }
    }

    /// Whether `name` is present (see [`Params::get`]).
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// `name` as text: strings as they are, numbers and booleans printed.
    pub fn text(&self, name: &str) -> Result<Option<String>, Malformed> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(Malformed),
        }
    }

    /// `name` as an integer: a JSON integer or a string of digits (optionally signed).
    pub fn integer(&self, name: &str) -> Result<Option<i64>, Malformed> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(Malformed),
            Some(Value::String(s)) => {
                let t = s.trim();
                let digits = t.strip_prefix('-').unwrap_or(t);
                if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Malformed);
                }
                t.parse().map(Some).map_err(|_| Malformed)
            }
            Some(_) => Err(Malformed),
        }
    }

    /// `name` as a boolean: `true`/`false`, as JSON or text.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, Malformed> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(Malformed),
            },
            Some(_) => Err(Malformed),
        }
    }

    /// `name` as structured JSON: an object or array in a JSON body, or JSON text in a form.
    pub fn structured(&self, name: &str) -> Result<Option<Value>, Malformed> {
        match self.get(name) {
            None => Ok(None),
            Some(v @ (Value::Object(_) | Value::Array(_))) => Ok(Some(v.clone())),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(v @ (Value::Object(_) | Value::Array(_))) => Ok(Some(v)),
                _ => Err(Malformed),
            },
            Some(_) => Err(Malformed),
        }
    }
}

fn encoding(headers: &HeaderMap, body: &[u8]) -> Result<Encoding, ApiError> {
    let Some(raw) = headers.get(CONTENT_TYPE) else {
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        return Ok(if first == Some(&b'{') { Encoding::Json } else { Encoding::Form });
    };
    let text = raw.to_str().unwrap_or("");
    let essence = text.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "application/json" || essence == "text/json" || essence.ends_with("+json") {
        Ok(Encoding::Json)
    } else if essence == "application/x-www-form-urlencoded" {
        Ok(Encoding::Form)
    } else {
        Err(ApiError::new(
            5,
            format!("Unsupported Content-Type `{text}`: send application/json or application/x-www-form-urlencoded"),
        ))
    }
}

/// Decodes `application/x-www-form-urlencoded` text strictly: the raw bytes and every name and
/// value after percent-decoding must be UTF-8 (`%FF` is refused like a raw 0xFF byte, never
/// replaced by U+FFFD, so two different byte strings never decode to the same text).
fn decode_form(bytes: &[u8], what: &str) -> Result<Vec<(String, String)>, ApiError> {
    let invalid = || ApiError::new(5, format!("The {what} is not valid UTF-8"));
    if std::str::from_utf8(bytes).is_err() {
        return Err(invalid());
    }
    bytes
        .split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            let text = |part: &[u8]| String::from_utf8(percent_decode(part)).map_err(|_| invalid());
            Ok((text(name)?, text(value)?))
        })
        .collect()
}

/// `+` as a space and `%XX` as the byte XX; a `%` not followed by two hex digits stays as is.
fn percent_decode(part: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        match part[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < part.len() => match (hex(part[i + 1]), hex(part[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_str(ct).expect("valid header"));
        h
    }

    #[test]
    fn body_wins_over_query() {
        let p = Params::parse(&headers("application/json"), Some("amount=1&currency=643"), br#"{"amount": 2}"#, true)
            .expect("parses");
        assert_eq!(p.integer("amount"), Ok(Some(2)));
        assert_eq!(p.text("currency"), Ok(Some("643".into())));
    }

    #[test]
    fn a_name_is_found_alike_among_few_parameters_and_many() {
        for count in [1, LOOKED_THROUGH, LOOKED_THROUGH + 1, 200] {
            let values: Map<String, Value> =
                (0..count).map(|n| (format!("p{n}"), Value::from(format!("v{n}")))).collect();
            let p = Params::from_map(values);
            assert_eq!(p.text(&format!("p{}", count - 1)), Ok(Some(format!("v{}", count - 1))), "{count}");
            assert_eq!(p.text("p0"), Ok(Some("v0".into())), "{count}");
            assert_eq!(p.text("absent"), Ok(None), "{count}");
        }
    }

    #[test]
    fn empty_json_body_means_query_only() {
        let p = Params::parse(&headers("application/json"), Some("userName=a"), b"", true).expect("parses");
        assert_eq!(p.text("userName"), Ok(Some("a".into())));
    }

    #[test]
    fn bad_json_and_wrong_type_are_errors() {
        assert_eq!(Params::parse(&headers("application/json"), None, b"{", true).unwrap_err().code, 5);
        assert_eq!(Params::parse(&headers("text/plain"), None, b"a=b", true).unwrap_err().code, 5);
    }

    #[test]
    fn percent_encoded_bytes_that_are_not_utf8_are_refused_like_raw_ones() {
        let form = headers("application/x-www-form-urlencoded");
        for body in [&b"orderNumber=%FF%FEz"[..], b"orderNumber=%C0%AFz", b"orderNumber=\xFFz", b"%FF=1"] {
            assert_eq!(Params::parse(&form, None, body, true).map(|_| ()).unwrap_err().code, 5, "{body:?}");
        }
        assert_eq!(Params::parse(&form, Some("orderNumber=%FF"), b"", true).map(|_| ()).unwrap_err().code, 5);
        let fine = Params::parse(&form, None, b"a=%D0%96+b%2B&c=100%&d", true).expect("valid form");
        assert_eq!(fine.text("a"), Ok(Some("Ж b+".into())));
        assert_eq!(fine.text("c"), Ok(Some("100%".into())));
        assert!(!fine.has("d"), "a name without value is an empty value");
    }

    #[test]
    fn integers_from_text_and_numbers() {
        let mut m = Map::new();
        m.insert("a".into(), Value::from(12));
        m.insert("b".into(), Value::from("34"));
        m.insert("c".into(), Value::from(1.5));
        m.insert("d".into(), Value::from("1e3"));
        let p = Params::from_map(m);
        assert_eq!(p.integer("a"), Ok(Some(12)));
        assert_eq!(p.integer("b"), Ok(Some(34)));
        assert_eq!(p.integer("c"), Err(Malformed));
        assert_eq!(p.integer("d"), Err(Malformed));
        assert_eq!(p.integer("e"), Ok(None));
    }
}
