//! The merchant settings that change what the state machine allows.

/// How long after payment `reverse.do` is allowed (spec A12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReverseWindow {
    /// Until the end of the UTC day of the authorisation (APPROVED) or capture (DEPOSITED).
    SameUtcDay,
    /// For this many seconds after the authorisation or capture.
    Seconds(i64),
    /// Always.
    Unlimited,
}

/// Per-merchant rules of the state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantRules {
    /// How far `deposit.do` may exceed the hold, in percent of it (spec A10); 0 = not at all.
    pub max_over_capture_percent: u32,
    /// The reversal window (spec A12).
    pub reverse_window: ReverseWindow,
    /// Declined payment attempts allowed before the order itself is DECLINED (at least 1).
    pub payment_attempts: u32,
}

impl Default for MerchantRules {
    fn default() -> Self {
        MerchantRules { max_over_capture_percent: 0, reverse_window: ReverseWindow::SameUtcDay, payment_attempts: 1 }
    }
}

impl MerchantRules {
    /// The largest amount `deposit.do` may capture on a hold of `approved`.
    pub fn capture_limit(&self, approved: i64) -> i64 {
        let extra = i128::from(approved) * i128::from(self.max_over_capture_percent) / 100;
        i64::try_from(i128::from(approved) + extra).unwrap_or(i64::MAX)
    }
}
