//! The reference gateway: the spec in executable form.
//!
//! Stand-in for the agreed public surface until the gateway branch lands.

use std::net::SocketAddr;

/// Gateway configuration.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Merchants.
    pub merchants: Vec<MerchantConfig>,
    /// Cards.
    pub cards: Vec<TestCard>,
    /// Clock.
    pub clock: ClockMode,
    /// Faults.
    pub faults: FaultSet,
}

impl GatewayConfig {
    /// The reference configuration.
    pub fn reference() -> Self {
        GatewayConfig { merchants: Vec::new(), cards: Vec::new(), clock: ClockMode::Real, faults: FaultSet }
    }
}

/// A merchant.
#[derive(Debug, Clone)]
pub struct MerchantConfig {
    /// Role.
    pub role: String,
    /// User name.
    pub user_name: String,
    /// Password.
    pub password: String,
    /// Callback token.
    pub callback_token: Option<String>,
    /// Token.
    pub api_token: Option<String>,
}

/// A card.
#[derive(Debug, Clone)]
pub struct TestCard {
    /// Role.
    pub role: String,
    /// PAN.
    pub pan: String,
    /// Expiry.
    pub expiry: String,
    /// CVC.
    pub cvc: String,
    /// Holder.
    pub holder: String,
}

/// Clock mode.
#[derive(Debug, Clone, Copy)]
pub enum ClockMode {
    /// Real.
    Real,
    /// Manual.
    Manual,
}

/// Faults.
#[derive(Debug, Clone, Default)]
pub struct FaultSet;

/// A running gateway.
pub struct RunningGateway {
    addr: SocketAddr,
}

impl RunningGateway {
    /// Starts it.
    pub async fn start(_config: GatewayConfig, _addr: SocketAddr) -> std::io::Result<RunningGateway> {
        Err(std::io::Error::other("the reference gateway is not built yet"))
    }
    /// Its root URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// Stops it.
    pub async fn shutdown(self) {}
}
