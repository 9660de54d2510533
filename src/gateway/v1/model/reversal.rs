//! `reverse.do`: cancel an authorised or paid order (spec 2.8, 3.2, A12).

use super::order::{OperationKind, Order};
use super::{ACTION_SUCCESS, Event, EventKind, MerchantRules, OrderState, Policy, Rejection, ReverseWindow};
use crate::gateway::clock::EpochMillis;

const DAY_MS: i64 = 86_400_000;

impl Order {
    /// Reverses an APPROVED order, or a DEPOSITED one whose capture equals its hold, in full
    /// (`amount` `None`, 0 or the whole amount) and within the merchant's window. An order can be
    /// reversed once: after a reversal, or after a reversal attempt refused for its amount, its
    /// window or a partial capture (A12, "subsequent reversal operations will not work"), every
    /// further reversal is refused with 7. Such a refused attempt is the one rejection that leaves
    /// a mark on the order ([`Order::reversal_attempted`]); nothing else changes.
    pub fn reverse(
        &mut self,
        amount: Option<i64>,
        now: EpochMillis,
        rules: &MerchantRules,
        policy: &Policy,
    ) -> Result<Vec<Event>, Rejection> {
        let (full, since) = match self.state {
            OrderState::Approved | OrderState::Deposited
                if self.reversal_attempted && policy.refused_reversal_is_final =>
            {
                return Err(Rejection::InvalidOperation);
            }
            OrderState::Approved => (self.approved_amount, self.auth_at),
            OrderState::Deposited => {
                if self.deposited_amount != self.approved_amount {
                    self.reversal_attempted = true;
                    return Err(Rejection::ReverseAmountsDiffer);
                }
                (self.deposited_amount, self.deposited_at)
            }
            OrderState::Refunded if policy.refunded_orders_reversible => (self.deposited_amount, self.deposited_at),
            OrderState::Reversed if policy.reversed_orders_reversible => (self.approved_amount, self.reversed_at),
            _ => return Err(Rejection::InvalidOperation),
        };
        let amount_ok = match amount {
            None | Some(0) => true,
            Some(a) => a == full,
        };
        if !amount_ok {
            self.reversal_attempted = true;
            return Err(Rejection::IncorrectAmount);
        }
        let open =
            !policy.reverse_window_enforced || window_open(rules.reverse_window, since.unwrap_or(self.created_at), now);
        if !open {
            self.reversal_attempted = true;
            return Err(Rejection::ReverseWindowClosed);
        }
        self.state = OrderState::Reversed;
        self.reversal_attempted = true;
        self.reversed_at = Some(now);
        self.action_code = Some(ACTION_SUCCESS);
        Ok(vec![self.record(OperationKind::Reverse, EventKind::Reversed, full, now, true, ACTION_SUCCESS)])
    }

    /// `autoReverseDate` reached: reverse an APPROVED order at `at`, outside any window.
    pub(super) fn auto_reverse(&mut self, at: EpochMillis) -> Event {
        self.state = OrderState::Reversed;
        self.reversed_at = Some(at);
        let amount = self.approved_amount;
        self.record(OperationKind::Reverse, EventKind::Reversed, amount, at, true, ACTION_SUCCESS)
    }
}

fn window_open(window: ReverseWindow, since: EpochMillis, now: EpochMillis) -> bool {
    match window {
        ReverseWindow::SameUtcDay => since.div_euclid(DAY_MS) == now.div_euclid(DAY_MS),
        ReverseWindow::Seconds(secs) => now - since <= secs.saturating_mul(1000),
        ReverseWindow::Unlimited => true,
    }
}
