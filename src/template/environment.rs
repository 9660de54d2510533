//! The one expression environment every template is compiled against, and its functions.
//!
//! Functions available in every case:
//! - `unique_order_number()`: an order number unique to this run and call (≤ 24 characters,
//!   letters, digits and `-`), so that a rerun never collides with an earlier run's orders;
//! - `uuid()`: a random UUID (v4);
//! - `now()`: the runner's current time, RFC 3339 in UTC; `now_ms()`: the same in epoch milliseconds;
//! - `hmac_sha256(key, message)`: HMAC-SHA256 of the message (UTF-8) with the key, as lower-case hex
//!   (`| upper` for upper case), so that a case can check a signature the gateway computed, such
//!   as the callback checksum of spec 2.11.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use minijinja::{Environment, UndefinedBehavior};

/// Names of the functions the environment defines (they are never "unknown variables").
pub const FUNCTIONS: &[&str] = &["unique_order_number", "uuid", "now", "now_ms", "hmac_sha256"];

/// Names the runner defines for every case run:
/// - `target`: `name`, `url`, `settings` (free values from the target's configuration);
/// - `api`: the API this run of the case is on: `name`, `base` (its base URL);
/// - `merchant`: the target's main merchant (`user`, `password`); `merchants.<role>`: every merchant;
/// - `cards.<role>`: test cards (`pan`, `expiry` as YYYYMM, `cvc`, `holder`);
/// - `secret.<name>`: secrets the target declares (masked in every output);
/// - `env.<NAME>`: environment variables (not masked: use `secret` for anything sensitive);
/// - `run`: `id`, unique to this run.
pub const NAMESPACES: &[&str] = &["target", "api", "merchant", "merchants", "cards", "secret", "env", "run"];

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(build);

/// The shared environment.
pub fn get() -> &'static Environment<'static> {
    &ENVIRONMENT
}

fn build() -> Environment<'static> {
    let mut environment = Environment::new();
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    environment.set_fuel(Some(50_000));
    environment.add_function("unique_order_number", unique_order_number);
    environment.add_function("uuid", || uuid::Uuid::new_v4().to_string());
    environment.add_function("now", || {
        jiff::Timestamp::now().round(jiff::Unit::Second).map(|t| t.to_string()).unwrap_or_default()
    });
    environment.add_function("now_ms", || jiff::Timestamp::now().as_millisecond());
    environment.add_function("hmac_sha256", hmac_sha256);
    environment
}

/// HMAC-SHA256 of `message` with `key`, lower-case hex.
fn hmac_sha256(key: &str, message: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new(); // unreachable: HMAC takes a key of any length
    };
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A prefix unique to this process (base-36 milliseconds since the epoch), then a counter.
fn unique_order_number() -> String {
    static RUN_PREFIX: LazyLock<String> = LazyLock::new(|| {
        let millis = jiff::Timestamp::now().as_millisecond().unsigned_abs();
        format!("pc{}", to_base36(millis))
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
        assert!(a.len() <= 24, "{a}");
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }

    #[test]
    fn hmac_sha256_matches_the_callback_checksum_example_of_the_spec() {
        // spec 2.11: key `secret` over this text gives B6CCB202…1538 (upper-case hex).
        let text =
            "amount;1500;mdOrder;ed6f3abf-cea0-427e-afdf-0ba43ead124f;operation;deposited;orderNumber;89312;status;1;";
        assert_eq!(
            hmac_sha256("secret", text).to_uppercase(),
            "B6CCB202CAB97411D17B7C928407BC396CE2B5F1F730DA0E43546E4E06E91538"
        );
        let rendered = get()
            .compile_expression("hmac_sha256('secret', 'x') | upper")
            .and_then(|expression| expression.eval(()))
            .expect("renders");
        assert_eq!(rendered.to_string(), hmac_sha256("secret", "x").to_uppercase());
    }

    #[test]
    fn base36_counts() {
        assert_eq!(to_base36(0), "0");
        assert_eq!(to_base36(35), "z");
        assert_eq!(to_base36(36), "10");
    }
}
