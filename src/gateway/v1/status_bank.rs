//! The flat BPC shape of `getOrderStatusExtended.do` on `/payment/rest` (spec 2.5).

use serde_json::{Map, Value, json};

use super::reply::success;
use super::status_view::{TERMINAL_ID, action, bank_info, payer_data, refunds};
use crate::gateway::v1::model::{Order, OrderState};

/// The flat status of `order`.
pub fn bank_status(order: &Order) -> Value {
    let mut m = success();
    let (code, description) = action(order);
    let status = match order.state {
        OrderState::Preregistered => OrderState::Created.order_status(),
        s => s.order_status(),
    };
    m.insert("orderNumber".into(), json!(order.registration.order_number));
    m.insert("orderStatus".into(), json!(status));
    m.insert("actionCode".into(), json!(code));
    m.insert("actionCodeDescription".into(), json!(description));
    m.insert("amount".into(), json!(order.registration.amount));
    m.insert("currency".into(), json!(order.registration.currency));
    m.insert("date".into(), json!(order.created_at));
    if let Some(d) = order.deposited_at {
        m.insert("depositedDate".into(), json!(d));
    }
    m.insert("orderDescription".into(), json!(order.registration.description.clone().unwrap_or_default()));
    if let Some(at) = order.auth_at {
        m.insert("authDateTime".into(), json!(at));
        m.insert("terminalId".into(), json!(TERMINAL_ID));
        if let Some(r) = &order.auth_ref_num {
            m.insert("authRefNum".into(), json!(r));
        }
    }
    if let Some(d) = order.refunded_at {
        m.insert("refundedDate".into(), json!(d));
    }
    if let Some(d) = order.reversed_at {
        m.insert("reversedDate".into(), json!(d));
    }
    if let Some(w) = &order.payment_way {
        m.insert("paymentWay".into(), json!(w));
    }
    m.insert(
        "merchantOrderParams".into(),
        Value::Array(order.registration.params.iter().map(|(k, v)| json!({"name": k, "value": v})).collect()),
    );
    m.insert("attributes".into(), json!([{"name": "mdOrder", "value": order.registration.id}]));
    m.insert("transactionAttributes".into(), json!([]));
    if let Some(card) = &order.card {
        let mut c = Map::new();
        c.insert("maskedPan".into(), json!(card.masked_pan));
        c.insert("expiration".into(), json!(card.expiry));
        c.insert("cardholderName".into(), json!(card.holder));
        if let Some(a) = &order.approval_code {
            c.insert("approvalCode".into(), json!(a));
        }
        c.insert("paymentSystem".into(), json!(card.payment_system));
        c.insert("product".into(), json!("CLASSIC"));
        m.insert("cardAuthInfo".into(), Value::Object(c));
    }
    if let Some(client) = &order.registration.client_id {
        m.insert("bindingInfo".into(), json!({"clientId": client}));
    }
    m.insert(
        "paymentAmountInfo".into(),
        json!({
            "paymentState": order.state.payment_state(),
            "approvedAmount": order.approved_amount,
            "depositedAmount": order.deposited_amount,
            "refundedAmount": order.refunded_amount,
            "totalAmount": order.registration.amount,
        }),
    );
    if order.card.is_some() {
        m.insert("bankInfo".into(), bank_info());
    }
    if let Some(payer) = payer_data(order) {
        m.insert("payerData".into(), payer);
    }
    m.insert("refunds".into(), refunds(order));
    Value::Object(m)
}
