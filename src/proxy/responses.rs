//! Checking an answer without state: the response schema of the method it answers, and the
//! clauses one answer settles alone (HTTP 200 for business errors, integer order statuses, no
//! null in Gate answers).

use serde_json::Value;

use crate::check::schema;
use crate::gateway::answer::Answer;
use crate::secret::Masker;
use crate::suite::schema_registry::SchemaRegistry;

/// A v1 business error answered with another status than 200 (spec 1.1, SDK-4).
pub const BUSINESS_ERROR_HTTP_200: &str = "transport.business-error-http-200";
/// orderStatus / OrderStatus are JSON integers (SDK-5).
pub const ORDER_STATUS_INTEGER: &str = "status.order-status-integer";
/// No null in a Gate answer (SDK-6).
pub const GATE_NO_NULL: &str = "gate-callback.no-null";

/// Statuses for a request that is not HTTP-valid, which SDK-4 allows instead of 200 (a body or
/// a header over a limit, a missing length).
const NOT_HTTP_VALID: [u16; 4] = [411, 413, 414, 431];

/// What one answer's checks found: the clauses checked, and those broken with a message.
#[derive(Debug, Clone, Default)]
pub struct ResponseFindings {
    /// Checked: clause ids, and `schema:<file>` for the response schema.
    pub checked: Vec<String>,
    /// Broken, with what is wrong.
    pub broken: Vec<(String, String)>,
}

impl ResponseFindings {
    fn check(&mut self, clause: &str, holds: bool, message: impl FnOnce() -> String) {
        self.checked.push(clause.to_string());
        if !holds {
            self.broken.push((clause.to_string(), message()));
        }
    }
}

/// The response schema of the method at `path`, on its family.
pub fn schema_for(path: &str, status: u16) -> Option<&'static str> {
    if path.starts_with("/v2/") {
        let is_status = path == "/v2/payment/status";
        return Some(match (status, is_status) {
            (200, true) => "gate/status.response.json",
            (200, false) => "gate/ack.response.json",
            _ => "gate/error.response.json",
        });
    }
    let (router, method) = match path.strip_prefix("/v1/") {
        Some(method) => (true, method),
        None => (false, path.strip_prefix("/payment/rest/")?),
    };
    Some(match method {
        "register.do" | "registerPreAuth.do" => "v1/register.response.json",
        "instantPayment.do" => "v1/instant-payment.response.json",
        "paymentorder.do" => "v1/payment.response.json",
        "getOrderStatusExtended.do" if router => "v1/status-router.response.json",
        "getOrderStatusExtended.do" => "v1/status-bank.response.json",
        "getOrderStatus.do" => "v1/legacy-status.response.json",
        "deposit.do" => "v1/deposit.response.json",
        "reverse.do" => "v1/reverse.response.json",
        "decline.do" => "v1/decline.response.json",
        "refund.do" => "v1/refund.response.json",
        "alfapay/paymentOrder.do" if router => "v1/alfapay-payment-order.response.json",
        _ => return None,
    })
}

/// Checks an answer to `path` (its body already decompressed); nothing when the path is no API
/// method.
pub fn check(
    schemas: &SchemaRegistry,
    path: &str,
    status: u16,
    body: &[u8],
    masker: &Masker,
) -> Option<ResponseFindings> {
    let name = schema_for(path, status)?;
    let mut findings = ResponseFindings::default();
    let schema_clause = format!("schema:{name}");
    let json = match serde_json::from_slice::<Value>(body) {
        Ok(json) => json,
        Err(error) => {
            findings.check(&schema_clause, false, || format!("the answer is not JSON ({error})"));
            return Some(findings);
        }
    };
    let gate = path.starts_with("/v2/");
    let business_error = !gate && Answer { status: axum::http::StatusCode::OK, body: json.clone() }.is_business_error();
    let status_method = path.ends_with("/getOrderStatusExtended.do");
    let schema_name = if business_error && (status != 200 || status_method) { "v1/error.response.json" } else { name };
    if let Some(Ok(compiled)) = schemas.get(schema_name) {
        let violations = schema::validate(compiled, &json, masker);
        let first = violations.listed.first().map(|v| format!("{} at `{}`", v.message, v.instance_path));
        findings.check(&schema_clause, violations.total == 0, || {
            format!("{} violation(s) of {schema_name}: {}", violations.total, first.unwrap_or_default())
        });
    }
    if gate {
        findings.check(GATE_NO_NULL, !has_null(&json), || "the Gate answer contains null".into());
        return Some(findings);
    }
    if business_error && !NOT_HTTP_VALID.contains(&status) {
        findings.check(BUSINESS_ERROR_HTTP_200, status == 200, || {
            format!("a business error is answered with HTTP {status} instead of 200")
        });
    }
    for key in ["orderStatus", "OrderStatus"] {
        if let Some(value) = json.get(key).or_else(|| json.pointer(&format!("/orderStatusResultModel/{key}"))) {
            findings.check(ORDER_STATUS_INTEGER, value.is_i64(), || format!("{key} is {value}, not a JSON integer"));
        }
    }
    Some(findings)
}

fn has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}
