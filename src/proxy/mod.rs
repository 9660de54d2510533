//! `paycheck proxy`: a validating proxy between a client and any gateway. Every exchange is
//! forwarded unchanged (the bytes of both bodies, the status, the end-to-end headers); the request
//! is checked against the client contract ([`crate::gateway::strict`]) and the answer against
//! its response schema and the clauses that need no state ([`responses`]). Violations go to a
//! strict [`Session`], served at `/_paycheck/violations` (never forwarded).

pub mod forward;
pub mod responses;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::timeout::TimeoutLayer;

use crate::gateway::ConnectionLimits;
use crate::gateway::strict::Session;
use crate::suite::schema_registry::SchemaRegistry;

/// How the proxy forwards.
#[derive(Debug, Clone)]
pub struct ProxySettings {
    /// The gateway's root, `http(s)://host[:port][/prefix]`.
    pub upstream: url::Url,
    /// Most bytes of a request or an answer body (more: 413 / 502, not forwarded).
    pub max_body: usize,
    /// How long the gateway has to answer.
    pub timeout: Duration,
}

/// What the handler shares.
#[derive(Clone)]
pub struct ProxyState {
    /// Settings.
    pub settings: Arc<ProxySettings>,
    /// The session.
    pub session: Arc<Session>,
    /// The response schemas.
    pub schemas: Arc<SchemaRegistry>,
    /// The upstream client (no decompression, no redirects followed).
    pub client: reqwest::Client,
}

/// A proxy serving on a socket.
#[derive(Debug)]
pub struct RunningProxy {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
}

impl RunningProxy {
    /// Binds `addr` and forwards to the settings' upstream until [`shutdown`].
    ///
    /// [`shutdown`]: RunningProxy::shutdown
    pub async fn start(
        settings: ProxySettings,
        session: Arc<Session>,
        schemas: Arc<SchemaRegistry>,
        addr: SocketAddr,
    ) -> Result<RunningProxy, String> {
        let client = crate::tls::client_builder()?
            .no_gzip()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .build()
            .map_err(|error| format!("cannot build the HTTP client: {error}"))?;
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|error| format!("cannot listen on {addr}: {error}"))?;
        let addr = listener.local_addr().map_err(|error| error.to_string())?;
        // A whole exchange (reading the request, the upstream's answer, checks) has twice the
        // upstream's time; a client that sends slower is answered 408.
        let exchange_limit = settings.timeout.saturating_mul(2);
        let state = ProxyState { settings: Arc::new(settings), session, schemas, client };
        let app = axum::Router::new()
            .fallback(forward::handle)
            .with_state(state)
            .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, exchange_limit));
        let (stop, stopped) = watch::channel(false);
        let server =
            tokio::spawn(crate::gateway::connections::serve(listener, app, ConnectionLimits::default(), stopped));
        Ok(RunningProxy { addr, stop, server })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits for the server.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.server.await;
    }
}
