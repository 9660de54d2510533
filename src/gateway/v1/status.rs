//! `getOrderStatusExtended.do` (spec 2.5, A2): the router wrapper on `/v1`, the flat BPC shape
//! on `/payment/rest`, over the same orders.

use serde_json::Value;

use super::auth::authenticate;
use super::context::Ctx;
use super::lookup::order_key;
use super::reply::ApiError;
use super::request::Params;
use super::{status_bank, status_router};
use crate::gateway::v1::model::{Family, Order};

/// `getOrderStatusExtended.do`.
pub fn status_extended(ctx: &Ctx<'_>, p: &Params) -> Result<Value, ApiError> {
    let merchant = authenticate(ctx, p)?;
    let named = order_key(p, &["orderId"], true, ApiError::new(1, "Expected [orderId] or [orderNumber]"))?;
    let order = current_order(ctx, &merchant.user_name, named.key())?;
    Ok(match ctx.family {
        Family::Router => status_router::router_status(&order),
        Family::Bank => status_bank::bank_status(&order),
    })
}

/// The merchant's order as it is now (time effects applied and notified); 6 if unknown.
pub fn current_order(
    ctx: &Ctx<'_>,
    merchant: &str,
    key: crate::gateway::v1::store::OrderKey<'_>,
) -> Result<Order, ApiError> {
    let touched = ctx
        .v1
        .store
        .with_order(merchant, key, ctx.now, ctx.policy(), |_| ())
        .ok_or_else(|| ApiError::new(6, "Order not found"))?;
    ctx.notify(&touched.order, &touched.ticked);
    Ok(touched.order)
}
