//! The session engine: login, callback, per-request authentication with refresh, and
//! logout, computed from the request's cookies and headers. It returns what to send
//! back (`Set-Cookie` values, a redirect) and talks to the provider only through
//! [`ScalekitAuth`].
//!
//! One file per job: `outcomes` (what the engine answers), `login` (login start,
//! pending logins, the callback), `authenticate` (reading a session, the refresh
//! decision, continuing or ending it), `write` (session cookies and records written),
//! `logout` (logout and back-channel logout) and `used_states` (completed logins
//! remembered against replay), `routes` (the app's auth routes and protected requests
//! answered as a [`crate::decision::Decision`]). This file builds the engine.

mod authenticate;
mod login;
mod logout;
mod outcomes;
mod routes;
mod used_states;
mod write;

use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::config::SessionConfig;
use super::cookies::CookieAttributes;
use super::records::SessionRecords;
use super::refresh::Refresher;
use super::seal::Sealer;
use crate::client::ScalekitAuth;
use crate::error::Result;
use crate::store::Store;
use used_states::UsedStates;

pub(crate) use authenticate::bearer_token;
pub use outcomes::{
    AuthOutcome, CallbackOutcome, LoginParams, LoginStart, LoginVerdict, LogoutOutcome, PendingLogin,
};

/// The longest a login may take, from redirect to callback.
pub const LOGIN_TIMEOUT_SECONDS: i64 = 600;

/// The most login transactions a browser holds at once (tabs logging in side by side);
/// starting one more drops the oldest, so the `Cookie` header stays small however often
/// a login is started and abandoned.
pub const MAX_PENDING_LOGINS: usize = 3;

/// The most JSON an after-callback hook may keep in a session: it travels in the cookie
/// (or the store) with every request.
pub const MAX_APP_DATA_BYTES: usize = 2048;

/// The deepest nesting of arrays and objects in a session's app data: the session is
/// read back with a bounded parser, so deeper data would make the session unreadable.
pub const MAX_APP_DATA_DEPTH: usize = 16;

/// Whether a call may refresh the session and write cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    ReadWrite,
    ReadOnly,
}

/// The prefix that makes a browser refuse a cookie unless it is `Secure`, `Path=/` and
/// host-only, so a sibling subdomain cannot plant or overwrite it.
const HOST_PREFIX: &str = "__Host-";
/// The prefix that makes a browser refuse a cookie unless it is `Secure` (for cookies
/// with a `Domain`, which `__Host-` forbids).
const SECURE_PREFIX: &str = "__Secure-";

/// Sessions for one web app. Create one per process and share it; every method is safe
/// to call concurrently.
///
/// ```no_run
/// # async fn run() -> Result<(), scalekit_auth::Error> {
/// use scalekit_auth::{ScalekitAuth, SessionConfig, SessionEngine};
/// let engine = SessionEngine::new(ScalekitAuth::from_env()?, SessionConfig::from_env()?)?;
/// let outcome = engine.authenticate(Some("skauth_session=..."), None).await;
/// match outcome.result {
///     Ok(identity) => println!("hello {}", identity.user.id),
///     Err(err) => println!("not logged in: {}", err.code()),
/// }
/// // Always send outcome.set_cookies with the response.
/// # Ok(()) }
/// ```
pub struct SessionEngine {
    pub(crate) auth: ScalekitAuth,
    pub(crate) config: SessionConfig,
    /// Attributes of the session cookie.
    attrs: CookieAttributes,
    /// Attributes of login-transaction cookies: host-only and `Lax` always, as the
    /// provider's redirect back to the callback is a cross-site navigation.
    login_attrs: CookieAttributes,
    sealer: Arc<Sealer>,
    /// What outlives a request, in the store: server-side sessions, ended sessions, used
    /// logout tokens.
    records: SessionRecords,
    refresher: Refresher,
    used_states: Mutex<UsedStates>,
    /// The session cookie's name (`__Host-` prefixed when cookies are `Secure`).
    session_cookie: String,
    /// The prefix of login-transaction cookie names (likewise).
    login_prefix: String,
}

impl std::fmt::Debug for SessionEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionEngine").field("config", &self.config).finish_non_exhaustive()
    }
}

impl SessionEngine {
    /// Checks `config` and builds the engine (no network call).
    pub fn new(auth: ScalekitAuth, config: SessionConfig) -> Result<Self> {
        let secure = config.validate()?;
        let sealer = Arc::new(Sealer::new(&config.secrets));
        let store = Arc::new(Store::new(config.redis_url.as_deref(), config.store_timeout)?);
        // A cookie with a Domain cannot be `__Host-`; `__Secure-` still keeps insecure
        // origins from setting it.
        let session_prefix = match (secure, &config.cookie_domain) {
            (false, _) => "",
            (true, None) => HOST_PREFIX,
            (true, Some(_)) => SECURE_PREFIX,
        };
        let login_prefix = if secure { HOST_PREFIX } else { "" };
        let records = SessionRecords::new(store, Arc::clone(&sealer), &config, auth.config());
        Ok(SessionEngine {
            auth,
            session_cookie: format!("{session_prefix}{}", config.cookie_name),
            login_prefix: format!("{login_prefix}{}", config.login_cookie_prefix),
            attrs: CookieAttributes {
                secure,
                same_site: config.same_site,
                domain: config.cookie_domain.clone(),
            },
            login_attrs: CookieAttributes { secure, ..CookieAttributes::default() },
            config,
            refresher: Refresher::new(Arc::clone(&records.store), Arc::clone(&sealer)),
            records,
            sealer,
            used_states: Mutex::new(UsedStates::default()),
        })
    }

    /// An engine configured entirely from `SCALEKIT_*` environment variables.
    pub fn from_env() -> Result<Self> {
        Self::new(ScalekitAuth::from_env()?, SessionConfig::from_env()?)
    }

    /// The protocol client underneath.
    pub fn auth(&self) -> &ScalekitAuth {
        &self.auth
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Where shared state lives: `memory` (this process) or `redis`.
    pub fn store_kind(&self) -> &'static str {
        self.records.store.kind()
    }

    pub(super) fn now(&self) -> i64 {
        self.auth.config().clock.now_seconds()
    }
}

pub(super) fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Plain structs of strings and numbers always serialize.
    serde_json::to_vec(value).expect("session data serializes")
}
