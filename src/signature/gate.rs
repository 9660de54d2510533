//! Gate v2's signature (spec section 6, decision A19), the canonical form the ECommPay SDKs
//! (Python and Go, where they agree) compute:
//!
//! 1. drop the `signature` key of every object reached through objects (the request's
//!    `general.signature`, the callback's top-level `signature`), and `frame_mode` everywhere;
//! 2. flatten: every scalar leaf becomes `path:value`, the path being the keys from the root
//!    joined by `:`; arrays are objects keyed `0`, `1`, …; booleans are `1`/`0`; a null is the
//!    empty text; numbers are their decimal text; empty objects and arrays give nothing;
//! 3. sort the entries by path (byte order) and join them with `;`;
//! 4. `base64(HMAC-SHA512(key, text))`, standard alphabet with padding.
//!
//! Verifying recomputes and compares in constant time.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha512;

use super::Verification;

/// The key that holds a signature, and that signing leaves out.
pub const SIGNATURE_KEY: &str = "signature";

/// Keys left out of the signature wherever they are (the Payment Page's `frame_mode`).
pub const IGNORED_KEYS: &[&str] = &["frame_mode"];

/// One flattened leaf: its path (`payment:sum:amount`) and its entry (`payment:sum:amount:10000`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The keys from the root, joined by `:`.
    pub path: String,
    /// `path:value`.
    pub text: String,
}

/// The message's entries in document order (step 2 of the algorithm, before sorting).
pub fn entries(message: &Value) -> Vec<Entry> {
    let mut out = Vec::new();
    flatten(message, "", false, &mut out);
    out
}

fn flatten(value: &Value, path: &str, in_array: bool, out: &mut Vec<Entry>) {
    let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}:{key}") };
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if IGNORED_KEYS.contains(&key.as_str()) || (!in_array && key == SIGNATURE_KEY) {
                    continue;
                }
                flatten(child, &join(key), in_array, out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                flatten(child, &join(&index.to_string()), true, out);
            }
        }
        scalar => {
            let text = match scalar {
                Value::Bool(true) => "1".to_string(),
                Value::Bool(false) => "0".to_string(),
                Value::Null => String::new(),
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            out.push(Entry { path: path.to_string(), text: format!("{path}:{text}") });
        }
    }
}

/// The text that is signed: the entries sorted by path, joined with `;`.
pub fn signing_string(message: &Value) -> String {
    let mut all = entries(message);
    all.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    join(&all)
}

/// Entries joined with `;`, in the order given.
pub fn join(entries: &[Entry]) -> String {
    entries.iter().map(|entry| entry.text.as_str()).collect::<Vec<_>>().join(";")
}

/// `base64(HMAC-SHA512(key, text))`.
pub fn sign_text(text: &str, key: &str) -> String {
    STANDARD.encode(mac(text, key).finalize().into_bytes())
}

/// The signature of a message (any signature it already carries is left out).
pub fn sign(message: &Value, key: &str) -> String {
    sign_text(&signing_string(message), key)
}

fn mac(text: &str, key: &str) -> Hmac<Sha512> {
    // Only MACs with a fixed key length can refuse a key; HMAC takes keys of every length.
    let mut mac = Hmac::<Sha512>::new_from_slice(key.as_bytes()).expect("HMAC accepts keys of every length");
    mac.update(text.as_bytes());
    mac
}

/// The signature a message carries: the top-level `signature` (callbacks, signed responses),
/// else `general.signature` (requests).
pub fn carried_signature(message: &Value) -> Option<&str> {
    message
        .get(SIGNATURE_KEY)
        .or_else(|| message.get("general").and_then(|general| general.get(SIGNATURE_KEY)))
        .and_then(Value::as_str)
}

/// Checks the signature a message carries against `key`.
pub fn verify(message: &Value, key: &str) -> Verification {
    let Some(received) = carried_signature(message).filter(|s| !s.trim().is_empty()) else {
        return Verification::Missing;
    };
    let invalid = || Verification::Invalid { received: received.to_string() };
    let Ok(bytes) = STANDARD.decode(received.trim()) else {
        return invalid();
    };
    if mac(&signing_string(message), key).verify_slice(&bytes).is_ok() { Verification::Valid } else { invalid() }
}

#[cfg(test)]
mod tests {
    //! Every test vector of spec section 6, reproduced exactly.

    use super::*;
    use serde_json::json;

    #[test]
    fn spec_6_python_sdk_vector() {
        let message = json!({"payment": {"id": "test-payment", "status": "success"},
                             "some_bool_param": true, "frame_mode": "popup"});
        assert_eq!(signing_string(&message), "payment:id:test-payment;payment:status:success;some_bool_param:1");
        assert_eq!(
            sign(&message, "qwerty"),
            "TZS0J65ReNUMgKzeXUey9xOGGyC7r4OhsFXt/3H8XZM2Le8Wot2E1NIjeSPOyV1F3sUU6F3kfo9om2dhbe3ieA=="
        );
    }

    #[test]
    fn spec_6_php_sdk_vector() {
        let message = json!({"customer": {"project_id": 0, "id": "sutm_id"},
                             "card": {"pan": "4242424242424242", "year": 2020, "month": 8,
                                      "card_holder": "John Smith", "cvv": "123", "save": true}});
        assert_eq!(
            sign(&message, "secret"),
            "lY0LTSAzpR7zGce5qfYGacOuYlHGWqkMcQlqmjlsDDZI2gVcE1qVeWANnkIR7mdOqRXJnL1kO0lUmkQ0YYLWRg=="
        );
    }

    #[test]
    fn spec_6_go_sdk_vector() {
        let message = json!({"project_id": 11, "payment_currency": "EUR", "frame_mode": "popup",
                             "some_bool_param": true, "two_levels_param": {"param1": 1, "param2": 2}});
        assert_eq!(
            sign(&message, "qwerty"),
            "ehwG+e+Sq6b0QEek2hmHGUFzViX9/Xfcgnh0Ysn1+AqCY8BsKhC/Vcyr4XH8CKXW3iS0vW9S2mTwOt/0Ozf5pg=="
        );
    }

    #[test]
    fn spec_6_go_sdk_array_flattening() {
        let message = json!({"a": {"b": 1111111111111111_i64, "c": 2}, "d": false,
                             "f": ["g", {"h": 7, "i": {"k": 8}}], "e": [4, 5]});
        assert_eq!(signing_string(&message), "a:b:1111111111111111;a:c:2;d:0;e:0:4;e:1:5;f:0:g;f:1:h:7;f:1:i:k:8");
    }

    fn seed_sale() -> Value {
        json!({"general": {"project_id": 35, "payment_id": "Payment 12",
                           "signature": "2tlMuYxLW9Yu6RETr8pdCfmi0UPE8euD+o4EVPjLyfbOQ+9ajAteg5lPk96Q=="},
               "customer": {"account_id": "account_1", "ip_address": "1.1.1.1", "id": "customer123"},
               "payment": {"amount": 10000, "currency": "RUB"}})
    }

    #[test]
    fn spec_6_seed_sale_request_vector() {
        let message = seed_sale();
        assert_eq!(
            signing_string(&message),
            "customer:account_id:account_1;customer:id:customer123;customer:ip_address:1.1.1.1;\
             general:payment_id:Payment 12;general:project_id:35;payment:amount:10000;payment:currency:RUB"
        );
        assert_eq!(
            sign(&message, "secret"),
            "pbNMwkle+L/F9eez7uDcKnerC/1CchC2LNXCLzHUtAsyFyO5+tNmEVnnKRgVZyaqI5zYBrxMsc+h15Ch/Rd6FA=="
        );
    }

    #[test]
    fn spec_6_seed_refund_request_vector() {
        let message = json!({"general": {"project_id": 239, "payment_id": "refund_02",
                                         "signature": "of8k9xerKSK4XL1QFaDH3p9Mh0CIcjmOwSwKJ7KLTZYO56lCv+f1M0Sf/7eg=="},
                             "customer": {"ip_address": "1.2.3.4"},
                             "payment": {"amount": 50000, "currency": "RUB", "description": "refund_02"}});
        assert_eq!(
            sign(&message, "secret"),
            "e9sfhLQHtiDgVnRJwUrnhmGCwyHAAj58TJYoeUOTq2xz30axPE6lpALiOw8GcCK6TnIwEspB5sWItX8bn1J2fA=="
        );
    }

    #[test]
    fn spec_6_seed_sale_success_callback_vector() {
        let callback = json!({
            "project_id": 386,
            "payment": {"id": "EP1bb6-c379", "type": "purchase", "status": "success",
                        "date": "2019-03-04T11:07:22+0000", "method": "alfa-click",
                        "sum": {"amount": 10000, "currency": "RUB"}, "description": ""},
            "account": {"number": "account1"},
            "operation": {"id": 632, "type": "sale", "status": "success",
                          "date": "2019-03-04T11:07:22+0000", "created_date": "2019-03-04T11:07:08+0000",
                          "request_id": "e0865f7f",
                          "sum_initial": {"amount": 10000, "currency": "RUB"},
                          "sum_converted": {"amount": 10000, "currency": "RUB"},
                          "provider": {"id": 1310, "payment_id": "94b4a6a43480d57ee45ab107",
                                       "date": "2018-10-26T07:25:18+0000", "auth_code": "",
                                       "endpoint_id": "alfabank"},
                          "code": "0", "message": "Success"},
            "signature": "yMGGZSFFOatC0/gyFF2zlFgFfslBksxuYqVTjQ0T0DMIA9evlziWay30F+QBQ=="
        });
        let text = signing_string(&callback);
        assert!(text.contains("operation:provider:auth_code:;"), "{text}");
        assert!(text.contains("payment:description:;"), "{text}");
        assert_eq!(
            sign(&callback, "secret"),
            "sruriYfrE8YSt1pAWTUEX8QjPBanqS6noc3KCclSaQZnOcjmIFTyglNxLC1aPuOARBZ+mmg6o1B4bBhRkCMj9Q=="
        );
        // The seed's own signature is a truncated placeholder (spec 6): it must not verify.
        assert!(matches!(verify(&callback, "secret"), Verification::Invalid { .. }));
    }

    #[test]
    fn verify_finds_the_signature_of_requests_and_callbacks() {
        let mut request = seed_sale();
        request["general"]["signature"] = json!(sign(&request, "secret"));
        assert_eq!(verify(&request, "secret"), Verification::Valid);
        assert!(matches!(verify(&request, "other"), Verification::Invalid { .. }));
        request["general"]["signature"] = json!("");
        assert_eq!(verify(&request, "secret"), Verification::Missing);
        let mut callback = json!({"project_id": 35, "payment": {"id": "p"}});
        assert_eq!(verify(&callback, "secret"), Verification::Missing);
        callback["signature"] = json!(sign(&callback, "secret"));
        assert_eq!(verify(&callback, "secret"), Verification::Valid);
        callback["signature"] = json!("%%% not base64");
        assert!(matches!(verify(&callback, "secret"), Verification::Invalid { .. }));
    }

    #[test]
    fn nulls_sign_as_empty_text_and_empty_containers_as_nothing() {
        let message = json!({"a": null, "b": {}, "c": [], "d": {"e": [true]}});
        assert_eq!(signing_string(&message), "a:;d:e:0:1");
    }

    #[test]
    fn a_signature_inside_an_array_is_data_not_the_signature() {
        let message = json!({"items": [{"signature": "x"}], "signature": "y"});
        assert_eq!(signing_string(&message), "items:0:signature:x");
    }
}
