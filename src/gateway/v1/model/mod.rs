//! The v1 order state machine (spec section 3) as pure code: no I/O, no clock reads. Time is an
//! argument (epoch milliseconds) and the [`Policy`] is data, so every transition can be
//! property-tested under the spec's reading and under any deviation from it.
//!
//! Every operation either succeeds and returns the [`Event`]s it caused, or returns a
//! [`Rejection`] and leaves the order exactly as it was.

mod cancel;
mod capture;
mod event;
mod lifetime;
mod order;
mod payment;
mod policy;
mod refund;
mod rejection;
mod reversal;
mod rules;
mod state;

pub use event::{Event, EventKind};
pub use order::{CardInfo, Family, Operation, OperationKind, Order, RefundRecord, Registration};
pub use payment::Authorization;
pub use policy::{FullRefund, Policy, RefundRemainder};
pub use refund::{RefundItem, RefundOutcome, RefundRequest};
pub use rejection::Rejection;
pub use rules::{MerchantRules, ReverseWindow};
pub use state::OrderState;

/// actionCode of an order declined by `decline.do` (spec 2.9, A5).
pub const ACTION_DECLINED_BY_MERCHANT: i32 = 4005;
/// actionCode of an unpaid order whose lifetime ran out (spec 3.3).
pub const ACTION_SESSION_EXPIRED: i32 = -2007;
/// actionCode of a successful operation.
pub const ACTION_SUCCESS: i32 = 0;
