//! Client-credentials tokens for machine-to-machine calls, cached until shortly before
//! they expire and fetched once for concurrent callers.

use std::sync::{Mutex, PoisonError};

use serde::Serialize;

use crate::singleflight::SingleFlight;

/// An access token obtained with the client-credentials grant.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ClientToken {
    /// The bearer token.
    pub access_token: String,
    /// Lifetime in seconds, as the provider said.
    pub expires_in: Option<u64>,
    /// When it expires (seconds since the epoch), if the lifetime is known.
    pub expires_at: Option<i64>,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// The token type (`Bearer`).
    pub token_type: Option<String>,
}

impl std::fmt::Debug for ClientToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientToken")
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl ClientToken {
    /// Whether the token should still be handed out at `now`: it must outlive a safety
    /// margin of a fifth of its lifetime, at most 60 s, so callers never receive a token
    /// that expires on its way to the API.
    pub(crate) fn usable_at(&self, now: i64) -> bool {
        let (Some(expires_at), Some(lifetime)) = (self.expires_at, self.expires_in) else { return false };
        let margin = i64::try_from((lifetime / 5).min(60)).unwrap_or(60);
        now < expires_at - margin
    }
}

/// The cached token and the shared fetch.
pub(crate) struct ClientTokenCache {
    cached: Mutex<Option<ClientToken>>,
    pub(crate) flight: SingleFlight<ClientToken>,
}

impl ClientTokenCache {
    pub(crate) fn new() -> Self {
        ClientTokenCache { cached: Mutex::new(None), flight: SingleFlight::new() }
    }

    pub(crate) fn get(&self, now: i64) -> Option<ClientToken> {
        let cached = self.cached.lock().unwrap_or_else(PoisonError::into_inner);
        cached.as_ref().filter(|t| t.usable_at(now)).cloned()
    }

    pub(crate) fn store(&self, token: &ClientToken) {
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
    }
}
