//! `decline.do`: cancel an unpaid order (spec 2.9, A5).

use super::order::Order;
use super::{ACTION_DECLINED_BY_MERCHANT, ACTION_SESSION_EXPIRED, Event, EventKind, OrderState, Rejection};
use crate::gateway::clock::EpochMillis;
use crate::gateway::faults::{Fault, FaultSet};

impl Order {
    /// Declines an unpaid order (PREREGISTERED, CREATED or PENDING): DECLINED with actionCode 4005.
    pub fn decline(&mut self, now: EpochMillis, faults: &FaultSet) -> Result<Vec<Event>, Rejection> {
        let paid_but_faulty = faults.has(Fault::DeclinePaidOrderAllowed)
            && matches!(self.state, OrderState::Approved | OrderState::Deposited);
        if !self.state.is_unpaid() && !paid_but_faulty {
            return Err(Rejection::InvalidOperation);
        }
        self.state = OrderState::Declined;
        self.declined_at = Some(now);
        self.action_code = Some(if faults.has(Fault::DeclineWrongActionCode) {
            ACTION_SESSION_EXPIRED
        } else {
            ACTION_DECLINED_BY_MERCHANT
        });
        Ok(vec![Event { kind: EventKind::Declined, success: true, amount: self.registration.amount }])
    }
}
