//! The reference gateway: the spec (`payment-api.md`, sections 1–8) in executable form.
//!
//! It is the suite's default target and the yardstick vendors compare their mocks with. The state
//! machine lives in [`model`] as pure code; [`v1`] serves both path families over one order store;
//! [`gate`] serves Gate v2 (signed requests, signed callbacks, the Alfa-Click emulator);
//! [`clock`] makes time controllable; [`faults`] holds the named deviations the suite must catch.
//! `docs/gateway.md` describes the behaviour chosen where the spec leaves room.

mod admin;
pub mod alfapay_emulator;
pub mod callbacks;
pub mod capabilities;
pub mod cards;
pub mod clock;
pub mod config;
pub mod faults;
pub mod gate;
mod html;
pub mod instance;
pub mod model;
pub mod server;
pub mod store;
pub mod v1;

pub use clock::{Clock, ClockMode, EpochMillis};
pub use config::{GatewayConfig, MerchantConfig, ProjectConfig, TestCard};
pub use faults::{Fault, FaultSet, UnknownFault, catalogue_listing};
pub use model::ReverseWindow;
pub use server::{RunningGateway, router};
