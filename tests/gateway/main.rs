//! The reference gateway's tests, in one binary (each test binary costs a link): the pure models'
//! properties, every endpoint over loopback, callbacks, faults, and the hardening against hostile
//! clients. `support` starts gateways and holds a small client.

mod callbacks;
mod concurrency;
mod errors;
mod faults;
mod first_slice;
mod gate;
mod hardening;
mod lifecycle;
mod model_props;
mod oversized_body;
mod strict;
mod support;
