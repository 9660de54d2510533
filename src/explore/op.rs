//! The operations the explorer sends: what a merchant (or time) does to the orders of one
//! sequence. Orders are named by slot (0, 1, ...); order numbers by index, so that two
//! registrations with the same index are a duplicate order number.

use std::fmt;

/// A registration (`register.do` or `registerPreAuth.do`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// The slot the new order fills.
    pub slot: usize,
    /// `registerPreAuth.do`.
    pub two_phase: bool,
    /// Amount in minor units.
    pub amount: i64,
    /// Which order number: the same index twice is a duplicate.
    pub number: usize,
    /// `sessionTimeoutSecs`.
    pub lifetime_secs: Option<i64>,
    /// `autocompletionDate` or `autoReverseDate`, this many seconds after registration.
    pub auto: Option<AutoDate>,
}

/// An auto date of a two-phase order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoDate {
    /// `autocompletionDate`, seconds after registration.
    Completion(i64),
    /// `autoReverseDate`, seconds after registration.
    Reverse(i64),
}

/// The test card a payment uses (by the target's card roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    /// `success`.
    Success,
    /// `decline`.
    Decline,
    /// `expired`.
    Expired,
    /// `not-luhn`: a PAN failing the Luhn check.
    NotLuhn,
}

impl Card {
    /// The card's role in a target's `cards`.
    pub fn role(self) -> &'static str {
        match self {
            Card::Success => "success",
            Card::Decline => "decline",
            Card::Expired => "expired",
            Card::NotLuhn => "not-luhn",
        }
    }
}

/// `refund.do`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// `amount`; `None`: omitted.
    pub amount: Option<i64>,
    /// `externalRefundId`, by index (the same index is a replay).
    pub external_id: Option<u8>,
    /// `expectedDepositedAmount`.
    pub expected_deposited: Option<i64>,
    /// `refundItems` with one position of the whole amount.
    pub items: bool,
}

/// How a status request names and reads the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// `getOrderStatusExtended.do` by `orderId`.
    Extended,
    /// `getOrderStatusExtended.do` by `orderNumber`.
    ByNumber,
    /// `getOrderStatus.do` (legacy, capitalised keys).
    Legacy,
    /// `getOrderStatusExtended.do` with `orderId` in the query string.
    QueryString,
    /// `getOrderStatusExtended.do` with a wrong password.
    WrongPassword,
    /// `getOrderStatusExtended.do` by the second merchant.
    Foreign,
}

/// One operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Register an order.
    Register(Register),
    /// `paymentorder.do` with a test card.
    Pay {
        /// The order.
        slot: usize,
        /// The card.
        card: Card,
    },
    /// `deposit.do`.
    Deposit {
        /// The order.
        slot: usize,
        /// `amount`; `None`: omitted.
        amount: Option<i64>,
    },
    /// `reverse.do`.
    Reverse {
        /// The order.
        slot: usize,
        /// `amount`; `None`: omitted.
        amount: Option<i64>,
    },
    /// `decline.do`.
    Decline {
        /// The order.
        slot: usize,
    },
    /// `refund.do`.
    Refund {
        /// The order.
        slot: usize,
        /// Its parameters.
        refund: Refund,
    },
    /// A status request.
    Status {
        /// The order.
        slot: usize,
        /// How it is asked.
        lookup: Lookup,
    },
    /// A status request for an order that does not exist.
    Unknown {
        /// `getOrderStatus.do` rather than the extended status.
        legacy: bool,
    },
    /// Let time pass on the target's manual clock.
    Wait {
        /// Seconds.
        seconds: u64,
    },
    /// Operations sent at the same moment (each on an order of the sequence).
    Together(Vec<Op>),
}

impl Op {
    /// A short name of the operation's kind, for coverage and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Register(r) if r.two_phase => "registerPreAuth",
            Op::Register(_) => "register",
            Op::Pay { .. } => "pay",
            Op::Deposit { .. } => "deposit",
            Op::Reverse { .. } => "reverse",
            Op::Decline { .. } => "decline",
            Op::Refund { .. } => "refund",
            Op::Status { lookup: Lookup::Legacy, .. } => "status-legacy",
            Op::Status { lookup: Lookup::Foreign, .. } => "status-foreign",
            Op::Status { lookup: Lookup::WrongPassword, .. } => "status-wrong-password",
            Op::Status { .. } => "status",
            Op::Unknown { .. } => "status-unknown",
            Op::Wait { .. } => "wait",
            Op::Together(_) => "together",
        }
    }

    /// The slots the operation touches.
    pub fn slots(&self) -> Vec<usize> {
        match self {
            Op::Register(r) => vec![r.slot],
            Op::Pay { slot, .. }
            | Op::Deposit { slot, .. }
            | Op::Reverse { slot, .. }
            | Op::Decline { slot }
            | Op::Refund { slot, .. }
            | Op::Status { slot, .. } => vec![*slot],
            Op::Unknown { .. } | Op::Wait { .. } => Vec::new(),
            Op::Together(ops) => ops.iter().flat_map(Op::slots).collect(),
        }
    }

    /// Whether the operation lets time pass.
    pub fn waits(&self) -> bool {
        matches!(self, Op::Wait { .. })
    }
}

fn amount(amount: Option<i64>) -> String {
    amount.map_or_else(|| "omitted".to_string(), |a| a.to_string())
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Register(r) => {
                write!(f, "{} o{} amount {} number n{}", self.kind(), r.slot, r.amount, r.number)?;
                if let Some(secs) = r.lifetime_secs {
                    write!(f, " sessionTimeoutSecs {secs}")?;
                }
                match r.auto {
                    Some(AutoDate::Completion(s)) => write!(f, " autocompletionDate +{s}s"),
                    Some(AutoDate::Reverse(s)) => write!(f, " autoReverseDate +{s}s"),
                    None => Ok(()),
                }
            }
            Op::Pay { slot, card } => write!(f, "pay o{slot} with the {} card", card.role()),
            Op::Deposit { slot, amount: a } => write!(f, "deposit o{slot} amount {}", amount(*a)),
            Op::Reverse { slot, amount: a } => write!(f, "reverse o{slot} amount {}", amount(*a)),
            Op::Decline { slot } => write!(f, "decline o{slot}"),
            Op::Refund { slot, refund } => {
                write!(f, "refund o{slot} amount {}", amount(refund.amount))?;
                if let Some(id) = refund.external_id {
                    write!(f, " externalRefundId r{id}")?;
                }
                if let Some(e) = refund.expected_deposited {
                    write!(f, " expectedDepositedAmount {e}")?;
                }
                if refund.items {
                    write!(f, " with refundItems")?;
                }
                Ok(())
            }
            Op::Status { slot, lookup } => write!(f, "status o{slot} ({lookup:?})"),
            Op::Unknown { legacy } => write!(f, "status of an unknown order (legacy: {legacy})"),
            Op::Wait { seconds } => write!(f, "wait {seconds}s"),
            Op::Together(ops) => {
                let parts: Vec<String> = ops.iter().map(Op::to_string).collect();
                write!(f, "at the same moment: {}", parts.join(" | "))
            }
        }
    }
}
