//! The payment page `formUrl` points at (spec 2.1, 3.3): a card form for the payer. After the
//! order's session expired, opening it redirects to `failUrl`.
//!
//! - `GET  /wl/payment.html?mdOrder=<orderId>` (router) and
//!   `GET  /payment/merchants/<page>.html?mdOrder=<orderId>` (bank): the form while the order is
//!   payable; `303` to `returnUrl?orderId=…` once paid, to `failUrl?orderId=…` (else `returnUrl`)
//!   once declined, reversed or expired.
//! - `POST` to the same URL with form fields `pan`, `expiry` (YYYYMM), `cvc`, `cardholderName`:
//!   pays like `paymentorder.do` and answers `303` to the outcome's URL (`400` for bad card data).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRef, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value};

use super::card_input::card_input;
use super::payment_order::with_order_id;
use super::register::REFERENCE_BANK;
use super::request::Params;
use super::service::V1;
use crate::gateway::html::{self, escape, see_other};
use crate::gateway::v1::cards::authorize;
use crate::gateway::v1::model::{Order, OrderState};
use crate::gateway::v1::store::PublicHandle;

/// The payment page routes of both families.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<V1>: FromRef<S>,
{
    Router::new().route("/wl/payment.html", get(show).post(pay)).route("/payment/merchants/{page}", get(show).post(pay))
}

fn page(status: StatusCode, body: String) -> Response {
    html::page(status, "Payment", &body)
}

/// Where the payer goes for an order that is no longer payable.
fn outcome_url(order: &Order) -> String {
    let url = if order.state.was_paid() && order.state != OrderState::Reversed {
        &order.registration.return_url
    } else {
        order.registration.fail_url.as_ref().unwrap_or(&order.registration.return_url)
    };
    with_order_id(url, &order.registration.id)
}

async fn show(State(v1): State<Arc<V1>>, Query(query): Query<HashMap<String, String>>) -> Response {
    let Some(id) = query.get("mdOrder") else {
        return page(StatusCode::BAD_REQUEST, "<p>mdOrder is missing.</p>".into());
    };
    let now = v1.clock.now_ms();
    let Some(touched) = v1.store.with_public_order(PublicHandle::OrderId(id), now, &v1.policy, |_| ()) else {
        return page(StatusCode::NOT_FOUND, "<p>Unknown order.</p>".into());
    };
    v1.notify(&touched.order, &touched.ticked);
    let order = &touched.order;
    if !order.state.is_unpaid() {
        return see_other(outcome_url(order));
    }
    page(
        StatusCode::OK,
        format!(
            "<h1>Order {number}</h1><p>Amount {amount} (minor units, currency {currency})</p>\n\
             <form method=\"post\">\n\
             <label>Card number <input name=\"pan\"></label>\n\
             <label>Expiry YYYYMM <input name=\"expiry\"></label>\n\
             <label>CVC <input name=\"cvc\"></label>\n\
             <label>Cardholder <input name=\"cardholderName\"></label>\n\
             <button>Pay</button>\n</form>",
            number = escape(&order.registration.order_number),
            amount = order.registration.amount,
            currency = escape(&order.registration.currency),
        ),
    )
}

async fn pay(State(v1): State<Arc<V1>>, Query(query): Query<HashMap<String, String>>, body: Bytes) -> Response {
    let Some(id) = query.get("mdOrder") else {
        return page(StatusCode::BAD_REQUEST, "<p>mdOrder is missing.</p>".into());
    };
    let fields: Map<String, Value> = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let policy = &v1.policy;
    let card = match card_input(&Params::from_map(fields), policy.luhn_checked) {
        Ok(card) => card,
        Err(e) => {
            return page(StatusCode::BAD_REQUEST, format!("<p>{}</p>", escape(&e.message)));
        }
    };
    let now = v1.clock.now_ms();
    let gw_order_id = uuid::Uuid::new_v4().to_string();
    let merchants = &v1.config.merchants;
    let cards = &v1.config.cards;
    let Some(touched) = v1.store.with_public_order(PublicHandle::OrderId(id), now, policy, |order| {
        let rules = merchants
            .iter()
            .find(|m| m.user_name == order.registration.merchant)
            .map(|m| m.rules())
            .unwrap_or_default();
        order.route(REFERENCE_BANK, &gw_order_id, &policy.state_machine)?;
        order.pay(authorize(&card, cards, now, policy.decline_cards_decline), now, &rules, &policy.state_machine)
    }) else {
        return page(StatusCode::NOT_FOUND, "<p>Unknown order.</p>".into());
    };
    v1.notify(&touched.order, &touched.ticked);
    if let Ok(events) = &touched.result {
        v1.notify(&touched.order, events);
    }
    see_other(outcome_url(&touched.order))
}
