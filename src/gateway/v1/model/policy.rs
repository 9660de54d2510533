//! How the state machine reads the spec where a gateway could read it otherwise. The default is
//! the spec's reading; a gateway that deviates (a vendor's mock, or the reference gateway told to
//! commit a fault) is the same machine under another policy.

use super::{ACTION_DECLINED_BY_MERCHANT, ACTION_SESSION_EXPIRED};

/// What a refund is checked against (spec 2.10, A8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundRemainder {
    /// What was deposited less what earlier refunds took.
    DepositedLessRefunded,
    /// What was deposited, whatever earlier refunds took.
    Deposited,
}

/// What a refund without amount (or with 0, or with the order amount) refunds (spec 2.10, A9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullRefund {
    /// What is left to refund.
    Remainder,
    /// The order amount, even after partial refunds.
    OrderAmount,
}

/// The rules of the v1 order state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// An order registered on the router starts PREREGISTERED (-1) rather than CREATED (A3).
    pub router_orders_start_preregistered: bool,
    /// An unpaid order past its lifetime is DECLINED (spec 3.3).
    pub sessions_expire: bool,
    /// The actionCode of an order that expired (spec 3.3: -2007).
    pub expiry_action_code: i32,
    /// Whether an order that expired can still be paid (spec 3.3: no).
    pub expired_orders_payable: bool,
    /// `autocompletionDate` and `autoReverseDate` act on APPROVED orders (spec 2.1).
    pub auto_dates_applied: bool,
    /// `deposit.do` on a DEPOSITED order is refused (A11: any capture is final).
    pub second_capture_refused: bool,
    /// A capture over the hold is refused beyond the merchant's over-capture limit (A10).
    pub over_capture_limit_enforced: bool,
    /// A REFUNDED order can be reversed (spec 3.2: no).
    pub refunded_orders_reversible: bool,
    /// A REVERSED order can be reversed again (spec 3.2: no).
    pub reversed_orders_reversible: bool,
    /// A reversal refused for its amount, window or a partial capture blocks further reversals (A12).
    pub refused_reversal_is_final: bool,
    /// The merchant's reversal window is enforced (A12).
    pub reverse_window_enforced: bool,
    /// The actionCode `decline.do` leaves (A5: 4005).
    pub decline_action_code: i32,
    /// `decline.do` on an APPROVED or DEPOSITED order succeeds (spec 2.9: no).
    pub paid_orders_declinable: bool,
    /// What a refund is checked against.
    pub refund_remainder: RefundRemainder,
    /// A refund over the remainder is refused with 7 (spec 2.10).
    pub refund_over_remainder_refused: bool,
    /// What a full refund refunds.
    pub full_refund: FullRefund,
    /// A refund repeating an `externalRefundId` with the same amount is answered without refunding (A7).
    pub refund_id_replay_idempotent: bool,
    /// A refund whose `expectedDepositedAmount` differs from the balance is refused (spec 2.10).
    pub expected_deposited_enforced: bool,
    /// A refund needs the money captured: DEPOSITED or REFUNDED (spec 2.10).
    pub refund_requires_capture: bool,
    /// A partial refund makes the order REFUNDED (A8).
    pub partial_refund_marks_refunded: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            router_orders_start_preregistered: true,
            sessions_expire: true,
            expiry_action_code: ACTION_SESSION_EXPIRED,
            expired_orders_payable: false,
            auto_dates_applied: true,
            second_capture_refused: true,
            over_capture_limit_enforced: true,
            refunded_orders_reversible: false,
            reversed_orders_reversible: false,
            refused_reversal_is_final: true,
            reverse_window_enforced: true,
            decline_action_code: ACTION_DECLINED_BY_MERCHANT,
            paid_orders_declinable: false,
            refund_remainder: RefundRemainder::DepositedLessRefunded,
            refund_over_remainder_refused: true,
            full_refund: FullRefund::Remainder,
            refund_id_replay_idempotent: true,
            expected_deposited_enforced: true,
            refund_requires_capture: true,
            partial_refund_marks_refunded: true,
        }
    }
}
