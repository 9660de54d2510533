//! Reading a Gate v2 request: the body as received is parsed once, its project found, its
//! signature checked against those very bytes' content (spec 6, SDK notes in crates.md: no
//! re-encoding in between), then its fields validated (spec 5.2, 5.3).

use std::net::IpAddr;

use serde_json::Value;

use super::model::{RefundRequest, Sale};
use super::reply::{EMPTY_SIGNATURE, GateError, INVALID_SIGNATURE};
use crate::gateway::config::{GatewayConfig, ProjectConfig};
use crate::signature::{Verification, gate as signature};

/// Currencies Alfa-Click takes (spec 5.2); a test project takes RUB only (5.7).
pub const CURRENCIES: [&str; 4] = ["EUR", "KZT", "RUB", "USD"];
/// The smallest sale: 1.00 (spec 5.2, seed S1's table).
pub const MIN_SALE_AMOUNT: i64 = 100;
/// The largest amount accepted, in minor units.
pub const MAX_AMOUNT: i64 = 999_999_999_999;

/// A request whose project is known and whose signature holds.
#[derive(Debug)]
pub struct Signed<'a> {
    /// The body.
    pub body: Value,
    /// Its project.
    pub project: &'a ProjectConfig,
    /// `general.payment_id`.
    pub payment_id: String,
}

/// Parses the body, finds the project and checks the signature.
/// A signature that does not match is accepted when `signature_checked` is false (a missing one never is).
pub fn signed<'a>(config: &'a GatewayConfig, bytes: &[u8], signature_checked: bool) -> Result<Signed<'a>, GateError> {
    let body: Value = serde_json::from_slice(bytes)
        .map_err(|error| GateError::wrong_request(format!("the body is not JSON: {error}")))?;
    if !body.is_object() {
        return Err(GateError::wrong_request("the body is not a JSON object"));
    }
    let project_id = body.pointer("/general/project_id").and_then(Value::as_u64);
    let payment_id = body.pointer("/general/payment_id").and_then(Value::as_str).map(str::to_string);
    let named = |error: GateError| error.naming(project_id, payment_id.as_deref());
    let Some(project_id) = project_id else {
        return Err(named(GateError::wrong_request("general.project_id is required: a non-negative integer")));
    };
    let Some(project) = config.projects.iter().find(|p| p.project_id == project_id) else {
        return Err(named(GateError::wrong_request(format!("project {project_id} does not exist"))));
    };
    match signature::verify(&body, &project.secret_key) {
        Verification::Valid => {}
        Verification::Missing => return Err(named(GateError::coded(EMPTY_SIGNATURE))),
        Verification::Invalid { .. } if !signature_checked => {}
        Verification::Invalid { .. } => return Err(named(GateError::coded(INVALID_SIGNATURE))),
    }
    match payment_id.as_deref().filter(|id| !id.is_empty() && id.chars().count() <= 255) {
        Some(id) => Ok(Signed { project, payment_id: id.to_string(), body }),
        None => Err(named(GateError::wrong_request("general.payment_id is required: 1 to 255 characters"))),
    }
}

impl Signed<'_> {
    fn error(&self, message: String) -> GateError {
        GateError::wrong_request(message).naming(Some(self.project.project_id), Some(&self.payment_id))
    }

    fn text(&self, pointer: &str, required: bool) -> Result<Option<String>, GateError> {
        let name = pointer.trim_start_matches('/').replace('/', ".");
        match self.body.pointer(pointer) {
            Some(Value::String(text)) if !text.trim().is_empty() => Ok(Some(text.clone())),
            None | Some(Value::Null) if !required => Ok(None),
            Some(Value::String(_)) if !required => Ok(None),
            _ => Err(self.error(format!("{name} is required: a non-empty string"))),
        }
    }

    fn amount(&self, required: bool, minimum: i64) -> Result<Option<i64>, GateError> {
        match self.body.pointer("/payment/amount") {
            None if !required => Ok(None),
            Some(Value::Number(n)) if n.as_i64().is_some_and(|a| (minimum..=MAX_AMOUNT).contains(&a)) => Ok(n.as_i64()),
            _ => Err(self.error(format!(
                "payment.amount is {}: an integer in minor units from {minimum} to {MAX_AMOUNT}",
                if required { "required" } else { "invalid" }
            ))),
        }
    }

    fn currency(&self, required: bool) -> Result<Option<String>, GateError> {
        let Some(currency) = self.text("/payment/currency", required)? else { return Ok(None) };
        if !CURRENCIES.contains(&currency.as_str()) {
            return Err(self.error(format!("payment.currency {currency} is not one of {}", CURRENCIES.join(", "))));
        }
        Ok(Some(currency))
    }

    fn ip_address(&self) -> Result<String, GateError> {
        let text = self.text("/customer/ip_address", true)?.unwrap_or_default();
        if text.parse::<IpAddr>().is_err() {
            return Err(self.error(format!("customer.ip_address {text:?} is not an IP address")));
        }
        Ok(text)
    }

    fn callback_url(&self) -> Result<Option<String>, GateError> {
        let Some(url) = self.text("/general/merchant_callback_url", false)? else { return Ok(None) };
        match url::Url::parse(&url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => Ok(Some(url)),
            _ => Err(self.error(format!("general.merchant_callback_url {url:?} is not an absolute http(s) URL"))),
        }
    }

    /// The sale request (spec 5.2).
    pub fn sale(&self) -> Result<Sale, GateError> {
        let customer_id = self.text("/customer/id", true)?.unwrap_or_default();
        self.ip_address()?;
        let account = self.text("/customer/account_id", true)?.unwrap_or_default();
        let amount = self.amount(true, MIN_SALE_AMOUNT)?.unwrap_or_default();
        let currency = self.currency(true)?.unwrap_or_default();
        if self.project.test_mode && currency != "RUB" {
            return Err(self.error(format!("a test project takes RUB only, not {currency}")));
        }
        Ok(Sale {
            project_id: self.project.project_id,
            payment_id: self.payment_id.clone(),
            customer_id,
            account,
            amount,
            currency,
            description: self.text("/payment/description", false)?,
            callback_url: self.callback_url()?,
        })
    }

    /// The refund request (spec 5.3).
    pub fn refund(&self) -> Result<RefundRequest, GateError> {
        self.ip_address()?;
        let description = self.text("/payment/description", true)?.unwrap_or_default();
        let amount = self.amount(false, 1)?;
        let currency = self.currency(false)?;
        Ok(RefundRequest { amount, currency, description, callback_url: self.callback_url()? })
    }
}

#[cfg(test)]
mod tests {
    use super::super::reply::WRONG_REQUEST;
    use super::*;
    use serde_json::json;

    fn signed_bytes(mut body: Value, key: &str) -> Vec<u8> {
        body["general"]["signature"] = json!(signature::sign(&body, key));
        serde_json::to_vec(&body).unwrap_or_default()
    }

    fn sale_body() -> Value {
        json!({"general": {"project_id": 35, "payment_id": "p-1"},
               "customer": {"id": "c", "ip_address": "1.1.1.1", "account_id": "account_1"},
               "payment": {"amount": 10000, "currency": "RUB"}})
    }

    #[test]
    fn a_signed_sale_is_read() {
        let config = GatewayConfig::reference();
        let bytes = signed_bytes(sale_body(), "gate_test_secret");
        let signed = signed(&config, &bytes, true).expect("valid");
        let sale = signed.sale().expect("valid sale");
        assert_eq!((sale.amount, sale.account.as_str()), (10_000, "account_1"));
    }

    #[test]
    fn signature_problems_have_their_codes() {
        let config = GatewayConfig::reference();
        let wrong = signed_bytes(sale_body(), "not the key");
        let error = signed(&config, &wrong, true).expect_err("wrong key");
        assert_eq!((error.code, error.project_id, error.payment_id.as_deref()), ("3261", Some(35), Some("p-1")));
        let missing = serde_json::to_vec(&sale_body()).unwrap_or_default();
        assert_eq!(signed(&config, &missing, true).map(|_| ()).expect_err("unsigned").code, "3262");
        assert!(signed(&config, &wrong, false).is_ok());
    }

    #[test]
    fn the_signature_covers_the_body_as_received() {
        let config = GatewayConfig::reference();
        let bytes = signed_bytes(sale_body(), "gate_test_secret");
        let tampered = String::from_utf8_lossy(&bytes).replace("10000", "10001");
        let error = signed(&config, tampered.as_bytes(), true).expect_err("tampered");
        assert_eq!(error.code, "3261");
    }

    #[test]
    fn sale_fields_are_validated() {
        let config = GatewayConfig::reference();
        for (pointer, value) in [
            ("/customer/account_id", json!("")),
            ("/customer/ip_address", json!("not an ip")),
            ("/payment/amount", json!(99)),
            ("/payment/amount", json!("10000")),
            ("/payment/currency", json!("USD")),
            ("/payment/currency", json!("XXX")),
        ] {
            let mut body = sale_body();
            if let Some(slot) = body.pointer_mut(pointer) {
                *slot = value.clone();
            }
            let bytes = signed_bytes(body, "gate_test_secret");
            let signed = signed(&config, &bytes, true).expect("signed");
            let error = signed.sale().expect_err("invalid");
            assert_eq!(error.code, WRONG_REQUEST, "{pointer} = {value}: {}", error.message);
        }
    }
}
