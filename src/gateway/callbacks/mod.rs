//! Callbacks to the merchant (spec 2.11): sent on approve, deposit, reverse, refund and decline,
//! signed when the merchant has a callback token, retried a bounded number of times, and never
//! on the path of the API response (each delivery is its own task).

mod delivery;

pub use crate::signature::checksum;
pub use delivery::{CallbackParams, Callbacks, Notification, client};
