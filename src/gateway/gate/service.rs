//! The Gate v2 service: everything the Gate endpoints and the Alfa-Click emulator share
//! (configuration, clock, payments, rules, callback notifier), and its time-driven sweep.

use std::sync::Arc;

use super::model::{Notice, Payment};
use super::notifier::Notifier;
use super::policy::Policy;
use super::store::GateStore;
use crate::gateway::clock::Clock;
use crate::gateway::config::{GatewayConfig, ProjectConfig};

/// Gate v2's state.
#[derive(Debug)]
pub struct Gate {
    /// The gateway's configuration.
    pub config: Arc<GatewayConfig>,
    /// The gateway's clock.
    pub clock: Arc<Clock>,
    /// The payments.
    pub store: GateStore,
    /// The callback sender.
    pub notifier: Notifier,
    /// The rules (the spec's, bent by the faults switched on).
    pub policy: Policy,
}

impl Gate {
    /// The service with no payments.
    pub fn new(config: Arc<GatewayConfig>, clock: Arc<Clock>) -> Gate {
        let policy = config.faults.gate_policy();
        let notifier = Notifier::new(
            Arc::clone(&clock),
            config.callback_timeout,
            policy.callback_signature,
            config.faults.gate_callback_mutations(),
        );
        Gate { store: GateStore::new(config.orders), notifier, policy, clock, config }
    }

    /// The project with this `project_id`.
    pub fn project(&self, project_id: u64) -> Option<&ProjectConfig> {
        self.config.projects.iter().find(|p| p.project_id == project_id)
    }

    /// Sends the callbacks `notices` of `payment` call for (in the background, after the
    /// payment's earlier ones); `root` is needed for the redirect data of a sale's first callback.
    pub fn notify(&self, payment: &Payment, notices: &[Notice], root: Option<&str>) {
        if let Some(project) = self.project(payment.project_id) {
            self.notifier.send(project, payment, notices, root);
        }
    }

    /// Applies what time made due to every payment and notifies the merchants.
    pub fn sweep(&self) {
        let now = self.clock.now_ms();
        for (payment, notice) in self.store.sweep(now, &self.policy) {
            self.notify(&payment, &[notice], None);
        }
    }
}
