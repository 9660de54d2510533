//! Answers: the business envelope (always HTTP 200, `errorCode` a string, spec A1, SDK-3,
//! SDK-4), its legacy and wallet variants, and the response-shape faults.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::gateway::faults::{Fault, FaultSet};

/// A business error: `errorCode` and `errorMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// 1..99.
    pub code: u8,
    /// Human-readable reason.
    pub message: String,
}

impl ApiError {
    /// An error with this code and message.
    pub fn new(code: u8, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into() }
    }
}

impl From<crate::gateway::model::Rejection> for ApiError {
    fn from(r: crate::gateway::model::Rejection) -> ApiError {
        ApiError::new(r.error_code(), r.message())
    }
}

/// How a method spells its envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `errorCode` / `errorMessage`.
    Standard,
    /// `ErrorCode` / `ErrorMessage` (`getOrderStatus.do`).
    Legacy,
    /// `{"success": false, "error": {"code", "message"}}` (`alfapay/paymentOrder.do`).
    Wallet,
}

/// The success envelope fields, `"errorCode":"0"` and `"errorMessage":"Success"`.
pub fn success() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("errorCode".into(), json!("0"));
    m.insert("errorMessage".into(), json!("Success"));
    m
}

/// Renders a method's result as an HTTP response, applying the response-shape faults.
pub fn finish(result: Result<Value, ApiError>, style: Style, faults: &FaultSet) -> Response {
    let is_error = result.is_err();
    let mut body = match result {
        Ok(v) => v,
        Err(mut e) => {
            if e.code == 6 && faults.has(Fault::UnknownOrderWrongCode) {
                e = ApiError::new(5, "Access denied");
            }
            error_body(&e, style)
        }
    };
    reshape(&mut body, faults);
    if let Some(model) = body.get_mut("orderStatusResultModel") {
        reshape(model, faults);
    }
    let status =
        if is_error && faults.has(Fault::BusinessErrorHttp400) { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    (status, axum::Json(body)).into_response()
}

/// The error body of `style`.
pub fn error_body(e: &ApiError, style: Style) -> Value {
    match style {
        Style::Standard => json!({"errorCode": e.code.to_string(), "errorMessage": e.message}),
        Style::Legacy => json!({"ErrorCode": e.code.to_string(), "ErrorMessage": e.message}),
        Style::Wallet => json!({
            "success": false,
            "error": {"code": e.code.to_string(), "message": e.message}
        }),
    }
}

fn reshape(body: &mut Value, faults: &FaultSet) {
    let Value::Object(map) = body else { return };
    if faults.has(Fault::OrderStatusAsString) {
        for key in ["orderStatus", "OrderStatus"] {
            if let Some(Value::Number(n)) = map.get(key) {
                let text = n.to_string();
                map.insert(key.into(), json!(text));
            }
        }
    }
}
