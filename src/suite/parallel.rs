//! Loading files on every core: case files are independent until their names are compared, so
//! each is read, parsed and compiled on a worker, and the results come back in the files' order.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The stack each worker gets: the main thread's usual size, since parsing a case file recurses
/// as deep as the file nests (the YAML parser bounds that depth).
const WORKER_STACK: usize = 8 * 1024 * 1024;

/// Applies `work` to every item, on up to one thread per core, and returns the results in the
/// items' order, whatever order they finished in.
pub fn map_in_order<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let workers = cores.min(items.len());
    if workers <= 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let spawned = std::thread::Builder::new().stack_size(WORKER_STACK).spawn_scoped(scope, || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else { break };
                    let result = work(item);
                    *results[index].lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
                }
            });
            // A worker that cannot be started leaves its share to the others (or to the loop below).
            drop(spawned);
        }
    });
    results
        .into_iter()
        .zip(items)
        .map(|(slot, item)| {
            let done = slot.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
            done.unwrap_or_else(|| work(item))
        })
        .collect()
}

/// Runs `first` on a worker (or here, when no thread can be started) and `second` here, and
/// returns both results.
pub fn join<A: Send, B>(first: impl FnOnce() -> A + Send, second: impl FnOnce() -> B) -> (A, B) {
    let first = Mutex::new(Some(first));
    let run_first = || first.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take().map(|work| work());
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new().stack_size(WORKER_STACK).spawn_scoped(scope, run_first);
        let b = second();
        let a = match worker {
            Ok(worker) => worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => None,
        };
        match a.or_else(run_first) {
            Some(a) => (a, b),
            None => unreachable!("`first` runs once, on the worker or here"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_the_items_order() {
        let items: Vec<u64> = (0..500).collect();
        let squares = map_in_order(&items, |n| {
            if n % 7 == 0 {
                std::thread::yield_now();
            }
            n * n
        });
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
        assert!(map_in_order(&[] as &[u64], |n| *n).is_empty());
    }

    #[test]
    fn join_returns_both_results() {
        assert_eq!(join(|| 1 + 1, || "two"), (2, "two"));
    }
}
