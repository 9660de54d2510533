//! How a diff line looks on a terminal, the same in the run's failures and in snapshot review.

use anstyle::{AnsiColor, Style};

use crate::outcome::LineKind;

/// Expected (accepted) lines red, actual (new) lines green, headers and context dimmed: insta's
/// and git's colours.
pub fn diff_line_style(kind: LineKind) -> Style {
    match kind {
        LineKind::Expected => AnsiColor::Red.on_default(),
        LineKind::Actual => AnsiColor::Green.on_default(),
        LineKind::Header | LineKind::Same => Style::new().dimmed(),
    }
}
