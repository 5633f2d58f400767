//! Completed login states remembered against replay, with where each login was headed.

use std::collections::{HashMap, VecDeque};

use aws_lc_rs::digest;

/// The most completed login states remembered against replay (each for the login
/// timeout); past it the oldest is forgotten.
const MAX_USED_STATES: usize = 10_000;

/// Completed login states (hashed), each until it could no longer complete anyway.
/// Every entry lives equally long, so insertion order is expiry order: expired entries
/// leave from the front, and each callback costs O(1).
#[derive(Default)]
pub(super) struct UsedStates {
    /// Until when each is remembered, and where its login was headed.
    until: HashMap<[u8; 32], (i64, String)>,
    order: VecDeque<([u8; 32], i64)>,
}

impl UsedStates {
    /// Remembers `key` until `until`; false if it was already remembered.
    pub(super) fn insert(&mut self, key: [u8; 32], until: i64, return_to: &str, now: i64) -> bool {
        while let Some(&(old, old_until)) = self.order.front() {
            if old_until > now && self.order.len() < MAX_USED_STATES {
                break;
            }
            self.order.pop_front();
            if self.until.get(&old).is_some_and(|(t, _)| *t == old_until) {
                self.until.remove(&old);
            }
        }
        if self.contains(&key, now) {
            return false;
        }
        self.until.insert(key, (until, return_to.to_owned()));
        self.order.push_back((key, until));
        true
    }

    pub(super) fn contains(&self, key: &[u8; 32], now: i64) -> bool {
        self.return_to(key, now).is_some()
    }

    /// Where the used login was headed, while it is remembered.
    pub(super) fn return_to(&self, key: &[u8; 32], now: i64) -> Option<&str> {
        self.until.get(key).filter(|(t, _)| *t > now).map(|(_, r)| r.as_str())
    }
}

pub(super) fn state_key(state: &str) -> [u8; 32] {
    let hash = digest::digest(&digest::SHA256, state.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(hash.as_ref());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_states_are_bounded_and_expire_in_order() {
        let mut used = UsedStates::default();
        let key = |i: usize| state_key(&i.to_string());
        assert!(used.insert(key(0), 10, "/", 0));
        assert!(!used.insert(key(0), 10, "/", 1), "a replay is caught");
        assert!(used.contains(&key(0), 9) && !used.contains(&key(0), 10));
        for i in 1..=MAX_USED_STATES + 5 {
            assert!(used.insert(key(i), 100, "/", 20));
        }
        assert!(used.order.len() <= MAX_USED_STATES && used.until.len() <= MAX_USED_STATES);
        assert!(!used.contains(&key(1), 20), "the oldest is forgotten first");
        assert!(used.contains(&key(MAX_USED_STATES + 5), 20));
        // Once expired, entries leave as new ones arrive.
        assert!(used.insert(key(0), 200, "/", 150));
        assert_eq!(used.until.len(), 1);
    }
}
