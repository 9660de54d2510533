//! Compiled artefacts shared by source text: a suite writes the same expressions, regexes and
//! JSONPath queries in many files, and each is compiled once per process; a run requests the
//! same URLs again and again, and each is parsed once per run.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// How many different sources a cache keeps; past that, sources are compiled without being kept,
/// so that memory stays bounded whatever the suite holds.
const CAPACITY: usize = 4096;

/// Compiled values by the text they were compiled from. Only successes are kept: a source that
/// fails to compile is compiled again (and fails again) each time, so its error is always fresh.
pub struct SourceCache<T> {
    entries: Mutex<BTreeMap<String, T>>,
}

impl<T: Clone> SourceCache<T> {
    /// An empty cache, for a `static`.
    pub const fn new() -> SourceCache<T> {
        SourceCache { entries: Mutex::new(BTreeMap::new()) }
    }

    /// The value compiled from `source`, compiling it on first use. The lock is not held while
    /// compiling, so that files loaded in parallel do not wait for each other.
    pub fn get_or_compile<E>(&self, source: &str, compile: impl FnOnce(&str) -> Result<T, E>) -> Result<T, E> {
        if let Some(found) = self.lock().get(source) {
            return Ok(found.clone());
        }
        let compiled = compile(source)?;
        let mut entries = self.lock();
        if entries.len() < CAPACITY {
            entries.entry(source.to_string()).or_insert_with(|| compiled.clone());
        }
        Ok(compiled)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, T>> {
        // A panic while holding the lock cannot leave the map half-written: recover it.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<T: Clone> Default for SourceCache<T> {
    fn default() -> SourceCache<T> {
        SourceCache::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_each_source_once_and_never_keeps_errors() {
        let cache: SourceCache<usize> = SourceCache::new();
        let mut calls = 0;
        let mut compile = |source: &str| -> Result<usize, String> {
            calls += 1;
            if source.is_empty() { Err("empty".into()) } else { Ok(source.len()) }
        };
        assert_eq!(cache.get_or_compile("abc", &mut compile), Ok(3));
        assert_eq!(cache.get_or_compile("abc", &mut compile), Ok(3));
        assert!(cache.get_or_compile("", &mut compile).is_err());
        assert!(cache.get_or_compile("", &mut compile).is_err());
        assert_eq!(calls, 3);
    }

    #[test]
    fn keeps_at_most_its_capacity() {
        let cache: SourceCache<usize> = SourceCache::new();
        for n in 0..CAPACITY + 10 {
            let _ = cache.get_or_compile(&n.to_string(), |source| Ok::<_, ()>(source.len()));
        }
        assert_eq!(cache.lock().len(), CAPACITY);
        assert_eq!(cache.get_or_compile("99999999", |source| Ok::<_, ()>(source.len())), Ok(8));
    }
}
