//! Building and delivering callback notifications.

use std::sync::OnceLock;
use std::time::Duration;

use crate::gateway::config::{GatewayConfig, MerchantConfig};
use crate::gateway::model::{Event, Order};
use crate::signature::checksum;

/// The query parameters of a v1 callback, in order.
pub type CallbackParams = Vec<(String, String)>;

/// One callback: `GET <url>?mdOrder=…&orderNumber=…&operation=…&status=…&amount=…[&checksum=…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The merchant's callback URL (`dynamicCallbackUrl`, else the merchant's configured one).
    pub url: String,
    /// Parameters, checksum included when signed.
    pub params: Vec<(String, String)>,
}

/// The callback sender of one gateway.
#[derive(Debug)]
pub struct Callbacks {
    attempts: u32,
    retry_delay: Duration,
    timeout: Duration,
    mutations: Vec<fn(&mut CallbackParams)>,
    client: OnceLock<Option<reqwest::Client>>,
}

impl Callbacks {
    /// A sender following `config`'s retry policy; its faults reshape every callback.
    pub fn new(config: &GatewayConfig) -> Callbacks {
        Callbacks {
            attempts: config.callback_attempts.max(1),
            retry_delay: config.callback_retry_delay,
            timeout: config.callback_timeout,
            mutations: config.faults.v1_callback_mutations(),
            client: OnceLock::new(),
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

    /// Sends `notifications` in the background, in order, each retried on failure. Needs a tokio
    /// runtime; without one nothing is sent.
    pub fn send(&self, notifications: Vec<Notification>) {
        if notifications.is_empty() {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Some(client) = self.client().cloned() else {
            return;
        };
        let (attempts, delay) = (self.attempts, self.retry_delay);
        handle.spawn(async move {
            for n in notifications {
                deliver(&client, &n, attempts, delay).await;
            }
        });
    }

    fn client(&self) -> Option<&reqwest::Client> {
        self.client.get_or_init(|| client(self.timeout)).as_ref()
    }
}

/// The HTTP client callbacks are sent with (v1 and Gate): no redirects followed, each attempt
/// bounded by `timeout`; `None` if it cannot be built (then no callback is sent).
pub fn client(timeout: Duration) -> Option<reqwest::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(timeout).redirect(reqwest::redirect::Policy::none()).build().ok()
}

async fn deliver(client: &reqwest::Client, n: &Notification, attempts: u32, first_delay: Duration) {
    let Ok(mut url) = url::Url::parse(&n.url) else {
        return;
    };
    url.query_pairs_mut().extend_pairs(n.params.iter());
    let mut delay = first_delay;
    for attempt in 1..=attempts {
        let delivered = client.get(url.clone()).send().await.is_ok_and(|r| r.status().is_success());
        if delivered || attempt == attempts {
            return;
        }
        tokio::time::sleep(delay).await;
        delay = delay.saturating_mul(2);
    }
}
