//! One running gateway's shared state: configuration, clock, orders and callback sender.

use std::sync::Arc;

use super::answer::Mutations;
use super::callbacks::Callbacks;
use super::clock::Clock;
use super::config::{GatewayConfig, MerchantConfig, ProjectConfig};
use super::gate::{self, Gate, model as gate_model};
use super::model::{Event, Order};
use super::store::Store;
use super::{gate::policy::Policy as GatePolicy, v1::policy::Policy as V1Policy};

/// The state every request handler shares.
#[derive(Debug)]
pub struct Gateway {
    /// The configuration it was started with.
    pub config: GatewayConfig,
    /// Its clock (shared with the Gate callback sender, whose waits follow it).
    pub clock: Arc<Clock>,
    /// Its orders.
    pub store: Store,
    /// Its callback sender.
    pub callbacks: Callbacks,
    /// Gate v2: payments and callbacks.
    pub gate: Gate,
    /// The v1 API's rules (the spec's, bent by the faults switched on).
    pub policy: V1Policy,
    /// Gate v2's rules.
    pub gate_policy: GatePolicy,
    /// The reshaping of v1 answers (response-shape faults).
    pub v1_answers: Mutations,
    /// The reshaping of Gate v2 callback documents, before they are signed.
    pub gate_callbacks: Vec<fn(&mut serde_json::Value)>,
}

impl Gateway {
    /// A gateway with no orders.
    pub fn new(config: GatewayConfig) -> Arc<Gateway> {
        let clock = Arc::new(Clock::new(config.clock));
        Arc::new(Gateway {
            gate: Gate::new(Arc::clone(&clock), config.callback_timeout),
            clock,
            store: Store::new(),
            callbacks: Callbacks::new(&config),
            policy: config.faults.v1_policy(),
            gate_policy: config.faults.gate_policy(),
            v1_answers: config.faults.v1_answer_mutations().into(),
            gate_callbacks: config.faults.gate_callback_mutations(),
            config,
        })
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
            let notifications = self.callbacks.notifications(merchant, order, events);
            self.callbacks.send(notifications);
        }
    }

    /// The Gate v2 project with this `project_id`.
    pub fn project(&self, project_id: u64) -> Option<&ProjectConfig> {
        self.config.projects.iter().find(|p| p.project_id == project_id)
    }

    /// Sends the Gate v2 callbacks `notices` of `payment` call for (in the background, after
    /// the payment's earlier ones). Each goes to the URL its request named, else the project's;
    /// `root` is needed for the redirect data of a sale's first callback.
    pub fn gate_notify(&self, payment: &gate_model::Payment, notices: &[gate_model::Notice], root: Option<&str>) {
        let Some(project) = self.project(payment.project_id) else { return };
        let deliveries: Vec<gate::Delivery> = notices
            .iter()
            .filter_map(|notice| {
                let operation = payment.operations.get(notice.operation)?;
                let url = operation.callback_url.clone().or_else(|| project.callback_url.clone())?;
                let mut body = gate::callback::callback(payment, *notice, root);
                for mutate in &self.gate_callbacks {
                    mutate(&mut body);
                }
                gate::callback::sign(&mut body, &project.secret_key, self.gate_policy.callback_signature);
                Some(gate::Delivery { url, body })
            })
            .collect();
        let key = format!("{}:{}", payment.project_id, payment.id);
        self.gate.deliveries.send(&key, deliveries);
    }

    /// Applies what time made due to every order and payment and notifies the merchants.
    pub fn sweep(&self) {
        let now = self.clock.now_ms();
        for (order, events) in self.store.sweep(now, &self.policy) {
            self.notify(&order, &events);
        }
        for (payment, notice) in self.gate.store.sweep(now, &self.gate_policy) {
            self.gate_notify(&payment, &[notice], None);
        }
    }
}
