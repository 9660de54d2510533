//! The v1 service: everything the v1 endpoints, the payment page and the Alfa Pay emulator share
//! (configuration, clock, orders, rules, callback notifier), and its time-driven sweep.

use std::sync::Arc;

use super::model::{Event, Order};
use super::notifier::Notifier;
use super::policy::Policy;
use super::store::Store;
use crate::gateway::answer::Mutations;
use crate::gateway::clock::Clock;
use crate::gateway::config::{GatewayConfig, MerchantConfig};

/// The v1 API's state.
#[derive(Debug)]
pub struct V1 {
    /// The gateway's configuration.
    pub config: Arc<GatewayConfig>,
    /// The gateway's clock.
    pub clock: Arc<Clock>,
    /// The orders.
    pub store: Store,
    /// The callback sender.
    pub notifier: Notifier,
    /// The rules (the spec's, bent by the faults switched on).
    pub policy: Policy,
    /// The reshaping of answers after the handlers (response-shape faults).
    pub answers: Mutations,
}

impl V1 {
    /// The service with no orders.
    pub fn new(config: Arc<GatewayConfig>, clock: Arc<Clock>) -> V1 {
        V1 {
            notifier: Notifier::new(&config, Arc::clone(&clock)),
            store: Store::new(config.orders),
            policy: config.faults.v1_policy(),
            answers: config.faults.v1_answer_mutations().into(),
            clock,
            config,
        }
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
        if let Some(merchant) = self.merchant(&order.registration.merchant) {
            self.notifier.send(merchant, order, events);
        }
    }

    /// Applies what time made due to every order and notifies the merchants.
    pub fn sweep(&self) {
        let now = self.clock.now_ms();
        for (order, events) in self.store.sweep(now, &self.policy) {
            self.notify(&order, &events);
        }
    }
}
