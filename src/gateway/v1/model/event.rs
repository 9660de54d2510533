//! What an operation did, as the callbacks of spec 2.11 report it.

/// The callback `operation` an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A two-phase authorisation (`approved`).
    Approved,
    /// A one-phase payment or a capture (`deposited`).
    Deposited,
    /// A reversal (`reversed`).
    Reversed,
    /// A refund (`refunded`).
    Refunded,
    /// `decline.do` (`declined`).
    Declined,
    /// Expiry of an unpaid order (`declinedByTimeout`).
    DeclinedByTimeout,
}

impl EventKind {
    /// The callback's `operation` value.
    pub fn operation(self) -> &'static str {
        match self {
            EventKind::Approved => "approved",
            EventKind::Deposited => "deposited",
            EventKind::Reversed => "reversed",
            EventKind::Refunded => "refunded",
            EventKind::Declined => "declined",
            EventKind::DeclinedByTimeout => "declinedByTimeout",
        }
    }
}

/// One thing that happened to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// Whether the operation succeeded (callback `status` 1) or failed (0).
    pub success: bool,
    /// The amount the operation concerned, in minor units.
    pub amount: i64,
}
