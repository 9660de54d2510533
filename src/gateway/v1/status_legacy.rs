//! `getOrderStatus.do`, the legacy status with capitalised keys (spec 2.6, A1).

use serde_json::{Map, Value, json};

use super::auth::authenticate;
use super::context::Ctx;
use super::lookup::order_key;
use super::reply::ApiError;
use super::request::Params;
use super::status::current_order;
use crate::gateway::v1::model::{Family, OrderState};

/// `getOrderStatus.do`. `OrderStatus` is what `getOrderStatusExtended.do` shows on the same
/// family. An order declined by the issuer answers `ErrorCode` 2.
pub fn status_legacy(ctx: &Ctx<'_>, p: &Params) -> Result<Value, ApiError> {
    let merchant = authenticate(ctx, p)?;
    let named = order_key(p, &["orderId"], false, ApiError::new(5, "Order id is not specified"))?;
    let order =
        current_order(ctx, &merchant.user_name, named.key()).map_err(|_| ApiError::new(6, "Unknown order number"))?;
    let status = match (ctx.family, order.state) {
        (Family::Bank, OrderState::Preregistered) => OrderState::Created.order_status(),
        (_, s) => s.order_status(),
    };
    let issuer_declined = order.state == OrderState::Declined
        && order.card.is_some()
        && !order.timed_out
        && order.action_code != Some(crate::gateway::v1::model::ACTION_DECLINED_BY_MERCHANT);
    let mut m = Map::new();
    if issuer_declined {
        m.insert("ErrorCode".into(), json!("2"));
        m.insert("ErrorMessage".into(), json!("The order is declined because of an error in the payment credentials"));
    } else {
        m.insert("ErrorCode".into(), json!("0"));
        m.insert("ErrorMessage".into(), json!("Success"));
    }
    m.insert("OrderStatus".into(), json!(status));
    m.insert("OrderNumber".into(), json!(order.registration.order_number));
    if let Some(card) = &order.card {
        m.insert("Pan".into(), json!(card.masked_pan));
        m.insert("expiration".into(), json!(card.expiry));
        m.insert("cardholderName".into(), json!(card.holder));
    }
    m.insert("Amount".into(), json!(order.registration.amount));
    m.insert("currency".into(), json!(order.registration.currency));
    if let Some(a) = &order.approval_code {
        m.insert("approvalCode".into(), json!(a));
        m.insert("authCode".into(), json!(2));
    }
    if let Some(c) = &order.registration.client_id {
        m.insert("clientId".into(), json!(c));
    }
    Ok(Value::Object(m))
}
