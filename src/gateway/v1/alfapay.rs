//! `alfapay/paymentOrder.do` on the router (spec 2.4, A1, A16): hands the payer to Alfa Pay.
//! The link points at the gateway's own emulator page (`/alfapay-emulator/<gwOrderId>`).

use serde_json::{Value, json};

use super::auth::authenticate;
use super::context::Ctx;
use super::lookup::order_key;
use super::reply::ApiError;
use super::request::Params;
use crate::gateway::v1::model::Rejection;

use super::cards::{ALFAPAY_BANK, ALFAPAY_WAY};

/// `alfapay/paymentOrder.do`: the order becomes PENDING (7) at the Alfa Pay bank; the answer
/// carries the bank's order id and the payer's link.
pub fn alfapay_payment_order(ctx: &Ctx<'_>, p: &Params) -> Result<Value, ApiError> {
    let merchant = authenticate(ctx, p)?;
    let named = order_key(p, &["orderId"], false, ApiError::new(4, "[orderId] is empty"))?;
    let policy = ctx.policy();
    let candidate = uuid::Uuid::new_v4().to_string();
    let touched = ctx
        .v1
        .store
        .with_order(&merchant.user_name, named.key(), ctx.now, policy, |order| {
            order.start_redirect(ALFAPAY_BANK, &candidate, ALFAPAY_WAY, &policy.state_machine)
        })
        .ok_or_else(|| ApiError::new(6, "Order not found"))?;
    ctx.notify(&touched.order, &touched.ticked);
    match touched.result {
        Ok(()) => {}
        Err(Rejection::SessionExpired) => return Err(ApiError::new(7, "Input time expired")),
        Err(r) => return Err(r.into()),
    }
    let gw_order_id = touched.order.gw_order_id.unwrap_or(candidate);
    Ok(json!({
        "data": {
            "orderId": gw_order_id,
            "redirect": format!("{}/alfapay-emulator/{}", ctx.root(), gw_order_id),
        },
        "success": true,
    }))
}
