//! A callback sink, so that a suite can check the callbacks a gateway sends (spec 2.11) with plain
//! requests: an order registered with `dynamicCallbackUrl` = `{root}/_paycheck/callback-sink/<inbox>`
//! has its notifications recorded there, and the case reads them back.
//!
//! - `GET|POST {root}/_paycheck/callback-sink/<inbox>` records the request (its method, its
//!   parameters: the query string, plus a form body's fields) and answers `200 {"received": n}`;
//! - `GET {root}/_paycheck/callback-sink/<inbox>/received` answers `200 {"callbacks": [{"method",
//!   "params": {name: value}}, ...]}` in arrival order (an inbox nothing was sent to is empty).
//!
//! Like the manual clock, this is a testing aid that a vendor's mock can offer too. Inboxes are
//! named by the caller (a UUID per case keeps cases apart); each keeps its first
//! [`MAX_PER_INBOX`] callbacks, and the oldest inbox is forgotten beyond [`MAX_INBOXES`].

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Map, Value, json};

/// Callbacks kept per inbox.
pub const MAX_PER_INBOX: usize = 200;
/// Inboxes kept.
pub const MAX_INBOXES: usize = 10_000;

#[derive(Debug, Default)]
struct Inboxes {
    callbacks: HashMap<String, Vec<Value>>,
    created: VecDeque<String>,
}

/// The sink's routes, with a fresh set of inboxes (one per gateway instance).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let inboxes: Arc<Mutex<Inboxes>> = Arc::default();
    Router::new()
        .route("/_paycheck/callback-sink/{inbox}", any(record))
        .route("/_paycheck/callback-sink/{inbox}/received", get(list))
        .with_state(inboxes)
}

async fn record(
    State(inboxes): State<Arc<Mutex<Inboxes>>>,
    Path(inbox): Path<String>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params = Map::new();
    let mut add = |bytes: &[u8]| {
        for (name, value) in form_urlencoded::parse(bytes) {
            params.insert(name.into_owned(), Value::String(value.into_owned()));
        }
    };
    add(query.unwrap_or_default().as_bytes());
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if form {
        add(&body);
    }
    let callback = json!({ "method": method.as_str(), "params": params });
    let mut inboxes = inboxes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !inboxes.callbacks.contains_key(&inbox) {
        if inboxes.created.len() >= MAX_INBOXES
            && let Some(oldest) = inboxes.created.pop_front()
        {
            inboxes.callbacks.remove(&oldest);
        }
        inboxes.created.push_back(inbox.clone());
    }
    let kept = inboxes.callbacks.entry(inbox).or_default();
    if kept.len() < MAX_PER_INBOX {
        kept.push(callback);
    }
    axum::Json(json!({ "received": kept.len() })).into_response()
}

async fn list(State(inboxes): State<Arc<Mutex<Inboxes>>>, Path(inbox): Path<String>) -> Response {
    let inboxes = inboxes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let callbacks = inboxes.callbacks.get(&inbox).cloned().unwrap_or_default();
    axum::Json(json!({ "callbacks": callbacks })).into_response()
}
