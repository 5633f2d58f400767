//! What the session engine keeps in its store: server-side sessions, provider sessions
//! ended by a back-channel logout, and the logout tokens already used.
//!
//! Keys carry hashes, never the identifiers themselves: a session id is a bearer
//! credential, and `sid`/`sub` values need not be readable by whoever reads Redis.
//! Stored sessions are sealed with the session secret like cookies are.

use std::time::Duration;

use aws_lc_rs::digest;

use super::data::SessionData;
use super::engine::SessionEngine;
use super::seal::Purpose;
use crate::error::{Error, Result};
use crate::logout_token::LogoutTokenClaims;

/// The least time a logout token's `jti` is remembered, in seconds (longer when the
/// token is valid longer).
const MIN_JTI_MEMORY_SECONDS: i64 = 600;

/// Where a session is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Held {
    /// In the sealed cookie itself.
    Cookie,
    /// In the store, under this id (the cookie holds the id, sealed).
    Server(String),
}

fn hashed(kind: &str, value: &str) -> String {
    let hash = digest::digest(&digest::SHA256, value.as_bytes());
    let hex: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("skauth:{kind}:{hex}")
}

pub(crate) fn session_key(id: &str) -> String {
    hashed("session", id)
}

fn ended_sid_key(sid: &str) -> String {
    hashed("ended-sid", sid)
}

fn ended_sub_key(sub: &str) -> String {
    hashed("ended-sub", sub)
}

impl SessionEngine {
    fn lifetime_seconds(&self) -> i64 {
        i64::try_from(self.config.absolute_lifetime.as_secs()).unwrap_or(i64::MAX)
    }

    /// The session kept in the store under `id`: `SessionExpired` once it was ended (a
    /// logout, a back-channel logout, its lifetime), `StoreUnavailable` when the store
    /// cannot tell.
    pub(crate) async fn load_server_session(&self, id: &str) -> Result<SessionData> {
        let bytes = self
            .store
            .get(&session_key(id))
            .await?
            .ok_or_else(|| Error::SessionExpired("the session was ended".into()))?;
        let sealed = std::str::from_utf8(&bytes).map_err(|_| Error::SessionInvalid("unreadable".into()))?;
        let plain =
            self.sealer.open(Purpose::Session, sealed).map_err(|r| Error::SessionInvalid(r.into()))?;
        serde_json::from_slice(&plain)
            .map_err(|_| Error::SessionInvalid("the session is not in the expected format".into()))
    }

    /// Stores a server-side session until its idle timeout or absolute lifetime ends,
    /// whichever comes first.
    pub(crate) async fn save_server_session(&self, id: &str, data: &SessionData, now: i64) -> Result<()> {
        let idle = i64::try_from(self.config.idle_timeout.as_secs()).unwrap_or(i64::MAX);
        let until = data.created.saturating_add(self.lifetime_seconds()).min(now.saturating_add(idle));
        let ttl = Duration::from_secs(until.saturating_sub(now).max(1).unsigned_abs());
        let sealed = self.sealer.seal(Purpose::Session, &serde_json::to_vec(data).expect("serializes"));
        self.store.set(&session_key(id), sealed.as_bytes(), ttl).await
    }

    /// Why the provider ended this session, if it did (a back-channel logout of its
    /// `sid`, or of its user after the session began).
    pub(crate) async fn ended_by_provider(&self, data: &SessionData) -> Result<Option<&'static str>> {
        let sid_key = data.sid.as_deref().map(ended_sid_key);
        let sub_key = ended_sub_key(&data.user.id);
        let mut keys = vec![sub_key.as_str()];
        keys.extend(sid_key.as_deref());
        let found = self.store.get_many(&keys).await?;
        let logged_out_at =
            found[0].as_deref().and_then(|v| std::str::from_utf8(v).ok()).and_then(|v| v.parse::<i64>().ok());
        if logged_out_at.is_some_and(|at| at >= data.created) {
            return Ok(Some("the user logged out at the provider"));
        }
        if found.get(1).is_some_and(Option::is_some) {
            return Ok(Some("the session was logged out at the provider"));
        }
        Ok(None)
    }

    /// Records a validated logout token: refuses a `jti` seen before, then marks its
    /// `sid` (or its user, for sessions begun up to its `iat`) as ended, for as long as
    /// a session can live.
    pub(crate) async fn record_logout(&self, claims: &LogoutTokenClaims, now: i64) -> Result<()> {
        let jti_ttl = claims.exp.saturating_sub(now).max(MIN_JTI_MEMORY_SECONDS);
        let first_use = self
            .store
            .set_if_absent(
                &hashed("logout-jti", &claims.jti),
                b"1",
                Duration::from_secs(jti_ttl.unsigned_abs()),
            )
            .await?;
        if !first_use {
            return Err(Error::TokenReplayed);
        }
        let ttl = Duration::from_secs(self.lifetime_seconds().unsigned_abs());
        if let Some(sid) = &claims.sid {
            self.store.set(&ended_sid_key(sid), claims.iat.to_string().as_bytes(), ttl).await?;
        } else if let Some(sub) = &claims.sub {
            self.store.set(&ended_sub_key(sub), claims.iat.to_string().as_bytes(), ttl).await?;
        }
        Ok(())
    }
}
