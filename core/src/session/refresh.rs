//! Refreshing a session's tokens once, however many requests ask at the same time, in
//! this process and (with a shared store) across every instance of the app.
//!
//! Concurrent requests carrying the same refresh token share one call to the provider.
//! A finished refresh is remembered for a short while, so that requests that left the
//! browser before it received the new cookie reuse the result instead of replaying a
//! rotated refresh token (which the provider treats as theft and answers by revoking
//! the whole grant). After a provider or store outage no refresh is tried for a few
//! seconds; after a failure of one refresh token alone (its request timed out, another
//! instance's refresh of it did not finish in time) only that token waits.
//!
//! With Redis, one instance takes a lock per refresh token (with expiry, released by
//! its owner only), asks the provider, and leaves the answer in the store, sealed with
//! the session secret, for the others: they wait for it and validate it themselves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_lc_rs::digest;
use serde::{Deserialize, Serialize};

use super::seal::{Purpose, Sealer};
use crate::authorize::random_token;
use crate::client::ScalekitAuth;
use crate::error::{Error, Result};
use crate::exchange::{AuthResult, TokenResponse};
use crate::singleflight::KeyedSingleFlight;
use crate::store::Store;

/// How long a finished refresh is reused, in seconds.
const REUSE_SECONDS: i64 = 30;

/// How long after a provider or store outage no refresh is tried, in seconds: a provider
/// that hangs must not make every request wait for the HTTP timeout. Sessions whose
/// access token is valid carry on meanwhile.
const OUTAGE_BACKOFF_SECONDS: i64 = 5;

/// How long after a store outage no refresh is tried, in seconds: as long as the store
/// itself fails fast after a failure, so a Redis that is back is used at once.
const STORE_OUTAGE_BACKOFF_SECONDS: i64 = 1;

/// How long after a failure of one refresh token alone it is not tried again, in seconds:
/// the other sessions refresh meanwhile.
const TOKEN_BACKOFF_SECONDS: i64 = 5;

/// How long after another instance's refresh of a token did not finish in time this
/// instance waits before trying that token again, in seconds.
const LOCK_WAIT_BACKOFF_SECONDS: i64 = 1;

/// How many refresh tokens timing out within their back-off make it an outage.
const TIMEOUTS_FOR_OUTAGE: usize = 3;

/// The most refresh tokens backed off at once (the oldest are forgotten past it).
const MAX_BACKED_OFF: usize = 10_000;

/// What a refresh that waited out another instance's lock says.
const LOCK_WAIT_EXPIRED: &str = "another instance's refresh of this session did not finish in time";

/// How often an instance waiting for another's refresh looks for its result.
const POLL_INTERVAL: Duration = Duration::from_millis(25);

type TokenKey = [u8; 32];

/// What one instance's refresh left for the others.
#[derive(Serialize, Deserialize)]
enum SharedOutcome {
    /// The provider's answer, validated by each instance that uses it.
    Tokens(TokenResponse),
    /// The provider refused the grant (`invalid_grant`, ...): nobody asks again.
    Refused { error: String, description: Option<String>, status: u16 },
}

pub(crate) struct Refresher {
    store: Arc<Store>,
    sealer: Arc<Sealer>,
    flight: KeyedSingleFlight<TokenKey, AuthResult>,
    recent: Mutex<HashMap<TokenKey, (i64, AuthResult)>>,
    /// The last outage and until when it is assumed to last.
    outage: Mutex<Option<(i64, Error)>>,
    /// Refresh tokens whose own refresh failed, until when they are not tried again.
    backed_off: Mutex<HashMap<TokenKey, (i64, Error)>>,
}

/// How far a failed refresh reaches.
#[derive(Debug, PartialEq, Eq)]
enum Failure {
    /// The provider or the store is down: every refresh waits.
    Outage(i64),
    /// Only this refresh token's attempt failed: only it waits.
    Token(i64),
    /// A verdict (a refused grant, tokens that did not validate): nothing waits.
    Final,
}

impl Failure {
    fn of(err: &Error) -> Self {
        match err {
            Error::StoreUnavailable(reason) if reason == LOCK_WAIT_EXPIRED => {
                Failure::Token(LOCK_WAIT_BACKOFF_SECONDS)
            }
            Error::StoreUnavailable(_) => Failure::Outage(STORE_OUTAGE_BACKOFF_SECONDS),
            // One request that timed out or got a garbled answer says nothing about the
            // others; a provider that answers 5xx, or that cannot be reached, is down.
            Error::ProviderTimeout { .. } | Error::ProviderInvalidResponse { .. } => {
                Failure::Token(TOKEN_BACKOFF_SECONDS)
            }
            err if err.is_provider_outage() => Failure::Outage(OUTAGE_BACKOFF_SECONDS),
            _ => Failure::Final,
        }
    }
}

impl Refresher {
    pub(crate) fn new(store: Arc<Store>, sealer: Arc<Sealer>) -> Self {
        Refresher {
            store,
            sealer,
            flight: KeyedSingleFlight::new(),
            recent: Mutex::new(HashMap::new()),
            outage: Mutex::new(None),
            backed_off: Mutex::new(HashMap::new()),
        }
    }

    /// New tokens for `refresh_token`, from a recent refresh, a running one, or a new one.
    pub(crate) async fn refresh(
        &self,
        auth: &ScalekitAuth,
        refresh_token: &str,
        now: i64,
    ) -> Result<AuthResult> {
        // Keyed by a hash: neither the map nor the store ever holds the credential itself.
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
        if let Some((until, err)) = self.backed_off.lock().unwrap_or_else(PoisonError::into_inner).get(&key)
            && *until > now
        {
            return Err(err.clone());
        }
        let (auth, token) = (auth.clone(), refresh_token.to_owned());
        let result = if self.store.is_shared() {
            let (store, sealer) = (Arc::clone(&self.store), Arc::clone(&self.sealer));
            // A task of its own: the lock's owner finishes (and releases it) even when every
            // request that asked has gone away meanwhile.
            self.flight
                .run(key, move || async move {
                    let refresh =
                        tokio::spawn(
                            async move { cluster_refresh(&auth, &store, &sealer, &token, &key).await },
                        );
                    refresh.await.unwrap_or_else(|e| {
                        Err(Error::StoreUnavailable(format!("the shared refresh did not finish: {e}")))
                    })
                })
                .await
        } else {
            self.flight.run(key, move || async move { auth.refresh_access_token(&token).await }).await
        };
        let result = match result {
            Err(err) => {
                match Failure::of(&err) {
                    Failure::Outage(backoff) => {
                        *self.outage.lock().unwrap_or_else(PoisonError::into_inner) =
                            Some((now.saturating_add(backoff), err.clone()));
                    }
                    Failure::Token(backoff) => {
                        let mut backed_off = self.backed_off.lock().unwrap_or_else(PoisonError::into_inner);
                        backed_off.retain(|_, (until, _)| *until > now);
                        if backed_off.len() >= MAX_BACKED_OFF {
                            backed_off.clear();
                        }
                        backed_off.insert(key, (now.saturating_add(backoff), err.clone()));
                        // Several tokens timing out together is the provider hanging: then
                        // every refresh waits, not each for the HTTP timeout.
                        let timeouts = backed_off
                            .values()
                            .filter(|(_, e)| matches!(e, Error::ProviderTimeout { .. }))
                            .count();
                        if timeouts >= TIMEOUTS_FOR_OUTAGE {
                            *self.outage.lock().unwrap_or_else(PoisonError::into_inner) =
                                Some((now.saturating_add(OUTAGE_BACKOFF_SECONDS), err.clone()));
                        }
                    }
                    Failure::Final => {}
                }
                return Err(err);
            }
            Ok(result) => result,
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

/// One refresh for the whole cluster: the answer another instance left, or the lock and
/// a call to the provider, or waiting for the lock's owner to finish.
async fn cluster_refresh(
    auth: &ScalekitAuth,
    store: &Store,
    sealer: &Sealer,
    refresh_token: &str,
    key: &TokenKey,
) -> Result<AuthResult> {
    let hex = super::keys::hex(key);
    let (lock_key, result_key) =
        (format!("skauth:refresh:lock:{hex}"), format!("skauth:refresh:result:{hex}"));
    // The lock outlives everything its owner may wait for (discovery, the token request,
    // the store), so it never expires under a live owner.
    let lock_ttl = auth.config().http_timeout * 2 + store.timeout() * 3 + Duration::from_secs(1);
    let deadline = tokio::time::Instant::now() + lock_ttl * 2;
    let owner = random_token();
    loop {
        if let Some(outcome) = read_outcome(store, sealer, &result_key).await? {
            return into_result(auth, outcome, refresh_token).await;
        }
        if store.set_if_absent(&lock_key, owner.as_bytes(), lock_ttl).await? {
            // A refresh that finished between the read and the lock left its answer.
            let outcome = match read_outcome(store, sealer, &result_key).await {
                Ok(Some(outcome)) => Ok(outcome),
                _ => ask_provider(auth, store, sealer, refresh_token, &result_key).await,
            };
            // Best effort: an unreleased lock expires by itself.
            let _ = store.delete_if_equal(&lock_key, owner.as_bytes()).await;
            return into_result(auth, outcome?, refresh_token).await;
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::StoreUnavailable(LOCK_WAIT_EXPIRED.into()));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Calls the provider and shares its answer, unless it was an outage (which the next
/// instance may find over).
async fn ask_provider(
    auth: &ScalekitAuth,
    store: &Store,
    sealer: &Sealer,
    refresh_token: &str,
    result_key: &str,
) -> Result<SharedOutcome> {
    let outcome = match auth.refresh_grant(refresh_token).await {
        Ok(tokens) => SharedOutcome::Tokens(tokens),
        Err(err) if err.is_provider_outage() => return Err(err),
        Err(Error::ProviderError { error, description, status }) => {
            SharedOutcome::Refused { error, description, status }
        }
        Err(err) => return Err(err),
    };
    let plain = serde_json::to_vec(&outcome).expect("serializes");
    // Bound to its key: an answer moved to another refresh token's key does not open.
    let sealed = sealer.seal_bound(Purpose::SharedRefresh, result_key.as_bytes(), &plain);
    let ttl = Duration::from_secs(REUSE_SECONDS.unsigned_abs());
    // The tokens are this request's either way; without the store, other instances
    // wait out the lock and then find the refresh token rotated.
    let _ = store.set(result_key, sealed.as_bytes(), ttl).await;
    Ok(outcome)
}

/// The shared answer, if there is one that this app's secret opens.
async fn read_outcome(store: &Store, sealer: &Sealer, result_key: &str) -> Result<Option<SharedOutcome>> {
    let Some(bytes) = store.get(result_key).await? else { return Ok(None) };
    let opened = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| sealer.open_bound(Purpose::SharedRefresh, result_key.as_bytes(), text).ok())
        .and_then(|plain| serde_json::from_slice(&plain).ok());
    // Unreadable (another app's secret, tampering): as if absent; the lock decides.
    Ok(opened)
}

async fn into_result(auth: &ScalekitAuth, outcome: SharedOutcome, refresh_token: &str) -> Result<AuthResult> {
    match outcome {
        SharedOutcome::Tokens(tokens) => auth.validated_refresh(tokens, refresh_token).await,
        SharedOutcome::Refused { error, description, status } => {
            Err(Error::ProviderError { error, description, status })
        }
    }
}
