//! The callbacks received and not yet taken by a step. A callback may arrive before the step
//! that awaits it starts (the gateway is fast), so every callback waits here until a step whose
//! `match` it meets takes it, oldest first; those no step took are reported after the run.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

use super::received::ReceivedCallback;
use crate::suite::case::CallbackKey;

/// Callbacks waiting to be taken.
#[derive(Debug, Default)]
pub struct Inbox {
    waiting: Mutex<Vec<Arc<ReceivedCallback>>>,
    arrived: Notify,
}

impl Inbox {
    /// An empty inbox.
    pub fn new() -> Inbox {
        Inbox::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Arc<ReceivedCallback>>> {
        self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps a callback until a step takes it, and wakes the steps waiting.
    pub fn deliver(&self, callback: ReceivedCallback) {
        self.lock().push(Arc::new(callback));
        self.arrived.notify_waiters();
    }

    fn take_now(&self, wanted: &[(CallbackKey, String)]) -> Option<Arc<ReceivedCallback>> {
        let mut waiting = self.lock();
        let position = waiting.iter().position(|callback| callback.matches(wanted))?;
        Some(waiting.remove(position))
    }

    /// Takes the oldest callback carrying every `wanted` id, waiting up to `timeout` for one.
    /// On timeout, gives the callbacks still waiting (none of which matched).
    pub async fn take(
        &self,
        wanted: &[(CallbackKey, String)],
        timeout: Duration,
    ) -> Result<Arc<ReceivedCallback>, Vec<Arc<ReceivedCallback>>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(callback) = self.take_now(wanted) {
                return Ok(callback);
            }
            tokio::select! {
                _ = arrived => {}
                _ = tokio::time::sleep_until(deadline) => {
                    return self.take_now(wanted).ok_or_else(|| self.lock().clone());
                }
            }
        }
    }

    /// Keeps only the callbacks `keep` accepts (the explorer drops those of finished sequences).
    pub fn retain(&self, keep: impl Fn(&ReceivedCallback) -> bool) {
        self.lock().retain(|callback| keep(callback));
    }

    /// Empties the inbox: the callbacks no step took.
    pub fn drain(&self) -> Vec<Arc<ReceivedCallback>> {
        std::mem::take(&mut *self.lock())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;
    use bytes::Bytes;

    fn gate(payment_id: &str) -> ReceivedCallback {
        let body = serde_json::json!({"payment": {"id": payment_id}}).to_string();
        ReceivedCallback::parse("POST", "/callbacks", HeaderMap::new(), Bytes::from(body))
    }

    fn wanted(id: &str) -> Vec<(CallbackKey, String)> {
        vec![(CallbackKey::PaymentId, id.to_string())]
    }

    #[tokio::test]
    async fn a_callback_that_came_early_waits_for_its_step() {
        let inbox = Inbox::new();
        inbox.deliver(gate("a"));
        inbox.deliver(gate("b"));
        let taken = inbox.take(&wanted("b"), Duration::from_millis(10)).await.expect("b is there");
        assert_eq!(taken.id(CallbackKey::PaymentId).as_deref(), Some("b"));
        assert_eq!(inbox.drain().len(), 1, "a is still unclaimed");
    }

    #[tokio::test]
    async fn a_step_waits_for_a_late_callback_and_gives_up_at_its_timeout() {
        let inbox = Arc::new(Inbox::new());
        let waiter = tokio::spawn({
            let inbox = Arc::clone(&inbox);
            async move { inbox.take(&wanted("late"), Duration::from_secs(5)).await.is_ok() }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        inbox.deliver(gate("other"));
        inbox.deliver(gate("late"));
        assert!(waiter.await.unwrap_or(false));
        let unclaimed = inbox.take(&wanted("never"), Duration::from_millis(20)).await.expect_err("times out");
        assert_eq!(unclaimed.len(), 1, "the one that did not match is listed");
    }

    #[tokio::test]
    async fn callbacks_of_one_payment_are_taken_in_arrival_order() {
        let inbox = Inbox::new();
        for status in ["first", "second"] {
            let body = serde_json::json!({"payment": {"id": "p", "status": status}}).to_string();
            inbox.deliver(ReceivedCallback::parse("POST", "/", HeaderMap::new(), Bytes::from(body)));
        }
        for expected in ["first", "second"] {
            let taken = inbox.take(&wanted("p"), Duration::from_millis(10)).await.expect("there");
            assert_eq!(taken.json()["payment"]["status"], expected);
        }
    }
}
