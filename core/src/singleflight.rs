//! Share one in-flight operation among every caller that asks for it meanwhile.
//!
//! Used for discovery, key fetches and token refreshes: 200 concurrent requests on a
//! cold client must cause one request to the provider, not 200. No lock is held while
//! the operation runs; the shared future is driven by whichever caller polls it, so a
//! cancelled caller does not strand the others.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use crate::error::Result;

type SharedResult<T> = Shared<BoxFuture<'static, Result<T>>>;

/// One operation at a time, shared by all concurrent callers.
pub(crate) struct SingleFlight<T: Clone> {
    inflight: Mutex<Option<SharedResult<T>>>,
}

impl<T: Clone + Send + Sync + 'static> SingleFlight<T> {
    pub(crate) fn new() -> Self {
        SingleFlight { inflight: Mutex::new(None) }
    }

    /// Joins the running operation, or starts `start()` if none runs.
    pub(crate) async fn run<F>(&self, start: impl FnOnce() -> F) -> Result<T>
    where
        F: Future<Output = Result<T>> + Send + 'static,
    {
        let shared = {
            let mut slot = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
            match slot.as_ref() {
                Some(running) => running.clone(),
                None => {
                    let fresh = start().boxed().shared();
                    *slot = Some(fresh.clone());
                    fresh
                }
            }
        };
        let result = shared.clone().await;
        let mut slot = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_some_and(|running| running.ptr_eq(&shared)) {
            *slot = None;
        }
        result
    }
}

/// Like [`SingleFlight`], one operation per key (e.g. per refresh token).
pub(crate) struct KeyedSingleFlight<K, T: Clone> {
    inflight: Mutex<HashMap<K, SharedResult<T>>>,
}

impl<K: Eq + Hash + Clone, T: Clone + Send + Sync + 'static> KeyedSingleFlight<K, T> {
    pub(crate) fn new() -> Self {
        KeyedSingleFlight { inflight: Mutex::new(HashMap::new()) }
    }

    /// Joins the operation running for `key`, or starts `start()` for it.
    pub(crate) async fn run<F>(&self, key: K, start: impl FnOnce() -> F) -> Result<T>
    where
        F: Future<Output = Result<T>> + Send + 'static,
    {
        let shared = {
            let mut map = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
            map.entry(key.clone()).or_insert_with(|| start().boxed().shared()).clone()
        };
        let result = shared.clone().await;
        let mut map = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
        if map.get(&key).is_some_and(|running| running.ptr_eq(&shared)) {
            map.remove(&key);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_callers_share_one_run() {
        let flight = Arc::new(SingleFlight::<usize>::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (flight, runs) = (flight.clone(), runs.clone());
            tasks.push(tokio::spawn(async move {
                flight
                    .run(|| async move {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(runs.fetch_add(1, Ordering::SeqCst) + 1)
                    })
                    .await
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), 1);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        // Once finished, the next call runs again.
        let again = flight.run(|| async { Ok(7) }).await.unwrap();
        assert_eq!(again, 7);
    }

    #[tokio::test]
    async fn a_cancelled_caller_does_not_strand_the_operation() {
        let flight = Arc::new(SingleFlight::<u8>::new());
        let first = flight.run(|| async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            Ok(1)
        });
        // Poll once, then drop: the operation stays registered and the next caller drives it.
        assert!(tokio::time::timeout(Duration::from_millis(1), first).await.is_err());
        let second = flight.run(|| async { Ok(2) }).await.unwrap();
        assert_eq!(second, 1);
    }

    #[tokio::test]
    async fn keyed_runs_are_independent_per_key() {
        let flight = KeyedSingleFlight::<String, String>::new();
        let (a, b) = tokio::join!(
            flight.run("a".into(), || async { Ok("A".to_string()) }),
            flight.run("b".into(), || async { Ok("B".to_string()) }),
        );
        assert_eq!((a.unwrap(), b.unwrap()), ("A".into(), "B".into()));
    }
}
