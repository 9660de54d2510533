//! The client contract, enforced: what a client must send to each method (request schemas in
//! `schemas/requests/`, clauses of the `client.` area of `clauses.yaml`), checked on every
//! request by `paycheck serve --strict` (a layer in front of the handlers; the models never see
//! it) and by `paycheck proxy`. A [`Session`] records each violation (secrets masked), serves
//! `/_paycheck/violations`, logs a line per request when asked, and sums up at the end
//! ([`report`]).

pub mod clauses;
pub mod contract;
pub mod gate;
pub mod layer;
pub mod report;
pub mod session;
pub mod v1;

pub use contract::{Checked, Finding, Incoming, ProjectKeys, check};
pub use layer::{StrictLayer, VIOLATIONS_PATH};
pub use session::{Exchange, Record, STEP_HEADER, Session, Side, VIOLATIONS_HEADER};
