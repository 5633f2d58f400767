//! What the sealed cookies hold.

use serde::{Deserialize, Serialize};

use crate::exchange::{AuthResult, User};

/// The contents of the session cookie.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct SessionData {
    /// The access token (validated on every request).
    pub(crate) at: String,
    /// The refresh token, when `offline_access` was granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rt: Option<String>,
    /// The ID token, kept as the logout hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) it: Option<String>,
    /// When the access token expires (seconds since the epoch).
    pub(crate) exp: i64,
    /// When the access token was issued: with `exp`, its lifetime, which bounds the
    /// refresh window (absent in sessions sealed before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) iat: Option<i64>,
    /// When the session began (for the absolute lifetime).
    pub(crate) created: i64,
    /// When the session was last used (for the idle timeout).
    pub(crate) seen: i64,
    /// The user of the login (refreshes without an ID token keep it).
    pub(crate) user: User,
    /// The provider's session id (`sid`), which a back-channel logout names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sid: Option<String>,
    /// What the app's after-callback hook kept in the session; refreshes carry it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) app: Option<serde_json::Value>,
    /// The session's own id, random, kept by every refresh: a logout leaves a mark under
    /// it, so a refreshed cookie that reaches the browser after the logout is refused
    /// (absent in sessions sealed before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<String>,
    /// When the login happened by the provider's clock (the ID token's `iat`, else the
    /// access token's): a back-channel logout of the user is compared with it, not with
    /// this app's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pat: Option<i64>,
    /// When the session began by this app's clock, in milliseconds: the app's own end of
    /// a user's sessions (`end_sessions_for`) is compared with it, never with the
    /// provider's clock (absent in sessions sealed before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ms: Option<i64>,
}

impl SessionData {
    /// A new session from a login, or the next one from a refresh of `previous`.
    pub(crate) fn from_result(result: &AuthResult, previous: Option<&SessionData>, now: i64) -> Self {
        let user = match (previous, &result.id_token_claims) {
            (Some(prev), None) => prev.user.clone(),
            _ => result.user.clone(),
        };
        SessionData {
            at: result.access_token.clone(),
            rt: result.refresh_token.clone().or_else(|| previous.and_then(|p| p.rt.clone())),
            it: result.id_token.clone().or_else(|| previous.and_then(|p| p.it.clone())),
            exp: result.access_token_claims.exp,
            iat: result.access_token_claims.iat,
            created: previous.map_or(now, |p| p.created),
            seen: now,
            user,
            sid: result
                .id_token_claims
                .as_ref()
                .and_then(|c| c.sid.clone())
                .or_else(|| result.access_token_claims.sid.clone())
                .or_else(|| previous.and_then(|p| p.sid.clone())),
            app: previous.and_then(|p| p.app.clone()),
            id: match previous {
                Some(prev) => prev.id.clone(),
                None => Some(crate::authorize::random_token()),
            },
            ms: previous.and_then(|p| p.ms),
            pat: match previous {
                Some(prev) => prev.pat,
                None => {
                    result.id_token_claims.as_ref().and_then(|c| c.iat).or(result.access_token_claims.iat)
                }
            },
        }
    }
}

/// The contents of a login-transaction cookie: what the callback must match.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct LoginTransaction {
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub(crate) verifier: String,
    pub(crate) return_to: String,
    pub(crate) created: i64,
    /// The `max_age` the login asked for: the callback checks `auth_time` against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_age: Option<u64>,
    /// The `acr_values` the login asked for: the callback checks the ID token's `acr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) acr_values: Option<String>,
}
