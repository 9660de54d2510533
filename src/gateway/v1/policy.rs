//! How the v1 API reads the spec: the state machine's rules plus the checks its endpoints make.
//! The default is the spec's reading.

use crate::gateway::v1::model;

/// The rules of the v1 API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The order state machine's rules.
    pub state_machine: model::Policy,
    /// A wrong password is refused with 5 Access denied (spec 1.2).
    pub password_checked: bool,
    /// Parameters are read from the query string as well as the body (SDK-1).
    pub query_string_read: bool,
    /// A PAN failing the Luhn check is refused (spec section 4).
    pub luhn_checked: bool,
    /// The decline test cards are declined by the issuer (spec section 4).
    pub decline_cards_decline: bool,
    /// A merchant sees only its own orders (spec 1.2).
    pub orders_isolated_by_merchant: bool,
    /// A merchant's `orderNumber` is unique (spec 2.1, error 1).
    pub order_numbers_unique: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            state_machine: model::Policy::default(),
            password_checked: true,
            query_string_read: true,
            luhn_checked: true,
            decline_cards_decline: true,
            orders_isolated_by_merchant: true,
            order_numbers_unique: true,
        }
    }
}
