//! Answers: the business envelope (always HTTP 200, `errorCode` a string, spec A1, SDK-3,
//! SDK-4) and its legacy and wallet variants.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

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

impl From<crate::gateway::v1::model::Rejection> for ApiError {
    fn from(r: crate::gateway::v1::model::Rejection) -> ApiError {
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
    // Room for the fields a method's answer adds after these.
    let mut m = Map::with_capacity(8);
    m.insert("errorCode".into(), json!("0"));
    m.insert("errorMessage".into(), json!("Success"));
    m
}

/// Renders a method's result as an HTTP 200 response.
pub fn finish(result: Result<Value, ApiError>, style: Style) -> Response {
    let body = match result {
        Ok(v) => v,
        Err(e) => error_body(&e, style),
    };
    (StatusCode::OK, axum::Json(body)).into_response()
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
