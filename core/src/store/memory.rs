//! The in-process store: a map with expiry, for one process (the default).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many writes between sweeps of expired entries: keeps the map to live entries
/// without scanning it on every write.
const SWEEP_EVERY: u32 = 1024;

#[derive(Default)]
pub(crate) struct MemoryStore {
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, (Vec<u8>, Instant)>,
    writes: u32,
}

impl MemoryStore {
    pub(crate) fn get_many(&self, keys: &[&str]) -> Vec<Option<Vec<u8>>> {
        let now = Instant::now();
        let entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        keys.iter()
            .map(|k| entries.map.get(*k).filter(|(_, until)| *until > now).map(|(v, _)| v.clone()))
            .collect()
    }

    /// Stores `value`; with `only_if_absent`, only when `key` holds no live value.
    /// Returns whether it stored.
    pub(crate) fn set(&self, key: &str, value: &[u8], ttl: Duration, only_if_absent: bool) -> bool {
        let now = Instant::now();
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        entries.writes = entries.writes.wrapping_add(1);
        if entries.writes.is_multiple_of(SWEEP_EVERY) {
            entries.map.retain(|_, (_, until)| *until > now);
        }
        if only_if_absent && entries.map.get(key).is_some_and(|(_, until)| *until > now) {
            return false;
        }
        entries.map.insert(key.to_owned(), (value.to_vec(), now + ttl));
        true
    }

    /// Removes `key`; with `only_if`, only while it holds that value.
    pub(crate) fn delete(&self, key: &str, only_if: Option<&[u8]>) {
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if only_if.is_none_or(|v| entries.map.get(key).is_some_and(|(held, _)| held == v)) {
            entries.map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_expire_and_conditional_writes_hold() {
        let store = MemoryStore::default();
        assert!(store.set("a", b"1", Duration::from_secs(60), true));
        assert!(!store.set("a", b"2", Duration::from_secs(60), true), "a held key is not overwritten");
        store.delete("a", Some(b"2"));
        assert_eq!(store.get_many(&["a", "b"]), [Some(b"1".to_vec()), None], "only the owner deletes");
        store.delete("a", Some(b"1"));
        assert_eq!(store.get_many(&["a"]), [None]);
        store.set("c", b"x", Duration::ZERO, false);
        assert_eq!(store.get_many(&["c"]), [None], "an expired value reads as absent");
        assert!(store.set("c", b"y", Duration::from_secs(1), true), "an expired key counts as absent");
    }
}
