//! The clock admin endpoints, present only on a manual clock (see `docs/gateway.md`):
//! `GET /_paycheck/clock` and `POST /_paycheck/clock/advance` with `{"seconds": N}`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::clock::{AdvanceError, Clock, EpochMillis};
use super::server::Services;

/// The admin routes.
pub fn routes() -> Router<Services> {
    Router::new().route("/_paycheck/clock", get(read)).route("/_paycheck/clock/advance", post(advance))
}

async fn read(State(clock): State<Arc<Clock>>) -> Response {
    axum::Json(time_body(clock.now_ms())).into_response()
}

async fn advance(State(services): State<Services>, body: Bytes) -> Response {
    let seconds = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v.get("seconds").and_then(Value::as_u64));
    let Some(seconds) = seconds else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "expected a JSON body {\"seconds\": <non-negative integer>}"})),
        )
            .into_response();
    };
    match services.clock.advance(seconds) {
        Ok(now) => {
            services.sweep();
            axum::Json(time_body(now)).into_response()
        }
        Err(AdvanceError::RealClock) => StatusCode::NOT_FOUND.into_response(),
        Err(refused) => (StatusCode::BAD_REQUEST, axum::Json(json!({"error": refused.to_string()}))).into_response(),
    }
}

fn time_body(now: EpochMillis) -> Value {
    let rfc3339 = jiff::Timestamp::from_millisecond(now).map(|t| t.to_string()).unwrap_or_default();
    json!({"now": rfc3339, "nowMs": now})
}
