//! What the session engine keeps in its store ([`SessionRecords`], owned by the engine):
//! server-side sessions and their per-user lists, sessions ended by a logout or a
//! back-channel logout, and the logout tokens already used. Stored sessions are sealed
//! with the session secret like cookies are; keys are named in `keys.rs`.
//!
//! The marks that end sessions (ended `sid`/`sub`, logged-out cookie sessions) and used
//! logout tokens live by their TTL: a Redis that evicts keys before their time
//! (`maxmemory-policy` other than `noeviction`) can bring them back, which the Redis store
//! warns about at first use.

use std::sync::Arc;
use std::time::Duration;

use super::config::SessionConfig;
use super::data::SessionData;
use super::keys::{
    ended_by_app_key, ended_sid_key, ended_sub_key, hashed, logged_out_key, owner_key, session_key,
};
use super::seal::{Purpose, Sealer};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::logout_token::LogoutTokenClaims;
use crate::store::{Store, Write};

/// The most server-side sessions one user keeps at once: a new login past it ends that
/// user's oldest, so one account that scripts logins cannot fill the store.
pub const MAX_SESSIONS_PER_USER: usize = 50;

/// Where a session is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Held {
    /// In the sealed cookie itself.
    Cookie,
    /// In the store, under this id (the cookie holds the id, sealed).
    Server(String),
}

fn seconds(secs: i64) -> Duration {
    Duration::from_secs(secs.max(1).unsigned_abs())
}

/// The store-backed records of one engine, with the lifetimes they are kept for.
pub(crate) struct SessionRecords {
    pub(crate) store: Arc<Store>,
    sealer: Arc<Sealer>,
    /// The sessions' absolute lifetime and idle timeout, in seconds.
    absolute_lifetime: i64,
    idle_timeout: i64,
    /// The validation leeway, in seconds.
    leeway: i64,
    /// The longest a refresh can take (HTTP and store timeouts), in seconds.
    refresh_time: i64,
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

impl SessionRecords {
    pub(crate) fn new(
        store: Arc<Store>,
        sealer: Arc<Sealer>,
        config: &SessionConfig,
        client: &Config,
    ) -> Self {
        SessionRecords {
            absolute_lifetime: secs(config.absolute_lifetime),
            idle_timeout: secs(config.idle_timeout),
            leeway: secs(client.leeway),
            refresh_time: secs(client.http_timeout * 2 + store.timeout() * 3),
            store,
            sealer,
        }
    }

    fn lifetime_seconds(&self) -> i64 {
        self.absolute_lifetime
    }

    /// The session kept in the store under `id`: `SessionExpired` once it was ended (a
    /// logout, a back-channel logout, its lifetime), `StoreUnavailable` when the store
    /// cannot tell.
    pub(crate) async fn load(&self, id: &str) -> Result<SessionData> {
        let key = session_key(id);
        let bytes = self
            .store
            .get(&key)
            .await?
            .ok_or_else(|| Error::SessionExpired("the session was ended".into()))?;
        let sealed = std::str::from_utf8(&bytes).map_err(|_| Error::SessionInvalid("unreadable".into()))?;
        // Bound to its key: a record copied under another session's key does not open,
        // and a stored record is never valid as a cookie.
        let plain = self
            .sealer
            .open_bound(Purpose::StoredSession, key.as_bytes(), sealed)
            .map_err(|r| Error::SessionInvalid(r.into()))?;
        serde_json::from_slice(&plain)
            .map_err(|_| Error::SessionInvalid("the session is not in the expected format".into()))
    }

    /// Stores a server-side session until its idle timeout or absolute lifetime ends,
    /// whichever comes first. An update (`new` false) never brings back a session that a
    /// logout deleted meanwhile: it fails with `SessionExpired` instead. A new one joins
    /// its user's list, which ends the oldest past [`MAX_SESSIONS_PER_USER`].
    pub(crate) async fn save(&self, id: &str, data: &SessionData, now: i64, new: bool) -> Result<()> {
        let idle = self.idle_timeout;
        let until = data.created.saturating_add(self.lifetime_seconds()).min(now.saturating_add(idle));
        let key = session_key(id);
        let plain = serde_json::to_vec(data).expect("serializes");
        let sealed = self.sealer.seal_bound(Purpose::StoredSession, key.as_bytes(), &plain);
        let when = if new { Write::Always } else { Write::IfPresent };
        if !self.store.write(&key, sealed.as_bytes(), seconds(until.saturating_sub(now)), when).await? {
            return Err(Error::SessionExpired("the session was ended".into()));
        }
        if new {
            let owner = owner_key(&data.user.id);
            let ttl = seconds(self.lifetime_seconds());
            match self.store.track(&owner, &key, MAX_SESSIONS_PER_USER, ttl).await {
                Ok(ended) if !ended.is_empty() => tracing::info!(
                    user = %data.user.id,
                    ended = ended.len(),
                    "a login ended the user's oldest server-side sessions (at most {MAX_SESSIONS_PER_USER} at once)"
                ),
                Ok(_) => {}
                // The session is saved; only the bound missed this login.
                Err(err) => tracing::warn!(
                    user = %data.user.id,
                    detail = ?err.to_string(),
                    "could not add a server-side session to its user's list"
                ),
            }
        }
        Ok(())
    }

    /// Deletes a server-side session (a logout) and takes it off its user's list.
    pub(crate) async fn delete(&self, id: &str, user: Option<&str>) -> Result<()> {
        let key = session_key(id);
        self.store.delete(&key).await?;
        if let Some(user) = user {
            self.store.untrack(&owner_key(user), &key).await?;
        }
        Ok(())
    }

    /// Remembers that the cookie session `data` was logged out, so that a refreshed copy
    /// of its cookie (from a refresh that was under way during the logout, answered
    /// after it) is refused. Kept while such a copy could still be used: its idle
    /// timeout (plus a refresh's longest time), within the session's absolute lifetime.
    /// Only a shared store keeps it; in one process's memory the race stays (documented).
    pub(crate) async fn mark_logged_out(&self, data: &SessionData, now: i64) -> Result<()> {
        let Some(id) = data.id.as_deref().filter(|_| self.store.is_shared()) else { return Ok(()) };
        let idle = self.idle_timeout;
        let refresh = self.refresh_time;
        let until = data
            .created
            .saturating_add(self.lifetime_seconds())
            .min(now.saturating_add(idle).saturating_add(refresh).saturating_add(1));
        self.store.set(&logged_out_key(id), b"1", seconds(until.saturating_sub(now))).await
    }

    /// When the session began by the provider's clock: the login's token `iat`, or for
    /// sessions sealed before it was kept, this app's time less the validation leeway
    /// (so a clock running ahead cannot let a session outlive a logout of its user).
    fn provider_login_time(&self, data: &SessionData) -> i64 {
        let leeway = self.leeway;
        data.pat.unwrap_or_else(|| data.created.saturating_sub(leeway))
    }

    /// Why the session was ended elsewhere, if it was: a back-channel logout of its `sid`,
    /// or of its user after the session began, or (cookie sessions with a shared store) a
    /// logout of this very session. One read of the store.
    pub(crate) async fn ended_elsewhere(&self, data: &SessionData) -> Result<Option<&'static str>> {
        let sub_key = ended_sub_key(&data.user.id);
        let app_key = ended_by_app_key(&data.user.id);
        let sid_key = data.sid.as_deref().map(ended_sid_key);
        let out_key = data.id.as_deref().filter(|_| self.store.is_shared()).map(logged_out_key);
        let mut keys = vec![sub_key.as_str(), app_key.as_str()];
        keys.extend(sid_key.as_deref());
        keys.extend(out_key.as_deref());
        let found = self.store.get_many(&keys).await?;
        let number = |v: &Option<Vec<u8>>| {
            v.as_deref().and_then(|v| std::str::from_utf8(v).ok()).and_then(|v| v.parse::<i64>().ok())
        };
        if number(&found[0]).is_some_and(|at| at >= self.provider_login_time(data)) {
            return Ok(Some("the user logged out at the provider"));
        }
        // Sessions sealed before their start was kept in milliseconds count from the
        // start of their second: a mark in that second ends them.
        let began_ms = data.ms.unwrap_or_else(|| data.created.saturating_mul(1000));
        // Begun in the very millisecond of the mark counts as before it: the app ends every
        // session "until now"; a login after the call takes longer than a millisecond.
        if number(&found[1]).is_some_and(|at| at >= began_ms) {
            return Ok(Some("the app ended the user's sessions"));
        }
        let mut rest = found[2..].iter();
        if sid_key.is_some() && rest.next().is_some_and(Option::is_some) {
            return Ok(Some("the session was logged out at the provider"));
        }
        if out_key.is_some() && rest.next().is_some_and(Option::is_some) {
            return Ok(Some("the session was logged out"));
        }
        Ok(None)
    }

    /// Ends every session of `user` begun up to `now_ms` (this app's clock, in
    /// milliseconds, compared with each session's own start by the same clock): a login
    /// right after, even in the same second, is not touched.
    pub(crate) async fn end_user(&self, user: &str, now_ms: i64) -> Result<()> {
        self.store.raise(&ended_by_app_key(user), now_ms, seconds(self.lifetime_seconds())).await
    }

    /// Records a validated logout token: marks its `sid` (or its user, for sessions begun
    /// up to its `iat`) as ended for as long as a session can live, then takes its `jti`
    /// (check and set in one step, kept until the token's `exp` plus the leeway, as long
    /// as it could validate). Marks first: marking is idempotent (a sid mark is a flag, and
    /// of two logouts of one user the later `iat` stands whatever their order), so a
    /// replay only marks again, while a `jti` taken before a mark that then failed would
    /// turn the provider's retry into a refused replay and lose the logout.
    pub(crate) async fn record_logout(&self, claims: &LogoutTokenClaims, now: i64) -> Result<()> {
        let ttl = seconds(self.lifetime_seconds());
        if let Some(sid) = &claims.sid {
            self.store.set(&ended_sid_key(sid), claims.iat.to_string().as_bytes(), ttl).await?;
        } else if let Some(sub) = &claims.sub {
            self.store.raise(&ended_sub_key(sub), claims.iat, ttl).await?;
        }
        let jti_key = hashed("logout-jti", &claims.jti);
        let leeway = self.leeway;
        let jti_ttl = seconds(claims.exp.saturating_add(leeway).saturating_sub(now));
        if self.store.set_if_absent(&jti_key, b"1", jti_ttl).await? {
            Ok(())
        } else {
            Err(Error::TokenReplayed)
        }
    }
}
