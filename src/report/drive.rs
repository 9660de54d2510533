//! Feeding events to reporters on their own task, so that rendering never slows the engine.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::outcome::EventSink;

use super::reporter::Reporter;

/// Starts a task that hands every event to each reporter in turn and, when the run is over
/// (every sink dropped), lets each reporter write its files. The task yields the errors of
/// reporters that could not finish.
pub fn spawn(mut reporters: Vec<Box<dyn Reporter>>) -> (EventSink, JoinHandle<Vec<String>>) {
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            for reporter in &mut reporters {
                reporter.on_event(&event);
            }
        }
        reporters.iter_mut().filter_map(|reporter| reporter.finish().err()).collect()
    });
    (EventSink::new(sender), task)
}
