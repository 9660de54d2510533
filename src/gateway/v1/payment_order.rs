//! `paymentorder.do`: pay a registered order with card data (spec 2.3, 3.2, section 4).

use serde_json::{Value, json};

use super::auth::authenticate;
use super::card_input::card_input;
use super::context::Ctx;
use super::lookup::order_key;
use super::register::REFERENCE_BANK;
use super::reply::{ApiError, success};
use super::request::Params;
use crate::gateway::config::MerchantConfig;
use crate::gateway::v1::cards::{CardInput, authorize};
use crate::gateway::v1::model::{Order, OrderState, Rejection};
use crate::gateway::v1::store::OrderKey;

const INFO_PAID: &str = "Your payment has been processed, redirecting...";
const INFO_DECLINED: &str = "Operation declined. Check the entered data and try again. Redirecting...";

/// `paymentorder.do`.
pub fn payment_order(ctx: &Ctx<'_>, p: &Params) -> Result<Value, ApiError> {
    let merchant = authenticate(ctx, p)?;
    let named = order_key(p, &["MDORDER", "mdOrder", "orderId"], false, ApiError::new(4, "[MDORDER] is empty"))?;
    let card = card_input(p, ctx.policy().luhn_checked)?;
    let order = pay_with_card(ctx, merchant, named.key(), &card)?;
    Ok(payment_answer(&order, INFO_PAID))
}

/// Routes the order (if on the router) and pays it with `card`, atomically.
pub fn pay_with_card(
    ctx: &Ctx<'_>,
    merchant: &MerchantConfig,
    key: OrderKey<'_>,
    card: &CardInput,
) -> Result<Order, ApiError> {
    let policy = ctx.policy();
    let gw_order_id = uuid::Uuid::new_v4().to_string();
    let rules = merchant.rules();
    let touched = ctx
        .v1
        .store
        .with_order(&merchant.user_name, key, ctx.now, policy, |order| {
            order.route(REFERENCE_BANK, &gw_order_id, &policy.state_machine)?;
            let auth = authorize(card, &ctx.v1.config.cards, ctx.now, policy.decline_cards_decline);
            order.pay(auth, ctx.now, &rules, &policy.state_machine)
        })
        .ok_or_else(|| ApiError::new(6, "Order not found"))?;
    ctx.notify(&touched.order, &touched.ticked);
    match touched.result {
        Ok(events) => {
            ctx.notify(&touched.order, &events);
            Ok(touched.order)
        }
        Err(Rejection::SessionExpired) => Err(ApiError::new(7, "Input time expired")),
        Err(r) => Err(r.into()),
    }
}

/// The answer to a payment: success with `info` and the redirect, or the decline text and the
/// fail URL. Check the status for the outcome (`errorCode` 0 alone does not mean paid).
pub fn payment_answer(order: &Order, paid_info: &str) -> Value {
    let paid = matches!(order.state, OrderState::Approved | OrderState::Deposited);
    let mut m = success();
    let (info, target) = if paid {
        (paid_info, order.registration.return_url.as_str())
    } else {
        (INFO_DECLINED, order.registration.fail_url.as_deref().unwrap_or(&order.registration.return_url))
    };
    m.insert("info".into(), json!(info));
    m.insert("redirect".into(), json!(with_order_id(target, &order.registration.id)));
    Value::Object(m)
}

/// `url` with `orderId=<id>` appended to its query.
pub fn with_order_id(url: &str, id: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            u.query_pairs_mut().append_pair("orderId", id);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}
