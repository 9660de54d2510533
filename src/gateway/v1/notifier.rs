//! Callbacks to the merchant (spec 2.11): sent on approve, deposit, reverse, refund and decline,
//! signed when the merchant has a callback token, retried a bounded number of times, in order per
//! order, and never on the path of the API response.

use std::sync::Arc;

use super::model::{Event, Order};
use crate::gateway::clock::Clock;
use crate::gateway::config::{GatewayConfig, MerchantConfig};
use crate::gateway::courier::{Courier, Parcel, Schedule, WaitRule};
use crate::signature::checksum;

/// The query parameters of a v1 callback, in order.
pub type CallbackParams = Vec<(String, String)>;

/// One callback: `GET <url>?mdOrder=…&orderNumber=…&operation=…&status=…&amount=…[&checksum=…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The merchant's callback URL (`dynamicCallbackUrl`, else the merchant's configured one).
    pub url: String,
    /// Parameters, checksum included when signed.
    pub params: CallbackParams,
}

/// The v1 callback sender.
#[derive(Debug)]
pub struct Notifier {
    mutations: Vec<fn(&mut CallbackParams)>,
    courier: Courier,
}

impl Notifier {
    /// A sender following `config`'s retry policy; its faults reshape every callback.
    pub fn new(config: &GatewayConfig, clock: Arc<Clock>) -> Notifier {
        let schedule = Schedule {
            wait: WaitRule::Doubling { attempts: config.callback_attempts, first: config.callback_retry_delay },
            give_up_after: None,
            only_200: false,
        };
        Notifier {
            mutations: config.faults.v1_callback_mutations(),
            courier: Courier::new(clock, config.callback_timeout, schedule),
        }
    }

    /// The notifications `events` of `order` call for; none if the order has no callback URL.
    pub fn notifications(&self, merchant: &MerchantConfig, order: &Order, events: &[Event]) -> Vec<Notification> {
        let Some(url) = order.registration.callback_url.clone().or_else(|| merchant.callback_url.clone()) else {
            return Vec::new();
        };
        events
            .iter()
            .map(|event| {
                let mut params = vec![
                    ("mdOrder".to_string(), order.registration.id.clone()),
                    ("orderNumber".to_string(), order.registration.order_number.clone()),
                    ("operation".to_string(), event.kind.operation().to_string()),
                    ("status".to_string(), if event.success { "1" } else { "0" }.to_string()),
                    ("amount".to_string(), event.amount.to_string()),
                ];
                if let Some(key) = &merchant.callback_token {
                    let sum = checksum(&params, key);
                    params.push(("checksum".to_string(), sum));
                }
                for mutate in &self.mutations {
                    mutate(&mut params);
                }
                Notification { url: url.clone(), params }
            })
            .collect()
    }

    /// Sends the callbacks `events` of `order` call for, in the background, after the order's
    /// earlier ones.
    pub fn send(&self, merchant: &MerchantConfig, order: &Order, events: &[Event]) {
        let parcels = self
            .notifications(merchant, order, events)
            .into_iter()
            .map(|n| Parcel::Get { url: n.url, params: n.params })
            .collect();
        self.courier.send(&order.registration.id, parcels);
    }
}
