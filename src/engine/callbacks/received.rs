//! A callback as the listener received it, and what the runner reads from it: the ids it is
//! matched by, the JSON the checks see, and its signature.

use axum::http::HeaderMap;
use bytes::Bytes;
use serde_json::{Map, Value};

use crate::signature::{self, Verification};
use crate::suite::case::CallbackKey;

/// What a callback carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// A JSON object body (Gate v2, spec 5.5).
    Json(Value),
    /// Parameters: the query string, plus a form body (v1, spec 2.11).
    Params(Vec<(String, String)>),
}

/// One callback received.
#[derive(Debug, Clone)]
pub struct ReceivedCallback {
    /// HTTP method.
    pub method: String,
    /// Path and query, as requested.
    pub target: String,
    /// Headers.
    pub headers: HeaderMap,
    /// The body, as received.
    pub body: Bytes,
    /// What it carries.
    pub payload: Payload,
}

impl ReceivedCallback {
    /// Reads a request to the listener: a body that is a JSON object makes a Gate-style callback;
    /// anything else is parameters (the query string, then a form body).
    pub fn parse(method: &str, target: &str, headers: HeaderMap, body: Bytes) -> ReceivedCallback {
        let payload = match serde_json::from_slice::<Value>(&body) {
            Ok(value @ Value::Object(_)) => Payload::Json(value),
            _ => {
                let query = target.split_once('?').map_or("", |(_, query)| query);
                let mut params: Vec<(String, String)> =
                    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
                params.extend(form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())));
                Payload::Params(params)
            }
        };
        ReceivedCallback { method: method.to_string(), target: target.to_string(), headers, body, payload }
    }

    /// The content the checks see: the JSON body, or the parameters as an object of strings.
    pub fn json(&self) -> Value {
        match &self.payload {
            Payload::Json(value) => value.clone(),
            Payload::Params(params) => {
                Value::Object(params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<Map<_, _>>())
            }
        }
    }

    /// The callback's value for `key`: Gate's `payment.id`; v1's `mdOrder` / `orderNumber`
    /// (as parameters, or top-level fields of a JSON body).
    pub fn id(&self, key: CallbackKey) -> Option<String> {
        let text = |value: &Value| match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        };
        match (&self.payload, key) {
            (Payload::Json(value), CallbackKey::PaymentId) => value.pointer("/payment/id").and_then(text),
            (Payload::Json(value), CallbackKey::OrderId) => value.get("mdOrder").and_then(text),
            (Payload::Json(value), CallbackKey::OrderNumber) => value.get("orderNumber").and_then(text),
            (Payload::Params(params), key) => {
                let name = match key {
                    CallbackKey::PaymentId => "payment_id",
                    CallbackKey::OrderId => "mdOrder",
                    CallbackKey::OrderNumber => "orderNumber",
                };
                params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
            }
        }
    }

    /// Whether the callback carries every `(key, value)` of `wanted`.
    pub fn matches(&self, wanted: &[(CallbackKey, String)]) -> bool {
        wanted.iter().all(|(key, value)| self.id(*key).as_deref() == Some(value.as_str()))
    }

    /// Checks its signature with `key`: Gate's (spec 6) for a JSON callback, the v1 checksum
    /// (spec 2.11) for parameters.
    pub fn verify(&self, key: &str) -> Verification {
        match &self.payload {
            Payload::Json(value) => signature::gate::verify(value, key),
            Payload::Params(params) => signature::verify_checksum(params, key),
        }
    }

    /// Which signature scheme applies, for messages.
    pub fn scheme(&self) -> &'static str {
        match &self.payload {
            Payload::Json(_) => "Gate signature (spec 6)",
            Payload::Params(_) => "v1 checksum (spec 2.11)",
        }
    }

    /// `METHOD /path`, and the ids it carries, for reports.
    pub fn describe(&self) -> String {
        let path = self.target.split('?').next().unwrap_or("");
        let ids: Vec<String> = [CallbackKey::PaymentId, CallbackKey::OrderId, CallbackKey::OrderNumber]
            .into_iter()
            .filter_map(|key| self.id(key).map(|value| format!("{} {value}", key.name())))
            .collect();
        if ids.is_empty() {
            format!("{} {path} (no payment_id, order_id or order_number)", self.method)
        } else {
            format!("{} {path} ({})", self.method, ids.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_gate_callback_is_json_matched_by_payment_id() {
        let body = json!({"project_id": 35, "payment": {"id": "p-1", "status": "success"}});
        let cb = ReceivedCallback::parse("POST", "/callbacks", HeaderMap::new(), Bytes::from(body.to_string()));
        assert_eq!(cb.id(CallbackKey::PaymentId).as_deref(), Some("p-1"));
        assert!(cb.matches(&[(CallbackKey::PaymentId, "p-1".into())]));
        assert!(!cb.matches(&[(CallbackKey::PaymentId, "p-2".into())]));
        assert_eq!(cb.json(), body);
        assert_eq!(cb.verify("k"), Verification::Missing);
    }

    #[test]
    fn a_v1_callback_is_parameters_matched_by_order_id() {
        let cb = ReceivedCallback::parse(
            "GET",
            "/callbacks?mdOrder=o-1&orderNumber=n-1&operation=deposited&status=1",
            HeaderMap::new(),
            Bytes::new(),
        );
        assert_eq!(cb.id(CallbackKey::OrderId).as_deref(), Some("o-1"));
        assert_eq!(cb.id(CallbackKey::OrderNumber).as_deref(), Some("n-1"));
        assert_eq!(cb.json()["operation"], "deposited");
        assert_eq!(cb.describe(), "GET /callbacks (order_id o-1, order_number n-1)");
    }
}
