//! A bounded memory of tokens whose signature already verified, so that a token
//! presented again (every request of a session or an API client) skips the RSA work.
//!
//! Only the signature step is remembered. On every hit the key must still be published
//! under the same `kid` with the same key material (its RFC 7638 thumbprint: a withdrawn
//! or replaced key stops its tokens at once) and every claim rule runs again against the
//! current time. Entries are keyed by the SHA-256 of the exact token bytes.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use aws_lc_rs::digest;

use super::claims::Claims;
use crate::algorithm::Algorithm;
use crate::jwks::key::Thumbprint;

type TokenHash = [u8; 32];

/// What a verified token needs on its next presentation.
#[derive(Clone)]
pub(crate) struct Verified {
    pub(crate) claims: Claims,
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<String>,
    /// The key that verified it: a hit counts only while the key published under this
    /// `kid` is still the same key material.
    pub(crate) thumbprint: Thumbprint,
    /// The other token type the header's `typ` names, if any.
    pub(crate) header_type: Option<&'static str>,
}

pub(crate) struct VerifiedTokens {
    capacity: usize,
    entries: Mutex<HashMap<TokenHash, Verified>>,
}

impl VerifiedTokens {
    pub(crate) fn new(capacity: usize) -> Self {
        VerifiedTokens { capacity, entries: Mutex::new(HashMap::new()) }
    }

    pub(crate) fn key(token: &str) -> TokenHash {
        let hash = digest::digest(&digest::SHA256, token.as_bytes());
        let mut key = [0u8; 32];
        key.copy_from_slice(hash.as_ref());
        key
    }

    /// Whether tokens are remembered at all (capacity above zero).
    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    pub(crate) fn get(&self, key: &TokenHash) -> Option<Verified> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).get(key).cloned()
    }

    /// Remembers a verified token; when full, expired entries go first, then half of
    /// the rest (an arbitrary half: the cost of a wrong choice is one more verification).
    pub(crate) fn insert(&self, key: TokenHash, verified: Verified, now: i64) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity {
            entries.retain(|_, v| v.claims.exp > now);
            if entries.len() >= self.capacity {
                let drop: Vec<TokenHash> = entries.keys().take(entries.len() / 2 + 1).copied().collect();
                for k in drop {
                    entries.remove(&k);
                }
            }
        }
        entries.insert(key, verified);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(exp: i64) -> Verified {
        let payload = format!(r#"{{"sub":"s","iss":"i","exp":{exp}}}"#);
        Verified {
            claims: Claims::from_json(payload.as_bytes()).unwrap(),
            alg: Algorithm::RS256,
            kid: None,
            thumbprint: [0; 32],
            header_type: None,
        }
    }

    #[test]
    fn the_memory_stays_within_its_capacity() {
        let cache = VerifiedTokens::new(10);
        for i in 0..100 {
            cache.insert(VerifiedTokens::key(&format!("token-{i}")), verified(i), 50);
            assert!(cache.entries.lock().unwrap().len() <= 10);
        }
        assert!(cache.get(&VerifiedTokens::key("token-99")).is_some());
        let off = VerifiedTokens::new(0);
        off.insert(VerifiedTokens::key("t"), verified(1), 0);
        assert!(off.get(&VerifiedTokens::key("t")).is_none());
    }
}
