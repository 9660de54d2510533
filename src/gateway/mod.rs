//! The reference gateway: the spec (`payment-api.md`, sections 1–8) in executable form.
//!
//! It is the suite's default target and the yardstick vendors compare their mocks with. One
//! service per API: [`v1`] serves both path families (its pure order state machine in
//! [`v1::model`]) and [`gate`] serves Gate v2; each owns its model, store, notifier, emulator
//! and sweep. Beside them: [`clock`] makes time controllable, [`config`] and [`faults`] (the named
//! deviations the suite must catch, and what each does), [`answer`] (the layer that reshapes
//! answers), [`courier`] (callback delivery for both), [`http`] helpers, and the [`server`] with
//! its [`connections`] bounds.
//! `docs/gateway.md` describes the behaviour chosen where the spec leaves room.

mod admin;
pub mod answer;
pub mod capabilities;
pub mod clock;
pub mod config;
pub mod connections;
pub mod courier;
pub mod faults;
pub mod gate;
mod html;
pub mod http;
pub mod retention;
pub mod server;
pub mod strict;
pub mod v1;

pub use clock::{Clock, ClockMode, EpochMillis};
pub use config::{GatewayConfig, MerchantConfig, ProjectConfig, StoreLimits, TestCard};
pub use connections::ConnectionLimits;
pub use faults::{Fault, FaultSet, UnknownFault, catalogue_listing, catalogue_markdown};
pub use server::{RunningGateway, Services, router};
pub use v1::model::ReverseWindow;
