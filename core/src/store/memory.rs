//! The in-process store: a map with expiry, for one process (the default).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{Write, unavailable};
use crate::error::Result;

/// How many writes between sweeps of expired entries: keeps the map to live entries
/// without scanning it on every write.
const SWEEP_EVERY: u32 = 1024;

/// The most live entries: past it, writes fail (`store_unavailable`) rather than grow
/// memory without bound. Nothing is evicted: dropping an "ended session" mark would
/// bring that session back.
const MAX_ENTRIES: usize = 200_000;

#[derive(Default)]
pub(crate) struct MemoryStore {
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, (Vec<u8>, Instant)>,
    writes: u32,
}

impl Entries {
    fn live(&self, key: &str, now: Instant) -> Option<&Vec<u8>> {
        self.map.get(key).filter(|(_, until)| *until > now).map(|(v, _)| v)
    }

    /// Makes room for one more entry: a sweep every [`SWEEP_EVERY`] writes, or when full.
    fn admit(&mut self, key: &str, now: Instant) -> Result<()> {
        self.writes = self.writes.wrapping_add(1);
        if self.writes.is_multiple_of(SWEEP_EVERY) || self.map.len() >= MAX_ENTRIES {
            self.map.retain(|_, (_, until)| *until > now);
        }
        if self.map.len() >= MAX_ENTRIES && !self.map.contains_key(key) {
            return Err(unavailable(format!("the in-process store holds {MAX_ENTRIES} entries; use Redis")));
        }
        Ok(())
    }
}

impl MemoryStore {
    pub(crate) fn get_many(&self, keys: &[&str]) -> Vec<Option<Vec<u8>>> {
        let now = Instant::now();
        let entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        keys.iter().map(|k| entries.live(k, now).cloned()).collect()
    }

    /// Stores `value` when `when` allows; returns whether it stored.
    pub(crate) fn set(&self, key: &str, value: &[u8], ttl: Duration, when: Write) -> Result<bool> {
        let now = Instant::now();
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let present = entries.live(key, now).is_some();
        if (when == Write::IfAbsent && present) || (when == Write::IfPresent && !present) {
            return Ok(false);
        }
        entries.admit(key, now)?;
        entries.map.insert(key.to_owned(), (value.to_vec(), now + ttl));
        Ok(true)
    }

    /// Stores `value` unless the key holds a larger number.
    pub(crate) fn raise(&self, key: &str, value: i64, ttl: Duration) -> Result<()> {
        let now = Instant::now();
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let held = entries.live(key, now).and_then(|v| std::str::from_utf8(v).ok()?.parse::<i64>().ok());
        if held.is_some_and(|held| held >= value) {
            return Ok(());
        }
        entries.admit(key, now)?;
        entries.map.insert(key.to_owned(), (value.to_string().into_bytes(), now + ttl));
        Ok(())
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

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn values_expire_and_conditional_writes_hold() {
        let store = MemoryStore::default();
        assert!(store.set("a", b"1", MINUTE, Write::IfAbsent).unwrap());
        assert!(!store.set("a", b"2", MINUTE, Write::IfAbsent).unwrap(), "a held key is not overwritten");
        store.delete("a", Some(b"2"));
        assert_eq!(store.get_many(&["a", "b"]), [Some(b"1".to_vec()), None], "only the owner deletes");
        store.delete("a", Some(b"1"));
        assert_eq!(store.get_many(&["a"]), [None]);
        assert!(
            !store.set("a", b"3", MINUTE, Write::IfPresent).unwrap(),
            "a deleted key is not brought back"
        );
        store.set("c", b"x", Duration::ZERO, Write::Always).unwrap();
        assert_eq!(store.get_many(&["c"]), [None], "an expired value reads as absent");
        assert!(store.set("c", b"y", MINUTE, Write::IfAbsent).unwrap(), "an expired key counts as absent");
    }

    #[test]
    fn raise_keeps_the_larger_number() {
        let store = MemoryStore::default();
        store.raise("t", 20, MINUTE).unwrap();
        store.raise("t", 10, MINUTE).unwrap();
        assert_eq!(store.get_many(&["t"]), [Some(b"20".to_vec())]);
        store.raise("t", 30, MINUTE).unwrap();
        assert_eq!(store.get_many(&["t"]), [Some(b"30".to_vec())]);
    }

    #[test]
    fn a_full_store_refuses_new_keys_instead_of_growing() {
        let store = MemoryStore::default();
        for i in 0..MAX_ENTRIES {
            store.set(&i.to_string(), b"", MINUTE, Write::Always).unwrap();
        }
        let err = store.set("one-more", b"", MINUTE, Write::Always).unwrap_err();
        assert_eq!(err.code(), "store_unavailable");
        assert!(store.set("7", b"updated", MINUTE, Write::Always).unwrap(), "existing keys still update");
    }
}
