//! Where the session engine keeps state that outlives a request: refresh locks and their
//! shared results, server-side sessions, ended provider sessions and used logout tokens.
//!
//! In one process the state lives in memory (the default). Several processes behind a
//! load balancer share it in Redis (`SCALEKIT_REDIS_URL`), so that a refresh happens
//! once for the whole cluster and a logout reaches every instance.

mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::time::Duration;

use crate::error::{Error, Result};

pub(crate) use memory::MemoryStore;

/// When a write takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// Always.
    Always,
    /// Only when the key holds no value (a lock, a first use).
    IfAbsent,
    /// Only when the key holds a value (an update that must not bring back a deleted one).
    IfPresent,
}

/// Which room an entry takes in the in-process store, told by its key: what logins
/// create never uses up the room of what ends sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Server-side sessions, their per-user lists, refresh locks and results.
    Session = 0,
    /// Ended-session marks and used logout tokens: written only for a provider's signed
    /// logout token or a logout of an existing session.
    Mark = 1,
}

/// The key prefixes of [`Class::Mark`] entries.
pub(crate) const MARK_PREFIXES: [&str; 5] = [
    "skauth:ended-sid:",
    "skauth:ended-sub:",
    "skauth:ended-by-app:",
    "skauth:logout-jti:",
    "skauth:logged-out:",
];

impl Class {
    pub(crate) fn of(key: &str) -> Self {
        if MARK_PREFIXES.iter().any(|p| key.starts_with(p)) { Class::Mark } else { Class::Session }
    }
}

/// A key-value store with expiry.
pub(crate) enum Store {
    Memory(MemoryStore),
    #[cfg(feature = "redis")]
    Redis(Box<redis::RedisStore>),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind())
    }
}

impl Store {
    /// The store of `redis_url` (`redis://` or `rediss://`), or memory without one.
    /// Builds no connection: Redis is reached at the first use.
    pub(crate) fn new(redis_url: Option<&str>, timeout: Duration) -> Result<Self> {
        match redis_url {
            None => Ok(Store::Memory(MemoryStore::default())),
            #[cfg(feature = "redis")]
            Some(url) => Ok(Store::Redis(Box::new(redis::RedisStore::new(url, timeout)?))),
            #[cfg(not(feature = "redis"))]
            Some(_) => {
                let _ = timeout;
                Err(Error::InvalidConfig(
                    "SCALEKIT_REDIS_URL is set, but this build of scalekit-auth has no Redis support \
                     (enable the crate's `redis` feature)"
                        .into(),
                ))
            }
        }
    }

    /// How long one command may take (nothing for memory).
    pub(crate) fn timeout(&self) -> Duration {
        match self {
            Store::Memory(_) => Duration::ZERO,
            #[cfg(feature = "redis")]
            Store::Redis(r) => r.timeout(),
        }
    }

    /// `memory` or `redis`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Store::Memory(_) => "memory",
            #[cfg(feature = "redis")]
            Store::Redis(_) => "redis",
        }
    }

    /// Whether other processes see what this one writes.
    pub(crate) fn is_shared(&self) -> bool {
        !matches!(self, Store::Memory(_))
    }

    /// The values of `keys`, in order (`None` where absent or expired).
    pub(crate) async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>> {
        match self {
            Store::Memory(m) => Ok(m.get_many(keys)),
            #[cfg(feature = "redis")]
            Store::Redis(r) => r.get_many(keys).await,
        }
    }

    /// The value of `key`.
    pub(crate) async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.get_many(&[key]).await?.pop().flatten())
    }

    /// Stores `value` under `key` for `ttl`.
    pub(crate) async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<()> {
        self.write(key, value, ttl, Write::Always).await.map(drop)
    }

    /// Stores `value` under `key` for `ttl` unless the key holds a value; true if stored.
    pub(crate) async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool> {
        self.write(key, value, ttl, Write::IfAbsent).await
    }

    /// Stores `value` under `key` for `ttl` when `when` allows; true if stored.
    pub(crate) async fn write(&self, key: &str, value: &[u8], ttl: Duration, when: Write) -> Result<bool> {
        match self {
            Store::Memory(m) => m.set(key, value, ttl, when),
            #[cfg(feature = "redis")]
            Store::Redis(r) => r.set(key, value, ttl, when).await,
        }
    }

    /// Stores the number `value` under `key` for `ttl` unless the key holds a larger one:
    /// of two writers, the later time wins whatever their order.
    pub(crate) async fn raise(&self, key: &str, value: i64, ttl: Duration) -> Result<()> {
        match self {
            Store::Memory(m) => m.raise(key, value, ttl),
            #[cfg(feature = "redis")]
            Store::Redis(r) => r.raise(key, value, ttl).await,
        }
    }

    /// Removes `key`, but only while it holds `value` (a lock released by its owner only).
    pub(crate) async fn delete_if_equal(&self, key: &str, value: &[u8]) -> Result<()> {
        match self {
            Store::Memory(m) => {
                m.delete(key, Some(value));
                Ok(())
            }
            #[cfg(feature = "redis")]
            Store::Redis(r) => r.delete(key, Some(value)).await,
        }
    }

    /// Adds the session stored under `session` to those of `owner` (a per-user list that
    /// lives `ttl`) and ends, oldest first, those past the `max` newest still live;
    /// returns the keys it ended.
    pub(crate) async fn track(
        &self,
        owner: &str,
        session: &str,
        max: usize,
        ttl: Duration,
    ) -> Result<Vec<String>> {
        match self {
            Store::Memory(m) => Ok(m.track(owner, session, max, ttl)),
            #[cfg(feature = "redis")]
            Store::Redis(r) => r.track(owner, session, max, ttl).await,
        }
    }

    /// Removes `session` from `owner`'s list (it was logged out).
    pub(crate) async fn untrack(&self, owner: &str, session: &str) -> Result<()> {
        match self {
            Store::Memory(m) => {
                m.untrack(owner, session);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Store::Redis(r) => r.untrack(owner, session).await,
        }
    }

    /// Removes `key`.
    pub(crate) async fn delete(&self, key: &str) -> Result<()> {
        match self {
            Store::Memory(m) => {
                m.delete(key, None);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Store::Redis(r) => r.delete(key, None).await,
        }
    }
}

/// The error of a store operation that failed or took longer than `timeout`.
pub(crate) fn unavailable(what: impl std::fmt::Display) -> Error {
    Error::StoreUnavailable(what.to_string())
}
