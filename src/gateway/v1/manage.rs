//! `deposit.do`, `reverse.do` and `decline.do` (spec 2.7–2.9).

use serde_json::Value;

use super::auth::authenticate;
use super::context::Ctx;
use super::fields::operation_amount;
use super::lookup::order_key;
use super::reply::{ApiError, success};
use super::request::Params;
use crate::gateway::config::MerchantConfig;
use crate::gateway::v1::model::{self, Event, Order, Rejection};

/// `deposit.do`: capture; amount omitted or 0 captures the whole hold.
pub fn deposit(ctx: &Ctx<'_>, p: &Params) -> Result<Value, ApiError> {
    let merchant = authenticate(ctx, p)?;
    let amount = operation_amount(p)?;
    let rules = merchant.rules();
    operate(ctx, p, merchant, |order, policy| order.deposit(amount, ctx.now, &rules, policy))
}

/// `reverse.do`: full reversal of an approved or paid order, once, within the window.
pub fn reverse(ctx: &Ctx<'_>, p: &Params) -> Result<Value, ApiError> {
    let merchant = authenticate(ctx, p)?;
    let amount = operation_amount(p)?;
    let rules = merchant.rules();
    operate(ctx, p, merchant, |order, policy| order.reverse(amount, ctx.now, &rules, policy))
}

/// `decline.do`: cancel an unpaid order (DECLINED, actionCode 4005).
pub fn decline(ctx: &Ctx<'_>, p: &Params) -> Result<Value, ApiError> {
    let merchant = authenticate(ctx, p)?;
    operate(ctx, p, merchant, |order, policy| order.decline(ctx.now, policy))
}

fn operate(
    ctx: &Ctx<'_>,
    p: &Params,
    merchant: &MerchantConfig,
    op: impl FnOnce(&mut Order, &model::Policy) -> Result<Vec<Event>, Rejection>,
) -> Result<Value, ApiError> {
    let named = order_key(p, &["orderId"], true, ApiError::new(5, "[orderId] is empty"))?;
    let policy = ctx.policy();
    let touched = ctx
        .v1
        .store
        .with_order(&merchant.user_name, named.key(), ctx.now, policy, |order| op(order, &policy.state_machine))
        .ok_or_else(|| ApiError::new(6, "Wrong order number"))?;
    ctx.notify(&touched.order, &touched.ticked);
    let events = touched.result?;
    ctx.notify(&touched.order, &events);
    Ok(Value::Object(success()))
}
