//! Why the state machine refused an operation.

/// A refused operation; the order is unchanged. Each maps to one `errorCode` and message of
/// spec section 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The order's state does not allow the payment, capture or refund (7).
    WrongState,
    /// The order's state does not allow the reversal or decline (7).
    InvalidOperation,
    /// The order expired before it was paid (7).
    SessionExpired,
    /// Amount not acceptable for this operation (5).
    IncorrectAmount,
    /// Capture amount between 1 and 99 (5).
    DepositBelowMinimum,
    /// Reversal of a partially captured order (7).
    ReverseAmountsDiffer,
    /// Reversal after the window closed (7).
    ReverseWindowClosed,
    /// Refund amount over what is left to refund (7).
    RefundExceedsDeposited,
    /// Refund amount between 1 and 99 (7).
    RefundBelowMinimum,
    /// `externalRefundId` reused with another amount (5, decision A7).
    RefundIdConflict,
    /// `expectedDepositedAmount` differs from the current balance (7).
    ExpectedDepositedMismatch,
}

impl Rejection {
    /// The `errorCode` of this rejection.
    pub fn error_code(&self) -> u8 {
        match self {
            Rejection::IncorrectAmount | Rejection::DepositBelowMinimum | Rejection::RefundIdConflict => 5,
            _ => 7,
        }
    }

    /// The `errorMessage` of this rejection.
    pub fn message(&self) -> &'static str {
        match self {
            Rejection::WrongState => "Payment must be in the correct state",
            Rejection::InvalidOperation => "Invalid operation for the current order status",
            Rejection::SessionExpired => "Order session has expired",
            Rejection::IncorrectAmount => "Incorrect amount",
            Rejection::DepositBelowMinimum => "The deposit amount must be equal to zero or not less than one rouble",
            Rejection::ReverseAmountsDiffer => {
                "Reversal is impossible because of incorrect internal parameter values. The holding and deposit amounts must be equal"
            }
            Rejection::ReverseWindowClosed => "Reversal is no longer possible for this order",
            Rejection::RefundExceedsDeposited => "The refund amount exceeds the debited amount",
            Rejection::RefundBelowMinimum => "Invalid refund amount (less than one ruble)",
            Rejection::RefundIdConflict => "Refund with this externalRefundId already exists for merchant",
            Rejection::ExpectedDepositedMismatch => {
                "expectedDepositedAmount does not match the current deposited amount"
            }
        }
    }
}
