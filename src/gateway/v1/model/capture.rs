//! `deposit.do`: capture of a two-phase order (spec 2.7, 3.2, A10, A11).

use super::order::{OperationKind, Order};
use super::{ACTION_SUCCESS, Event, EventKind, MerchantRules, OrderState, Policy, Rejection};
use crate::gateway::clock::EpochMillis;

impl Order {
    /// Captures `amount` (`None` or 0: the whole hold). Any capture is final (A11); more than the
    /// hold only within the merchant's over-capture limit (A10).
    pub fn deposit(
        &mut self,
        amount: Option<i64>,
        now: EpochMillis,
        rules: &MerchantRules,
        policy: &Policy,
    ) -> Result<Vec<Event>, Rejection> {
        if let Some(a) = amount {
            if a < 0 {
                return Err(Rejection::IncorrectAmount);
            }
            if (1..100).contains(&a) {
                return Err(Rejection::DepositBelowMinimum);
            }
        }
        let recapture =
            !policy.second_capture_refused && self.registration.two_phase && self.state == OrderState::Deposited;
        if self.state != OrderState::Approved && !recapture {
            return Err(Rejection::WrongState);
        }
        let capture = match amount {
            None | Some(0) => self.approved_amount,
            Some(a) => a,
        };
        if capture > rules.capture_limit(self.approved_amount) && policy.over_capture_limit_enforced {
            return Err(Rejection::IncorrectAmount);
        }
        self.state = OrderState::Deposited;
        self.deposited_amount = capture;
        self.deposited_at = Some(now);
        self.action_code = Some(ACTION_SUCCESS);
        Ok(vec![self.record(OperationKind::Deposit, EventKind::Deposited, capture, now, true, ACTION_SUCCESS)])
    }
}
