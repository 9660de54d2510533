//! Gate v2 answers (spec 5.4, decision A20): an accepted request gets `200` with `status`
//! `success` and the ids; any other gets `400` with `status` `error`, a `code` and a `message`.
//! Answers are unsigned (they carry no result) and never hold a null (SDK-6).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::model::ResultCode;

/// A request that is not valid JSON of the expected shape, misses a field, or has a malformed
/// one. The sources give no code for it; the reference gateway uses 2 (an inference, spec A20).
pub const WRONG_REQUEST: &str = "2";
/// `general.signature` does not match the body (spec 5.4).
pub const INVALID_SIGNATURE: ResultCode = ResultCode { code: "3261", message: "Invalid signature" };
/// `general.signature` is missing or empty (spec 5.4).
pub const EMPTY_SIGNATURE: ResultCode = ResultCode { code: "3262", message: "Empty signature" };
/// The project already used the `payment_id` (spec 5.2).
pub const DUPLICATE_PAYMENT: ResultCode = ResultCode { code: "3041", message: "Payment ID already exists" };
/// No payment with the `payment_id` in the project (spec 5.3).
pub const NOT_FOUND: ResultCode = ResultCode { code: "3061", message: "Transaction not found" };

/// Why a request was refused, with the ids it named (echoed in the answer when known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateError {
    /// The code, a decimal string.
    pub code: &'static str,
    /// What was wrong.
    pub message: String,
    /// `general.project_id`, if the request had a well-formed one.
    pub project_id: Option<u64>,
    /// `general.payment_id`, if the request had a well-formed one.
    pub payment_id: Option<String>,
    /// The HTTP status: 400, or 413 for a body over the size limit.
    pub http_status: StatusCode,
}

impl GateError {
    /// A malformed request.
    pub fn wrong_request(message: impl Into<String>) -> GateError {
        GateError {
            code: WRONG_REQUEST,
            message: message.into(),
            project_id: None,
            payment_id: None,
            http_status: StatusCode::BAD_REQUEST,
        }
    }

    /// A body over the size limit (`413`).
    pub fn too_large(limit: usize) -> GateError {
        GateError {
            http_status: StatusCode::PAYLOAD_TOO_LARGE,
            ..GateError::wrong_request(format!("the request body is larger than {limit} bytes"))
        }
    }

    /// A sale refused because the gateway holds its maximum of payments, none finished (`503`,
    /// the gateway's own choice: the sources document no such case).
    pub fn store_full(max_entries: usize) -> GateError {
        GateError {
            http_status: StatusCode::SERVICE_UNAVAILABLE,
            ..GateError::wrong_request(format!(
                "the gateway holds its maximum of {max_entries} payments, none of them finished; \
                 finished payments are removed after the retention period"
            ))
        }
    }

    /// A refusal with one of the documented codes.
    pub fn coded(result: ResultCode) -> GateError {
        GateError { code: result.code, message: result.message.to_string(), ..GateError::wrong_request("") }
    }

    /// The same error, naming the request's ids.
    pub fn naming(mut self, project_id: Option<u64>, payment_id: Option<&str>) -> GateError {
        self.project_id = self.project_id.or(project_id);
        self.payment_id = self.payment_id.or_else(|| payment_id.map(str::to_string));
        self
    }

    /// The answer: `400` (or `413`) with the error body.
    pub fn into_response(self, request_id: &str) -> Response {
        let mut body = Map::new();
        body.insert("status".into(), json!("error"));
        body.insert("code".into(), json!(self.code));
        body.insert("message".into(), json!(self.message));
        body.insert("request_id".into(), json!(request_id));
        if let Some(project_id) = self.project_id {
            body.insert("project_id".into(), json!(project_id));
        }
        if let Some(payment_id) = self.payment_id {
            body.insert("payment_id".into(), json!(payment_id));
        }
        (self.http_status, axum::Json(Value::Object(body))).into_response()
    }
}

/// The `200` acknowledgement of an accepted sale or refund.
pub fn accepted(request_id: &str, project_id: u64, payment_id: &str) -> Response {
    let body =
        json!({"status": "success", "request_id": request_id, "project_id": project_id, "payment_id": payment_id});
    (StatusCode::OK, axum::Json(body)).into_response()
}
