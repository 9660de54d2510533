//! Durations in case files (`wait`, a poll's `every` and `timeout`, an awaited callback's
//! `timeout`) and the range each may take, checked at load time: a run never meets a wait that
//! overflows, a poll that floods the target, or a timeout that never comes.

use std::time::Duration;

use serde_saphyr::Spanned;

use super::Compiler;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(60 * 60);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// The range a duration of one kind may take.
pub struct DurationLimit {
    /// What the duration is, for messages ("a `wait`").
    pub what: &'static str,
    /// The shortest accepted.
    pub min: Duration,
    /// The longest accepted.
    pub max: Duration,
}

/// A `wait` step: up to 30 days (the spec's longest lifetime is 11 days of callback retries).
pub const WAIT: DurationLimit =
    DurationLimit { what: "a `wait`", min: Duration::ZERO, max: Duration::from_secs(30 * 24 * 60 * 60) };

/// A poll's `every`: at least 10ms, so that a poll cannot flood the target; at most an hour.
pub const POLL_EVERY: DurationLimit =
    DurationLimit { what: "a poll's `every`", min: Duration::from_millis(10), max: HOUR };

/// A poll's `timeout`: at most an hour.
pub const POLL_TIMEOUT: DurationLimit = DurationLimit { what: "a poll's `timeout`", min: Duration::ZERO, max: HOUR };

/// An `await_callback`'s `timeout`: at most an hour.
pub const CALLBACK_TIMEOUT: DurationLimit =
    DurationLimit { what: "an `await_callback` `timeout`", min: Duration::ZERO, max: HOUR };

impl Compiler<'_> {
    /// Parses a duration and checks it against its kind's range.
    pub(super) fn duration(&mut self, text: &Spanned<String>, limit: &DurationLimit) -> Option<Duration> {
        let checked = parse_duration(&text.value).and_then(|duration| within(duration, limit));
        match checked {
            Ok(duration) => Some(duration),
            Err(message) => {
                let span = self.span(text);
                self.error(span, message).add_help(format!(
                    "write durations like `200ms`, `31s`, `2m` or `1h 30m`; {} is between {} and {}",
                    limit.what,
                    describe(limit.min),
                    describe(limit.max)
                ));
                None
            }
        }
    }
}

/// Parses `200ms`, `31s`, `2m`, `1h 30m` (and ISO 8601 `PT31S`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let parsed: jiff::SignedDuration =
        text.trim().parse().map_err(|error| format!("invalid duration `{text}`: {error}"))?;
    Duration::try_from(parsed).map_err(|_| format!("invalid duration `{text}`: it is negative"))
}

fn within(duration: Duration, limit: &DurationLimit) -> Result<Duration, String> {
    if duration < limit.min {
        return Err(format!(
            "{} of {} is too short (at least {})",
            limit.what,
            describe(duration),
            describe(limit.min)
        ));
    }
    if duration > limit.max {
        return Err(format!("{} of {} is too long (at most {})", limit.what, describe(duration), describe(limit.max)));
    }
    Ok(duration)
}

/// A duration in the largest unit that shows it whole: `10ms`, `45s`, `90m`, `2h`, `30 days`.
fn describe(duration: Duration) -> String {
    let divides = |unit: Duration| duration.as_millis().is_multiple_of(unit.as_millis());
    if duration.is_zero() {
        "0s".to_string()
    } else if duration >= DAY && divides(DAY) {
        format!("{} days", duration.as_secs() / DAY.as_secs())
    } else if duration >= HOUR && divides(HOUR) {
        format!("{}h", duration.as_secs() / HOUR.as_secs())
    } else if duration >= MINUTE && divides(MINUTE) {
        format!("{}m", duration.as_secs() / MINUTE.as_secs())
    } else if divides(Duration::from_secs(1)) {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("200ms").unwrap(), Duration::from_millis(200));
        assert_eq!(parse_duration("31s").unwrap(), Duration::from_secs(31));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-5s").is_err());
    }

    #[test]
    fn each_kind_has_its_range() {
        assert!(within(Duration::from_secs(192 * 3600), &WAIT).is_ok());
        let error = within(Duration::from_secs(u64::MAX / 2), &WAIT).unwrap_err();
        assert!(error.contains("too long (at most 30 days)"), "{error}");
        let error = within(Duration::ZERO, &POLL_EVERY).unwrap_err();
        assert_eq!(error, "a poll's `every` of 0s is too short (at least 10ms)");
        assert!(within(Duration::from_secs(2 * 3600), &POLL_TIMEOUT).is_err());
        assert!(within(Duration::from_secs(3600), &CALLBACK_TIMEOUT).is_ok());
    }

    #[test]
    fn limits_are_shown_in_whole_units() {
        assert_eq!(describe(Duration::ZERO), "0s");
        assert_eq!(describe(Duration::from_millis(10)), "10ms");
        assert_eq!(describe(Duration::from_millis(1500)), "1500ms");
        assert_eq!(describe(Duration::from_secs(90)), "90s");
        assert_eq!(describe(Duration::from_secs(5400)), "90m");
        assert_eq!(describe(HOUR), "1h");
        assert_eq!(describe(Duration::from_secs(30 * 24 * 3600)), "30 days");
    }
}
