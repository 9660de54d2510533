//! `GET /_paycheck/capabilities`: the optional behaviours of spec 8.2 the reference gateway
//! offers (every one), so that a runner pointed at `paycheck serve` checks them all.

use axum::Router;
use axum::routing::get;
use serde_json::json;

/// What the reference gateway declares: every capability, and the status version it serves.
pub const DECLARED: &[&str] = &[
    "callbacks",
    "token-auth",
    "partial-reversal",
    "over-capture",
    "three-ds",
    "alfa-pay",
    "child-merchants",
    "status-version-46",
];

/// The route, for any state.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/_paycheck/capabilities", get(|| async { axum::Json(json!({ "capabilities": DECLARED })) }))
}
