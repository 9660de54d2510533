//! What a v1 method handler works with.

use crate::gateway::clock::EpochMillis;
use crate::gateway::instance::Gateway;
use crate::gateway::model::{Event, Family, Order};
use crate::gateway::v1::policy::Policy;

/// One request's view of the gateway.
pub struct Ctx<'a> {
    /// The gateway.
    pub gw: &'a Gateway,
    /// The path family the request came through.
    pub family: Family,
    /// The gateway's public root, `http://host:port`.
    pub root: String,
    /// The time of the request.
    pub now: EpochMillis,
}

impl Ctx<'_> {
    /// The v1 API's rules.
    pub fn policy(&self) -> &Policy {
        &self.gw.policy
    }

    /// Sends the callbacks of `events` (in the background).
    pub fn notify(&self, order: &Order, events: &[Event]) {
        self.gw.notify(order, events);
    }
}
