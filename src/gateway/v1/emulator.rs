//! The Alfa Pay emulator: the page `alfapay/paymentOrder.do` links to, where the payer approves
//! or declines, so the Alfa Pay flow completes without a browser (spec 2.4, seed S0 steps 11–17).
//!
//! - `GET  /alfapay-emulator/<gwOrderId>`: an HTML page with Approve and Decline forms;
//! - `POST /alfapay-emulator/<gwOrderId>/approve`: pays the order, 303 to `returnUrl?orderId=…`;
//! - `POST /alfapay-emulator/<gwOrderId>/decline`: declines it, 303 to `failUrl?orderId=…`
//!   (`returnUrl` when the order has no `failUrl`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::cards::alfapay_authorization;
use super::model::{Order, OrderState};
use super::payment_order::with_order_id;
use super::service::V1;
use super::store::PublicHandle;
use crate::gateway::html::{escape, page, see_other};

/// The emulator's routes.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<V1>: FromRef<S>,
{
    Router::new()
        .route("/alfapay-emulator/{id}", get(show))
        .route("/alfapay-emulator/{id}/approve", post(approve))
        .route("/alfapay-emulator/{id}/decline", post(decline))
}

fn unknown() -> Response {
    page(StatusCode::NOT_FOUND, "Alfa Pay", "<p>Unknown Alfa Pay payment.</p>")
}

async fn show(State(v1): State<Arc<V1>>, Path(id): Path<String>) -> Response {
    let now = v1.clock.now_ms();
    let Some(touched) = v1.store.with_public_order(PublicHandle::GwOrderId(&id), now, &v1.policy, |_| ()) else {
        return unknown();
    };
    v1.notify(&touched.order, &touched.ticked);
    let order = &touched.order;
    let body = if order.state == OrderState::PendingRedirect {
        format!(
            "<h1>Alfa Pay (emulator)</h1>\n\
             <p>Order {number}: {amount} (minor units, currency {currency})</p>\n\
             <form method=\"post\" action=\"/alfapay-emulator/{id}/approve\"><button>Approve</button></form>\n\
             <form method=\"post\" action=\"/alfapay-emulator/{id}/decline\"><button>Decline</button></form>\n",
            number = escape(&order.registration.order_number),
            amount = order.registration.amount,
            currency = escape(&order.registration.currency),
            id = escape(&id),
        )
    } else {
        format!("<p>This payment is no longer pending (state {}).</p>", order.state.router_state())
    };
    page(StatusCode::OK, "Alfa Pay", &body)
}

async fn approve(State(v1): State<Arc<V1>>, Path(id): Path<String>) -> Response {
    finish(&v1, &id, true)
}

async fn decline(State(v1): State<Arc<V1>>, Path(id): Path<String>) -> Response {
    finish(&v1, &id, false)
}

fn finish(v1: &V1, id: &str, approved: bool) -> Response {
    let now = v1.clock.now_ms();
    let policy = &v1.policy;
    let merchants = &v1.config.merchants;
    let Some(touched) = v1.store.with_public_order(PublicHandle::GwOrderId(id), now, policy, |order| {
        if order.state != OrderState::PendingRedirect {
            return Vec::new();
        }
        let rules = merchants
            .iter()
            .find(|m| m.user_name == order.registration.merchant)
            .map(|m| m.rules())
            .unwrap_or_default();
        order.pay(alfapay_authorization(approved), now, &rules, &policy.state_machine).unwrap_or_default()
    }) else {
        return unknown();
    };
    v1.notify(&touched.order, &touched.ticked);
    v1.notify(&touched.order, &touched.result);
    see_other(redirect_target(&touched.order))
}

fn redirect_target(order: &Order) -> String {
    let paid = order.state.was_paid();
    let url = if paid {
        &order.registration.return_url
    } else {
        order.registration.fail_url.as_ref().unwrap_or(&order.registration.return_url)
    };
    with_order_id(url, &order.registration.id)
}
