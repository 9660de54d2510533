//! Events, results, and the reporters that render them.

pub mod conformance;
pub mod curl;
pub mod drive;
pub mod event;
pub mod files;
pub mod html;
pub mod json;
pub mod junit;
pub mod result;
pub mod terminal;

pub use event::{Event, Reporter};
