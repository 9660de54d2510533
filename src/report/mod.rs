//! The reporters: each turns the outcome of a run into something for people or machines. They
//! read the outcome layer and the shared text module, never each other, and never make requests.

pub mod drive;
pub mod files;
pub mod html;
pub mod json;
pub mod junit;
pub mod merge;
pub mod reporter;
pub mod terminal;
pub mod what_changed;

pub use reporter::Reporter;
