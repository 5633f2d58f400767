//! The Redis store: one multiplexed, reconnecting connection per process
//! (`redis::aio::ConnectionManager`), every command bounded by the store timeout.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script};

use super::{Write, unavailable};
use crate::error::{Error, Result};

/// How long after a failed command others fail at once instead of waiting out the
/// timeout again: with Redis hanging, requests must not each pay the full timeout.
const FAIL_FAST_FOR: Duration = Duration::from_secs(1);

/// Deletes KEYS[1] only while it holds ARGV[1]: a lock is released by its owner, never
/// by an instance whose lock expired and was taken by another meanwhile.
const DELETE_IF_EQUAL: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/// Sets KEYS[1] to the number ARGV[1] (for ARGV[2] ms) unless it holds a larger one.
const RAISE: &str = "local held = tonumber(redis.call('GET', KEYS[1]) or '') \
    if held == nil or held < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end \
    return 1";

pub(crate) struct RedisStore {
    client: Client,
    timeout: Duration,
    /// This process's connection, with the process id it was made in: a child forked
    /// from a process that used Redis makes its own, as the parent's is driven by a
    /// runtime that does not exist in the child.
    connection: Mutex<Option<(u32, ConnectionManager)>>,
    delete_if_equal: Script,
    raise: Script,
    /// The last failure, and until when commands fail without trying.
    failing: Mutex<Option<(Instant, String)>>,
}

impl RedisStore {
    pub(crate) fn new(url: &str, timeout: Duration) -> Result<Self> {
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("redis" | "rediss")) {
            return Err(Error::InvalidConfig(
                "SCALEKIT_REDIS_URL must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379/0)"
                    .into(),
            ));
        }
        // The parse error is about the URL's shape; the URL may hold a password.
        let client = Client::open(url).map_err(|e| {
            Error::InvalidConfig(format!("SCALEKIT_REDIS_URL is not a valid Redis URL ({})", e.category()))
        })?;
        Ok(RedisStore {
            client,
            timeout,
            connection: Mutex::new(None),
            delete_if_equal: Script::new(DELETE_IF_EQUAL),
            raise: Script::new(RAISE),
            failing: Mutex::new(None),
        })
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// This process's connection, made on first use (it connects lazily, and reconnects
    /// by itself after Redis restarts).
    fn connection(&self) -> Result<ConnectionManager> {
        let pid = std::process::id();
        let mut slot = self.connection.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.take() {
            Some((owner, conn)) if owner == pid => {
                *slot = Some((owner, conn.clone()));
                return Ok(conn);
            }
            // Inherited through fork: dropping it would reach into the parent's runtime.
            Some(inherited) => std::mem::forget(inherited),
            None => {}
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let conn = ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            .map_err(|e| unavailable(describe(&e)))?;
        *slot = Some((pid, conn.clone()));
        Ok(conn)
    }

    /// Runs one command within the timeout.
    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T> {
        let mut conn = self.connection()?;
        self.bounded(cmd.query_async::<T>(&mut conn)).await
    }

    /// Awaits a command for at most the timeout. After a failure, commands fail at once
    /// for a second; then one command probes Redis while the others keep failing at once,
    /// so a hanging Redis costs one request per second the timeout, not every request.
    async fn bounded<T>(&self, command: impl Future<Output = redis::RedisResult<T>>) -> Result<T> {
        {
            let mut failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((until, reason)) = failing.as_mut() {
                let now = Instant::now();
                if now < *until {
                    return Err(unavailable(reason.clone()));
                }
                // This command probes; the others fail fast until it is answered.
                *until = now + self.timeout + FAIL_FAST_FOR;
            }
        }
        let reason = match tokio::time::timeout(self.timeout, command).await {
            Ok(Ok(value)) => {
                let mut failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
                *failing = None;
                return Ok(value);
            }
            // A refused command (a full Redis, a missing permission) is no outage.
            Ok(Err(e))
                if !(e.is_io_error()
                    || e.is_connection_dropped()
                    || e.is_connection_refusal()
                    || e.is_timeout()) =>
            {
                return Err(unavailable(describe(&e)));
            }
            Ok(Err(e)) => describe(&e),
            Err(_) => format!("Redis did not answer within {} ms", self.timeout.as_millis()),
        };
        *self.failing.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((Instant::now() + FAIL_FAST_FOR, reason.clone()));
        Err(unavailable(reason))
    }

    pub(crate) async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>> {
        self.run(redis::cmd("MGET").arg(keys)).await
    }

    pub(crate) async fn set(&self, key: &str, value: &[u8], ttl: Duration, when: Write) -> Result<bool> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value).arg("PX").arg(millis(ttl));
        match when {
            Write::Always => {}
            Write::IfAbsent => {
                cmd.arg("NX");
            }
            Write::IfPresent => {
                cmd.arg("XX");
            }
        }
        let reply: Option<String> = self.run(&cmd).await?;
        Ok(reply.is_some())
    }

    pub(crate) async fn raise(&self, key: &str, value: i64, ttl: Duration) -> Result<()> {
        let mut conn = self.connection()?;
        let mut invocation = self.raise.key(key);
        invocation.arg(value).arg(millis(ttl));
        self.bounded(invocation.invoke_async::<i64>(&mut conn)).await.map(drop)
    }

    pub(crate) async fn delete(&self, key: &str, only_if: Option<&[u8]>) -> Result<()> {
        match only_if {
            None => self.run::<i64>(redis::cmd("DEL").arg(key)).await.map(drop),
            Some(value) => {
                let mut conn = self.connection()?;
                let mut invocation = self.delete_if_equal.key(key);
                invocation.arg(value);
                self.bounded(invocation.invoke_async::<i64>(&mut conn)).await.map(drop)
            }
        }
    }
}

/// A TTL in milliseconds, at least 1 (Redis refuses 0).
fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A Redis error for logs: its kind and Redis's text, never the URL (it may hold a password).
fn describe(e: &redis::RedisError) -> String {
    if e.is_connection_refusal() {
        "Redis refused the connection (is it running at SCALEKIT_REDIS_URL?)".into()
    } else if e.is_timeout() {
        "Redis did not answer in time".into()
    } else {
        format!("Redis failed: {e}")
    }
}
