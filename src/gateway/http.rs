//! HTTP helpers both APIs share: reading a body within a limit, and the gateway's public root.

use axum::http::{HeaderMap, header};

/// How much of an oversized body is read (and discarded) before the 413 answer.
pub const DRAIN_LIMIT_BYTES: usize = 16 * 1024 * 1024;

/// Whether the request declares a body too large to even drain.
pub fn declared_too_large(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > DRAIN_LIMIT_BYTES)
}

/// The body, or `None` when it is over `limit` bytes or cannot be read. An oversized body is still
/// read to its end (up to [`DRAIN_LIMIT_BYTES`]) and discarded: a server that answers and closes
/// while the client is still sending resets the connection, and the client then often sees a
/// broken pipe instead of the 413 answer (SDK-4 wants that answer).
pub async fn read_body(body: axum::body::Body, limit: usize) -> Option<bytes::Bytes> {
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

/// The gateway's public root: `configured` when set, else `http://<Host>` when the `Host` header
/// is a plain `host[:port]`, else `http://127.0.0.1`. Links the gateway hands out (`formUrl`,
/// redirect data) never carry anything else a client put in `Host`.
pub fn root_url(configured: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(url) = configured {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| plain_authority(h));
    format!("http://{}", host.unwrap_or("127.0.0.1"))
}

/// `host[:port]`: a DNS name, an IPv4 address or a bracketed IPv6 address, and digits after `:`.
fn plain_authority(text: &str) -> bool {
    let (host, port) = match text.rfind(':') {
        Some(i) if !text[i..].contains(']') && (text.starts_with('[') || !text[..i].contains(':')) => {
            (&text[..i], Some(&text[i + 1..]))
        }
        _ => (text, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
    } else {
        !host.is_empty()
            && host.len() <= 253
            && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            && !host.starts_with(['.', '-'])
    };
    port_ok && host_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn root(host: &str) -> String {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(host).expect("a header value"));
        root_url(None, &headers)
    }

    #[test]
    fn a_plain_host_makes_the_root() {
        assert_eq!(root("127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(root("gateway.example"), "http://gateway.example");
        assert_eq!(root("[::1]:9000"), "http://[::1]:9000");
    }

    #[test]
    fn anything_else_in_host_is_not_copied_into_links() {
        for hostile in ["evil.example/x?", "a@evil.example", "evil.example:80#", "x y", "evil.example:99999999", ""] {
            assert_eq!(root(hostile), "http://127.0.0.1", "{hostile}");
        }
    }

    #[test]
    fn the_configured_root_wins() {
        assert_eq!(root_url(Some("https://pay.example/"), &HeaderMap::new()), "https://pay.example");
    }
}
