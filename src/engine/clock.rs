//! Letting time pass on the target.
//!
//! A target may offer a manual clock (the reference gateway does, and a vendor's mock can): it
//! answers `GET <root>/_paycheck/clock` with `200 {"now": "<RFC 3339>", "nowMs": <ms>}` and
//! advances on `POST <root>/_paycheck/clock/advance {"seconds": N}`. Against such a target a
//! `wait` step advances the clock and returns at once; against any other it really waits.

use std::time::Duration;

use serde_json::{Value, json};

use crate::suite::target::{ClockSetting, Target};

/// The largest clock answer read.
const PROBE_MAX_BYTES: usize = 64 * 1024;

/// The path, below a target's root, of the clock endpoint.
pub const CLOCK_PATH: &str = "/_paycheck/clock";

/// How `wait` steps let time pass on this target.
#[derive(Debug, Clone)]
pub enum TargetClock {
    /// Sleep.
    Real,
    /// Advance the target's manual clock.
    Manual {
        /// `POST` here with `{"seconds": N}`.
        advance_url: String,
    },
}

impl TargetClock {
    /// Decides how time passes, asking the target within `timeout` when its setting is `auto`;
    /// with why not, when an `auto` target's clock did not answer as a manual clock (its waits
    /// will be real).
    pub async fn probe(
        client: &reqwest::Client,
        target: &Target,
        timeout: Duration,
    ) -> Result<(TargetClock, Option<String>), String> {
        if target.clock == ClockSetting::Real {
            return Ok((TargetClock::Real, None));
        }
        let Some(root) = &target.root else {
            return match target.clock {
                ClockSetting::Manual => Err(format!("target `{}` has no root URL to find its clock at", target.name)),
                _ => Ok((TargetClock::Real, None)),
            };
        };
        match (offers_manual_clock(client, root, timeout).await, target.clock) {
            (Ok(()), _) => Ok((TargetClock::Manual { advance_url: format!("{root}{CLOCK_PATH}/advance") }, None)),
            (Err(reason), ClockSetting::Manual) => Err(format!(
                "target `{}` is configured with a manual clock but {root}{CLOCK_PATH} does not answer: {reason}",
                target.name
            )),
            (Err(reason), _) => Ok((TargetClock::Real, Some(format!("{root}{CLOCK_PATH}: {reason}")))),
        }
    }

    /// True when waits advance the target's clock (so cases that wait must not overlap others).
    pub fn is_manual(&self) -> bool {
        matches!(self, TargetClock::Manual { .. })
    }

    /// Lets `duration` pass.
    pub async fn pass(&self, client: &reqwest::Client, duration: Duration) -> Result<(), String> {
        match self {
            TargetClock::Real => {
                tokio::time::sleep(duration).await;
                Ok(())
            }
            TargetClock::Manual { advance_url } => {
                let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
                let response = client
                    .post(advance_url)
                    .json(&json!({ "seconds": seconds }))
                    .send()
                    .await
                    .map_err(|error| format!("cannot advance the target's clock: {error}"))?;
                if response.status().is_success() {
                    Ok(())
                } else {
                    Err(format!("cannot advance the target's clock: {advance_url} answered {}", response.status()))
                }
            }
        }
    }
}

/// Whether the target answers its clock endpoint as a manual clock does, or why not.
async fn offers_manual_clock(client: &reqwest::Client, root: &str, timeout: Duration) -> Result<(), String> {
    let masker = crate::secret::Masker::default();
    let request = client.get(format!("{root}{CLOCK_PATH}"));
    let received =
        super::http::send(request, timeout, PROBE_MAX_BYTES).await.map_err(|error| error.describe(&masker))?;
    if !(200..300).contains(&received.status) {
        return Err(format!("answered {}", received.status));
    }
    let body: Value = serde_json::from_slice(&received.body).map_err(|_| "answered no JSON".to_string())?;
    if body.get("nowMs").is_some_and(Value::is_i64) || body.get("now").is_some_and(Value::is_string) {
        Ok(())
    } else {
        Err("answered no `now` nor `nowMs`".into())
    }
}
