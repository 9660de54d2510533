//! Order states and the transitions of spec 3.2.

/// The state of a v1 order (spec 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderState {
    /// Registered on the router only (orderStatus -1).
    Preregistered,
    /// Registered at the bank, not paid (0).
    Created,
    /// Pre-authorised, funds held (1).
    Approved,
    /// Paid (2).
    Deposited,
    /// Authorisation cancelled (3).
    Reversed,
    /// At least one refund performed (4).
    Refunded,
    /// Waiting for the issuer's ACS (5).
    PendingAcs,
    /// Waiting for the payer on a wallet page, e.g. Alfa Pay (7).
    PendingRedirect,
    /// Declined: by the issuer, by `decline.do`, or by expiry (6).
    Declined,
}

impl OrderState {
    /// The integer `orderStatus` / `OrderStatus`.
    pub fn order_status(self) -> i32 {
        match self {
            OrderState::Preregistered => -1,
            OrderState::Created => 0,
            OrderState::Approved => 1,
            OrderState::Deposited => 2,
            OrderState::Reversed => 3,
            OrderState::Refunded => 4,
            OrderState::PendingAcs => 5,
            OrderState::Declined => 6,
            OrderState::PendingRedirect => 7,
        }
    }

    /// The router's `state` string.
    pub fn router_state(self) -> &'static str {
        match self {
            OrderState::Preregistered => "PREREGISTERED",
            OrderState::Created => "CREATED",
            OrderState::Approved => "APPROVED",
            OrderState::Deposited => "DEPOSITED",
            OrderState::Reversed => "REVERSED",
            OrderState::Refunded => "REFUNDED",
            OrderState::PendingAcs | OrderState::PendingRedirect => "PENDING",
            OrderState::Declined => "DECLINED",
        }
    }

    /// `paymentAmountInfo.paymentState`, which never says PREREGISTERED or PENDING.
    pub fn payment_state(self) -> &'static str {
        match self {
            OrderState::Preregistered | OrderState::Created | OrderState::PendingAcs | OrderState::PendingRedirect => {
                "CREATED"
            }
            other => other.router_state(),
        }
    }

    /// Whether the order is still waiting to be paid (and so can expire or be declined).
    pub fn is_unpaid(self) -> bool {
        matches!(
            self,
            OrderState::Preregistered | OrderState::Created | OrderState::PendingAcs | OrderState::PendingRedirect
        )
    }

    /// Whether money was ever held or taken for the order.
    pub fn was_paid(self) -> bool {
        matches!(self, OrderState::Approved | OrderState::Deposited | OrderState::Reversed | OrderState::Refunded)
    }

    /// Whether spec 3.2 allows moving from `self` to `next` (staying put is always allowed).
    pub fn can_move_to(self, next: OrderState) -> bool {
        use OrderState::*;
        self == next
            || matches!(
                (self, next),
                (Preregistered, Created | PendingRedirect | Declined)
                    | (Created, PendingAcs | PendingRedirect | Approved | Deposited | Declined)
                    | (PendingAcs | PendingRedirect, Created | Approved | Deposited | Declined)
                    | (Approved, Deposited | Reversed)
                    | (Deposited, Reversed | Refunded)
            )
    }
}
