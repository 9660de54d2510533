//! Small helpers of the payer-facing pages (payment page, Alfa Pay emulator).

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// `s` with the HTML metacharacters escaped.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An HTML page titled `title` with `body`.
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    (status, Html(format!("<!doctype html><title>{title}</title>\n{body}\n"))).into_response()
}

/// `303 See Other` to `target`.
pub fn see_other(target: String) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response()
}
