//! `register.do` and `registerPreAuth.do` (spec 2.1, A1, A3, A4, A6, SDK-2).

use serde_json::{Map, Value, json};

use super::auth::authenticate;
use super::context::Ctx;
use super::fields::{MAX_AMOUNT, absolute_url, registration_date, text_upto};
use super::reply::{ApiError, success};
use super::request::Params;
use super::store::InsertRefused;
use crate::gateway::config::MerchantConfig;
use crate::gateway::v1::model::{Family, Order, Registration};

/// `gwId` of orders at the reference bank.
pub const REFERENCE_BANK: &str = "PAYCHECK";

const FEATURES: &[&str] =
    &["VERIFY", "FORCE_TDS", "FORCE_SSL", "FORCE_FULL_TDS", "FORCE_CREATE_BINDING", "AUTO_PAYMENT"];

/// `register.do` (`two_phase` false) or `registerPreAuth.do` (true).
pub fn register(ctx: &Ctx<'_>, p: &Params, two_phase: bool) -> Result<Value, ApiError> {
    let merchant = authenticate(ctx, p)?;
    let reg = registration(ctx, p, merchant, two_phase)?;
    let order = store_new_order(ctx, reg)?;
    Ok(register_answer(ctx, &order, p))
}

/// Validates the registration parameters in the order of spec section 7: required (4), formats
/// (5, some 4 and 14 as documented), currency (3), privileges (13).
pub fn registration(
    ctx: &Ctx<'_>,
    p: &Params,
    merchant: &MerchantConfig,
    two_phase: bool,
) -> Result<Registration, ApiError> {
    let order_number = p.text("orderNumber").map_err(|_| ApiError::new(5, "Invalid order number"))?;
    if order_number.is_none() && merchant.order_number_required {
        return Err(ApiError::new(4, "Order number is empty"));
    }
    if !p.has("amount") {
        return Err(ApiError::new(4, "Amount is missing"));
    }
    if !p.has("returnUrl") {
        return Err(ApiError::new(4, "Return URL cannot be empty"));
    }
    if order_number.as_ref().is_some_and(|n| n.chars().count() > 36) {
        return Err(ApiError::new(5, "Invalid order number"));
    }
    let amount = match p.integer("amount") {
        Ok(Some(a)) if (1..=MAX_AMOUNT).contains(&a) => a,
        _ => return Err(ApiError::new(5, "Invalid amount")),
    };
    let return_url = match p.text("returnUrl") {
        Ok(Some(u)) if absolute_url(&u) => u,
        _ => return Err(ApiError::new(4, "The return URL is invalid")),
    };
    let fail_url = match p.text("failUrl") {
        Ok(None) => None,
        Ok(Some(u)) if absolute_url(&u) => Some(u),
        _ => return Err(ApiError::new(4, "The fail URL is invalid")),
    };
    let currency = match p.text("currency") {
        Ok(None) => merchant.default_currency().to_string(),
        Ok(Some(c)) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit()) => c,
        _ => {
            return Err(ApiError::new(5, "Invalid currency: only three digits are allowed"));
        }
    };
    match p.text("language") {
        Ok(None) => {}
        Ok(Some(l)) if l.len() == 2 && l.bytes().all(|b| b.is_ascii_alphabetic()) => {}
        _ => return Err(ApiError::new(5, "Wrong value of the language parameter")),
    }
    let description = text_upto(p, "description", 598, &ApiError::new(5, "Invalid description"))?;
    let client_id = text_upto(p, "clientId", 255, &ApiError::new(5, "Invalid [clientId]"))?;
    text_upto(p, "pageView", 20, &ApiError::new(5, "Invalid [pageView]"))?;
    text_upto(p, "merchantLogin", 255, &ApiError::new(5, "Invalid [merchantLogin]"))?;
    let email = text_upto(p, "email", 255, &ApiError::new(5, "Invalid [email]"))?;
    let phone = text_upto(p, "phone", 30, &ApiError::new(5, "Invalid [phone]"))?;
    let params = json_params(p)?;
    let callback_url = match p.text("dynamicCallbackUrl") {
        Ok(None) => None,
        Ok(Some(u)) if absolute_url(&u) => Some(u),
        _ => return Err(ApiError::new(5, "Invalid [dynamicCallbackUrl]")),
    };
    let lifetime = match p.integer("sessionTimeoutSecs") {
        Ok(None) => None,
        Ok(Some(s)) if (1..=999_999_999).contains(&s) => Some(s),
        _ => return Err(ApiError::new(5, "Invalid [sessionTimeoutSecs]")),
    };
    let expiration = optional_date(p, "expirationDate")?;
    if expiration.is_some_and(|at| at <= ctx.now) {
        return Err(ApiError::new(5, "Invalid [expirationDate]: it must be in the future"));
    }
    let autocompletion_at = optional_date(p, "autocompletionDate")?;
    let auto_reverse_at = optional_date(p, "autoReverseDate")?;
    p.structured("orderBundle").map_err(|_| ApiError::new(5, "Invalid [orderBundle]"))?;
    let allowed_payment_ways = payment_ways(p)?;
    check_features(p)?;
    if !merchant.currencies.contains(&currency) {
        return Err(ApiError::new(3, "Unknown currency"));
    }
    if autocompletion_at.is_some() || auto_reverse_at.is_some() {
        if !two_phase {
            return Err(ApiError::new(5, "autocompletionDate and autoReverseDate apply to two-phase orders only"));
        }
        if !merchant.auto_dates_allowed {
            return Err(ApiError::new(13, "The merchant is not allowed to use autocompletionDate or autoReverseDate"));
        }
    }
    let default_lifetime = match ctx.family {
        Family::Router => merchant.router_session_secs,
        Family::Bank => merchant.bank_session_secs,
    };
    let expires_at = expiration.unwrap_or_else(|| ctx.now.saturating_add(lifetime.unwrap_or(default_lifetime) * 1000));
    let id = uuid::Uuid::new_v4().to_string();
    let (bank, gw_order_id) = match ctx.family {
        Family::Router => (None, None),
        Family::Bank => (Some(REFERENCE_BANK.to_string()), Some(uuid::Uuid::new_v4().to_string())),
    };
    let order_number = order_number.unwrap_or_else(|| ctx.v1.store.next_order_number(&merchant.user_name));
    Ok(Registration {
        id,
        merchant: merchant.user_name.clone(),
        order_number,
        family: ctx.family,
        two_phase,
        amount,
        currency,
        description,
        return_url,
        fail_url,
        client_id,
        params,
        email,
        phone,
        allowed_payment_ways,
        callback_url,
        expires_at,
        autocompletion_at,
        auto_reverse_at,
        bank,
        gw_order_id,
    })
}

/// Stores the order; error 1 if the merchant already used its `orderNumber` (spec section 7).
pub fn store_new_order(ctx: &Ctx<'_>, reg: Registration) -> Result<Order, ApiError> {
    let order = Order::register(reg, ctx.now, &ctx.policy().state_machine);
    ctx.v1.store.insert(order.clone(), ctx.now, ctx.policy()).map_err(|refused| match refused {
        InsertRefused::Duplicate { paid: true } => ApiError::new(1, "Order with this number was already processed"),
        InsertRefused::Duplicate { paid: false } => {
            ApiError::new(1, "Order with this number was registered, but was not paid")
        }
        InsertRefused::Full { max_entries } => ApiError::new(
            7,
            format!(
                "System error: the gateway holds its maximum of {max_entries} orders, none of them finished; \
                 finished orders are removed after the retention period"
            ),
        ),
    })?;
    Ok(order)
}

/// The payment page URL of an order.
pub fn form_url(ctx: &Ctx<'_>, order: &Order, language: &str) -> String {
    match ctx.family {
        Family::Router => {
            format!("{}/wl/payment.html?mdOrder={}&language={}", ctx.root(), order.registration.id, language)
        }
        Family::Bank => {
            format!("{}/payment/merchants/payment_{}.html?mdOrder={}", ctx.root(), language, order.registration.id)
        }
    }
}

fn register_answer(ctx: &Ctx<'_>, order: &Order, p: &Params) -> Value {
    let language =
        p.text("language").ok().flatten().map(|l| l.to_ascii_lowercase()).unwrap_or_else(|| "en".to_string());
    let m = match ctx.family {
        Family::Router => {
            let mut m = success();
            m.insert("formUrl".into(), json!(form_url(ctx, order, &language)));
            m.insert("orderId".into(), json!(order.registration.id));
            m.insert("orderNumber".into(), json!(order.registration.order_number));
            m
        }
        Family::Bank => {
            let mut m = Map::new();
            m.insert("orderId".into(), json!(order.registration.id));
            m.insert("formUrl".into(), json!(form_url(ctx, order, &language)));
            m
        }
    };
    Value::Object(m)
}

fn optional_date(p: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    let invalid = || ApiError::new(5, format!("Invalid [{name}]: expected yyyy-MM-ddTHH:mm:ss"));
    match p.text(name) {
        Ok(None) => Ok(None),
        Ok(Some(s)) => registration_date(&s).map(Some).ok_or_else(invalid),
        Err(_) => Err(invalid()),
    }
}

fn json_params(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    let invalid = || ApiError::new(5, "Invalid [jsonParams]");
    match p.structured("jsonParams") {
        Ok(None) => Ok(Vec::new()),
        Ok(Some(Value::Object(map))) => Ok(map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, text)
            })
            .collect()),
        _ => Err(invalid()),
    }
}

fn payment_ways(p: &Params) -> Result<Vec<String>, ApiError> {
    let invalid = || ApiError::new(5, "Invalid [allowedPaymentWays]");
    let value = match p.get("allowedPaymentWays") {
        None => return Ok(vec!["CARD".into(), "CARD_BINDING".into(), "ALFAPAY".into()]),
        Some(Value::String(s)) if !s.trim_start().starts_with('[') => {
            return Ok(s.split(',').map(|w| w.trim().to_string()).collect());
        }
        Some(_) => p.structured("allowedPaymentWays").map_err(|_| invalid())?,
    };
    match value {
        Some(Value::Array(items)) => {
            items.into_iter().map(|v| v.as_str().map(str::to_string).ok_or_else(invalid)).collect()
        }
        _ => Err(invalid()),
    }
}

fn check_features(p: &Params) -> Result<(), ApiError> {
    let incorrect = || ApiError::new(14, "Features specified incorrectly");
    let names: Vec<String> = match p.get("features") {
        None => return Ok(()),
        Some(Value::String(s)) if !s.trim_start().starts_with(['{', '[']) => {
            s.split(',').map(|f| f.trim().to_string()).collect()
        }
        Some(_) => {
            let value = p.structured("features").map_err(|_| incorrect())?;
            let list = match value {
                Some(Value::Object(mut o)) => o.remove("feature").unwrap_or(Value::Null),
                Some(v) => v,
                None => Value::Null,
            };
            match list {
                Value::String(s) => vec![s],
                Value::Array(items) => items
                    .into_iter()
                    .map(|v| v.as_str().map(str::to_string).ok_or_else(incorrect))
                    .collect::<Result<_, _>>()?,
                _ => return Err(incorrect()),
            }
        }
    };
    if names.iter().any(|n| !FEATURES.contains(&n.as_str())) {
        return Err(incorrect());
    }
    let has = |f: &str| names.iter().any(|n| n == f);
    if has("FORCE_TDS") && has("FORCE_SSL") {
        return Err(incorrect());
    }
    if has("AUTO_PAYMENT") && (has("FORCE_TDS") || has("FORCE_SSL")) {
        return Err(ApiError::new(13, "FORCE_TDS or FORCE_SSL cannot be combined with AUTO_PAYMENT"));
    }
    Ok(())
}
