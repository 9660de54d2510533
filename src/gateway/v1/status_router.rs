//! The router shape of `getOrderStatusExtended.do` on `/v1` (spec 2.5, seed S3):
//! `{"state", "depositedAmount", "orderStatusResultModel": {...}}`.

use serde_json::{Map, Value, json};

use super::status_view::{PROCESSING_ID, TERMINAL_ID, action, bank_info, payer_data, refunds};
use crate::gateway::v1::model::Order;

/// The router status of `order`. Before the order reaches a bank it shows the seed's
/// PREREGISTERED fields (`gwId` null, `allowedPaymentWays`); afterwards the bank's fields too.
pub fn router_status(order: &Order) -> Value {
    let routed = order.bank.is_some();
    // Room for every field a routed order shows, so that the map never grows.
    let mut m = Map::with_capacity(32);
    if order.action_code.is_some() {
        let (code, description) = action(order);
        m.insert("actionCode".into(), json!(code));
        m.insert("actionCodeDescription".into(), json!(description));
    }
    if !routed {
        m.insert("allowedPaymentWays".into(), json!(order.registration.allowed_payment_ways));
    }
    m.insert("amount".into(), json!(order.registration.amount));
    if let Some(at) = order.auth_at {
        m.insert("authDateTime".into(), json!(at));
        if let Some(r) = &order.auth_ref_num {
            m.insert("authRefNum".into(), json!(r));
        }
    }
    if let Some(card) = &order.card {
        m.insert("bankInfo".into(), bank_info());
        let mut c = Map::new();
        if let Some(a) = &order.approval_code {
            c.insert("approvalCode".into(), json!(a));
        }
        c.insert("cardholderName".into(), json!(card.holder));
        c.insert("expirationDate".into(), json!(card.expiry));
        c.insert("maskedPan".into(), json!(card.masked_pan));
        c.insert("paymentSystem".into(), json!(card.payment_system));
        m.insert("cardInfo".into(), Value::Object(c));
    }
    if let Some(c) = &order.registration.client_id {
        m.insert("clientId".into(), json!(c));
    }
    m.insert("currency".into(), json!(order.registration.currency));
    m.insert("date".into(), json!(order.created_at));
    m.insert("depositFlag".into(), json!(if order.registration.two_phase { "PREAUTH" } else { "PURCHASE" }));
    if let Some(d) = order.deposited_at {
        m.insert("depositedDate".into(), json!(d));
    }
    if routed {
        m.insert("errorCode".into(), json!("0"));
        m.insert("errorMessage".into(), json!("Success"));
    }
    m.insert("gwId".into(), json!(order.bank));
    m.insert("gwOrderId".into(), json!(order.gw_order_id));
    if let Some(f) = &order.registration.fail_url {
        m.insert("failUrl".into(), json!(f));
    }
    m.insert("hasTimeout".into(), json!(order.timed_out));
    m.insert("merchantLogin".into(), json!(order.registration.merchant));
    if routed {
        m.insert("operations".into(), operations(order));
    }
    if let Some(d) = &order.registration.description {
        m.insert("orderDescription".into(), json!(d));
    }
    m.insert("orderId".into(), json!(order.registration.id));
    m.insert("orderNumber".into(), json!(order.registration.order_number));
    let params: Map<String, Value> = order.registration.params.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    m.insert("orderParams".into(), Value::Object(params));
    m.insert("orderStatus".into(), json!(order.state.order_status()));
    if let Some(payer) = payer_data(order) {
        m.insert("payerData".into(), payer);
    }
    m.insert("paymentWay".into(), json!(order.payment_way));
    if routed {
        m.insert("processingId".into(), json!(PROCESSING_ID));
        m.insert("refunds".into(), refunds(order));
    }
    if let Some(d) = order.refunded_at {
        m.insert("refundedDate".into(), json!(d));
    }
    if let Some(d) = order.reversed_at {
        m.insert("reversedDate".into(), json!(d));
    }
    m.insert("successUrl".into(), json!(order.registration.return_url));
    if routed {
        m.insert("transactionAttributes".into(), json!({}));
    }
    // Built by hand: `json!` would copy the model through the serializer, key by key.
    let mut status = Map::with_capacity(3);
    status.insert("state".into(), json!(order.state.router_state()));
    status.insert("depositedAmount".into(), json!(order.deposited_amount));
    status.insert("orderStatusResultModel".into(), Value::Object(m));
    Value::Object(status)
}

fn operations(order: &Order) -> Value {
    let card = order.card.as_ref();
    Value::Array(
        order
            .operations
            .iter()
            .map(|op| {
                json!({
                    "amount": op.amount,
                    "authCode": op.approval_code,
                    "cardHolder": card.map(|c| c.holder.as_str()).unwrap_or(""),
                    "currencyCode": order.registration.currency,
                    "operationDate": op.date,
                    "operationType": op.kind.name(),
                    "maskedPan": card.map(|c| c.masked_pan.as_str()).unwrap_or(""),
                    "processingResultCode": op.action_code,
                    "referenceNumber": op.reference_number,
                    "success": op.success,
                    "terminalId": TERMINAL_ID,
                })
            })
            .collect(),
    )
}
