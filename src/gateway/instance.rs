//! One running gateway's shared state: configuration, clock, orders and callback sender.

use std::sync::Arc;

use super::callbacks::Callbacks;
use super::clock::Clock;
use super::config::{GatewayConfig, MerchantConfig};
use super::faults::FaultSet;
use super::model::{Event, Order};
use super::store::Store;

/// The state every request handler shares.
#[derive(Debug)]
pub struct Gateway {
    /// The configuration it was started with.
    pub config: GatewayConfig,
    /// Its clock.
    pub clock: Clock,
    /// Its orders.
    pub store: Store,
    /// Its callback sender.
    pub callbacks: Callbacks,
}

impl Gateway {
    /// A gateway with no orders.
    pub fn new(config: GatewayConfig) -> Arc<Gateway> {
        Arc::new(Gateway {
            clock: Clock::new(config.clock),
            store: Store::new(),
            callbacks: Callbacks::new(&config),
            config,
        })
    }

    /// The faults switched on.
    pub fn faults(&self) -> &FaultSet {
        &self.config.faults
    }

    /// The merchant whose `userName` this is.
    pub fn merchant(&self, user_name: &str) -> Option<&MerchantConfig> {
        self.config.merchants.iter().find(|m| m.user_name == user_name)
    }

    /// Sends the callbacks `events` of `order` call for (in the background).
    pub fn notify(&self, order: &Order, events: &[Event]) {
        if events.is_empty() {
            return;
        }
        if let Some(merchant) = self.merchant(&order.merchant) {
            let notifications = self.callbacks.notifications(merchant, order, events);
            self.callbacks.send(notifications);
        }
    }

    /// Applies what time made due to every order and notifies the merchants.
    pub fn sweep(&self) {
        let now = self.clock.now_ms();
        for (order, events) in self.store.sweep(now, self.faults()) {
            self.notify(&order, &events);
        }
    }
}
