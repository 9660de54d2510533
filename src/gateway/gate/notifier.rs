//! Gate v2 callbacks (spec 5.5): the signed document `POST`ed to the callback URL; the merchant
//! must answer `200 OK`, otherwise the callback is resent on the documented schedule. The
//! callbacks of one payment go out in order (the redirect data before the result, a refund's
//! callback after the sale's), and the waits follow the gateway's clock.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::callback;
use super::model::{Notice, Payment};
use super::policy::CallbackSignature;
use crate::gateway::clock::Clock;
use crate::gateway::config::ProjectConfig;
use crate::gateway::courier::{Courier, Parcel, Schedule, WaitRule};

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

/// The Gate v2 callback sender.
#[derive(Debug)]
pub struct Notifier {
    signature: CallbackSignature,
    mutations: Vec<fn(&mut Value)>,
    courier: Courier,
}

impl Notifier {
    /// A sender whose waits follow `clock`; `timeout` bounds each attempt; callbacks are reshaped
    /// by `mutations` (response-shape faults), then signed the way `signature` says.
    pub fn new(
        clock: Arc<Clock>,
        timeout: Duration,
        signature: CallbackSignature,
        mutations: Vec<fn(&mut Value)>,
    ) -> Notifier {
        let schedule =
            Schedule { wait: WaitRule::Listed(resend_wait), give_up_after: Some(GIVE_UP_AFTER), only_200: true };
        Notifier { signature, mutations, courier: Courier::new(clock, timeout, schedule) }
    }

    /// The signed callback `notice` of `payment` calls for. `root` is the gateway's public root,
    /// needed for the redirect data of a sale's first callback.
    pub fn document(&self, payment: &Payment, notice: Notice, root: Option<&str>, key: &str) -> Value {
        let mut body = callback::callback(payment, notice, root);
        for mutate in &self.mutations {
            mutate(&mut body);
        }
        callback::sign(&mut body, key, self.signature);
        body
    }

    /// Sends the callbacks `notices` of `payment` call for, in the background, after the payment's
    /// earlier ones. Each goes to the URL its request named, else the project's.
    pub fn send(&self, project: &ProjectConfig, payment: &Payment, notices: &[Notice], root: Option<&str>) {
        let parcels: Vec<Parcel> = notices
            .iter()
            .filter_map(|notice| {
                let operation = payment.operations.get(notice.operation)?;
                let url = operation.callback_url.clone().or_else(|| project.callback_url.clone())?;
                Some(Parcel::PostJson { url, body: self.document(payment, *notice, root, &project.secret_key) })
            })
            .collect();
        self.courier.send(&format!("{}:{}", payment.project_id, payment.id), parcels);
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
