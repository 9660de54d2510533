//! The HTTP side of a step: one shared client, sending a request, reading the whole response
//! without ever panicking, and telling an unreachable target from a misbehaving one.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;

/// Builds the run's one client: a shared connection pool, no redirects followed (a redirect is
/// something a case checks), a per-request timeout.
pub fn client(timeout: Duration, pool_size: usize) -> Result<reqwest::Client, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .pool_max_idle_per_host(pool_size.max(1))
        .user_agent(concat!("paycheck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| format!("cannot build the HTTP client: {error}"))
}

/// A response, read in full.
#[derive(Debug)]
pub struct Received {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// Why no usable response came back.
#[derive(Debug)]
pub enum TransportError {
    /// Nothing listens there, or the host does not resolve: the target is unreachable.
    Unreachable(String),
    /// The target accepted the request but answered nothing usable in time.
    Timeout(Duration),
    /// The connection broke: closed before a response, or the body was cut short.
    Broken {
        /// What happened.
        message: String,
        /// The status, if the headers had arrived.
        status: Option<u16>,
        /// The bytes that did arrive.
        partial_body: Bytes,
    },
}

impl TransportError {
    /// A one-line description for reports.
    pub fn describe(&self) -> String {
        match self {
            TransportError::Unreachable(message) => format!("target unreachable: {message}"),
            TransportError::Timeout(timeout) => {
                format!("no response within {}", crate::text::format_duration(*timeout))
            }
            TransportError::Broken { message, partial_body, .. } if partial_body.is_empty() => {
                format!("no complete response: {message}")
            }
            TransportError::Broken { message, partial_body, .. } => {
                format!("response cut short after {} bytes: {message}", partial_body.len())
            }
        }
    }
}

/// Sends a request and reads the whole body.
pub async fn send(request: reqwest::RequestBuilder, timeout: Duration) -> Result<Received, TransportError> {
    let response =
        request.timeout(timeout).send().await.map_err(|error| classify(&error, timeout, None, Bytes::new()))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut response = response;
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(error) => return Err(classify(&error, timeout, Some(status), Bytes::from(body))),
        }
    }
    Ok(Received { status, headers, body: Bytes::from(body) })
}

fn classify(error: &reqwest::Error, timeout: Duration, status: Option<u16>, partial_body: Bytes) -> TransportError {
    if error.is_timeout() {
        return TransportError::Timeout(timeout);
    }
    if error.is_connect() {
        return TransportError::Unreachable(error_chain(error));
    }
    TransportError::Broken { message: error_chain(error), status, partial_body }
}

/// The error and its causes, joined: reqwest's own message alone is often just "error sending request".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Checks that something listens at a URL's host and port (used before a run: an unreachable
/// target is an infrastructure error, reported before any case runs).
pub async fn probe_reachable(url: &str, timeout: Duration) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|error| format!("invalid URL {url}: {error}"))?;
    let host = parsed.host_str().ok_or_else(|| format!("no host in {url}"))?.to_string();
    let port = parsed.port_or_known_default().ok_or_else(|| format!("no port for {url}"))?;
    let address = format!("{}:{port}", host.trim_start_matches('[').trim_end_matches(']'));
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(&address)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(format!("cannot connect to {address}: {error}")),
        Err(_) => Err(format!("cannot connect to {address}: no answer within {}s", timeout.as_secs())),
    }
}
