//! Routing and paying an order (spec 2.3, 2.4, 3.2).

use super::order::{CardInfo, OperationKind, Order};
use super::{ACTION_SUCCESS, Event, EventKind, MerchantRules, OrderState, Policy, Rejection};
use crate::gateway::clock::EpochMillis;

/// The issuer's answer to a payment attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// Approved or declined.
    pub approved: bool,
    /// Processing result; 0 when approved.
    pub action_code: i32,
    /// The card used, if any.
    pub card: Option<CardInfo>,
    /// `paymentWay`: CARD, ALFAPAY...
    pub payment_way: String,
}

impl Order {
    /// Whether a payment may start: the order is unpaid and alive.
    fn check_payable(&self, policy: &Policy) -> Result<(), Rejection> {
        match self.state {
            s if s.is_unpaid() => Ok(()),
            OrderState::Declined if self.timed_out => {
                if policy.expired_orders_payable {
                    Ok(())
                } else {
                    Err(Rejection::SessionExpired)
                }
            }
            _ => Err(Rejection::WrongState),
        }
    }

    /// Routes the order to a bank at a payment attempt: PREREGISTERED → CREATED (spec 3.2).
    /// An order already at a bank keeps it.
    pub fn route(&mut self, bank: &str, gw_order_id: &str, policy: &Policy) -> Result<(), Rejection> {
        self.check_payable(policy)?;
        if self.bank.is_none() {
            self.bank = Some(bank.to_string());
            self.gw_order_id = Some(gw_order_id.to_string());
        }
        if self.state == OrderState::Preregistered {
            self.state = OrderState::Created;
        }
        Ok(())
    }

    /// Hands the payer to a wallet page (Alfa Pay): routes the order and makes it PENDING (7).
    pub fn start_redirect(
        &mut self,
        bank: &str,
        gw_order_id: &str,
        payment_way: &str,
        policy: &Policy,
    ) -> Result<(), Rejection> {
        self.check_payable(policy)?;
        let mut next = self.clone();
        next.route(bank, gw_order_id, policy)?;
        next.state = OrderState::PendingRedirect;
        next.timed_out = false;
        next.payment_way = Some(payment_way.to_string());
        *self = next;
        Ok(())
    }

    /// Applies the issuer's answer to a payment attempt on a routed, unpaid order. An approval
    /// makes a one-phase order DEPOSITED and a two-phase order APPROVED; a decline makes the order
    /// DECLINED once the merchant's attempts are used up, and leaves it CREATED before that.
    pub fn pay(
        &mut self,
        auth: Authorization,
        now: EpochMillis,
        rules: &MerchantRules,
        policy: &Policy,
    ) -> Result<Vec<Event>, Rejection> {
        self.check_payable(policy)?;
        if self.state == OrderState::Preregistered {
            return Err(Rejection::WrongState);
        }
        self.attempts += 1;
        self.card = auth.card;
        self.payment_way = Some(auth.payment_way);
        let (operation, event) = if self.registration.two_phase {
            (OperationKind::Approve, EventKind::Approved)
        } else {
            (OperationKind::Purchase, EventKind::Deposited)
        };
        if auth.approved {
            let (reference, approval) = self.next_codes(now);
            self.timed_out = false;
            self.action_code = Some(ACTION_SUCCESS);
            self.auth_at = Some(now);
            self.auth_ref_num = Some(reference);
            self.approval_code = Some(approval);
            self.approved_amount = self.registration.amount;
            if self.registration.two_phase {
                self.state = OrderState::Approved;
            } else {
                self.state = OrderState::Deposited;
                self.deposited_amount = self.registration.amount;
                self.deposited_at = Some(now);
            }
        } else {
            self.action_code = Some(auth.action_code);
            if self.attempts >= rules.payment_attempts.max(1) {
                self.state = OrderState::Declined;
                self.declined_at = Some(now);
            } else {
                self.state = OrderState::Created;
            }
        }
        let (amount, code) = (self.registration.amount, self.action_code.unwrap_or(auth.action_code));
        Ok(vec![self.record(operation, event, amount, now, auth.approved, code)])
    }
}
