//! Text shared by the reporters, snapshot review and the engine's messages: durations, one-line
//! and detailed step messages, the one style of diff lines, and cuts on character boundaries. Built on the outcome layer only.

pub mod cause;
pub mod char_boundary;
pub mod curl;
pub mod diff_style;
pub mod duration;
pub mod step_message;

pub use char_boundary::floor_char_boundary;
pub use curl::curl_command;
pub use diff_style::diff_line_style;
pub use duration::format_duration;
pub use step_message::{check_label, step_details, step_message};
