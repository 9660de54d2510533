//! The callback listener: while a run needs it, paycheck is the merchant's callback endpoint.
//!
//! It listens on loopback on an ephemeral port by default (`--callback-listen ADDR` for another
//! address, `--callback-url URL` for the public address a remote gateway must use to reach it);
//! cases read its address as `{{ callback.url }}`. Every request to it, on any path, with any
//! method, is a callback: it is answered `200 OK` at once, as the spec requires of a merchant
//! (Gate 5.5; v1 2.11), so the gateway does not resend it, and kept in the [`Inbox`] until an
//! `await_callback` step whose `match` it meets takes it, verifies its signature and checks it.
//! Callbacks no step took are reported when the run ends.

mod inbox;
mod received;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use inbox::Inbox;
pub use received::{Payload, ReceivedCallback};

/// The largest callback body kept; a larger one is refused with 413.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// The path of `callback.url` on the runner's own listener.
pub const CALLBACK_PATH: &str = "/callbacks";

/// Where the listener listens and how gateways reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackSettings {
    /// The address to bind (port 0: an ephemeral port).
    pub listen: SocketAddr,
    /// The URL cases give gateways (`callback.url`); `None`: the listener's own address.
    pub public_url: Option<String>,
}

impl Default for CallbackSettings {
    fn default() -> Self {
        CallbackSettings { listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), public_url: None }
    }
}

/// A running listener.
#[derive(Debug)]
pub struct CallbackListener {
    url: String,
    addr: SocketAddr,
    inbox: Arc<Inbox>,
    stop: watch::Sender<bool>,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl CallbackListener {
    /// Binds the address and starts serving on the current tokio runtime.
    pub async fn start(settings: &CallbackSettings) -> Result<CallbackListener, String> {
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .map_err(|error| format!("cannot listen for callbacks on {}: {error}", settings.listen))?;
        let addr = listener.local_addr().map_err(|error| format!("cannot listen for callbacks: {error}"))?;
        let url = match &settings.public_url {
            Some(url) => url.clone(),
            None => {
                let host = if addr.ip().is_unspecified() { IpAddr::V4(Ipv4Addr::LOCALHOST) } else { addr.ip() };
                format!("http://{}{CALLBACK_PATH}", SocketAddr::new(host, addr.port()))
            }
        };
        let inbox = Arc::new(Inbox::new());
        let app = axum::Router::new().fallback(receive).with_state(Arc::clone(&inbox));
        let (stop, mut stopped) = watch::channel(false);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await;
        });
        Ok(CallbackListener { url, addr, inbox, stop, server: Mutex::new(Some(server)) })
    }

    /// The URL cases give gateways (`callback.url`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The callbacks received and not yet taken.
    pub fn inbox(&self) -> &Inbox {
        &self.inbox
    }

    /// Stops listening and waits for the server to finish.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let server = self.server.lock().ok().and_then(|mut server| server.take());
        if let Some(server) = server {
            let _ = server.await;
        }
    }
}

async fn receive(State(inbox): State<Arc<Inbox>>, request: Request) -> (StatusCode, &'static str) {
    let (parts, body) = request.into_parts();
    let Ok(body): Result<Bytes, _> = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "callback body too large\n");
    };
    let target = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_string(), |pq| pq.as_str().to_string());
    inbox.deliver(ReceivedCallback::parse(parts.method.as_str(), &target, parts.headers, body));
    (StatusCode::OK, "OK")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::case::CallbackKey;
    use std::time::Duration;

    #[tokio::test]
    async fn every_request_is_a_callback_answered_200_and_kept() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = CallbackListener::start(&CallbackSettings::default()).await.expect("binds loopback");
        assert!(listener.url().starts_with("http://127.0.0.1:") && listener.url().ends_with(CALLBACK_PATH));
        let client = reqwest::Client::new();
        let answer = client
            .post(listener.url())
            .json(&serde_json::json!({"payment": {"id": "p-1"}}))
            .send()
            .await
            .expect("the listener answers");
        assert_eq!(answer.status().as_u16(), 200);
        let v1 = client.get(format!("{}?mdOrder=o-1", listener.url())).send().await.expect("answers");
        assert_eq!(v1.status().as_u16(), 200);
        let wanted = [(CallbackKey::PaymentId, "p-1".to_string())];
        assert!(listener.inbox().take(&wanted, Duration::from_secs(1)).await.is_ok());
        let wanted = [(CallbackKey::OrderId, "o-1".to_string())];
        assert!(listener.inbox().take(&wanted, Duration::from_secs(1)).await.is_ok());
        listener.shutdown().await;
    }

    #[tokio::test]
    async fn a_public_url_is_what_cases_see() {
        let settings = CallbackSettings { public_url: Some("https://runner.example/cb".into()), ..Default::default() };
        let listener = CallbackListener::start(&settings).await.expect("binds");
        assert_eq!(listener.url(), "https://runner.example/cb");
        listener.shutdown().await;
    }
}
