//! Delivering Gate v2 callbacks (spec 5.5): `POST` of the JSON document to the callback URL; the
//! merchant must answer `200 OK`, otherwise the callback is resent on the documented schedule.
//!
//! The callbacks of one payment are delivered in order, one at a time (the redirect data before
//! the result, a refund's callback after the sale's), each on its own background task so an
//! API answer never waits for a delivery. The waits between attempts follow the gateway's clock:
//! on a manual clock, advancing it makes every due resend go out at once.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;

use crate::gateway::clock::Clock;

/// Resends at a fixed 10 s interval before the growing intervals start.
pub const FIXED_RESENDS: u32 = 6;
/// At most this many attempts, the first included.
pub const MAX_ATTEMPTS: u32 = 120;
/// The longest interval between two attempts: 4 hours.
pub const MAX_INTERVAL: Duration = Duration::from_secs(4 * 3600);
/// No attempt later than this after the first one: 11 days.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(11 * 24 * 3600);

/// The wait before resend number `n` (1 for the first resend) of spec 5.5: 10 s for the first
/// six, then `70 + 10·1.12^(n−4)` s, at most 4 h; `None` when the attempts are used up.
pub fn resend_wait(n: u32) -> Option<Duration> {
    if n == 0 || n >= MAX_ATTEMPTS {
        return None;
    }
    if n <= FIXED_RESENDS {
        return Some(Duration::from_secs(10));
    }
    let seconds = 70.0 + 10.0 * 1.12_f64.powi(i32::try_from(n).unwrap_or(i32::MAX) - 4);
    Some(Duration::from_secs_f64(seconds).min(MAX_INTERVAL))
}

/// One callback to deliver.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Where to: `general.merchant_callback_url`, else the project's callback URL.
    pub url: String,
    /// The signed document.
    pub body: Value,
}

#[derive(Debug, Default)]
struct Queues {
    /// Callbacks waiting, per payment; a payment is present while its worker runs.
    pending: HashMap<String, VecDeque<Delivery>>,
}

/// The callback sender of one gateway.
#[derive(Debug)]
pub struct Deliveries {
    clock: Arc<Clock>,
    timeout: Duration,
    client: OnceLock<Option<reqwest::Client>>,
    queues: Arc<Mutex<Queues>>,
}

impl Deliveries {
    /// A sender whose waits follow `clock`; `timeout` bounds each attempt.
    pub fn new(clock: Arc<Clock>, timeout: Duration) -> Deliveries {
        Deliveries { clock, timeout, client: OnceLock::new(), queues: Arc::default() }
    }

    /// Queues `deliveries` of the payment `payment_key` behind its earlier ones. Needs a tokio
    /// runtime; without one nothing is sent.
    pub fn send(&self, payment_key: &str, deliveries: Vec<Delivery>) {
        if deliveries.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Some(client) = self.client().cloned() else {
            return;
        };
        let start_worker = {
            let mut queues = lock(&self.queues);
            let idle = !queues.pending.contains_key(payment_key);
            queues.pending.entry(payment_key.to_string()).or_default().extend(deliveries);
            idle
        };
        if start_worker {
            let (queues, clock, key) = (Arc::clone(&self.queues), Arc::clone(&self.clock), payment_key.to_string());
            runtime.spawn(async move {
                while let Some(next) = next_delivery(&queues, &key) {
                    deliver(&client, &clock, &next).await;
                }
            });
        }
    }

    fn client(&self) -> Option<&reqwest::Client> {
        self.client.get_or_init(|| crate::gateway::callbacks::client(self.timeout)).as_ref()
    }
}

fn lock(queues: &Mutex<Queues>) -> std::sync::MutexGuard<'_, Queues> {
    queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The payment's next callback; when there is none its worker ends (under the same lock that
/// [`Deliveries::send`] checks, so no callback is ever left behind).
fn next_delivery(queues: &Mutex<Queues>, key: &str) -> Option<Delivery> {
    let mut queues = lock(queues);
    let next = queues.pending.get_mut(key).and_then(VecDeque::pop_front);
    if next.is_none() {
        queues.pending.remove(key);
    }
    next
}

async fn deliver(client: &reqwest::Client, clock: &Clock, delivery: &Delivery) {
    let first = clock.now_ms();
    let mut resends = 0;
    loop {
        let answered = client.post(&delivery.url).json(&delivery.body).send().await;
        if answered.is_ok_and(|response| response.status() == reqwest::StatusCode::OK) {
            return;
        }
        resends += 1;
        let Some(wait) = resend_wait(resends) else { return };
        let due = clock.now_ms().saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
        if due.saturating_sub(first) > i64::try_from(GIVE_UP_AFTER.as_millis()).unwrap_or(i64::MAX) {
            return;
        }
        clock.sleep_until(due).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_resends_every_ten_seconds_then_growing_up_to_four_hours() {
        for n in 1..=6 {
            assert_eq!(resend_wait(n), Some(Duration::from_secs(10)), "resend {n}");
        }
        let seventh = resend_wait(7).expect("a 7th resend");
        assert!((84.0..84.1).contains(&seventh.as_secs_f64()), "{seventh:?}");
        let mut previous = seventh;
        for n in 8..MAX_ATTEMPTS {
            let wait = resend_wait(n).expect("within 120 attempts");
            assert!(wait >= previous && wait <= MAX_INTERVAL, "resend {n}: {wait:?}");
            previous = wait;
        }
        assert_eq!(previous, MAX_INTERVAL);
        assert_eq!(resend_wait(MAX_ATTEMPTS), None, "120 attempts in all");
    }

    #[test]
    fn all_attempts_fit_in_eleven_days() {
        let total: Duration = (1..MAX_ATTEMPTS).filter_map(resend_wait).sum();
        assert!(total <= GIVE_UP_AFTER, "{} h", total.as_secs() / 3600);
    }
}
