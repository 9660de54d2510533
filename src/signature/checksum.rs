//! The symmetric v1 callback checksum of spec 2.11: parameters sorted by name, `name;value;` each,
//! HMAC-SHA256 with the merchant's callback token, hex upper-case.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::Verification;

/// The parameters the checksum never covers.
pub const EXCLUDED: &[&str] = &["checksum", "sign_alias"];

/// The text the checksum is computed over: every parameter but `checksum` and `sign_alias`,
/// sorted by name, `name;value;` each.
pub fn checksum_text(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().filter(|(k, _)| !EXCLUDED.contains(&k.as_str())).collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted.iter().map(|(k, v)| format!("{k};{v};")).collect()
}

/// The checksum of `params` (any `checksum` and `sign_alias` among them are left out).
pub fn checksum(params: &[(String, String)], key: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(checksum_text(params).as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

/// Checks the `checksum` parameter of a callback against `key` (hex in either case accepted,
/// compared in constant time).
pub fn verify_checksum(params: &[(String, String)], key: &str) -> Verification {
    let received = params.iter().find(|(k, _)| k == "checksum").map(|(_, v)| v.trim()).unwrap_or("");
    if received.is_empty() {
        return Verification::Missing;
    }
    let invalid = || Verification::Invalid { received: received.to_string() };
    let Ok(bytes) = hex::decode(received) else {
        return invalid();
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return invalid();
    };
    mac.update(checksum_text(params).as_bytes());
    if mac.verify_slice(&bytes).is_ok() { Verification::Valid } else { invalid() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_example() -> Vec<(String, String)> {
        [
            ("mdOrder", "ed6f3abf-cea0-427e-afdf-0ba43ead124f"),
            ("orderNumber", "89312"),
            ("operation", "deposited"),
            ("status", "1"),
            ("amount", "1500"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn spec_2_11_vector_checksum_text_and_value() {
        let params = spec_example();
        assert_eq!(
            checksum_text(&params),
            "amount;1500;mdOrder;ed6f3abf-cea0-427e-afdf-0ba43ead124f;operation;deposited;orderNumber;89312;status;1;"
        );
        assert_eq!(checksum(&params, "secret"), "B6CCB202CAB97411D17B7C928407BC396CE2B5F1F730DA0E43546E4E06E91538");
    }

    #[test]
    fn verification_tells_valid_missing_and_wrong_apart() {
        let mut params = spec_example();
        assert_eq!(verify_checksum(&params, "secret"), Verification::Missing);
        params.push(("checksum".into(), "b6ccb202cab97411d17b7c928407bc396ce2b5f1f730da0e43546e4e06e91538".into()));
        assert_eq!(verify_checksum(&params, "secret"), Verification::Valid);
        assert!(matches!(verify_checksum(&params, "other"), Verification::Invalid { .. }));
        params.retain(|(k, _)| k != "checksum");
        params.push(("checksum".into(), "not hex".into()));
        assert!(matches!(verify_checksum(&params, "secret"), Verification::Invalid { .. }));
    }
}
