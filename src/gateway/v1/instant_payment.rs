//! `instantPayment.do`: register and pay in one call (spec 2.2, A13).

use serde_json::{Value, json};

use super::auth::authenticate;
use super::card_input::card_input;
use super::context::Ctx;
use super::payment_order::{pay_with_card, payment_answer};
use super::register::{registration, store_new_order};
use super::reply::ApiError;
use super::request::Params;
use crate::gateway::v1::store::OrderKey;

const INFO_PROCEEDED: &str = "Your order is proceeded, redirecting...";

/// `instantPayment.do`: `preAuth=true` makes the order two-phase.
pub fn instant_payment(ctx: &Ctx<'_>, p: &Params) -> Result<Value, ApiError> {
    let merchant = authenticate(ctx, p)?;
    let two_phase = p.boolean("preAuth").map_err(|_| ApiError::new(5, "Invalid [preAuth]"))?.unwrap_or(false);
    let reg = registration(ctx, p, merchant, two_phase)?;
    let card = card_input(p, ctx.policy().luhn_checked)?;
    let order = store_new_order(ctx, reg)?;
    let order = pay_with_card(ctx, merchant, OrderKey::Id(&order.registration.id), &card)?;
    let mut answer = payment_answer(&order, INFO_PROCEEDED);
    if let Value::Object(m) = &mut answer {
        m.insert("orderId".into(), json!(order.registration.id));
    }
    Ok(answer)
}
