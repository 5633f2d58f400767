//! The key cache behind every validation.
//!
//! Rules (DESIGN.md, "Where the official SDKs fall short"):
//! 1. Keys are trusted for `jwks_cache_ttl`; after that the next validation refetches.
//! 2. A token with an unknown `kid` triggers a refetch, at most once per
//!    `jwks_refetch_cooldown`, so a flood of forged kids cannot flood the provider.
//! 3. Concurrent callers share one fetch; no lock is held across the network call.
//! 4. When a fetch fails, the last good keys keep serving and the failure is reported
//!    through [`JwksCache::status`]; a client that never had keys waits 2 s (at most the
//!    cooldown) before trying again.

use std::sync::{Arc, Mutex, PoisonError};

use super::key::VerifyingKey;
use super::set::{JwkSet, Lookup};
use crate::algorithm::Algorithm;
use crate::clock::SharedClock;
use crate::discovery::Discovery;
use crate::error::{Error, Result};
use crate::http::HttpClient;
use crate::singleflight::SingleFlight;

/// What the cache holds and when it last tried to fetch, for monitoring.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JwksStatus {
    /// The kids of the keys in use (empty before the first successful fetch).
    pub key_ids: Vec<String>,
    /// When the keys in use were fetched (milliseconds since the Unix epoch).
    pub fetched_at_millis: Option<i64>,
    /// How many fetches have been attempted.
    pub fetch_attempts: u64,
    /// The error of the last fetch, if it failed.
    pub last_error: Option<Error>,
}

#[derive(Default)]
struct State {
    keys: Option<Arc<JwkSet>>,
    fetched_at: i64,
    last_attempt: Option<i64>,
    attempts: u64,
    last_error: Option<Error>,
}

pub(crate) struct JwksCache {
    discovery: Arc<Discovery>,
    http: HttpClient,
    clock: SharedClock,
    ttl_millis: i64,
    cooldown_millis: i64,
    state: Mutex<State>,
    flight: SingleFlight<Arc<JwkSet>>,
}

/// How long a client that has never fetched keys waits after a failed fetch before it
/// tries again (at most the refetch cooldown).
const COLD_RETRY_MILLIS: i64 = 2_000;

/// What a caller should do after reading the state under the lock.
enum Plan {
    Use(Arc<VerifyingKey>),
    Fail(Error),
    Fetch { fallback: Option<Arc<JwkSet>> },
}

impl JwksCache {
    pub(crate) fn new(
        discovery: Arc<Discovery>,
        http: HttpClient,
        clock: SharedClock,
        ttl: std::time::Duration,
        cooldown: std::time::Duration,
    ) -> Self {
        let millis = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        JwksCache {
            discovery,
            http,
            clock,
            ttl_millis: millis(ttl),
            cooldown_millis: millis(cooldown),
            state: Mutex::new(State::default()),
            flight: SingleFlight::new(),
        }
    }

    /// The key that may verify a token with this `kid` and algorithm.
    pub(crate) async fn key_for(
        self: &Arc<Self>,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<VerifyingKey>> {
        let fallback = match self.plan(kid, alg) {
            Plan::Use(key) => return Ok(key),
            Plan::Fail(err) => return Err(err),
            Plan::Fetch { fallback } => fallback,
        };
        let this = Arc::clone(self);
        match self.flight.run(move || async move { this.fetch().await }).await {
            Ok(fresh) => match fresh.lookup(kid, alg) {
                Lookup::Found(key) => Ok(Arc::clone(key)),
                _ => Err(not_found(kid, alg)),
            },
            // Rule 4: the provider is down; keys we already had still verify.
            Err(err) => match fallback.as_deref().map(|set| set.lookup(kid, alg)) {
                Some(Lookup::Found(key)) => Ok(Arc::clone(key)),
                Some(Lookup::AlgorithmMismatch) => Err(not_found(kid, alg)),
                _ => Err(Error::JwksUnavailable(err.to_string())),
            },
        }
    }

    /// Reads the state and decides, without awaiting anything.
    fn plan(&self, kid: Option<&str>, alg: Algorithm) -> Plan {
        let now = self.clock.now_millis();
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let since_attempt = |t: i64| now.saturating_sub(t);
        let Some(keys) = state.keys.clone() else {
            // Never fetched successfully. After a failure, wait a little before trying
            // again, so that an outage does not turn every request into a fetch.
            let backoff = self.cooldown_millis.min(COLD_RETRY_MILLIS);
            return match (&state.last_error, state.last_attempt) {
                (Some(err), Some(t)) if since_attempt(t) < backoff => {
                    Plan::Fail(Error::JwksUnavailable(err.to_string()))
                }
                _ => Plan::Fetch { fallback: None },
            };
        };
        let may_refetch = state.last_attempt.is_none_or(|t| since_attempt(t) >= self.cooldown_millis);
        let fresh = now.saturating_sub(state.fetched_at) < self.ttl_millis;
        match keys.lookup(kid, alg) {
            Lookup::Found(key) if fresh || !may_refetch => Plan::Use(Arc::clone(key)),
            Lookup::AlgorithmMismatch => Plan::Fail(not_found(kid, alg)),
            Lookup::Unknown if !may_refetch => Plan::Fail(not_found(kid, alg)),
            // Stale keys (rule 1) or an unknown kid past the cooldown (rule 2).
            _ => Plan::Fetch { fallback: Some(keys) },
        }
    }

    async fn fetch(&self) -> Result<Arc<JwkSet>> {
        let result = self.download().await;
        let now = self.clock.now_millis();
        let previous = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.last_attempt = Some(now);
            state.attempts += 1;
            match &result {
                Ok(keys) => {
                    state.fetched_at = now;
                    state.last_error = None;
                    state.keys.replace(Arc::clone(keys))
                }
                Err(err) => {
                    state.last_error = Some(err.clone());
                    None
                }
            }
        };
        // Logged with the lock released: a log handler may wait (for Python's GIL, say)
        // on a thread that itself waits for this lock.
        match &result {
            Ok(keys) => {
                let ids = keys.key_ids();
                match previous.map(|old| old.key_ids()) {
                    None => tracing::info!(keys = ?ids, "fetched the provider's signing keys"),
                    Some(old) if old != ids => {
                        let added: Vec<&String> = ids.iter().filter(|k| !old.contains(k)).collect();
                        let removed: Vec<&String> = old.iter().filter(|k| !ids.contains(k)).collect();
                        tracing::info!(?added, ?removed, "the provider's signing keys rotated");
                    }
                    Some(_) => {
                        tracing::debug!(keys = ?ids, "refetched the provider's signing keys (unchanged)")
                    }
                }
            }
            Err(err) => {
                tracing::warn!(code = err.code(), detail = ?err.to_string(), "fetching the provider's signing keys failed")
            }
        }
        result
    }

    async fn download(&self) -> Result<Arc<JwkSet>> {
        let metadata = self.discovery.metadata().await?;
        let url = &metadata.jwks_uri;
        let body = self.http.get_bytes(url).await?.ok_or_else(|| Error::ProviderInvalidResponse {
            url: url.clone(),
            reason: "the key set is not found (HTTP 404)".into(),
        })?;
        let set = JwkSet::from_json(&body)?;
        if set.is_empty() {
            // Replacing good keys with an empty set would reject every token.
            let reasons: Vec<String> = set.skipped().iter().map(|s| s.reason.clone()).collect();
            return Err(Error::JwksUnavailable(format!(
                "the key set at {url} has no usable signing key (skipped: {reasons:?})"
            )));
        }
        Ok(Arc::new(set))
    }

    pub(crate) fn status(&self) -> JwksStatus {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        JwksStatus {
            key_ids: state.keys.as_ref().map(|k| k.key_ids()).unwrap_or_default(),
            fetched_at_millis: state.keys.as_ref().map(|_| state.fetched_at),
            fetch_attempts: state.attempts,
            last_error: state.last_error.clone(),
        }
    }
}

fn not_found(kid: Option<&str>, alg: Algorithm) -> Error {
    Error::TokenKeyNotFound { kid: kid.map(str::to_owned), alg: alg.name().to_owned() }
}
