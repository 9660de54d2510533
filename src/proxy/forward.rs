//! One exchange through the proxy: read the request (bounded), check it, forward it byte for
//! byte, read the answer (bounded), check it, and give it back byte for byte.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{ProxyState, responses};
use crate::gateway::strict::layer::{decoded_body, endpoint, gunzip, read_prefix};
use crate::gateway::strict::{Exchange, Incoming, STEP_HEADER};

/// Headers of one hop only (RFC 9110 7.6.1), never forwarded; `host` is the upstream's.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

fn end_to_end(headers: &HeaderMap) -> impl Iterator<Item = (&HeaderName, &axum::http::HeaderValue)> {
    headers.iter().filter(|(name, _)| !HOP_BY_HOP.contains(&name.as_str()) && name.as_str() != "content-length")
}

/// The handler of every path.
pub async fn handle(State(proxy): State<ProxyState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if parts.uri.path().starts_with("/_paycheck/") {
        return endpoint(&proxy.session, &parts.method, parts.uri.path()).unwrap_or_else(|| {
            (StatusCode::NOT_FOUND, "paycheck proxy: /_paycheck/ is never forwarded\n").into_response()
        });
    }
    let limit = proxy.settings.max_body;
    let (read, rest) = read_prefix(body, limit).await;
    let (Some(sent), None) = (read, rest) else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("paycheck proxy: request body over {limit} bytes, not forwarded\n"),
        )
            .into_response();
    };
    let decoded = decoded_body(&parts.headers, &sent, limit);
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let exchange = Exchange {
        method: parts.method.as_str(),
        incoming: Incoming { path: parts.uri.path(), query: parts.uri.query(), content_type, body: &decoded },
        step: parts.headers.get(STEP_HEADER).and_then(|v| v.to_str().ok()),
    };
    let authorization: Vec<String> =
        parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(String::from).into_iter().collect();
    let masker = proxy.session.masker_for(&exchange.incoming, &authorization);
    let verdict = proxy.session.check_request(&exchange, &masker);

    let mut url = proxy.settings.upstream.clone();
    let base = url.path().trim_end_matches('/').to_string();
    url.set_path(&format!("{base}{}", parts.uri.path()));
    url.set_query(parts.uri.query());
    let mut upstream = proxy.client.request(parts.method.clone(), url);
    for (name, value) in end_to_end(&parts.headers) {
        upstream = upstream.header(name, value);
    }
    let answer = match upstream.body(sent.clone()).send().await {
        Ok(answer) => answer,
        Err(error) => {
            let message = masker.mask(&format!("paycheck proxy: the upstream did not answer: {error}\n"));
            proxy.session.log(exchange.method, exchange.incoming.path, 502, verdict.as_ref(), &[]);
            return (StatusCode::BAD_GATEWAY, message).into_response();
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let Some(received) = read_answer(answer, limit).await else {
        proxy.session.log(exchange.method, exchange.incoming.path, 502, verdict.as_ref(), &[]);
        return (StatusCode::BAD_GATEWAY, format!("paycheck proxy: the answer is over {limit} bytes or broken\n"))
            .into_response();
    };
    let mut broken = Vec::new();
    {
        let gzip = headers
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
        let plain = if gzip { gunzip(&received, limit) } else { Some(received.to_vec()) };
        if let Some(plain) = plain
            && let Some(found) =
                responses::check(&proxy.schemas, exchange.incoming.path, status.as_u16(), &plain, &masker)
        {
            proxy.session.check_response(&exchange, &masker, &found.checked, &found.broken);
            broken = found.broken;
        }
    }
    proxy.session.log(exchange.method, exchange.incoming.path, status.as_u16(), verdict.as_ref(), &broken);
    let mut response = Response::new(Body::from(received));
    *response.status_mut() = status;
    for (name, value) in end_to_end(&headers) {
        response.headers_mut().append(name, value.clone());
    }
    response
}

async fn read_answer(mut answer: reqwest::Response, limit: usize) -> Option<Bytes> {
    let mut kept = Vec::new();
    while let Some(chunk) = answer.chunk().await.ok()? {
        if kept.len() + chunk.len() > limit {
            return None;
        }
        kept.extend_from_slice(&chunk);
    }
    Some(Bytes::from(kept))
}
