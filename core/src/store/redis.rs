//! The Redis store: one multiplexed, reconnecting connection per process
//! (`redis::aio::ConnectionManager`), every command bounded by the store timeout.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
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

/// Adds ARGV[1] (a session's key) to the sorted set KEYS[1] after its newest member (the
/// score counts logins, so order is arrival order even within one second), forgets
/// members whose session is gone, ends (deletes) the oldest past ARGV[2], keeps the set
/// ARGV[3] ms, and returns the keys it ended. The session keys it touches are not
/// declared in KEYS: fine on one Redis (or a replicated one), not on a Cluster.
const TRACK: &str = "local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES') \
    local score = 0 \
    if newest[2] then score = tonumber(newest[2]) + 1 end \
    redis.call('ZADD', KEYS[1], score, ARGV[1]) \
    for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do \
      if m ~= ARGV[1] and redis.call('EXISTS', m) == 0 then redis.call('ZREM', KEYS[1], m) end \
    end \
    local ended = {} \
    local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2]) \
    if extra > 0 then \
      ended = redis.call('ZRANGE', KEYS[1], 0, extra - 1) \
      for _, m in ipairs(ended) do redis.call('ZREM', KEYS[1], m) redis.call('DEL', m) end \
    end \
    redis.call('PEXPIRE', KEYS[1], ARGV[3]) \
    return ended";

/// The eviction policy under which nothing with an expiry is dropped before its time.
const SAFE_POLICY: &str = "noeviction";

pub(crate) struct RedisStore {
    client: Client,
    timeout: Duration,
    /// This process's connection, with the process id it was made in: a child forked
    /// from a process that used Redis makes its own, as the parent's is driven by a
    /// runtime that does not exist in the child.
    connection: Mutex<Option<(u32, ConnectionManager)>>,
    delete_if_equal: Script,
    raise: Script,
    track: Script,
    /// Whether the eviction policy was looked at (once, after the first command that
    /// Redis answered).
    policy_checked: Arc<AtomicBool>,
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
            track: Script::new(TRACK),
            policy_checked: Arc::new(AtomicBool::new(false)),
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
        let answer = self.bounded(cmd.query_async::<T>(&mut conn)).await;
        if answer.is_ok() {
            self.check_policy(conn);
        }
        answer
    }

    /// Once, after the first command Redis answered, in a task of its own (no request
    /// waits for it): warns when Redis may evict keys before their expiry. Logout marks
    /// and used logout tokens live by their TTL; evicted, they let a logged-out session
    /// back in, or a logout token be replayed.
    fn check_policy(&self, mut conn: ConnectionManager) {
        if self.policy_checked.swap(true, Ordering::Relaxed) {
            return;
        }
        let (checked, timeout) = (Arc::clone(&self.policy_checked), self.timeout);
        tokio::spawn(async move {
            match eviction_policy(&mut conn, timeout).await {
                Ok(Some(policy)) if policy != SAFE_POLICY => tracing::warn!(
                    policy = %policy,
                    "Redis may evict keys before they expire (maxmemory-policy {policy}): logged-out \
                     sessions could come back and logout tokens be replayed; set maxmemory-policy \
                     noeviction (or use a Redis of its own for scalekit-auth)"
                ),
                Ok(Some(_)) => {}
                // Neither CONFIG nor INFO is allowed: nothing to read, ever.
                Ok(None) => tracing::debug!("cannot read Redis's maxmemory-policy (CONFIG and INFO refused)"),
                // Unreachable now: looked at again after the next answered command.
                Err(()) => checked.store(false, Ordering::Relaxed),
            }
        });
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

    pub(crate) async fn track(
        &self,
        owner: &str,
        session: &str,
        max: usize,
        ttl: Duration,
    ) -> Result<Vec<String>> {
        let mut conn = self.connection()?;
        let mut invocation = self.track.key(owner);
        invocation.arg(session).arg(max).arg(millis(ttl));
        self.bounded(invocation.invoke_async::<Vec<String>>(&mut conn)).await
    }

    pub(crate) async fn untrack(&self, owner: &str, session: &str) -> Result<()> {
        self.run::<i64>(redis::cmd("ZREM").arg(owner).arg(session)).await.map(drop)
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

/// Redis's `maxmemory-policy`: from `CONFIG GET`, or `INFO memory` where `CONFIG` is
/// disabled (managed Redis often renames it away). `Ok(None)` when both are refused,
/// `Err` when Redis did not answer.
async fn eviction_policy(conn: &mut ConnectionManager, timeout: Duration) -> Result<Option<String>, ()> {
    let mut config = redis::cmd("CONFIG");
    config.arg("GET").arg("maxmemory-policy");
    match tokio::time::timeout(timeout, config.query_async::<Vec<String>>(conn)).await {
        Ok(Ok(pair)) if pair.len() == 2 => return Ok(Some(pair[1].clone())),
        Ok(Err(e)) if e.is_io_error() || e.is_connection_dropped() || e.is_timeout() => return Err(()),
        Err(_) => return Err(()),
        _ => {}
    }
    let mut info = redis::cmd("INFO");
    info.arg("memory");
    match tokio::time::timeout(timeout, info.query_async::<String>(conn)).await {
        Ok(Ok(text)) => {
            Ok(text.lines().find_map(|l| l.strip_prefix("maxmemory_policy:")).map(|p| p.trim().to_owned()))
        }
        Ok(Err(e)) if !(e.is_io_error() || e.is_connection_dropped() || e.is_timeout()) => Ok(None),
        _ => Err(()),
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
