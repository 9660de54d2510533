//! Request URLs parsed once per run. A suite requests the same few URLs again and again, and
//! parsing one (its host above all) cost a tenth of what the client spends on a request.

use std::collections::HashMap;
use std::sync::Mutex;

use url::Url;

/// How many URLs a run keeps parsed; past that, URLs are parsed each time, so that memory stays
/// bounded however many different URLs a suite builds.
const CAPACITY: usize = 1024;

/// Parsed URLs by their text.
#[derive(Default)]
pub struct UrlCache {
    parsed: Mutex<HashMap<String, Url, foldhash::fast::RandomState>>,
}

impl UrlCache {
    /// `text` parsed, or `None` when it is not a URL (the client then reports it as it would).
    pub fn parse(&self, text: &str) -> Option<Url> {
        if let Some(found) = self.lock().get(text) {
            return Some(found.clone());
        }
        let parsed = Url::parse(text).ok()?;
        let mut parsed_urls = self.lock();
        if parsed_urls.len() < CAPACITY {
            parsed_urls.insert(text.to_string(), parsed.clone());
        }
        Some(parsed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Url, foldhash::fast::RandomState>> {
        // A panic while holding the lock cannot leave the map half-written: recover it.
        self.parsed.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_the_parsed_url_each_time_and_nothing_for_text_that_is_not_one() {
        let cache = UrlCache::default();
        let text = "http://127.0.0.1:8080/v1/register.do?a=1";
        for _ in 0..3 {
            assert_eq!(cache.parse(text), Url::parse(text).ok());
        }
        assert_eq!(cache.parse("not a url"), None);
        assert_eq!(cache.parse("not a url"), None);
    }

    #[test]
    fn keeps_at_most_its_capacity() {
        let cache = UrlCache::default();
        for number in 0..CAPACITY + 10 {
            let text = format!("http://h/{number}");
            assert_eq!(cache.parse(&text).map(String::from), Some(text));
        }
        assert_eq!(cache.lock().len(), CAPACITY);
    }
}
