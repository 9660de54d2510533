//! Field formats shared by the v1 methods.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::reply::ApiError;
use super::request::Params;
use crate::gateway::clock::EpochMillis;

/// Largest amount: 12 digits of minor units (spec 1.4).
pub const MAX_AMOUNT: i64 = 999_999_999_999;

/// Whether `s` is an absolute http(s) URL of at most 512 characters.
pub fn absolute_url(s: &str) -> bool {
    s.len() <= 512 && url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// A registration date `yyyy-MM-ddTHH:mm:ss`, read as UTC (spec 1.4).
pub fn registration_date(s: &str) -> Option<EpochMillis> {
    let b = s.as_bytes();
    let shaped = b.len() == 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
    if !shaped {
        return None;
    }
    let dt: DateTime = s.parse().ok()?;
    let zoned = dt.to_zoned_datetime(TimeZone::UTC).ok()?;
    Some(zoned.timestamp().as_millisecond())
}

/// Optional text of at most `max` characters; `Err` with `error` when malformed or too long.
pub fn text_upto(p: &Params, name: &str, max: usize, error: &ApiError) -> Result<Option<String>, ApiError> {
    match p.text(name) {
        Ok(Some(s)) if s.chars().count() > max => Err(error.clone()),
        Ok(v) => Ok(v),
        Err(_) => Err(error.clone()),
    }
}

/// An optional amount for deposit / reverse / refund: a non-negative integer of at most 12
/// digits, else 5 "Incorrect amount".
pub fn operation_amount(p: &Params) -> Result<Option<i64>, ApiError> {
    match p.integer("amount") {
        Ok(Some(a)) if (0..=MAX_AMOUNT).contains(&a) => Ok(Some(a)),
        Ok(None) => Ok(None),
        _ => Err(ApiError::new(5, "Incorrect amount")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_and_strict() {
        assert_eq!(registration_date("1970-01-01T00:00:01"), Some(1000));
        assert_eq!(registration_date("1970-01-01 00:00:01"), None);
        assert_eq!(registration_date("1970-01-01T00:00:01Z"), None);
        assert_eq!(registration_date("1970-13-01T00:00:01"), None);
    }

    #[test]
    fn urls_must_be_absolute() {
        assert!(absolute_url("https://merchant.example/ok"));
        assert!(!absolute_url("/ok"));
        assert!(!absolute_url("./ok"));
        assert!(!absolute_url("ftp://merchant.example/ok"));
    }
}
