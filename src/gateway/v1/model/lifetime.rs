//! Time passing: expiry of unpaid orders (spec 3.3) and the auto dates of two-phase orders.

use super::order::{OperationKind, Order};
use super::{ACTION_SUCCESS, Event, EventKind, OrderState, Policy};
use crate::gateway::clock::EpochMillis;

impl Order {
    /// Applies everything that became due by `now`: an unpaid order past its lifetime becomes
    /// DECLINED with the policy's expiry actionCode, -2007 (keeping its bank, if it was routed); an
    /// APPROVED order is captured at `autocompletionDate` or reversed at `autoReverseDate`,
    /// whichever comes first.
    pub fn tick(&mut self, now: EpochMillis, policy: &Policy) -> Vec<Event> {
        let mut events = Vec::new();
        if self.state.is_unpaid() && now >= self.registration.expires_at && policy.sessions_expire {
            self.state = OrderState::Declined;
            self.timed_out = true;
            self.declined_at = Some(self.registration.expires_at);
            self.action_code = Some(policy.expiry_action_code);
            events.push(Event { kind: EventKind::DeclinedByTimeout, success: true, amount: self.registration.amount });
        }
        if self.state == OrderState::Approved && policy.auto_dates_applied {
            let complete = self.registration.autocompletion_at.filter(|at| *at <= now);
            let reverse = self.registration.auto_reverse_at.filter(|at| *at <= now);
            match (complete, reverse) {
                (Some(c), Some(r)) if r < c => events.push(self.auto_reverse(r)),
                (Some(c), _) => events.push(self.auto_complete(c)),
                (None, Some(r)) => events.push(self.auto_reverse(r)),
                (None, None) => {}
            }
        }
        events
    }

    fn auto_complete(&mut self, at: EpochMillis) -> Event {
        self.state = OrderState::Deposited;
        self.deposited_amount = self.approved_amount;
        self.deposited_at = Some(at);
        let amount = self.approved_amount;
        self.record(OperationKind::Deposit, EventKind::Deposited, amount, at, true, ACTION_SUCCESS)
    }
}
