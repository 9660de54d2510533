//! The strict layer in front of the gateway's handlers (`paycheck serve --strict`): it reads the
//! request (within the gateway's body limit), checks it, lets the handler answer as it would, and
//! adds [`VIOLATIONS_HEADER`]. It also serves `/_paycheck/violations`.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;

use super::contract::Incoming;
use super::session::{Exchange, STEP_HEADER, Session, VIOLATIONS_HEADER};

/// The path of the violations endpoint.
pub const VIOLATIONS_PATH: &str = "/_paycheck/violations";

/// The layer's state: the session and the most body it reads to check.
#[derive(Debug, Clone)]
pub struct StrictLayer {
    /// The session.
    pub session: Arc<Session>,
    /// Bodies larger than this are passed on unchecked (the handler then refuses them).
    pub body_limit: usize,
}

/// `GET` (the list) and `DELETE` (clear) on [`VIOLATIONS_PATH`]; `None` for any other request.
pub fn endpoint(session: &Session, method: &Method, path: &str) -> Option<Response> {
    if path != VIOLATIONS_PATH {
        return None;
    }
    Some(match *method {
        Method::GET => axum::Json(session.violations_json()).into_response(),
        Method::DELETE => {
            session.clear();
            StatusCode::NO_CONTENT.into_response()
        }
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    })
}

/// The middleware (for `axum::middleware::from_fn_with_state`).
pub async fn strict(State(layer): State<StrictLayer>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    if let Some(answer) = endpoint(&layer.session, &parts.method, parts.uri.path()) {
        return answer;
    }
    let (read, rest) = read_prefix(body, layer.body_limit).await;
    let (Some(bytes), None) = (&read, &rest) else {
        let body = rebuild(read.unwrap_or_default(), rest);
        let response = next.run(Request::from_parts(parts.clone(), body)).await;
        layer.session.log(parts.method.as_str(), parts.uri.path(), response.status().as_u16(), None, &[]);
        return response;
    };
    let bytes = bytes.clone();
    let decoded = decoded_body(&parts.headers, &bytes, layer.body_limit);
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let step = parts.headers.get(STEP_HEADER).and_then(|v| v.to_str().ok());
    let exchange = Exchange {
        method: parts.method.as_str(),
        incoming: Incoming { path: parts.uri.path(), query: parts.uri.query(), content_type, body: &decoded },
        step,
    };
    let masker = layer.session.masker_for(&exchange.incoming, &[]);
    let verdict = layer.session.check_request(&exchange, &masker);
    let mut response = next.run(Request::from_parts(parts.clone(), Body::from(bytes))).await;
    if let Some(value) = verdict.as_ref().and_then(|v| v.header()).and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert(VIOLATIONS_HEADER, value);
    }
    layer.session.log(parts.method.as_str(), parts.uri.path(), response.status().as_u16(), verdict.as_ref(), &[]);
    response
}

/// Reads up to `limit` bytes: the bytes and `None` when the body ended within it; else what was
/// read and the rest of the stream, so the body can be passed on whole.
pub async fn read_prefix(body: Body, limit: usize) -> (Option<Bytes>, Option<axum::body::BodyDataStream>) {
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { return (None, None) };
        kept.extend_from_slice(&chunk);
        if kept.len() > limit {
            return (Some(Bytes::from(kept)), Some(stream));
        }
    }
    (Some(Bytes::from(kept)), None)
}

fn rebuild(read: Bytes, rest: Option<axum::body::BodyDataStream>) -> Body {
    match rest {
        None => Body::from(read),
        Some(rest) => {
            Body::from_stream(futures::stream::once(async move { Ok::<Bytes, axum::Error>(read) }).chain(rest))
        }
    }
}

/// The body as the contract reads it: gunzipped when `Content-Encoding: gzip` (at most `limit`
/// bytes decompressed), else as sent.
pub fn decoded_body(headers: &HeaderMap, bytes: &[u8], limit: usize) -> Vec<u8> {
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    if !gzip {
        return bytes.to_vec();
    }
    gunzip(bytes, limit).unwrap_or_else(|| bytes.to_vec())
}

/// Decompresses gzip data, refusing more than `limit` bytes out.
pub fn gunzip(bytes: &[u8], limit: usize) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let mut out = Vec::new();
    let decoder = flate2::read::GzDecoder::new(bytes);
    let read = decoder.take(u64::try_from(limit).ok()?.saturating_add(1)).read_to_end(&mut out).ok()?;
    (read <= limit).then_some(out)
}
