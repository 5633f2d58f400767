//! The time source of every expiry and cache decision, replaceable in tests.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the crate reads the current time. The default is the system clock; tests and
/// sans-IO callers supply their own so that expiry logic never depends on a hidden
/// `SystemTime::now()`.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch, with sub-second precision.
    fn now_millis(&self) -> i64;

    /// Whole seconds since the Unix epoch.
    fn now_seconds(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }
}

/// The operating system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            // A clock set before 1970 is broken; treat it as the epoch rather than panic.
            Err(_) => 0,
        }
    }
}

/// A shared, cloneable handle to a [`Clock`].
#[derive(Clone)]
pub struct SharedClock(pub(crate) Arc<dyn Clock>);

impl SharedClock {
    /// Wraps a clock.
    pub fn new(clock: impl Clock + 'static) -> Self {
        SharedClock(Arc::new(clock))
    }

    pub(crate) fn now_seconds(&self) -> i64 {
        self.0.now_seconds()
    }

    pub(crate) fn now_millis(&self) -> i64 {
        self.0.now_millis()
    }
}

impl Default for SharedClock {
    fn default() -> Self {
        SharedClock::new(SystemClock)
    }
}

impl fmt::Debug for SharedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedClock")
    }
}
