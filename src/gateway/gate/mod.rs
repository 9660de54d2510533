//! Gate v2, Alfa-Click (spec sections 5 and 6): signed sale and refund requests answered with an
//! acknowledgement, results sent to the merchant as signed callbacks, the test mode of 5.7, and
//! an emulated Alfa-Click page for the payer.
//!
//! [`model`] is the pure state of a payment; [`request`] reads and checks a request (signature
//! over the body as received); [`api`] holds the endpoints; [`callback`] builds the signed
//! documents; [`delivery`] sends them with the documented retry schedule on the gateway's clock;
//! [`emulator`] is the payer's page. `docs/gateway.md` records every choice made.

pub mod api;
pub mod callback;
pub mod delivery;
pub mod emulator;
pub mod model;
pub mod policy;
pub mod reply;
pub mod request;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::post;

use crate::gateway::clock::Clock;
use crate::gateway::instance::Gateway;

pub use delivery::{Deliveries, Delivery};
pub use store::GateStore;

/// The base of the Alfa-Click endpoints.
pub const ALFA_CLICK_PATH: &str = "/v2/payment/online-banking/alfa-click";
/// The status endpoint.
pub const STATUS_PATH: &str = "/v2/payment/status";

/// Gate v2's share of a gateway: its payments and its callback sender.
#[derive(Debug)]
pub struct Gate {
    /// The payments.
    pub store: GateStore,
    /// The callback sender.
    pub deliveries: Deliveries,
}

impl Gate {
    /// No payments yet; deliveries wait on `clock`, each attempt bounded by `timeout`.
    pub fn new(clock: Arc<Clock>, timeout: Duration) -> Gate {
        Gate { store: GateStore::new(), deliveries: Deliveries::new(clock, timeout) }
    }
}

/// The Gate v2 routes and the emulator page.
pub fn routes() -> Router<Arc<Gateway>> {
    Router::new()
        .route(&format!("{ALFA_CLICK_PATH}/sale"), post(api::sale))
        .route(&format!("{ALFA_CLICK_PATH}/refund"), post(api::refund))
        .route(STATUS_PATH, post(api::status))
        .merge(emulator::routes())
}
