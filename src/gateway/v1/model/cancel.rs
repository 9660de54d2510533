//! `decline.do`: cancel an unpaid order (spec 2.9, A5).

use super::order::Order;
use super::{Event, EventKind, OrderState, Policy, Rejection};
use crate::gateway::clock::EpochMillis;

impl Order {
    /// Declines an unpaid order (PREREGISTERED, CREATED or PENDING): DECLINED with actionCode 4005.
    pub fn decline(&mut self, now: EpochMillis, policy: &Policy) -> Result<Vec<Event>, Rejection> {
        let paid_and_declinable =
            policy.paid_orders_declinable && matches!(self.state, OrderState::Approved | OrderState::Deposited);
        if !self.state.is_unpaid() && !paid_and_declinable {
            return Err(Rejection::InvalidOperation);
        }
        self.state = OrderState::Declined;
        self.declined_at = Some(now);
        self.action_code = Some(policy.decline_action_code);
        Ok(vec![Event { kind: EventKind::Declined, success: true, amount: self.registration.amount }])
    }
}
