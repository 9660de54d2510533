//! How Gate v2 reads the spec: the payment lifecycle's rules plus the checks and signatures of its
//! endpoints and callbacks. The default is the spec's reading.

use super::model;

/// How callbacks are signed (spec 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackSignature {
    /// Over the flattened entries sorted by path, as spec 6 says.
    SortedEntries,
    /// Over the flattened entries in document order.
    DocumentOrder,
    /// Not at all.
    Absent,
}

/// The rules of Gate v2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The payment lifecycle's rules.
    pub payments: model::Policy,
    /// A request whose signature does not match its body is refused with 3261 (spec 5.4).
    pub signature_checked: bool,
    /// A project's `payment_id` is unique (spec 5.2, 3041).
    pub payment_ids_unique: bool,
    /// How callbacks are signed.
    pub callback_signature: CallbackSignature,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            payments: model::Policy::default(),
            signature_checked: true,
            payment_ids_unique: true,
            callback_signature: CallbackSignature::SortedEntries,
        }
    }
}
