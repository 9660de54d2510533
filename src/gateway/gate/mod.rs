//! Gate v2, Alfa-Click (spec sections 5 and 6): signed sale and refund requests answered with an
//! acknowledgement, results sent to the merchant as signed callbacks, the test mode of 5.7, and
//! an emulated Alfa-Click page for the payer.
//!
//! [`model`] is the pure state of a payment under its [`policy`]; [`store`] holds the payments;
//! [`request`] reads and checks a request (signature over the body as received); [`api`] holds the
//! endpoints; [`callback`] builds the documents and [`notifier`] signs and sends them with the
//! documented retry schedule on the gateway's clock; [`emulator`] is the payer's page;
//! [`service`] ties them together. `docs/gateway.md` records every choice made.

pub mod api;
pub mod callback;
pub mod emulator;
pub mod model;
pub mod notifier;
pub mod policy;
pub mod reply;
pub mod request;
pub mod service;
pub mod store;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::post;

pub use service::Gate;
pub use store::GateStore;

/// The base of the Alfa-Click endpoints.
pub const ALFA_CLICK_PATH: &str = "/v2/payment/online-banking/alfa-click";
/// The status endpoint.
pub const STATUS_PATH: &str = "/v2/payment/status";

/// The Gate v2 routes and the emulator page.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Gate>: FromRef<S>,
{
    Router::new()
        .route(&format!("{ALFA_CLICK_PATH}/sale"), post(api::sale))
        .route(&format!("{ALFA_CLICK_PATH}/refund"), post(api::refund))
        .route(STATUS_PATH, post(api::status))
        .merge(emulator::routes())
}
