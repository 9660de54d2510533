//! Comparing an answer with the model's prediction: only what the spec fixes (result code,
//! state, amounts, refunds, action codes, the presence and type of those fields), plus the
//! answer's JSON Schema. Ids, dates and texts are left open (spec 8.2).

use serde_json::Value;

use super::executor::Answer;
use super::gate::{self, GateAnswer};
use super::op::{GateOp, Lookup, Op};
use super::oracle::{Prediction, View};
use crate::check::schema::validate;
use crate::gateway::v1::model::Family;
use crate::secret::Masker;
use crate::suite::schema_registry::SchemaRegistry;

/// One difference between an answer and the prediction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Where: `HTTP status`, a JSONPath such as `$.errorCode`, or `schema`.
    pub at: String,
    /// What the model predicts.
    pub expected: String,
    /// What the target answered.
    pub actual: String,
}

/// The JSON pointers a view fixes, by family.
pub fn fixed_pointers(view: &View) -> &'static [&'static str] {
    match view {
        View::Plain => &[],
        View::Registered => &["/orderId", "/formUrl"],
        View::Instant => &["/orderId"],
        View::Wallet | View::Page => &[],
        View::Router(_) => &[
            "/state",
            "/depositedAmount",
            "/orderStatusResultModel/orderStatus",
            "/orderStatusResultModel/actionCode",
            "/orderStatusResultModel/amount",
        ],
        View::Bank(_) => &[
            "/orderStatus",
            "/actionCode",
            "/amount",
            "/paymentAmountInfo/paymentState",
            "/paymentAmountInfo/approvedAmount",
            "/paymentAmountInfo/depositedAmount",
            "/paymentAmountInfo/refundedAmount",
        ],
        View::Legacy(_) => &["/OrderStatus", "/Amount"],
        View::Gate(_) => &[],
    }
}

/// Where a view lists the refunds.
pub fn refunds_pointer(view: &View) -> Option<&'static str> {
    match view {
        View::Router(_) => Some("/orderStatusResultModel/refunds"),
        View::Bank(_) => Some("/refunds"),
        _ => None,
    }
}

/// The predicted document of a view, if it has one.
pub fn document(view: &View) -> Option<&Value> {
    match view {
        View::Router(v) | View::Bank(v) | View::Legacy(v) => Some(v),
        View::Plain | View::Registered | View::Gate(_) | View::Instant | View::Wallet | View::Page => None,
    }
}

/// `/a/b` as `$.a.b`.
pub fn json_path(pointer: &str) -> String {
    format!("${}", pointer.replace('/', "."))
}

/// Whether a predicted value is one the spec fixes (the BPC "no payment attempts" actionCode is a
/// convention, not a rule).
pub fn value_fixed(pointer: &str, value: &Value) -> bool {
    !(pointer.ends_with("actionCode") && value.as_i64() == Some(-100))
}

/// Whether an operation's answer uses the legacy envelope (`ErrorCode`).
pub fn legacy_envelope(op: &Op) -> bool {
    matches!(op, Op::Status { lookup: Lookup::Legacy, .. } | Op::Unknown { legacy: true })
}

/// The schema an answer to `op` must conform to.
pub fn schema_name(op: &Op, family: Family, success: bool) -> Option<&'static str> {
    Some(match op {
        Op::Register(_) => "v1/register.response.json",
        Op::Pay { .. } => "v1/payment.response.json",
        Op::Instant { .. } => "v1/instant-payment.response.json",
        Op::AlfaPay { .. } => "v1/alfapay-payment-order.response.json",
        Op::AlfaPayer { .. } => return None,
        Op::Deposit { .. } => "v1/deposit.response.json",
        Op::Reverse { .. } => "v1/reverse.response.json",
        Op::Decline { .. } => "v1/decline.response.json",
        Op::Refund { .. } => "v1/refund.response.json",
        op if legacy_envelope(op) => "v1/legacy-status.response.json",
        Op::Status { .. } | Op::Unknown { .. } if !success => "v1/status-any.response.json",
        Op::Status { .. } | Op::Unknown { .. } => match family {
            Family::Router => "v1/status-router.response.json",
            Family::Bank => "v1/status-bank.response.json",
        },
        Op::Gate(_) => return None,
        Op::Wait { .. } | Op::Together(_) => return None,
    })
}

/// The schema a Gate v2 answer must conform to.
pub fn gate_schema_name(op: &GateOp, answer: &GateAnswer) -> Option<&'static str> {
    match (op, answer) {
        (_, GateAnswer::Error(_)) => Some("gate/error.response.json"),
        (_, GateAnswer::Status(_)) => Some("gate/status.response.json"),
        (GateOp::Payer { .. }, _) => None,
        _ => Some("gate/ack.response.json"),
    }
}

/// Everything in a Gate v2 `answer` to `op` that contradicts the model's `predicted` one; `key`
/// is the project's, which signs a status answer.
pub fn compare_gate(
    op: &GateOp,
    predicted: &GateAnswer,
    answer: &Answer,
    key: &str,
    schemas: &SchemaRegistry,
    masker: &Masker,
) -> Vec<Mismatch> {
    let mut found = Vec::new();
    let mut mismatch = |at: &str, expected: String, actual: String| {
        found.push(Mismatch { at: at.to_string(), expected, actual: masker.mask(&actual) })
    };
    if answer.status != predicted.http_status() {
        mismatch("HTTP status", predicted.http_status().to_string(), answer.status.to_string());
        return found;
    }
    match predicted {
        GateAnswer::Page { .. } => return found,
        GateAnswer::Ack => {
            if answer.body.get("status").and_then(Value::as_str) != Some("success") {
                mismatch("$.status", "\"success\"".into(), show(answer.body.get("status")));
            }
        }
        GateAnswer::Error(code) => {
            if answer.body.get("code").and_then(Value::as_str) != Some(code) {
                mismatch("$.code", format!("\"{code}\""), show(answer.body.get("code")));
            }
        }
        GateAnswer::Status(document) => {
            for pointer in gate::STATUS_POINTERS {
                let (expected, actual) = (document.pointer(pointer), answer.body.pointer(pointer));
                if expected != actual {
                    mismatch(&json_path(pointer), show(expected), show(actual));
                }
            }
            let (expected, actual) = (gate::status_summary(document), gate::status_summary(&answer.body));
            if expected["operations"] != actual["operations"] {
                mismatch("$.operations", expected["operations"].to_string(), actual["operations"].to_string());
            }
            let verdict = crate::signature::gate::verify(&answer.body, key);
            if !verdict.is_valid() {
                mismatch(
                    "$.signature",
                    "a signature that verifies with the project's key".into(),
                    format!("{verdict:?}"),
                );
            }
        }
    }
    if let Some(name) = gate_schema_name(op, predicted)
        && let Some(Ok(schema)) = schemas.get(name)
    {
        let violations = validate(schema, &answer.body, masker);
        if let Some(first) = violations.listed.first() {
            mismatch("schema", format!("conforms to {name}"), format!("{}: {}", first.instance_path, first.message));
        }
    }
    found
}

/// The result code of an answer: its `errorCode` (or `ErrorCode`), 0 when absent; `None` when it
/// is not a number.
pub fn result_code(body: &Value, legacy: bool) -> Option<i64> {
    match body.get(if legacy { "ErrorCode" } else { "errorCode" }) {
        None => Some(0),
        Some(Value::String(text)) => text.trim().parse().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        Some(_) => None,
    }
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "absent".to_string(), Value::to_string)
}

/// Everything in `answer` that contradicts `prediction` for `op`.
pub fn compare(
    op: &Op,
    family: Family,
    prediction: &Prediction,
    answer: &Answer,
    schemas: &SchemaRegistry,
    masker: &Masker,
) -> Vec<Mismatch> {
    let mut found = Vec::new();
    let mut mismatch = |at: &str, expected: String, actual: String| {
        found.push(Mismatch { at: at.to_string(), expected, actual: masker.mask(&actual) })
    };
    if prediction.view == View::Page {
        if !(300..400).contains(&answer.status) {
            mismatch("HTTP status", "a redirect (3xx) back to the merchant".into(), answer.status.to_string());
        }
        return found;
    }
    if answer.status != 200 {
        mismatch("HTTP status", "200".into(), answer.status.to_string());
    }
    if prediction.view == View::Wallet && answer.body.is_object() {
        let success = prediction.code == 0;
        if answer.body.get("success") != Some(&Value::Bool(success)) {
            mismatch("$.success", success.to_string(), show(answer.body.get("success")));
            return found;
        }
        let code = answer.body.pointer("/error/code");
        if !success
            && code.and_then(|c| result_code(&serde_json::json!({ "errorCode": c }), false))
                != Some(i64::from(prediction.code))
        {
            mismatch("$.error.code", format!("result code {}", prediction.code), show(code));
            return found;
        }
    } else if !answer.body.is_object() {
        mismatch("$", "a JSON object".into(), show(Some(&answer.body)));
        return found;
    }
    let legacy = legacy_envelope(op);
    let code_path = if legacy { "$.ErrorCode" } else { "$.errorCode" };
    let actual_code = result_code(&answer.body, legacy);
    if prediction.view != View::Wallet && actual_code != Some(i64::from(prediction.code)) {
        mismatch(code_path, format!("result code {}", prediction.code), show(answer.body.get(&code_path[2..])));
        return found;
    }
    let view = &prediction.view;
    if let View::Registered | View::Instant = view {
        for pointer in fixed_pointers(view) {
            if !answer.body.pointer(pointer).is_some_and(Value::is_string) {
                mismatch(&json_path(pointer), "a string".into(), show(answer.body.pointer(pointer)));
            }
        }
    }
    if let Some(predicted) = document(view) {
        for pointer in fixed_pointers(view) {
            let Some(expected) = predicted.pointer(pointer).filter(|v| value_fixed(pointer, v)) else { continue };
            let actual = answer.body.pointer(pointer);
            if actual != Some(expected) {
                mismatch(&json_path(pointer), expected.to_string(), show(actual));
            }
        }
        if let Some(pointer) = refunds_pointer(view)
            && let Some(listed) = predicted.pointer(pointer)
        {
            let expected = Some(refund_summary(listed));
            let actual = answer.body.pointer(pointer).map(refund_summary);
            if expected != actual {
                let render = |s: Option<Vec<(Option<i64>, bool)>>| match s {
                    None => "absent".to_string(),
                    Some(list) => {
                        format!("{} refund(s) of {:?}", list.len(), list.iter().map(|r| r.0).collect::<Vec<_>>())
                    }
                };
                mismatch(&json_path(pointer), render(expected), render(actual));
            }
        }
    }
    if let Some(name) = schema_name(op, family, prediction.code == 0)
        && let Some(Ok(schema)) = schemas.get(name)
    {
        let violations = validate(schema, &answer.body, masker);
        if let Some(first) = violations.listed.first() {
            mismatch("schema", format!("conforms to {name}"), format!("{}: {}", first.instance_path, first.message));
        }
    }
    found
}

/// A refunds list as (amount, has an externalRefundId) pairs.
fn refund_summary(list: &Value) -> Vec<(Option<i64>, bool)> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|r| (r.get("amount").and_then(Value::as_i64), r.get("externalRefundId").is_some()))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::explore::op::{Card, Register};
    use crate::explore::oracle::World;

    fn status_of_a_paid_order() -> (Op, Prediction) {
        let mut world = World::new(Family::Bank, "main", 1_767_268_800_000);
        let register = Register {
            slot: 0,
            two_phase: false,
            amount: 5000,
            number: 0,
            lifetime_secs: None,
            auto: None,
            callback: false,
        };
        world.apply(&Op::Register(register));
        world.apply(&Op::Pay { slot: 0, card: Card::Success });
        let status = Op::Status { slot: 0, lookup: Lookup::Extended };
        let prediction = world.apply(&status).expect("a status is answered");
        (status, prediction)
    }

    fn mismatches(op: &Op, prediction: &Prediction, status: u16, body: Value) -> Vec<String> {
        let schemas = SchemaRegistry::default();
        compare(op, Family::Bank, prediction, &Answer { status, body }, &schemas, &Masker::default())
            .into_iter()
            .map(|m| format!("{} {} {}", m.at, m.expected, m.actual))
            .collect()
    }

    #[test]
    fn what_the_spec_fixes_is_compared_and_what_it_leaves_open_is_not() {
        let (op, prediction) = status_of_a_paid_order();
        let mut body = document(&prediction.view).cloned().expect("a status document");
        body["date"] = json!(1);
        body["orderNumber"] = json!("another number");
        body["actionCodeDescription"] = json!("another text");
        assert_eq!(mismatches(&op, &prediction, 200, body.clone()), Vec::<String>::new());

        let mut stringly = body.clone();
        stringly["orderStatus"] = json!("2");
        assert_eq!(mismatches(&op, &prediction, 200, stringly), vec!["$.orderStatus 2 \"2\""]);

        let mut refunded = body.clone();
        refunded["refunds"] = json!([{"amount": 100}]);
        assert_eq!(
            mismatches(&op, &prediction, 200, refunded),
            vec!["$.refunds 0 refund(s) of [] 1 refund(s) of [Some(100)]"]
        );

        assert_eq!(mismatches(&op, &prediction, 400, body)[0], "HTTP status 200 400");
        let refused = json!({"errorCode": "6", "errorMessage": "Order not found"});
        assert_eq!(mismatches(&op, &prediction, 200, refused), vec!["$.errorCode result code 0 \"6\""]);
    }
}
