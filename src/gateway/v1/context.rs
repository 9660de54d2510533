//! What a v1 method handler works with.

use super::service::V1;
use crate::gateway::clock::EpochMillis;
use crate::gateway::v1::model::{Event, Family, Order};
use crate::gateway::v1::policy::Policy;

/// One request's view of the gateway.
pub struct Ctx<'a> {
    /// The v1 service.
    pub v1: &'a V1,
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
        &self.v1.policy
    }

    /// Sends the callbacks of `events` (in the background).
    pub fn notify(&self, order: &Order, events: &[Event]) {
        self.v1.notify(order, events);
    }
}
