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
use crate::store::Write;

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
    format!("skauth:{kind}:{}", hex(hash.as_ref()))
}

/// Lower-case hex. Store keys are hashed on every request of a session (the
/// back-channel logout check), so this writes into one buffer, not a string per byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
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
    /// logout deleted meanwhile: it fails with `SessionExpired` instead.
    pub(crate) async fn save_server_session(
        &self,
        id: &str,
        data: &SessionData,
        now: i64,
        new: bool,
    ) -> Result<()> {
        let idle = i64::try_from(self.config.idle_timeout.as_secs()).unwrap_or(i64::MAX);
        let until = data.created.saturating_add(self.lifetime_seconds()).min(now.saturating_add(idle));
        let ttl = Duration::from_secs(until.saturating_sub(now).max(1).unsigned_abs());
        let key = session_key(id);
        let plain = serde_json::to_vec(data).expect("serializes");
        let sealed = self.sealer.seal_bound(Purpose::StoredSession, key.as_bytes(), &plain);
        let when = if new { Write::Always } else { Write::IfPresent };
        if self.store.write(&key, sealed.as_bytes(), ttl, when).await? {
            Ok(())
        } else {
            Err(Error::SessionExpired("the session was ended".into()))
        }
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

    /// Records a validated logout token: refuses a `jti` seen before, marks its `sid`
    /// (or its user, for sessions begun up to its `iat`) as ended for as long as a session
    /// can live, and only then remembers the `jti`: a provider retrying after a failed
    /// write is not refused as a replay. Marking twice is harmless; of two logouts of one
    /// user, the later `iat` stands whatever their order of arrival.
    pub(crate) async fn record_logout(&self, claims: &LogoutTokenClaims, now: i64) -> Result<()> {
        let jti_key = hashed("logout-jti", &claims.jti);
        if self.store.get(&jti_key).await?.is_some() {
            return Err(Error::TokenReplayed);
        }
        let ttl = Duration::from_secs(self.lifetime_seconds().unsigned_abs());
        if let Some(sid) = &claims.sid {
            self.store.set(&ended_sid_key(sid), claims.iat.to_string().as_bytes(), ttl).await?;
        } else if let Some(sub) = &claims.sub {
            self.store.raise(&ended_sub_key(sub), claims.iat, ttl).await?;
        }
        let jti_ttl = claims.exp.saturating_sub(now).max(MIN_JTI_MEMORY_SECONDS);
        self.store.set(&jti_key, b"1", Duration::from_secs(jti_ttl.unsigned_abs())).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0xab, 0xff]), "000fabff");
        assert_eq!(super::hex(&[]), "");
    }
}
