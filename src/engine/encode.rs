//! Putting a body written as a map on the wire, in the API family's encoding (spec 1.1).

use serde_json::Value;

use crate::suite::api::Encoding;

/// The content type of an encoding.
pub fn content_type(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Json => "application/json",
        Encoding::Form => "application/x-www-form-urlencoded",
    }
}

/// Encodes a body map. JSON keeps types; a form sends strings as they are, numbers and booleans
/// as text, nested maps and lists as JSON text (how `jsonParams` travels in a form), and leaves
/// out nulls.
pub fn encode_body(body: &Value, encoding: Encoding) -> Result<String, String> {
    match encoding {
        Encoding::Json => {
            serde_json::to_string(body).map_err(|error| format!("cannot encode the body as JSON: {error}"))
        }
        Encoding::Form => {
            let pairs = form_pairs(body)?;
            let mut serializer = form_urlencoded::Serializer::new(String::new());
            for (name, value) in &pairs {
                serializer.append_pair(name, value);
            }
            Ok(serializer.finish())
        }
    }
}

/// The name/value pairs of a flat map, as a form or a query string carries them.
pub fn form_pairs(map: &Value) -> Result<Vec<(String, String)>, String> {
    let Value::Object(fields) = map else {
        return Err("a form body must be a map of parameters".to_string());
    };
    Ok(fields.iter().filter_map(|(name, value)| Some((name.clone(), scalar_text(value)?))).collect())
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(number) => Some(number.to_string()),
        Value::Array(_) | Value::Object(_) => Some(value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_map_two_encodings() {
        let body = json!({"amount": 1000, "userName": "test user", "jsonParams": {"a": "b"}, "skip": null});
        assert_eq!(
            encode_body(&body, Encoding::Json).unwrap(),
            r#"{"amount":1000,"userName":"test user","jsonParams":{"a":"b"},"skip":null}"#
        );
        assert_eq!(
            encode_body(&body, Encoding::Form).unwrap(),
            "amount=1000&userName=test+user&jsonParams=%7B%22a%22%3A%22b%22%7D"
        );
    }
}
