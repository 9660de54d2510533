//! Pieces both status shapes show the same way.

use serde_json::{Value, json};

use crate::gateway::v1::cards::action_code_description;
use crate::gateway::v1::model::{Order, RefundRecord};

/// actionCode shown for an order with no payment attempt yet (BPC convention).
pub const ACTION_NO_ATTEMPT: i32 = -100;
/// `terminalId` of the reference bank.
pub const TERMINAL_ID: &str = "77700001";
/// `processingId` of the reference bank.
pub const PROCESSING_ID: &str = "77700002";

/// The actionCode to show and its description.
pub fn action(order: &Order) -> (i32, &'static str) {
    let code = order.action_code.unwrap_or(ACTION_NO_ATTEMPT);
    let description = if code == ACTION_NO_ATTEMPT { "No payment attempts" } else { action_code_description(code) };
    (code, description)
}

/// The `refunds[]` block.
pub fn refunds(order: &Order) -> Value {
    Value::Array(order.refunds.iter().map(refund).collect())
}

fn refund(r: &RefundRecord) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("date".into(), json!(r.date));
    if let Some(id) = &r.external_id {
        m.insert("externalRefundId".into(), json!(id));
    }
    m.insert("approvalCode".into(), json!(r.approval_code));
    m.insert("actionCode".into(), json!(0));
    m.insert("referenceNumber".into(), json!(r.reference_number));
    m.insert("amount".into(), json!(r.amount));
    Value::Object(m)
}

/// `bankInfo` of the emulated issuer.
pub fn bank_info() -> Value {
    json!({"bankName": "PAYCHECK REFERENCE BANK", "bankCountryCode": "RU", "bankCountryName": "Russia"})
}

/// `payerData`, if the order has any.
pub fn payer_data(order: &Order) -> Option<Value> {
    if order.registration.email.is_none() && order.registration.phone.is_none() {
        return None;
    }
    let mut m = serde_json::Map::new();
    if let Some(e) = &order.registration.email {
        m.insert("email".into(), json!(e));
    }
    if let Some(p) = &order.registration.phone {
        m.insert("phone".into(), json!(p));
    }
    Some(Value::Object(m))
}
