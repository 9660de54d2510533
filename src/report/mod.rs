//! Events, results, and the reporters that render them.

pub mod conformance;
pub mod drive;
pub mod event;
pub mod result;
pub mod terminal;

pub use event::{Event, Reporter};
