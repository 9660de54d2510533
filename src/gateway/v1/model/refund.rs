//! `refund.do`: partial, repeated and idempotent refunds (spec 2.10, A7, A8, A9).

use super::order::{OperationKind, Order, RefundRecord};
use super::{ACTION_SUCCESS, Event, EventKind, FullRefund, OrderState, Policy, RefundRemainder, Rejection};
use crate::gateway::clock::EpochMillis;

/// One `refundItems.items[]` position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundItem {
    /// `positionId`.
    pub position_id: String,
    /// `itemAmount`, minor units.
    pub amount: i64,
}

/// The validated parameters of `refund.do`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefundRequest {
    /// `amount`: `None` or 0 (or the whole order amount) means what is left to refund.
    pub amount: Option<i64>,
    /// `externalRefundId`.
    pub external_id: Option<String>,
    /// `expectedDepositedAmount`: refund only if the balance still equals it.
    pub expected_deposited: Option<i64>,
    /// `refundItems.items[]`.
    pub items: Vec<RefundItem>,
}

/// What `refund.do` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// A refund was performed.
    Performed(Vec<Event>),
    /// The `externalRefundId` was already refunded with this amount: nothing was done (A7).
    Replayed,
}

impl Order {
    /// Refunds part or all of what is left to refund. The order becomes REFUNDED after the first
    /// refund, even a partial one; the sum of refunds never exceeds the deposited amount; a
    /// repeated `externalRefundId` with the same amount (or none) is answered without refunding.
    pub fn refund(
        &mut self,
        req: RefundRequest,
        now: EpochMillis,
        policy: &Policy,
    ) -> Result<RefundOutcome, Rejection> {
        if let Some(id) = &req.external_id
            && let Some(earlier) = self.refunds.iter().find(|r| r.external_id.as_ref() == Some(id))
            && policy.refund_id_replay_idempotent
        {
            return match req.amount {
                None | Some(0) => Ok(RefundOutcome::Replayed),
                Some(a) if a == earlier.amount => Ok(RefundOutcome::Replayed),
                Some(_) => Err(Rejection::RefundIdConflict),
            };
        }
        if let Some(a) = req.amount {
            if a < 0 {
                return Err(Rejection::IncorrectAmount);
            }
            if (1..100).contains(&a) && a != self.registration.amount {
                return Err(Rejection::RefundBelowMinimum);
            }
        }
        let before_capture = !policy.refund_requires_capture && self.state == OrderState::Approved;
        if !matches!(self.state, OrderState::Deposited | OrderState::Refunded) && !before_capture {
            return Err(Rejection::WrongState);
        }
        let left = if before_capture {
            self.approved_amount - self.refunded_amount
        } else {
            match policy.refund_remainder {
                RefundRemainder::DepositedLessRefunded => self.refundable(),
                RefundRemainder::Deposited => self.deposited_amount,
            }
        };
        let full = match policy.full_refund {
            FullRefund::Remainder => left,
            FullRefund::OrderAmount => self.registration.amount,
        };
        let refund = match req.amount {
            None | Some(0) => full,
            Some(a) if a == self.registration.amount => full,
            Some(a) => a,
        };
        if refund == 0 {
            return Err(Rejection::WrongState);
        }
        if let Some(expected) = req.expected_deposited
            && expected != self.refundable()
            && policy.expected_deposited_enforced
        {
            return Err(Rejection::ExpectedDepositedMismatch);
        }
        if refund > left && policy.refund_over_remainder_refused {
            return Err(Rejection::RefundExceedsDeposited);
        }
        let Some(refunded_amount) = self.refunded_amount.checked_add(refund) else {
            return Err(Rejection::IncorrectAmount);
        };
        let (reference_number, approval_code) = self.next_codes(now);
        self.refunds.push(RefundRecord {
            date: now,
            external_id: req.external_id,
            amount: refund,
            approval_code,
            reference_number,
            items: req.items.into_iter().map(|i| (i.position_id, i.amount)).collect(),
        });
        self.refunded_amount = refunded_amount;
        self.refunded_at = Some(now);
        self.action_code = Some(ACTION_SUCCESS);
        let partial = self.refunded_amount < self.deposited_amount;
        if !partial || policy.partial_refund_marks_refunded {
            self.state = OrderState::Refunded;
        }
        Ok(RefundOutcome::Performed(vec![self.record(
            OperationKind::Refund,
            EventKind::Refunded,
            refund,
            now,
            true,
            ACTION_SUCCESS,
        )]))
    }
}
