//! Serving the gateway: the router of every endpoint, and a running instance on a socket.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::timeout::TimeoutLayer;

use super::clock::{Clock, ClockMode};
use super::config::GatewayConfig;
use super::gate::Gate;
use super::strict::{self, Session, StrictLayer};
use super::v1::V1;
use super::{admin, capabilities, connections, gate, v1};

/// A gateway's services: one per API, over one clock. Handlers take their part through
/// [`FromRef`].
#[derive(Debug, Clone, FromRef)]
pub struct Services {
    /// The v1 API.
    pub v1: Arc<V1>,
    /// Gate v2.
    pub gate: Arc<Gate>,
    /// The clock they share.
    pub clock: Arc<Clock>,
}

impl Services {
    /// Fresh services for `config`.
    pub fn new(config: GatewayConfig) -> Services {
        let config = Arc::new(config);
        let clock = Arc::new(Clock::new(config.clock));
        Services {
            v1: Arc::new(V1::new(Arc::clone(&config), Arc::clone(&clock))),
            gate: Arc::new(Gate::new(config, Arc::clone(&clock))),
            clock,
        }
    }

    /// Applies what time made due, in both APIs.
    pub fn sweep(&self) {
        self.v1.sweep();
        self.gate.sweep();
    }
}

/// The gateway's routes over a fresh order store. Time effects apply lazily, on the next request
/// that touches an order (and at each clock advance); [`RunningGateway`] also sweeps every second.
pub fn router(config: GatewayConfig) -> Router {
    app(Services::new(config), None)
}

/// The routes behind the strict layer of `session` (`paycheck serve --strict`).
pub fn strict_router(config: GatewayConfig, session: Arc<Session>) -> Router {
    let body_limit = config.body_limit_bytes;
    app(Services::new(config), Some(StrictLayer { session, body_limit }))
}

fn app(services: Services, strict: Option<StrictLayer>) -> Router {
    let mut routes = v1::routes(services.v1.answers.clone()).merge(gate::routes()).merge(capabilities::routes());
    if services.clock.mode() == ClockMode::Manual {
        routes = routes.merge(admin::routes());
    }
    let routes = routes.fallback(not_found).with_state(services);
    let routes = match strict {
        Some(layer) => routes.layer(axum::middleware::from_fn_with_state(layer, strict::layer::strict)),
        None => routes,
    };
    routes.layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
}

async fn not_found(uri: Uri) -> impl IntoResponse {
    (StatusCode::NOT_FOUND, format!("no such endpoint: {}\n", uri.path()))
}

/// A gateway serving on a socket, on the current tokio runtime.
#[derive(Debug)]
pub struct RunningGateway {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
    sweeper: JoinHandle<()>,
}

impl RunningGateway {
    /// Binds `addr` (port 0: an ephemeral port) and serves `config` until [`shutdown`].
    ///
    /// [`shutdown`]: RunningGateway::shutdown
    pub async fn start(config: GatewayConfig, addr: SocketAddr) -> std::io::Result<RunningGateway> {
        RunningGateway::start_with(config, addr, None).await
    }

    /// Like [`start`], with every request checked against the client contract and recorded in
    /// `session` (`paycheck serve --strict`).
    ///
    /// [`start`]: RunningGateway::start
    pub async fn start_strict(
        config: GatewayConfig,
        addr: SocketAddr,
        session: Arc<Session>,
    ) -> std::io::Result<RunningGateway> {
        RunningGateway::start_with(config, addr, Some(session)).await
    }

    async fn start_with(
        config: GatewayConfig,
        addr: SocketAddr,
        session: Option<Arc<Session>>,
    ) -> std::io::Result<RunningGateway> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let limits = config.connections;
        let strict = session.map(|session| StrictLayer { session, body_limit: config.body_limit_bytes });
        let services = Services::new(config);
        let (stop, mut stopped) = watch::channel(false);
        let server_stop = stop.subscribe();
        let app = app(services.clone(), strict);
        let server = tokio::spawn(connections::serve(listener, app, limits, server_stop));
        let sweeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    _ = tick.tick() => services.sweep(),
                    _ = stopped.wait_for(|s| *s) => break,
                }
            }
        });
        Ok(RunningGateway { addr, stop, server, sweeper })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The gateway's root, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets requests in flight finish, and waits for the server.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.sweeper.await;
        let _ = self.server.await;
    }
}
