//! Refreshing a session's tokens once, however many requests ask at the same time.
//!
//! Concurrent requests carrying the same refresh token share one call to the provider.
//! A finished refresh is remembered for a short while, so that requests that left the
//! browser before it received the new cookie reuse the result instead of replaying a
//! rotated refresh token (which the provider treats as theft and answers by revoking
//! the whole grant). After a provider outage no refresh is tried for a few seconds.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use aws_lc_rs::digest;

use crate::client::ScalekitAuth;
use crate::error::{Error, Result};
use crate::exchange::AuthResult;
use crate::singleflight::KeyedSingleFlight;

/// How long a finished refresh is reused, in seconds.
const REUSE_SECONDS: i64 = 30;

/// How long after a provider outage no refresh is tried, in seconds: a provider that
/// hangs must not make every request wait for the HTTP timeout. Sessions whose access
/// token is valid carry on meanwhile.
const OUTAGE_BACKOFF_SECONDS: i64 = 5;

type TokenKey = [u8; 32];

pub(crate) struct Refresher {
    flight: KeyedSingleFlight<TokenKey, AuthResult>,
    recent: Mutex<HashMap<TokenKey, (i64, AuthResult)>>,
    /// The last outage and until when it is assumed to last.
    outage: Mutex<Option<(i64, Error)>>,
}

impl Refresher {
    pub(crate) fn new() -> Self {
        Refresher {
            flight: KeyedSingleFlight::new(),
            recent: Mutex::new(HashMap::new()),
            outage: Mutex::new(None),
        }
    }

    /// New tokens for `refresh_token`, from a recent refresh, a running one, or a new one.
    pub(crate) async fn refresh(
        &self,
        auth: &ScalekitAuth,
        refresh_token: &str,
        now: i64,
    ) -> Result<AuthResult> {
        // Keyed by a hash: the map never holds the bearer credential itself.
        let key: TokenKey = digest::digest(&digest::SHA256, refresh_token.as_bytes())
            .as_ref()
            .try_into()
            .expect("SHA-256 is 32 bytes");
        if let Some(result) = self.recent_result(&key, now) {
            return Ok(result);
        }
        if let Some((until, err)) = self.outage.lock().unwrap_or_else(PoisonError::into_inner).clone()
            && until > now
        {
            return Err(err);
        }
        let (auth, token) = (auth.clone(), refresh_token.to_owned());
        let result =
            self.flight.run(key, move || async move { auth.refresh_access_token(&token).await }).await;
        let result = match result {
            Err(err) if err.is_provider_outage() => {
                *self.outage.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some((now.saturating_add(OUTAGE_BACKOFF_SECONDS), err.clone()));
                return Err(err);
            }
            other => other?,
        };
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        recent.retain(|_, (until, _)| *until > now);
        recent.insert(key, (now + REUSE_SECONDS, result.clone()));
        Ok(result)
    }

    /// A result still worth handing out: within the reuse window, and with an access
    /// token that has not expired meanwhile (short-lived tokens can outlive neither).
    fn recent_result(&self, key: &TokenKey, now: i64) -> Option<AuthResult> {
        let recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        recent
            .get(key)
            .filter(|(until, r)| *until > now && r.access_token_claims.exp > now)
            .map(|(_, r)| r.clone())
    }
}
