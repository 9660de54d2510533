//! Serving the gateway: the router of every endpoint, and a running instance on a socket.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::timeout::TimeoutLayer;

use super::clock::ClockMode;
use super::config::GatewayConfig;
use super::instance::Gateway;
use super::{admin, alfapay_emulator, capabilities, gate, v1};

/// The gateway's routes over a fresh order store. Time effects apply lazily, on the next request
/// that touches an order (and at each clock advance); [`RunningGateway`] also sweeps every second.
pub fn router(config: GatewayConfig) -> Router {
    app(Gateway::new(config))
}

fn app(gw: Arc<Gateway>) -> Router {
    let mut routes = v1::routes().merge(alfapay_emulator::routes()).merge(gate::routes()).merge(capabilities::routes());
    if gw.clock.mode() == ClockMode::Manual {
        routes = routes.merge(admin::routes());
    }
    routes
        .fallback(not_found)
        .with_state(gw)
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
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
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let gw = Gateway::new(config);
        let (stop, mut stopped) = watch::channel(false);
        let mut server_stop = stop.subscribe();
        let app = app(gw.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = server_stop.wait_for(|s| *s).await;
                })
                .await;
        });
        let sweeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    _ = tick.tick() => gw.sweep(),
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
