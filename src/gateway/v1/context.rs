//! What a v1 method handler works with.

use axum::http::HeaderMap;

use super::service::V1;
use crate::gateway::clock::EpochMillis;
use crate::gateway::http;
use crate::gateway::v1::model::{Event, Family, Order};
use crate::gateway::v1::policy::Policy;

/// One request's view of the gateway.
pub struct Ctx<'a> {
    /// The v1 service.
    pub v1: &'a V1,
    /// The path family the request came through.
    pub family: Family,
    /// The request's headers (the public root is worked out from its `Host` when asked).
    pub headers: &'a HeaderMap,
    /// The time of the request.
    pub now: EpochMillis,
}

impl Ctx<'_> {
    /// The gateway's public root, `http://host:port` (the configured one, or the request's host).
    pub fn root(&self) -> String {
        http::root_url(self.v1.config.public_url.as_deref(), self.headers)
    }

    /// The v1 API's rules.
    pub fn policy(&self) -> &Policy {
        &self.v1.policy
    }

    /// Sends the callbacks of `events` (in the background).
    pub fn notify(&self, order: &Order, events: &[Event]) {
        self.v1.notify(order, events);
    }
}
