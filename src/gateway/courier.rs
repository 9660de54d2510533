//! Delivering callbacks in the background, for both APIs: the callbacks of one subject (a v1
//! order, a Gate payment) go out in order, one at a time, each on its own task so an API answer
//! never waits for a delivery, each retried on its API's schedule. The waits between attempts
//! follow the gateway's clock: on a manual clock, advancing it makes every due resend go out at
//! once.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use serde_json::Value;

use crate::gateway::clock::Clock;

/// One callback request.
#[derive(Debug, Clone, PartialEq)]
pub enum Parcel {
    /// `GET <url>?<params>` (v1, spec 2.11).
    Get {
        /// The callback URL.
        url: String,
        /// The query parameters, appended to the URL's own.
        params: Vec<(String, String)>,
    },
    /// `POST <url>` with a JSON document (Gate v2, spec 5.5).
    PostJson {
        /// The callback URL.
        url: String,
        /// The document.
        body: Value,
    },
}

/// When a failed delivery is tried again, and what counts as delivered.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// The wait before resend number `n` (1 for the first); `None`: give up.
    pub wait: WaitRule,
    /// No attempt later than this after the first one.
    pub give_up_after: Option<Duration>,
    /// Only `200 OK` counts (Gate); otherwise any 2xx does (v1).
    pub only_200: bool,
}

/// The waits between attempts.
#[derive(Debug, Clone, Copy)]
pub enum WaitRule {
    /// `attempts` in all, the first included; the first wait `first`, each next one doubled.
    Doubling {
        /// Attempts in all.
        attempts: u32,
        /// The first wait.
        first: Duration,
    },
    /// The wait before resend `n`, as a function.
    Listed(fn(u32) -> Option<Duration>),
}

impl WaitRule {
    fn before_resend(self, n: u32) -> Option<Duration> {
        match self {
            WaitRule::Doubling { attempts, first } => {
                (n < attempts.max(1)).then(|| first.saturating_mul(2u32.saturating_pow(n.saturating_sub(1))))
            }
            WaitRule::Listed(wait) => wait(n),
        }
    }
}

/// The HTTP client callbacks are sent with: no redirects followed, each attempt bounded by
/// `timeout`; `None` if it cannot be built (then no callback is sent).
pub fn client(timeout: Duration) -> Option<reqwest::Client> {
    crate::tls::client_builder().ok()?.timeout(timeout).redirect(reqwest::redirect::Policy::none()).build().ok()
}

/// The callback sender of one API.
#[derive(Debug)]
pub struct Courier {
    clock: Arc<Clock>,
    timeout: Duration,
    schedule: Schedule,
    client: OnceLock<Option<reqwest::Client>>,
    queues: Arc<Mutex<HashMap<String, VecDeque<Parcel>>>>,
}

impl Courier {
    /// A sender whose waits follow `clock`; `timeout` bounds each attempt.
    pub fn new(clock: Arc<Clock>, timeout: Duration, schedule: Schedule) -> Courier {
        Courier { clock, timeout, schedule, client: OnceLock::new(), queues: Arc::default() }
    }

    /// Queues `parcels` about `subject` behind its earlier ones. Needs a tokio runtime; without
    /// one nothing is sent.
    pub fn send(&self, subject: &str, parcels: Vec<Parcel>) {
        if parcels.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Some(client) = self.client.get_or_init(|| client(self.timeout)).clone() else {
            return;
        };
        let start_worker = {
            let mut queues = lock(&self.queues);
            let idle = !queues.contains_key(subject);
            queues.entry(subject.to_string()).or_default().extend(parcels);
            idle
        };
        if start_worker {
            let (queues, clock, subject) = (Arc::clone(&self.queues), Arc::clone(&self.clock), subject.to_string());
            let schedule = self.schedule;
            runtime.spawn(async move {
                while let Some(next) = next_parcel(&queues, &subject) {
                    deliver(&client, &clock, schedule, &next).await;
                }
            });
        }
    }
}

type Queues = Mutex<HashMap<String, VecDeque<Parcel>>>;

fn lock(queues: &Queues) -> MutexGuard<'_, HashMap<String, VecDeque<Parcel>>> {
    queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The subject's next parcel; when there is none its worker ends (under the same lock that
/// [`Courier::send`] checks, so no parcel is ever left behind).
fn next_parcel(queues: &Queues, subject: &str) -> Option<Parcel> {
    let mut queues = lock(queues);
    let next = queues.get_mut(subject).and_then(VecDeque::pop_front);
    if next.is_none() {
        queues.remove(subject);
    }
    next
}

async fn attempt(client: &reqwest::Client, parcel: &Parcel, only_200: bool) -> bool {
    let request = match parcel {
        Parcel::Get { url, params } => {
            let Ok(mut url) = url::Url::parse(url) else { return true };
            url.query_pairs_mut().extend_pairs(params.iter());
            client.get(url)
        }
        Parcel::PostJson { url, body } => client.post(url).json(body),
    };
    match request.send().await {
        Ok(response) if only_200 => response.status() == reqwest::StatusCode::OK,
        Ok(response) => response.status().is_success(),
        Err(_) => false,
    }
}

async fn deliver(client: &reqwest::Client, clock: &Clock, schedule: Schedule, parcel: &Parcel) {
    let first = clock.now_ms();
    let mut resends = 0;
    loop {
        if attempt(client, parcel, schedule.only_200).await {
            return;
        }
        resends += 1;
        let Some(wait) = schedule.wait.before_resend(resends) else { return };
        let due = clock.now_ms().saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
        if let Some(limit) = schedule.give_up_after
            && due.saturating_sub(first) > i64::try_from(limit.as_millis()).unwrap_or(i64::MAX)
        {
            return;
        }
        clock.sleep_until(due).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubling_waits_stop_after_the_attempts() {
        let rule = WaitRule::Doubling { attempts: 4, first: Duration::from_millis(200) };
        let waits: Vec<_> = (1..=4).map(|n| rule.before_resend(n)).collect();
        assert_eq!(
            waits,
            vec![
                Some(Duration::from_millis(200)),
                Some(Duration::from_millis(400)),
                Some(Duration::from_millis(800)),
                None
            ]
        );
    }
}
