//! Card data of `paymentorder.do` (`$PAN`, `$CVC`, `$EXPIRY` or `YYYY`+`MM`, `TEXT`) and of
//! `instantPayment.do` (`pan`, `cvc`, `expiry`, `cardholderName`); both spellings are accepted.

use super::reply::ApiError;
use super::request::Params;
use crate::gateway::v1::cards::{CardInput, luhn_valid, parse_expiry};

fn first_text(p: &Params, names: &[&str]) -> Result<Option<String>, ApiError> {
    for name in names {
        match p.text(name) {
            Ok(Some(v)) => return Ok(Some(v)),
            Ok(None) => {}
            Err(_) => return Err(ApiError::new(5, format!("Invalid [{name}]"))),
        }
    }
    Ok(None)
}

/// The card of a payment request: 4 when a part is missing, 5 when malformed (a PAN failing the
/// Luhn check included when `luhn_checked`, spec section 4).
pub fn card_input(p: &Params, luhn_checked: bool) -> Result<CardInput, ApiError> {
    let pan = first_text(p, &["$PAN", "pan"])?.ok_or_else(|| ApiError::new(4, "[$PAN] is empty"))?;
    let cvc = first_text(p, &["$CVC", "cvc"])?.ok_or_else(|| ApiError::new(4, "[$CVC] is empty"))?;
    let expiry = match first_text(p, &["$EXPIRY", "expiry"])? {
        Some(e) => e,
        None => match (first_text(p, &["YYYY"])?, first_text(p, &["MM"])?) {
            (Some(y), Some(m)) => format!("{y}{m:0>2}"),
            _ => return Err(ApiError::new(4, "[$EXPIRY] is empty")),
        },
    };
    let holder = first_text(p, &["TEXT", "cardholderName"])?.unwrap_or_else(|| "CARDHOLDER".into());
    let pan: String = pan.chars().filter(|c| *c != ' ').collect();
    let digits = (12..=19).contains(&pan.len()) && pan.bytes().all(|b| b.is_ascii_digit());
    if !digits || (luhn_checked && !luhn_valid(&pan)) {
        return Err(ApiError::new(5, "Invalid card number"));
    }
    if cvc.len() != 3 || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::new(5, "Invalid CVC"));
    }
    if parse_expiry(&expiry).is_none() {
        return Err(ApiError::new(5, "Invalid expiry date: expected YYYYMM"));
    }
    if holder.chars().count() > 512 {
        return Err(ApiError::new(5, "Invalid cardholder name"));
    }
    Ok(CardInput { pan, expiry, holder })
}
