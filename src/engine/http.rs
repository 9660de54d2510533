//! The HTTP side of a step: one shared client, sending a request, reading the response up to a
//! size limit without ever panicking, and telling an unreachable target from a misbehaving one.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;

use crate::secret::Masker;

/// The largest response body read when `--max-response-size` is not given.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// How many bytes of an oversized body its error quotes.
const QUOTED_BYTES: usize = 512;

/// Builds the run's one client: a shared connection pool, no redirects followed (a redirect is
/// something a case checks), a per-request timeout.
pub fn client(timeout: Duration, pool_size: usize) -> Result<reqwest::Client, String> {
    crate::tls::client_builder()?
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
    /// The body (decompressed).
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
    /// The body, decompressed, grew past the size limit; reading stopped there.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
        /// The status.
        status: u16,
        /// The headers.
        headers: HeaderMap,
        /// The body's first `limit` bytes.
        partial_body: Bytes,
    },
}

impl TransportError {
    /// A one-line description for reports, secrets masked (a body is masked before it is cut,
    /// so a secret at the cut cannot show half of itself).
    pub fn describe(&self, masker: &Masker) -> String {
        let text = match self {
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
            TransportError::TooLarge { limit, partial_body, .. } => {
                let quoted = masker.mask_prefix(&String::from_utf8_lossy(partial_body), QUOTED_BYTES);
                return format!(
                    "the response body exceeded {} (the limit set by --max-response-size); the first {} bytes: {quoted:?}",
                    format_size(*limit),
                    quoted.len()
                );
            }
        };
        masker.mask(&text)
    }

    /// The status, headers and body that did arrive, when the headers had.
    pub fn partial_response(&self) -> Option<(u16, HeaderMap, &Bytes)> {
        match self {
            TransportError::Broken { status: Some(status), partial_body, .. } => {
                Some((*status, HeaderMap::new(), partial_body))
            }
            TransportError::TooLarge { status, headers, partial_body, .. } => {
                Some((*status, headers.clone(), partial_body))
            }
            _ => None,
        }
    }
}

/// Sends a request and reads its body, decompressed, as a stream: reading stops as soon as the
/// body passes `max_body` bytes, so neither a huge, an endless nor a compressed-bomb answer can
/// fill the memory.
pub async fn send(
    request: reqwest::RequestBuilder,
    timeout: Duration,
    max_body: usize,
) -> Result<Received, TransportError> {
    let mut response =
        request.timeout(timeout).send().await.map_err(|error| classify(&error, timeout, None, Bytes::new()))?;
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    let announced = response.content_length().and_then(|length| usize::try_from(length).ok()).unwrap_or(0);
    let mut body = Vec::with_capacity(announced.min(max_body));
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max_body {
                    body.extend_from_slice(&chunk[..max_body - body.len()]);
                    return Err(TransportError::TooLarge {
                        limit: max_body,
                        status,
                        headers,
                        partial_body: Bytes::from(body),
                    });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(error) => return Err(classify(&error, timeout, Some(status), Bytes::from(body))),
        }
    }
    Ok(Received { status, headers, body: Bytes::from(body) })
}

/// A byte count as people write it: `8 MiB`, `512 KiB`, `1000 bytes`.
pub fn format_size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    match bytes {
        0 => "0 bytes".into(),
        _ if bytes.is_multiple_of(MIB) => format!("{} MiB", bytes / MIB),
        _ if bytes.is_multiple_of(KIB) => format!("{} KiB", bytes / KIB),
        1 => "1 byte".into(),
        _ => format!("{bytes} bytes"),
    }
}

/// Reads a size such as `8MiB`, `512 KiB`, `2MB` or `1000` (bytes); more than zero.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let number: usize = text[..digits].parse().map_err(|_| format!("`{text}` is not a size such as 8MiB"))?;
    let multiplier: usize = match text[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "kib" | "k" => 1024,
        "mb" => 1000 * 1000,
        "mib" | "m" => 1024 * 1024,
        "gb" => 1000 * 1000 * 1000,
        "gib" | "g" => 1024 * 1024 * 1024,
        unit => return Err(format!("unknown size unit `{unit}` (use B, KiB, MiB, GiB, KB, MB or GB)")),
    };
    match number.checked_mul(multiplier) {
        Some(0) => Err("the size must be more than zero".into()),
        Some(bytes) => Ok(bytes),
        None => Err(format!("`{text}` is too large")),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_read_with_their_units_and_written_back() {
        assert_eq!(parse_size("8MiB"), Ok(8 * 1024 * 1024));
        assert_eq!(parse_size("512 KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("2MB"), Ok(2_000_000));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("8 parsecs").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
        assert_eq!(format_size(8 * 1024 * 1024), "8 MiB");
        assert_eq!(format_size(512 * 1024), "512 KiB");
        assert_eq!(format_size(1000), "1000 bytes");
    }

    #[test]
    fn an_oversized_body_is_described_masked_before_it_is_cut() {
        let secret = "s3cr3t-p4ssw0rd";
        let mut body = "a".repeat(QUOTED_BYTES - 5);
        body.push_str(secret);
        let error = TransportError::TooLarge {
            limit: 1024,
            status: 200,
            headers: HeaderMap::new(),
            partial_body: Bytes::from(body),
        };
        let text = error.describe(&Masker::new([secret.to_string()]));
        assert!(text.starts_with("the response body exceeded 1 KiB"), "{text}");
        assert!(!text.contains("s3cr"), "{text}");
    }
}
