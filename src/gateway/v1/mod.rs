//! The v1 API on both path families over one order store (spec sections 1–2, A2): the router
//! (`/v1/<method>.do`) and the bank gateway (`/payment/rest/<method>.do`). Either family takes
//! JSON or form bodies, decided by `Content-Type`, plus query-string parameters (SDK-1).
//!
//! [`model`] is the pure order state machine under its [`policy`]; [`store`] holds the orders;
//! [`notifier`] sends the callbacks; [`cards`] is the emulated issuer; [`emulator`] is the Alfa
//! Pay payer page; [`service`] ties them together; the other modules are the endpoints.

mod alfapay;
mod auth;
mod card_input;
pub mod cards;
mod context;
pub mod emulator;
mod fields;
mod instant_payment;
mod lookup;
mod manage;
pub mod model;
pub mod notifier;
mod payment_order;
mod payment_page;
pub mod policy;
mod refund;
mod register;
mod reply;
mod request;
pub mod service;
mod status;
mod status_bank;
mod status_legacy;
mod status_router;
mod status_view;
pub mod store;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use serde_json::Value;

pub use context::Ctx;
pub use payment_order::with_order_id;
pub use register::REFERENCE_BANK;
pub use reply::{ApiError, Style};
pub use request::Params;
pub use service::V1;
pub use status_bank::bank_status;
pub use status_router::router_status;

use crate::gateway::answer::{self, Mutations};
use crate::gateway::http;
use model::Family;

/// A v1 method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `register.do`.
    Register,
    /// `registerPreAuth.do`.
    RegisterPreAuth,
    /// `instantPayment.do`.
    InstantPayment,
    /// `paymentorder.do`.
    PaymentOrder,
    /// `getOrderStatusExtended.do`.
    StatusExtended,
    /// `deposit.do`.
    Deposit,
    /// `reverse.do`.
    Reverse,
    /// `decline.do`.
    Decline,
    /// `refund.do`.
    Refund,
    /// `getOrderStatus.do` (legacy, capitalised keys).
    StatusLegacy,
    /// `alfapay/paymentOrder.do` (router only, wallet envelope).
    AlfaPay,
}

impl Method {
    const ALL: [Method; 11] = [
        Method::Register,
        Method::RegisterPreAuth,
        Method::InstantPayment,
        Method::PaymentOrder,
        Method::StatusExtended,
        Method::Deposit,
        Method::Reverse,
        Method::Decline,
        Method::Refund,
        Method::StatusLegacy,
        Method::AlfaPay,
    ];

    /// The path after the family prefix.
    pub fn path(self) -> &'static str {
        match self {
            Method::Register => "register.do",
            Method::RegisterPreAuth => "registerPreAuth.do",
            Method::InstantPayment => "instantPayment.do",
            Method::PaymentOrder => "paymentorder.do",
            Method::StatusExtended => "getOrderStatusExtended.do",
            Method::Deposit => "deposit.do",
            Method::Reverse => "reverse.do",
            Method::Decline => "decline.do",
            Method::Refund => "refund.do",
            Method::StatusLegacy => "getOrderStatus.do",
            Method::AlfaPay => "alfapay/paymentOrder.do",
        }
    }

    /// Whether the method is served on `family` (Alfa Pay is the router's only).
    pub fn served_on(self, family: Family) -> bool {
        self != Method::AlfaPay || family == Family::Router
    }

    fn style(self) -> Style {
        match self {
            Method::StatusLegacy => Style::Legacy,
            Method::AlfaPay => Style::Wallet,
            _ => Style::Standard,
        }
    }

    fn call(self, ctx: &Ctx<'_>, p: &Params) -> Result<Value, ApiError> {
        match self {
            Method::Register => register::register(ctx, p, false),
            Method::RegisterPreAuth => register::register(ctx, p, true),
            Method::InstantPayment => instant_payment::instant_payment(ctx, p),
            Method::PaymentOrder => payment_order::payment_order(ctx, p),
            Method::StatusExtended => status::status_extended(ctx, p),
            Method::Deposit => manage::deposit(ctx, p),
            Method::Reverse => manage::reverse(ctx, p),
            Method::Decline => manage::decline(ctx, p),
            Method::Refund => refund::refund(ctx, p),
            Method::StatusLegacy => status_legacy::status_legacy(ctx, p),
            Method::AlfaPay => alfapay::alfapay_payment_order(ctx, p),
        }
    }
}

/// The path prefix of a family.
pub fn prefix(family: Family) -> &'static str {
    match family {
        Family::Router => "/v1",
        Family::Bank => "/payment/rest",
    }
}

/// The routes of every v1 method on both families, their answers reshaped by `answers`, the
/// payment page and the Alfa Pay emulator.
pub fn routes<S>(answers: Mutations) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<V1>: FromRef<S>,
{
    let mut api = Router::new();
    for family in [Family::Router, Family::Bank] {
        for method in Method::ALL.into_iter().filter(|m| m.served_on(family)) {
            let path = format!("{}/{}", prefix(family), method.path());
            api = api.route(&path, endpoint(family, method));
        }
    }
    // Without a response-shape fault the layer would pass every answer through: it is left out.
    let api = if answers.is_empty() {
        api
    } else {
        api.layer(axum::middleware::map_response_with_state(answers, answer::reshape))
    };
    payment_page::routes().merge(emulator::routes()).merge(api)
}

fn endpoint<S>(family: Family, method: Method) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<V1>: FromRef<S>,
{
    let handler = move |State(v1): State<Arc<V1>>, req: Request| async move {
        handle(&v1, family, req, |ctx, p| method.call(ctx, p), method.style()).await
    };
    axum::routing::get(handler).post(handler)
}

/// Reads and decodes a request and renders the answer of `call` (HTTP 200 for every business
/// answer; 413 for a body over the limit).
pub async fn handle(
    v1: &V1,
    family: Family,
    req: Request,
    call: impl FnOnce(&Ctx<'_>, &Params) -> Result<Value, ApiError>,
    style: Style,
) -> Response {
    let (parts, body) = req.into_parts();
    let limit = v1.config.body_limit_bytes;
    if http::declared_too_large(&parts.headers) {
        return too_large(limit);
    }
    let Some(bytes) = http::read_body(body, limit).await else {
        return too_large(limit);
    };
    let read_query = v1.policy.query_string_read;
    let ctx = Ctx { v1, family, headers: &parts.headers, now: v1.clock.now_ms() };
    let result =
        Params::parse(&parts.headers, parts.uri.query(), &bytes, read_query).and_then(|params| call(&ctx, &params));
    reply::finish(result, style)
}

fn too_large(limit: usize) -> Response {
    let body =
        reply::error_body(&ApiError::new(5, format!("The request body is larger than {limit} bytes")), Style::Standard);
    (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(body)).into_response()
}
