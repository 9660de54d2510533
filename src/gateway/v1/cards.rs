//! The emulated issuer: what a card payment attempt yields (spec section 4). Pure.

use super::model::{Authorization, CardInfo};
use crate::gateway::clock::EpochMillis;
use crate::gateway::config::TestCard;

/// actionCode of a card declined by the issuer (spec section 4 suggests -20010).
pub const ACTION_ISSUER_DECLINE: i32 = -20010;
/// actionCode of an expired card.
pub const ACTION_EXPIRED_CARD: i32 = 101;

/// `gwId` of orders paid through Alfa Pay.
pub const ALFAPAY_BANK: &str = "ALFABANK";
/// `paymentWay` of orders handed to Alfa Pay.
pub const ALFAPAY_WAY: &str = "ALFAPAY";

/// The Alfa Pay payer's answer on the emulated Alfa Pay page: the wallet pays with its own card.
pub fn alfapay_authorization(approved: bool) -> Authorization {
    Authorization {
        approved,
        action_code: if approved { 0 } else { ACTION_ISSUER_DECLINE },
        card: Some(CardInfo {
            masked_pan: "415428**0000".into(),
            expiry: "203012".into(),
            holder: "ALFA PAY PAYER".into(),
            payment_system: "VISA".into(),
        }),
        payment_way: ALFAPAY_WAY.into(),
    }
}

/// Card data as a payment request gives it, already checked for format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardInput {
    /// Digits only.
    pub pan: String,
    /// `YYYYMM`.
    pub expiry: String,
    /// Cardholder name.
    pub holder: String,
}

/// The description of an actionCode, as `actionCodeDescription` shows it.
pub fn action_code_description(code: i32) -> &'static str {
    match code {
        0 => "",
        ACTION_ISSUER_DECLINE => "Amount exceeds limits specified by the issuing bank",
        ACTION_EXPIRED_CARD => "Expired card",
        4005 => "Order declined by the merchant",
        -2007 => "Payment session timed out",
        _ => "Operation declined",
    }
}

/// Whether `pan` passes the Luhn check.
pub fn luhn_valid(pan: &str) -> bool {
    if pan.is_empty() || !pan.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = pan
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// `411111**1111`.
pub fn mask_pan(pan: &str) -> String {
    if pan.len() < 10 {
        return "**".to_string();
    }
    format!("{}**{}", &pan[..6], &pan[pan.len() - 4..])
}

/// The payment system of a PAN, by its prefix.
pub fn payment_system(pan: &str) -> &'static str {
    let prefix4: u32 = pan.get(..4).and_then(|p| p.parse().ok()).unwrap_or(0);
    match pan.as_bytes().first() {
        Some(b'4') => "VISA",
        _ if (2200..=2204).contains(&prefix4) => "MIR",
        _ if (2221..=2720).contains(&prefix4) || (5100..=5599).contains(&prefix4) => "MASTERCARD",
        Some(b'5') | Some(b'6') => "MAESTRO",
        Some(b'3') => "AMEX",
        _ => "UNKNOWN",
    }
}

/// The issuer's answer to a payment with `card` at `now`: an expired card is declined, a card
/// configured under a `decline…` role is declined (when `decline_cards_decline`), any other card
/// is approved.
pub fn authorize(card: &CardInput, cards: &[TestCard], now: EpochMillis, decline_cards_decline: bool) -> Authorization {
    let info = CardInfo {
        masked_pan: mask_pan(&card.pan),
        expiry: card.expiry.clone(),
        holder: card.holder.clone(),
        payment_system: payment_system(&card.pan).to_string(),
    };
    let declined_by_role =
        decline_cards_decline && cards.iter().any(|c| c.pan == card.pan && c.role.starts_with("decline"));
    let action_code = if expiry_passed(&card.expiry, now) {
        ACTION_EXPIRED_CARD
    } else if declined_by_role {
        ACTION_ISSUER_DECLINE
    } else {
        0
    };
    Authorization { approved: action_code == 0, action_code, card: Some(info), payment_way: "CARD".to_string() }
}

/// Whether a `YYYYMM` expiry lies before the month of `now` (UTC).
fn expiry_passed(expiry: &str, now: EpochMillis) -> bool {
    let Some((year, month)) = parse_expiry(expiry) else {
        return true;
    };
    let (now_year, now_month) = year_month(now);
    (year, month) < (now_year, now_month)
}

/// `YYYYMM` as (year, month), if well formed.
pub fn parse_expiry(expiry: &str) -> Option<(i32, u32)> {
    if expiry.len() != 6 || !expiry.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = expiry[..4].parse().ok()?;
    let month: u32 = expiry[4..].parse().ok()?;
    (1..=12).contains(&month).then_some((year, month))
}

/// The UTC (year, month) of an instant (civil-from-days, Howard Hinnant's algorithm).
fn year_month(ms: EpochMillis) -> (i32, u32) {
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_cards_pass_luhn_except_the_broken_one() {
        for card in TestCard::reference() {
            assert_eq!(luhn_valid(&card.pan), card.role != "not-luhn", "{}", card.role);
        }
    }

    #[test]
    fn year_month_of_known_instants() {
        assert_eq!(year_month(0), (1970, 1));
        assert_eq!(year_month(1_730_537_059_726), (2024, 11));
        assert_eq!(year_month(951_782_400_000), (2000, 2));
    }

    #[test]
    fn masks_and_systems() {
        assert_eq!(mask_pan("4111111111111111"), "411111**1111");
        assert_eq!(payment_system("5168494895055780"), "MASTERCARD");
        assert_eq!(payment_system("2200000000000004"), "MIR");
    }
}
