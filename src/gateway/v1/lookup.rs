//! Naming an order in a request: `orderId` or `orderNumber`, `orderId` winning (spec 2.5).

use super::reply::ApiError;
use super::request::Params;
use crate::gateway::v1::store::OrderKey;

/// An order as a request names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// By `orderId` (or `MDORDER`).
    Id(String),
    /// By `orderNumber`.
    Number(String),
}

impl Named {
    /// The store key.
    pub fn key(&self) -> OrderKey<'_> {
        match self {
            Named::Id(id) => OrderKey::Id(id),
            Named::Number(n) => OrderKey::Number(n),
        }
    }
}

/// The order a request names, looking at `id_names` (in order) then `orderNumber` (when
/// `by_number`); `missing` when none is given.
pub fn order_key(p: &Params, id_names: &[&str], by_number: bool, missing: ApiError) -> Result<Named, ApiError> {
    let not_found = || ApiError::new(6, "Order not found");
    for name in id_names {
        if let Some(id) = p.text(name).map_err(|_| not_found())? {
            return Ok(Named::Id(id));
        }
    }
    if by_number && let Some(n) = p.text("orderNumber").map_err(|_| not_found())? {
        return Ok(Named::Number(n));
    }
    Err(missing)
}
