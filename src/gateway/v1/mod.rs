//! The v1 API on both path families over one order store (spec sections 1–2, A2): the router
//! (`/v1/<method>.do`) and the bank gateway (`/payment/rest/<method>.do`). Either family takes
//! JSON or form bodies, decided by `Content-Type`, plus query-string parameters (SDK-1).

mod alfapay;
mod auth;
mod card_input;
mod context;
mod fields;
mod instant_payment;
mod lookup;
mod manage;
mod payment_order;
mod payment_page;
pub mod policy;
mod refund;
mod register;
mod reply;
mod request;
mod status;
mod status_bank;
mod status_legacy;
mod status_router;
mod status_view;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use serde_json::Value;

pub use context::Ctx;
pub use payment_order::with_order_id;
pub use register::REFERENCE_BANK;
pub use reply::{ApiError, Style};
pub use request::Params;

use crate::gateway::answer::{self, Mutations};
use crate::gateway::instance::Gateway;
use crate::gateway::model::Family;

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

/// The routes of every v1 method on both families, their answers reshaped by `answers`, and the
/// payment page.
pub fn routes(answers: Mutations) -> Router<Arc<Gateway>> {
    let mut api = Router::new();
    for family in [Family::Router, Family::Bank] {
        for method in Method::ALL.into_iter().filter(|m| m.served_on(family)) {
            let path = format!("{}/{}", prefix(family), method.path());
            api = api.route(&path, endpoint(family, method));
        }
    }
    let api = api.layer(axum::middleware::map_response_with_state(answers, answer::reshape));
    payment_page::routes().merge(api)
}

fn endpoint(family: Family, method: Method) -> MethodRouter<Arc<Gateway>> {
    let handler = move |State(gw): State<Arc<Gateway>>, req: Request| async move {
        handle(&gw, family, req, |ctx, p| method.call(ctx, p), method.style()).await
    };
    axum::routing::get(handler).post(handler)
}

/// Reads and decodes a request and renders the answer of `call` (HTTP 200 for every business
/// answer; 413 for a body over the limit).
pub async fn handle(
    gw: &Gateway,
    family: Family,
    req: Request,
    call: impl FnOnce(&Ctx<'_>, &Params) -> Result<Value, ApiError>,
    style: Style,
) -> Response {
    let (parts, body) = req.into_parts();
    let limit = gw.config.body_limit_bytes;
    let declared =
        parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT_BYTES) {
        return too_large(limit);
    }
    let Some(bytes) = read_body(body, limit).await else {
        return too_large(limit);
    };
    let read_query = gw.policy.query_string_read;
    let ctx = Ctx { gw, family, root: root_url(gw, &parts.headers), now: gw.clock.now_ms() };
    let result =
        Params::parse(&parts.headers, parts.uri.query(), &bytes, read_query).and_then(|params| call(&ctx, &params));
    reply::finish(result, style)
}

/// How much of an oversized body is read (and discarded) before the 413 answer.
const DRAIN_LIMIT_BYTES: usize = 16 * 1024 * 1024;

/// The body, or `None` when it is over `limit` bytes or cannot be read. An oversized body is still
/// read to its end (up to [`DRAIN_LIMIT_BYTES`]) and discarded: a server that answers and closes
/// while the client is still sending resets the connection, and the client then often sees a
/// broken pipe instead of the 413 answer (SDK-4 wants that answer).
async fn read_body(body: axum::body::Body, limit: usize) -> Option<bytes::Bytes> {
    use futures::StreamExt as _;
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.ok()?;
        seen = seen.saturating_add(chunk.len());
        if seen <= limit {
            kept.extend_from_slice(&chunk);
        } else if seen > DRAIN_LIMIT_BYTES {
            return None;
        }
    }
    (seen <= limit).then(|| bytes::Bytes::from(kept))
}

fn too_large(limit: usize) -> Response {
    let body =
        reply::error_body(&ApiError::new(5, format!("The request body is larger than {limit} bytes")), Style::Standard);
    (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(body)).into_response()
}

/// The gateway's public root: the configured one, else `http://<Host>`.
pub fn root_url(gw: &Gateway, headers: &HeaderMap) -> String {
    if let Some(url) = &gw.config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| !h.is_empty()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}
