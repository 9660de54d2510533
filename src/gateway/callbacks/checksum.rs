//! The symmetric callback checksum of spec 2.11: parameters sorted by name, `name;value;` each,
//! HMAC-SHA256 with the merchant's callback token, hex upper-case.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The checksum of `params` (any `checksum` and `sign_alias` among them are left out).
pub fn checksum(params: &[(String, String)], key: &str) -> String {
    let mut sorted: Vec<&(String, String)> =
        params.iter().filter(|(k, _)| k != "checksum" && k != "sign_alias").collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let text: String = sorted.iter().map(|(k, v)| format!("{k};{v};")).collect();
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(text.as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_spec_example() {
        let params: Vec<(String, String)> = [
            ("mdOrder", "ed6f3abf-cea0-427e-afdf-0ba43ead124f"),
            ("orderNumber", "89312"),
            ("operation", "deposited"),
            ("status", "1"),
            ("amount", "1500"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(checksum(&params, "secret"), "B6CCB202CAB97411D17B7C928407BC396CE2B5F1F730DA0E43546E4E06E91538");
    }
}
