//! The reporter interface: what the terminal display and the file writers implement.

use crate::outcome::Event;

/// A consumer of events: the terminal display, the JUnit writer, the JSON writer.
pub trait Reporter: Send {
    /// Called for every event, in order.
    fn on_event(&mut self, event: &Event);

    /// Called once after the last event, to write files; errors are reported, not fatal.
    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}
