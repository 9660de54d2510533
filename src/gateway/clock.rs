//! The gateway's clock: real time, or a manual clock that tests and the runner advance.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

/// Milliseconds since the Unix epoch, the gateway's unit of time.
pub type EpochMillis = i64;

const DAY_MS: i64 = 86_400_000;

/// The latest time a manual clock may read: the end of year 9999 UTC, the last instant the
/// gateway's date formats can write.
pub const LATEST: EpochMillis = 253_402_300_799_000;

/// Why a clock did not move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdvanceError {
    /// A real clock cannot be moved.
    RealClock,
    /// The advance would move the clock past [`LATEST`].
    TooFar {
        /// The advance asked for.
        seconds: u64,
    },
}

impl std::fmt::Display for AdvanceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdvanceError::RealClock => f.write_str("the clock follows real time and cannot be advanced"),
            AdvanceError::TooFar { seconds } => write!(
                f,
                "advancing by {seconds} s would move the clock past 9999-12-31T23:59:59Z; the clock did not move"
            ),
        }
    }
}
const NOON_MS: i64 = 43_200_000;

/// Which clock a gateway runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockMode {
    /// The machine's time. No clock admin endpoint exists.
    #[default]
    Real,
    /// Noon UTC of the current real day, then real time plus everything advanced through
    /// `POST /_paycheck/clock/advance`.
    Manual,
}

/// A clock in one of the two modes; shared by every request of one gateway.
#[derive(Debug)]
pub struct Clock {
    mode: ClockMode,
    base_ms: EpochMillis,
    started: Instant,
    advanced_ms: AtomicI64,
    advanced: Notify,
}

impl Clock {
    /// A clock in `mode`; a manual clock starts at noon UTC of the current real day.
    pub fn new(mode: ClockMode) -> Clock {
        let real = real_now_ms();
        let base_ms = match mode {
            ClockMode::Real => real,
            ClockMode::Manual => real.div_euclid(DAY_MS) * DAY_MS + NOON_MS,
        };
        Clock { mode, base_ms, started: Instant::now(), advanced_ms: AtomicI64::new(0), advanced: Notify::new() }
    }

    /// The mode this clock was built in.
    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    /// The current time in epoch milliseconds.
    pub fn now_ms(&self) -> EpochMillis {
        match self.mode {
            ClockMode::Real => real_now_ms(),
            ClockMode::Manual => {
                let elapsed = i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX);
                self.base_ms.saturating_add(elapsed).saturating_add(self.advanced_ms.load(Ordering::SeqCst))
            }
        }
    }

    /// Moves a manual clock forward by `seconds`. Refused on a real clock, which cannot be moved,
    /// and when the clock would pass [`LATEST`]: the clock never wraps and never goes back.
    pub fn advance(&self, seconds: u64) -> Result<EpochMillis, AdvanceError> {
        if self.mode != ClockMode::Manual {
            return Err(AdvanceError::RealClock);
        }
        let too_far = AdvanceError::TooFar { seconds };
        let ms = seconds.checked_mul(1000).and_then(|ms| i64::try_from(ms).ok()).ok_or(too_far)?;
        self.advanced_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |advanced| {
                let next = advanced.checked_add(ms)?;
                let elapsed = i64::try_from(self.started.elapsed().as_millis()).ok()?;
                let now = self.base_ms.checked_add(elapsed)?.checked_add(next)?;
                (now <= LATEST).then_some(next)
            })
            .map_err(|_| too_far)?;
        self.advanced.notify_waiters();
        Ok(self.now_ms())
    }

    /// Waits until the clock reads `deadline`: real time passing, or a manual clock advanced
    /// past it (which wakes the wait at once, so an advance compresses every wait in progress).
    pub async fn sleep_until(&self, deadline: EpochMillis) {
        loop {
            let advanced = self.advanced.notified();
            tokio::pin!(advanced);
            advanced.as_mut().enable();
            let now = self.now_ms();
            if now >= deadline {
                return;
            }
            let remaining = Duration::from_millis(u64::try_from(deadline - now).unwrap_or(u64::MAX));
            tokio::select! {
                _ = tokio::time::sleep(remaining) => {}
                _ = advanced => {}
            }
        }
    }
}

fn real_now_ms() -> EpochMillis {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_starts_at_noon_and_advances() {
        let clock = Clock::new(ClockMode::Manual);
        let now = clock.now_ms();
        let since_midnight = now.rem_euclid(DAY_MS);
        assert!((NOON_MS..NOON_MS + 60_000).contains(&since_midnight));
        let later = clock.advance(3600).expect("manual clock advances");
        assert!(later - now >= 3_600_000);
    }

    #[tokio::test]
    async fn an_advance_ends_a_wait_at_once() {
        let clock = std::sync::Arc::new(Clock::new(ClockMode::Manual));
        let deadline = clock.now_ms() + 3_600_000;
        let waiter = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep_until(deadline).await }
        });
        tokio::task::yield_now().await;
        clock.advance(3600).expect("an hour is a fine advance");
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the wait ends once the clock passes its deadline")
            .expect("the waiting task does not panic");
    }

    #[test]
    fn real_clock_refuses_to_advance() {
        assert_eq!(Clock::new(ClockMode::Real).advance(1), Err(AdvanceError::RealClock));
    }

    #[test]
    fn an_advance_past_the_latest_time_is_refused_and_changes_nothing() {
        let clock = Clock::new(ClockMode::Manual);
        for seconds in [u64::MAX, u64::MAX / 1000, 9_223_372_036_854_775, 300_000_000_000] {
            let before = clock.now_ms();
            assert_eq!(clock.advance(seconds), Err(AdvanceError::TooFar { seconds }));
            assert!(clock.now_ms() >= before && clock.now_ms() - before < 60_000, "the clock did not move");
        }
        let far = clock.advance(200_000_000_000).expect("6000 years ahead is still a date");
        assert!(far <= LATEST);
        assert!(clock.advance(200_000_000_000).is_err(), "twice that is too far");
        assert!(clock.now_ms() >= far, "never backwards");
    }
}
