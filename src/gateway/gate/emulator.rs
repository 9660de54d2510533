//! The Alfa-Click emulator: the bank page the redirect data points at, where the payer presses
//! Success or Decline (spec 5.7: "click Success or Decline on the emulator page"), so the Gate
//! flow completes without a browser.
//!
//! - `GET  /alfa-click-emulator/checkout/payments/?orderId=<token>`: the page, with two buttons;
//! - `POST` to the same URL with `button=success` or `button=decline` (a form, or JSON
//!   `{"button": …}`): settles the sale and shows its result (`409` when the sale no longer
//!   waits for the payer, `404` for an unknown page).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRef, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde_json::Value;

use super::callback::EMULATOR_PATH;
use super::model::{PayerChoice, PaymentStatus};
use super::service::Gate;
use crate::gateway::html::{escape, page};

/// The emulator's routes.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Gate>: FromRef<S>,
{
    Router::new().route(EMULATOR_PATH, get(show).post(press))
}

fn token(query: &HashMap<String, String>) -> Option<&str> {
    query.get("orderId").map(String::as_str).filter(|token| !token.is_empty())
}

fn unknown() -> Response {
    page(StatusCode::NOT_FOUND, "Alfa-Click", "<p>Unknown Alfa-Click payment.</p>")
}

async fn show(State(gate): State<Arc<Gate>>, Query(query): Query<HashMap<String, String>>) -> Response {
    let Some(token) = token(&query) else { return unknown() };
    let now = gate.clock.now_ms();
    let Some(touched) = gate.store.with_token(token, now, &gate.policy, |_| ()) else { return unknown() };
    gate.notify(&touched.payment, touched.ticked.as_slice(), None);
    let payment = &touched.payment;
    let body = if payment.status == PaymentStatus::AwaitingRedirectResult {
        let action = format!("{EMULATOR_PATH}?orderId={}", escape(token));
        format!(
            "<h1>Alfa-Click (emulator)</h1>\n\
             <p>Payment {id}: {amount} {currency} (minor units), account {account}</p>\n\
             <form method=\"post\" action=\"{action}\"><button name=\"button\" value=\"success\">Success</button></form>\n\
             <form method=\"post\" action=\"{action}\"><button name=\"button\" value=\"decline\">Decline</button></form>\n",
            id = escape(&payment.id),
            amount = payment.amount,
            currency = escape(&payment.currency),
            account = escape(&payment.account),
        )
    } else {
        format!("<p>This payment no longer awaits the payer (status {}).</p>", payment.status.as_str())
    };
    page(StatusCode::OK, "Alfa-Click", &body)
}

fn button(headers: &HeaderMap, body: &[u8]) -> Option<PayerChoice> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("json"));
    let pressed = if is_json {
        serde_json::from_slice::<Value>(body).ok()?.get("button")?.as_str()?.to_string()
    } else {
        form_urlencoded::parse(body).find(|(name, _)| name == "button").map(|(_, value)| value.into_owned())?
    };
    match pressed.to_ascii_lowercase().as_str() {
        "success" => Some(PayerChoice::Success),
        "decline" => Some(PayerChoice::Decline),
        _ => None,
    }
}

async fn press(
    State(gate): State<Arc<Gate>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = token(&query) else { return unknown() };
    let Some(choice) = button(&headers, &body) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Alfa-Click",
            "<p>Press a button: send button=success or button=decline.</p>",
        );
    };
    let now = gate.clock.now_ms();
    let policy = &gate.policy;
    let Some(touched) =
        gate.store.with_token(token, now, policy, |payment| payment.payer_choice(choice, now, &policy.payments))
    else {
        return unknown();
    };
    gate.notify(&touched.payment, touched.ticked.as_slice(), None);
    let status = touched.payment.status.as_str();
    match touched.result {
        Some(notice) => {
            gate.notify(&touched.payment, &[notice], None);
            page(StatusCode::OK, "Alfa-Click", &format!("<p>Payment {status}.</p>"))
        }
        None => page(
            StatusCode::CONFLICT,
            "Alfa-Click",
            &format!("<p>This payment no longer awaits the payer (status {status}).</p>"),
        ),
    }
}
