//! The gateway's clock: real time, or a manual clock that tests and the runner advance.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, the gateway's unit of time.
pub type EpochMillis = i64;

const DAY_MS: i64 = 86_400_000;
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
}

impl Clock {
    /// A clock in `mode`; a manual clock starts at noon UTC of the current real day.
    pub fn new(mode: ClockMode) -> Clock {
        let real = real_now_ms();
        let base_ms = match mode {
            ClockMode::Real => real,
            ClockMode::Manual => real.div_euclid(DAY_MS) * DAY_MS + NOON_MS,
        };
        Clock { mode, base_ms, started: Instant::now(), advanced_ms: AtomicI64::new(0) }
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

    /// Moves a manual clock forward; `None` on a real clock, which cannot be moved.
    pub fn advance(&self, seconds: u64) -> Option<EpochMillis> {
        if self.mode != ClockMode::Manual {
            return None;
        }
        let ms = i64::try_from(seconds).unwrap_or(i64::MAX / 1000).saturating_mul(1000);
        self.advanced_ms.fetch_add(ms, Ordering::SeqCst);
        Some(self.now_ms())
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

    #[test]
    fn real_clock_refuses_to_advance() {
        assert!(Clock::new(ClockMode::Real).advance(1).is_none());
    }
}
