//! The one expression environment every template is compiled against, and its functions.
//!
//! Functions available in every case:
//! - `unique_order_number()`: an order number unique to this run and call (≤ 24 characters,
//!   letters, digits and `-`), so that a rerun never collides with an earlier run's orders;
//! - `uuid()`: a random UUID (v4);
//! - `now()`: the runner's current time, RFC 3339 in UTC; `now_ms()`: the same in epoch milliseconds;
//! - `utc_datetime(epoch_ms)`: that instant as `yyyy-MM-ddTHH:mm:ss` in UTC, the form of the v1
//!   API's registration dates (`expirationDate`, `autocompletionDate`, `autoReverseDate`), so a
//!   case can set a date relative to the gateway's own clock (read from an order's `date`).

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use minijinja::{Environment, UndefinedBehavior};

/// Names of the functions the environment defines (they are never "unknown variables").
pub const FUNCTIONS: &[&str] = &["unique_order_number", "uuid", "now", "now_ms", "utc_datetime"];

/// Names the runner defines for every case run:
/// - `target`: `name`, `url`, `settings` (free values from the target's configuration);
/// - `api`: the API this run of the case is on: `name`, `base` (its base URL);
/// - `merchant`: the target's main merchant (`user`, `password`); `merchants.<role>`: every merchant;
/// - `cards.<role>`: test cards (`pan`, `expiry` as YYYYMM, `cvc`, `holder`);
/// - `secret.<name>`: secrets the target declares (masked in every output);
/// - `env.<NAME>`: environment variables (not masked: use `secret` for anything sensitive);
/// - `run`: `id`, unique to this run;
/// - `callback`: `url`, where the runner listens for callbacks (its loopback listener, or the
///   public address given with `--callback-url`).
pub const NAMESPACES: &[&str] =
    &["target", "api", "merchant", "merchants", "cards", "secret", "env", "run", "callback"];

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(build);

/// The shared environment.
pub fn get() -> &'static Environment<'static> {
    &ENVIRONMENT
}

fn build() -> Environment<'static> {
    let mut environment = Environment::new();
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    environment.set_fuel(Some(50_000));
    for (name, function) in PLAIN_FUNCTIONS {
        environment.add_function(*name, *function);
    }
    environment.add_function("utc_datetime", utc_datetime);
    environment
}

/// A function of the environment that takes no argument.
pub type PlainFunction = fn() -> minijinja::Value;

/// The functions that take no argument: the environment registers these, and a template that
/// only calls one calls it directly (see [`plain_function`]).
const PLAIN_FUNCTIONS: &[(&str, PlainFunction)] = &[
    ("unique_order_number", || minijinja::Value::from(unique_order_number())),
    ("uuid", || minijinja::Value::from(random_uuid())),
    ("now", || minijinja::Value::from(now())),
    ("now_ms", || minijinja::Value::from(now_ms())),
];

/// The function `name` when it takes no argument, for a template that only calls it: it gives
/// what the expression engine would, since the engine calls the same function.
pub fn plain_function(name: &str) -> Option<PlainFunction> {
    PLAIN_FUNCTIONS.iter().find(|(known, _)| *known == name).map(|(_, function)| *function)
}

fn random_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn now() -> String {
    jiff::Timestamp::now().round(jiff::Unit::Second).map(|t| t.to_string()).unwrap_or_default()
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// An instant in epoch milliseconds as `yyyy-MM-ddTHH:mm:ss` in UTC.
fn utc_datetime(epoch_ms: i64) -> Result<String, minijinja::Error> {
    let instant = jiff::Timestamp::from_millisecond(epoch_ms).map_err(|error| {
        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("{epoch_ms} is not an instant: {error}"))
    })?;
    Ok(instant.strftime("%Y-%m-%dT%H:%M:%S").to_string())
}

/// A prefix unique to this process (base-36 milliseconds since the epoch and process id, so two
/// runs started in the same millisecond against one target never share a number), then a counter.
fn unique_order_number() -> String {
    static RUN_PREFIX: LazyLock<String> = LazyLock::new(|| {
        let millis = jiff::Timestamp::now().as_millisecond().unsigned_abs();
        format!("pc{}-{}", to_base36(millis), to_base36(u64::from(std::process::id())))
    });
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{}", *RUN_PREFIX, to_base36(n))
}

fn to_base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_are_unique_and_short() {
        let a = unique_order_number();
        let b = unique_order_number();
        assert_ne!(a, b);
        assert!(a.len() <= 23, "a case may cut a padded number to 24 and keep it whole: {a}");
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }

    #[test]
    fn utc_datetime_writes_the_v1_registration_date_form() {
        assert_eq!(utc_datetime(0).unwrap(), "1970-01-01T00:00:00");
        assert_eq!(utc_datetime(1_730_530_148_222).unwrap(), "2024-11-02T06:49:08");
        let rendered = get()
            .compile_expression("utc_datetime(1764072000000 + 600000)")
            .and_then(|expression| expression.eval(()))
            .expect("renders");
        assert_eq!(rendered.to_string(), "2025-11-25T12:10:00");
        assert!(utc_datetime(i64::MAX).is_err());
    }

    #[test]
    fn base36_counts() {
        assert_eq!(to_base36(0), "0");
        assert_eq!(to_base36(35), "z");
        assert_eq!(to_base36(36), "10");
    }
}
