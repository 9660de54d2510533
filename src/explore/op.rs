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
    /// `dynamicCallbackUrl`: the explorer's callback listener.
    pub callback: bool,
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
    /// `success-3ds2-frictionless`: a 3-D Secure card that succeeds without an ACS step.
    ThreeDsFrictionless,
    /// `success-3ds2-challenge`: a 3-D Secure card that ends paid, possibly after an ACS step
    /// (spec 4 leaves open whether the gateway asks for one).
    ThreeDsChallenge,
}

impl Card {
    /// The card's role in a target's `cards`.
    pub fn role(self) -> &'static str {
        match self {
            Card::Success => "success",
            Card::Decline => "decline",
            Card::Expired => "expired",
            Card::NotLuhn => "not-luhn",
            Card::ThreeDsFrictionless => "success-3ds2-frictionless",
            Card::ThreeDsChallenge => "success-3ds2-challenge",
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
    /// `instantPayment.do`: registers the order (`preAuth` for a two-phase one) and pays it
    /// with a test card in one call.
    Instant {
        /// The registration (no auto dates: `instantPayment.do` takes none).
        register: Register,
        /// The card.
        card: Card,
    },
    /// `alfapay/paymentOrder.do` (the router's only): hands the payer to Alfa Pay.
    AlfaPay {
        /// The order.
        slot: usize,
    },
    /// The payer approves or declines on the Alfa Pay page `alfapay/paymentOrder.do` linked to.
    AlfaPayer {
        /// The order.
        slot: usize,
        /// Approve (else Decline).
        approve: bool,
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
    /// A Gate v2 operation.
    Gate(GateOp),
}

/// The currency a Gate v2 refund names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateCurrency {
    /// The payment's (RUB).
    Payment,
    /// None.
    Omitted,
    /// Another one the project does not pay in (USD).
    Other,
}

/// A Gate v2 operation: payments are named by slot, payment ids by index (the same index twice
/// is a repeated `payment_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateOp {
    /// `POST .../alfa-click/sale`.
    Sale {
        /// The slot the new payment fills.
        slot: usize,
        /// Which `payment_id`.
        number: usize,
        /// `payment.amount`.
        amount: i64,
        /// Signed with a wrong key.
        forged: bool,
        /// `general.merchant_callback_url`: the explorer's callback listener.
        callback: bool,
    },
    /// The payer presses a button on the page the redirect data names.
    Payer {
        /// The payment.
        slot: usize,
        /// Success (else Decline).
        success: bool,
    },
    /// `POST .../alfa-click/refund`.
    Refund {
        /// The payment.
        slot: usize,
        /// `payment.amount`; `None`: omitted (what is left).
        amount: Option<i64>,
        /// `payment.currency`.
        currency: GateCurrency,
        /// Signed with a wrong key.
        forged: bool,
        /// `general.merchant_callback_url`: the explorer's callback listener.
        callback: bool,
    },
    /// `POST /v2/payment/status`.
    Status {
        /// The payment.
        slot: usize,
    },
    /// `POST /v2/payment/status` of a payment id never used.
    Unknown,
}

impl GateOp {
    /// The slot the operation touches, if any.
    pub fn slot(&self) -> Option<usize> {
        match self {
            GateOp::Sale { slot, .. }
            | GateOp::Payer { slot, .. }
            | GateOp::Refund { slot, .. }
            | GateOp::Status { slot } => Some(*slot),
            GateOp::Unknown => None,
        }
    }
}

impl Op {
    /// A short name of the operation's kind, for coverage and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Register(r) if r.two_phase => "registerPreAuth",
            Op::Register(_) => "register",
            Op::Pay { card: Card::ThreeDsFrictionless | Card::ThreeDsChallenge, .. } => "pay-3ds",
            Op::Pay { .. } => "pay",
            Op::Instant { register, .. } if register.two_phase => "instantPayment-preAuth",
            Op::Instant { .. } => "instantPayment",
            Op::AlfaPay { .. } => "alfapay",
            Op::AlfaPayer { .. } => "alfapay-payer",
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
            Op::Gate(GateOp::Sale { forged: true, .. }) => "gate-sale-forged",
            Op::Gate(GateOp::Sale { .. }) => "gate-sale",
            Op::Gate(GateOp::Payer { .. }) => "gate-payer",
            Op::Gate(GateOp::Refund { forged: true, .. }) => "gate-refund-forged",
            Op::Gate(GateOp::Refund { .. }) => "gate-refund",
            Op::Gate(GateOp::Status { .. }) => "gate-status",
            Op::Gate(GateOp::Unknown) => "gate-status-unknown",
        }
    }

    /// The slots the operation touches.
    pub fn slots(&self) -> Vec<usize> {
        match self {
            Op::Register(r) | Op::Instant { register: r, .. } => vec![r.slot],
            Op::AlfaPay { slot } | Op::AlfaPayer { slot, .. } => vec![*slot],
            Op::Pay { slot, .. }
            | Op::Deposit { slot, .. }
            | Op::Reverse { slot, .. }
            | Op::Decline { slot }
            | Op::Refund { slot, .. }
            | Op::Status { slot, .. } => vec![*slot],
            Op::Unknown { .. } | Op::Wait { .. } => Vec::new(),
            Op::Together(ops) => ops.iter().flat_map(Op::slots).collect(),
            Op::Gate(op) => op.slot().into_iter().collect(),
        }
    }

    /// Whether the operation lets time pass.
    pub fn waits(&self) -> bool {
        matches!(self, Op::Wait { .. })
    }

    /// Whether the operation is a Gate v2 one.
    pub fn is_gate(&self) -> bool {
        match self {
            Op::Gate(_) => true,
            Op::Together(ops) => ops.iter().any(Op::is_gate),
            _ => false,
        }
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
                    Some(AutoDate::Completion(s)) => write!(f, " autocompletionDate +{s}s")?,
                    Some(AutoDate::Reverse(s)) => write!(f, " autoReverseDate +{s}s")?,
                    None => {}
                }
                if r.callback {
                    write!(f, " dynamicCallbackUrl")?;
                }
                Ok(())
            }
            Op::Pay { slot, card } => write!(f, "pay o{slot} with the {} card", card.role()),
            Op::Instant { register: r, card } => {
                write!(
                    f,
                    "{} o{} amount {} number n{} with the {} card",
                    self.kind(),
                    r.slot,
                    r.amount,
                    r.number,
                    card.role()
                )?;
                if r.callback {
                    write!(f, " dynamicCallbackUrl")?;
                }
                Ok(())
            }
            Op::AlfaPay { slot } => write!(f, "alfapay o{slot}"),
            Op::AlfaPayer { slot, approve } => {
                write!(f, "the payer {} o{slot} on the Alfa Pay page", if *approve { "approves" } else { "declines" })
            }
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
            Op::Gate(op) => write!(f, "{op}"),
        }
    }
}

impl fmt::Display for GateOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let forged = |forged: bool| if forged { " signed with a wrong key" } else { "" };
        let callback = |callback: bool| if callback { " with merchant_callback_url" } else { "" };
        match self {
            GateOp::Sale { slot, number, amount, forged: f1, callback: c } => {
                write!(f, "gate sale p{slot} payment_id i{number} amount {amount}{}{}", forged(*f1), callback(*c))
            }
            GateOp::Payer { slot, success } => {
                write!(f, "the payer presses {} for p{slot}", if *success { "Success" } else { "Decline" })
            }
            GateOp::Refund { slot, amount: a, currency, forged: f1, callback: c } => write!(
                f,
                "gate refund p{slot} amount {} currency {currency:?}{}{}",
                amount(*a),
                forged(*f1),
                callback(*c)
            ),
            GateOp::Status { slot } => write!(f, "gate status p{slot}"),
            GateOp::Unknown => write!(f, "gate status of an unknown payment"),
        }
    }
}
