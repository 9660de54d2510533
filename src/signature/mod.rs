//! Message signatures, shared by the runner (which signs requests and verifies callbacks) and the
//! reference gateway (which verifies requests and signs callbacks), so that both sides compute
//! exactly the same thing:
//!
//! - [`gate`]: Gate v2's signature (spec section 6): flatten the JSON message, sort, join,
//!   HMAC-SHA512, base64;
//! - [`checksum`]: the v1 callback checksum (spec 2.11): sorted `name;value;` pairs,
//!   HMAC-SHA256, upper-case hex.

pub mod checksum;
pub mod gate;

pub use checksum::{checksum, verify_checksum};

/// What checking a message's signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The message carries a signature and it is the one the key gives.
    Valid,
    /// The message carries no signature (or an empty one).
    Missing,
    /// The message carries a signature that the key does not give.
    Invalid {
        /// The signature the message carries.
        received: String,
    },
}

impl Verification {
    /// True for [`Verification::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, Verification::Valid)
    }
}
