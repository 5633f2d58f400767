//! The in-process store: a map with expiry, for one process (the default).
//!
//! Every write costs O(log n) at most, never a scan of the map under the lock: expiry
//! times wait in a min-heap, and each write drops the entries whose time has come.
//! Entries of two kinds are counted apart ([`Class`]): what logins create (server-side
//! sessions, refresh locks) cannot use up the room of what ends sessions (back-channel
//! logout marks and used logout tokens), which only the provider's signed tokens create.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{Class, Write, unavailable};
use crate::error::Result;

/// The most live entries of [`Class::Session`]: past it, new ones fail
/// (`store_unavailable`) rather than grow memory without bound.
const MAX_SESSION_ENTRIES: usize = 200_000;

/// The most live entries of [`Class::Mark`]. Nothing is evicted: dropping an "ended
/// session" mark would bring that session back.
const MAX_MARK_ENTRIES: usize = 200_000;

#[derive(Default)]
pub(crate) struct MemoryStore {
    inner: Mutex<Entries>,
}

struct Entry {
    value: Vec<u8>,
    until: Instant,
    class: Class,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    /// Every expiry time written, soonest first; stale ones (the key was rewritten or
    /// deleted since) are skipped when they come up.
    expiries: BinaryHeap<Reverse<(Instant, String)>>,
    /// Live entries of each class.
    counts: [usize; 2],
    /// Per user, the keys of their server-side sessions, oldest first.
    owners: HashMap<String, (VecDeque<String>, Instant)>,
    /// How many lists there were after the last sweep of expired ones: the next sweep
    /// waits until they doubled, so sweeping costs O(1) per write on average.
    owners_swept: usize,
}

impl Entries {
    fn live(&self, key: &str, now: Instant) -> Option<&Vec<u8>> {
        self.map.get(key).filter(|e| e.until > now).map(|e| &e.value)
    }

    fn remove(&mut self, key: &str) {
        if let Some(entry) = self.map.remove(key) {
            self.counts[entry.class as usize] -= 1;
        }
    }

    /// Drops the entries whose time has come. Amortized O(log n): each heap item is
    /// pushed once by a write and popped once.
    fn expire(&mut self, now: Instant) {
        while let Some(Reverse((until, _))) = self.expiries.peek() {
            if *until > now {
                break;
            }
            let Some(Reverse((until, key))) = self.expiries.pop() else { break };
            if self.map.get(&key).is_some_and(|e| e.until == until) {
                self.remove(&key);
            }
        }
        // Rewrites leave stale heap items behind: rebuilt when they outnumber the
        // entries, so the heap stays within a constant factor of the map.
        if self.expiries.len() > 2 * self.map.len() + 1024 {
            self.expiries = self.map.iter().map(|(k, e)| Reverse((e.until, k.clone()))).collect();
        }
        if self.owners.len() > (2 * self.owners_swept).max(1024) {
            self.owners.retain(|_, (list, until)| *until > now && !list.is_empty());
            self.owners_swept = self.owners.len();
        }
    }

    fn insert(&mut self, key: &str, value: &[u8], ttl: Duration, class: Class, now: Instant) -> Result<()> {
        self.expire(now);
        if !self.map.contains_key(key) {
            let (count, max) = match class {
                Class::Session => (self.counts[0], MAX_SESSION_ENTRIES),
                Class::Mark => (self.counts[1], MAX_MARK_ENTRIES),
            };
            if count >= max {
                return Err(unavailable(format!(
                    "the in-process store holds {max} entries of this kind; use Redis"
                )));
            }
        }
        let until = now + ttl;
        self.remove(key);
        self.counts[class as usize] += 1;
        self.map.insert(key.to_owned(), Entry { value: value.to_vec(), until, class });
        self.expiries.push(Reverse((until, key.to_owned())));
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
        entries.insert(key, value, ttl, Class::of(key), now)?;
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
        entries.insert(key, value.to_string().as_bytes(), ttl, Class::of(key), now)
    }

    /// Removes `key`; with `only_if`, only while it holds that value.
    pub(crate) fn delete(&self, key: &str, only_if: Option<&[u8]>) {
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if only_if.is_none_or(|v| entries.map.get(key).is_some_and(|e| e.value == v)) {
            entries.remove(key);
        }
    }

    /// Adds `session` to `owner`'s sessions and ends the oldest of those still live past
    /// `max`; returns the keys it ended. O(max), whatever the store holds.
    pub(crate) fn track(&self, owner: &str, session: &str, max: usize, ttl: Duration) -> Vec<String> {
        let now = Instant::now();
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut list = entries.owners.remove(owner).map(|(list, _)| list).unwrap_or_default();
        list.retain(|key| key != session && entries.live(key, now).is_some());
        list.push_back(session.to_owned());
        let mut ended = Vec::new();
        while list.len() > max {
            let Some(oldest) = list.pop_front() else { break };
            entries.remove(&oldest);
            ended.push(oldest);
        }
        entries.owners.insert(owner.to_owned(), (list, now + ttl));
        ended
    }

    /// Forgets `session` among `owner`'s sessions (it was logged out).
    pub(crate) fn untrack(&self, owner: &str, session: &str) {
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((list, _)) = entries.owners.get_mut(owner) {
            list.retain(|key| key != session);
            if list.is_empty() {
                entries.owners.remove(owner);
            }
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
        for i in 0..MAX_SESSION_ENTRIES {
            store.set(&format!("skauth:session:{i}"), b"", MINUTE, Write::Always).unwrap();
        }
        let err = store.set("skauth:session:one-more", b"", MINUTE, Write::Always).unwrap_err();
        assert_eq!(err.code(), "store_unavailable");
        assert!(
            store.set("skauth:session:7", b"updated", MINUTE, Write::Always).unwrap(),
            "existing keys still update"
        );
        // What logins fill leaves the room of what ends sessions alone.
        assert!(store.set("skauth:ended-sid:abc", b"1", MINUTE, Write::Always).unwrap());
        assert!(store.set("skauth:logout-jti:abc", b"1", MINUTE, Write::IfAbsent).unwrap());
    }

    #[test]
    fn expired_entries_leave_without_a_scan_and_free_their_room() {
        let store = MemoryStore::default();
        for i in 0..1000 {
            store.set(&format!("k{i}"), b"v", Duration::ZERO, Write::Always).unwrap();
        }
        store.set("live", b"v", MINUTE, Write::Always).unwrap();
        let entries = store.inner.lock().unwrap();
        assert_eq!(entries.map.len(), 1, "each write drops what expired");
        assert_eq!(entries.counts, [1, 0]);
        assert!(entries.expiries.len() <= 2 * entries.map.len() + 1024);
    }

    #[test]
    fn lists_of_users_are_swept_only_once_they_doubled() {
        let store = MemoryStore::default();
        for i in 0..3000 {
            store.set(&format!("s{i}"), b"", Duration::ZERO, Write::Always).unwrap();
            store.track(&format!("u{i}"), &format!("s{i}"), 3, Duration::ZERO);
        }
        store.set("live", b"", MINUTE, Write::Always).unwrap();
        let entries = store.inner.lock().unwrap();
        assert!(entries.owners.len() <= 1024, "expired lists are swept: {}", entries.owners.len());
        drop(entries);
        store.track("u-last", "live", 3, MINUTE);
        store.untrack("u-last", "live");
        assert!(!store.inner.lock().unwrap().owners.contains_key("u-last"), "an empty list goes");
    }

    #[test]
    fn rewrites_keep_the_heap_bounded() {
        let store = MemoryStore::default();
        for _ in 0..10_000 {
            store.set("same", b"v", MINUTE, Write::Always).unwrap();
        }
        let entries = store.inner.lock().unwrap();
        assert_eq!(entries.map.len(), 1);
        assert!(entries.expiries.len() <= 1027, "{}", entries.expiries.len());
    }

    #[test]
    fn a_user_keeps_the_newest_sessions_only() {
        let store = MemoryStore::default();
        for i in 0..5 {
            store.set(&format!("s{i}"), b"", MINUTE, Write::Always).unwrap();
            let ended = store.track("u", &format!("s{i}"), 3, MINUTE);
            assert_eq!(ended, if i >= 3 { vec![format!("s{}", i - 3)] } else { vec![] });
        }
        assert_eq!(store.get_many(&["s0", "s1", "s2"]), [None, None, Some(Vec::new())]);
        // A logged-out session leaves room for a new one.
        store.delete("s2", None);
        store.untrack("u", "s2");
        store.set("s5", b"", MINUTE, Write::Always).unwrap();
        assert!(store.track("u", "s5", 3, MINUTE).is_empty());
    }
}
