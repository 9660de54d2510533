//! `refund.do` (spec 2.10, A7, A8, A9).

use serde_json::Value;

use super::auth::authenticate;
use super::context::Ctx;
use super::fields::{MAX_AMOUNT, operation_amount};
use super::lookup::order_key;
use super::reply::{ApiError, success};
use super::request::Params;
use crate::gateway::v1::model::{RefundItem, RefundOutcome, RefundRequest};

/// `refund.do`.
pub fn refund(ctx: &Ctx<'_>, p: &Params) -> Result<Value, ApiError> {
    let merchant = authenticate(ctx, p)?;
    let named = order_key(p, &["orderId"], true, ApiError::new(5, "[orderId] is empty"))?;
    let mut amount = operation_amount(p)?;
    let external_id = match p.text("externalRefundId") {
        Ok(Some(id)) if id.chars().count() <= 32 => Some(id),
        Ok(None) => None,
        _ => return Err(ApiError::new(5, "Invalid [externalRefundId]")),
    };
    let expected_deposited = match p.integer("expectedDepositedAmount") {
        Ok(Some(a)) if a >= 0 => Some(a),
        Ok(None) => None,
        _ => return Err(ApiError::new(5, "Invalid [expectedDepositedAmount]")),
    };
    let items = refund_items(p)?;
    if !items.is_empty() {
        let sum = items
            .iter()
            .try_fold(0i64, |sum, item| sum.checked_add(item.amount))
            .filter(|sum| *sum <= MAX_AMOUNT)
            .ok_or_else(|| {
                ApiError::new(5, "Invalid [refundItems]: the items add up to more than the largest amount")
            })?;
        match amount {
            None => amount = Some(sum),
            Some(a) if a == sum => {}
            Some(_) => {
                return Err(ApiError::new(5, "Incorrect amount: refundItems do not add up to amount"));
            }
        }
    }
    let request = RefundRequest { amount, external_id, expected_deposited, items };
    let touched = ctx
        .v1
        .store
        .refund(&merchant.user_name, named.key(), request, ctx.now, ctx.policy())
        .ok_or_else(|| ApiError::new(6, "Wrong order number"))?;
    ctx.notify(&touched.order, &touched.ticked);
    match touched.result? {
        RefundOutcome::Performed(events) => ctx.notify(&touched.order, &events),
        RefundOutcome::Replayed => {}
    }
    Ok(Value::Object(success()))
}

fn refund_items(p: &Params) -> Result<Vec<RefundItem>, ApiError> {
    let invalid = || ApiError::new(5, "Invalid [refundItems]");
    let Some(value) = p.structured("refundItems").map_err(|_| invalid())? else {
        return Ok(Vec::new());
    };
    let items = value.get("items").and_then(Value::as_array).filter(|items| !items.is_empty()).ok_or_else(invalid)?;
    items
        .iter()
        .map(|item| {
            let position_id = match item.get("positionId") {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err(invalid()),
            };
            let amount = match item.get("itemAmount") {
                Some(Value::Number(n)) => n.as_i64(),
                Some(Value::String(s)) => s.parse().ok(),
                _ => None,
            }
            .filter(|a| (0..=MAX_AMOUNT).contains(a))
            .ok_or_else(invalid)?;
            Ok(RefundItem { position_id, amount })
        })
        .collect()
}
