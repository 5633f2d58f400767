//! The session engine: login, callback, per-request authentication with refresh, and
//! logout, computed from the request's cookies and headers. It returns what to send
//! back (`Set-Cookie` values, a redirect) and talks to the provider only through
//! [`ScalekitAuth`].

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use aws_lc_rs::digest;
use serde::Serialize;

use super::config::SessionConfig;
use super::cookies::{CookieAttributes, RequestCookies};
use super::data::{LoginTransaction, SessionData};
use super::redact::{cookie_names, url_without_query};
use super::refresh::Refresher;
use super::return_to::safe_return_to;
use super::seal::{Purpose, Sealer};
use super::shared::{Held, session_key};
use crate::authorize::{AuthorizationUrlOptions, random_token};
use crate::client::ScalekitAuth;
use crate::error::{Error, Result};
use crate::exchange::{AuthResult, User};
use crate::flows::{AuthenticateOptions, LogoutUrlOptions};
use crate::secret::constant_time_eq;
use crate::store::Store;
use crate::token::claims::Claims;

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

/// The most completed login states remembered against replay (each for the login
/// timeout); past it the oldest is forgotten.
const MAX_USED_STATES: usize = 10_000;

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

/// Who made a request, once authenticated.
#[derive(Clone, Serialize)]
#[non_exhaustive]
pub struct Identity {
    /// The user (from the ID token of the login, or from a bearer token's claims).
    pub user: User,
    /// The validated access-token claims (roles, permissions, scopes, organization).
    pub claims: Claims,
    /// Whether the request came with a session cookie or a bearer token.
    pub source: IdentitySource,
    /// What the app's after-callback hook kept in the session at login (`None` for a
    /// bearer token, or when the hook kept nothing).
    pub app_data: Option<serde_json::Value>,
    #[serde(skip)]
    access_token: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The access token is a bearer credential: never in logs.
        f.debug_struct("Identity")
            .field("user", &self.user)
            .field("claims", &self.claims)
            .field("source", &self.source)
            .field("app_data", &self.app_data.as_ref().map(|_| "[app data]"))
            .finish_non_exhaustive()
    }
}

impl Identity {
    pub(crate) fn new(user: User, claims: Claims, source: IdentitySource, access_token: String) -> Self {
        Identity { user, claims, source, app_data: None, access_token }
    }

    /// The access token, to call APIs on the user's behalf.
    pub fn access_token(&self) -> &str {
        &self.access_token
    }
}

/// How a request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentitySource {
    /// The sealed session cookie.
    Session,
    /// An `Authorization: Bearer` header.
    Bearer,
}

/// The outcome of [`SessionEngine::authenticate`]: the identity or why there is none,
/// and the `Set-Cookie` values to send in either case (a refreshed session, or the
/// clearing of a dead one).
#[non_exhaustive]
pub struct AuthOutcome {
    /// The identity, or the error that denies it.
    pub result: Result<Identity>,
    /// `Set-Cookie` header values to add to the response.
    pub set_cookies: Vec<String>,
}

impl std::fmt::Debug for AuthOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthOutcome")
            .field("result", &self.result)
            .field("set_cookies", &cookie_names(&self.set_cookies))
            .finish()
    }
}

/// The parameters of a login request (the query of the app's login route).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LoginParams {
    /// Where to go after login (kept only if it is a same-site path).
    pub return_to: Option<String>,
    /// Open the sign-up form (`prompt=create`).
    pub signup: bool,
    /// `login`, `select_account`, ... passed to the provider.
    pub prompt: Option<String>,
    /// Route to an organization's identity provider.
    pub organization_id: Option<String>,
    /// Route to a specific connection.
    pub connection_id: Option<String>,
    /// Prefill the email.
    pub login_hint: Option<String>,
    /// Route by email domain.
    pub domain_hint: Option<String>,
    /// Social provider.
    pub provider: Option<String>,
    /// The token of an IdP-initiated login.
    pub idp_initiated_login: Option<String>,
}

impl std::fmt::Debug for LoginParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginParams")
            .field("return_to", &self.return_to)
            .field("signup", &self.signup)
            .field("prompt", &self.prompt)
            .field("organization_id", &self.organization_id)
            .field("connection_id", &self.connection_id)
            .field("login_hint", &self.login_hint)
            .field("domain_hint", &self.domain_hint)
            .field("provider", &self.provider)
            .field("idp_initiated_login", &self.idp_initiated_login.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl LoginParams {
    /// Reads the parameters from a login route's query string.
    ///
    /// ```
    /// let p = scalekit_auth::LoginParams::from_query("return_to=%2Freports&organization_id=org_1", false);
    /// assert_eq!(p.return_to.as_deref(), Some("/reports"));
    /// assert_eq!(p.organization_id.as_deref(), Some("org_1"));
    /// ```
    pub fn from_query(query: &str, signup: bool) -> Self {
        let mut params = LoginParams { signup, ..Default::default() };
        for (key, value) in url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            let value = Some(value.into_owned()).filter(|v| !v.is_empty());
            match key.as_ref() {
                "return_to" => params.return_to = value,
                "prompt" => params.prompt = value,
                "organization_id" => params.organization_id = value,
                "connection_id" => params.connection_id = value,
                "login_hint" => params.login_hint = value,
                "domain_hint" => params.domain_hint = value,
                "provider" => params.provider = value,
                "idp_initiated_login" => params.idp_initiated_login = value,
                _ => {}
            }
        }
        params
    }
}

/// Where to send the browser to log in, and the login-transaction cookie to set.
#[derive(Clone)]
#[non_exhaustive]
pub struct LoginStart {
    /// The provider's authorization URL.
    pub redirect_url: String,
    /// `Set-Cookie` values (the login transaction, and the clearing of older ones past
    /// the limit of [`MAX_PENDING_LOGINS`]).
    pub set_cookies: Vec<String>,
}

impl std::fmt::Debug for LoginStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginStart")
            .field("redirect_url", &url_without_query(&self.redirect_url))
            .field("set_cookies", &cookie_names(&self.set_cookies))
            .finish()
    }
}

/// The outcome of a callback: the user (or why the login failed), where to go next and
/// the cookies to set (the session, and the clearing of the login transaction).
#[non_exhaustive]
pub struct CallbackOutcome {
    /// The logged-in user, or the error that ended the login.
    pub result: Result<User>,
    /// The return-to path of the login (`/` when unknown).
    pub redirect_to: String,
    /// `Set-Cookie` values.
    pub set_cookies: Vec<String>,
}

impl std::fmt::Debug for CallbackOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackOutcome")
            .field("result", &self.result)
            .field("redirect_to", &self.redirect_to)
            .field("set_cookies", &cookie_names(&self.set_cookies))
            .finish()
    }
}

/// A login whose code was exchanged and tokens validated, waiting for the app's verdict
/// before its session opens ([`SessionEngine::begin_callback`]).
#[non_exhaustive]
pub struct PendingLogin {
    /// The validated tokens and user, or why the login already failed.
    pub result: Result<AuthResult>,
    redirect_to: String,
    set_cookies: Vec<String>,
    cookies: RequestCookies,
}

impl PendingLogin {
    /// Where the login was headed (its safe return-to path), for an app that answers the
    /// callback itself ([`LoginVerdict::WithoutSession`]).
    pub fn return_to(&self) -> &str {
        &self.redirect_to
    }
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLogin")
            .field("result", &self.result.as_ref().map(|r| &r.user))
            .field("redirect_to", &self.redirect_to)
            .finish_non_exhaustive()
    }
}

/// What the app decides about a login ([`SessionEngine::finish_callback`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LoginVerdict {
    /// Open the session.
    Allow,
    /// Open the session, keeping this JSON in it ([`Identity::app_data`] on every request;
    /// at most [`MAX_APP_DATA_BYTES`]).
    AllowWith(serde_json::Value),
    /// Refuse the login (`login_denied`, 403); the reason is shown to the user.
    Deny(String),
    /// Accept the login without a session of the engine's: the app, which keeps its own
    /// sessions and uses Scalekit for enterprise sign-in only (Modular SSO), creates one
    /// from the verified user. The login transaction is cleared, no session cookie set.
    WithoutSession,
}

/// Where to send the browser to finish logging out, and the cookies that end the session.
#[derive(Clone)]
#[non_exhaustive]
pub struct LogoutOutcome {
    /// The provider's logout URL (with `id_token_hint`, `post_logout_redirect_uri`, `state`).
    pub redirect_url: String,
    /// `Set-Cookie` values that clear every session cookie.
    pub set_cookies: Vec<String>,
    /// The store failed while ending the session (a server-side record not deleted, or a
    /// logged-out mark not written): the browser's cookies are cleared all the same, and
    /// a server-side record expires with its idle timeout.
    pub store_error: Option<Error>,
}

impl std::fmt::Debug for LogoutOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL carries the ID token as `id_token_hint`.
        f.debug_struct("LogoutOutcome")
            .field("redirect_url", &url_without_query(&self.redirect_url))
            .field("set_cookies", &cookie_names(&self.set_cookies))
            .field("store_error", &self.store_error.as_ref().map(Error::code))
            .finish()
    }
}

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
    pub(crate) sealer: Arc<Sealer>,
    pub(crate) store: Arc<Store>,
    refresher: Refresher,
    used_states: Mutex<UsedStates>,
    /// The session cookie's name (`__Host-` prefixed when cookies are `Secure`).
    session_cookie: String,
    /// The prefix of login-transaction cookie names (likewise).
    login_prefix: String,
}

/// Completed login states (hashed), each until it could no longer complete anyway.
/// Every entry lives equally long, so insertion order is expiry order: expired entries
/// leave from the front, and each callback costs O(1).
#[derive(Default)]
struct UsedStates {
    /// Until when each is remembered, and where its login was headed.
    until: HashMap<[u8; 32], (i64, String)>,
    order: VecDeque<([u8; 32], i64)>,
}

impl UsedStates {
    /// Remembers `key` until `until`; false if it was already remembered.
    fn insert(&mut self, key: [u8; 32], until: i64, return_to: &str, now: i64) -> bool {
        while let Some(&(old, old_until)) = self.order.front() {
            if old_until > now && self.order.len() < MAX_USED_STATES {
                break;
            }
            self.order.pop_front();
            if self.until.get(&old).is_some_and(|(t, _)| *t == old_until) {
                self.until.remove(&old);
            }
        }
        if self.contains(&key, now) {
            return false;
        }
        self.until.insert(key, (until, return_to.to_owned()));
        self.order.push_back((key, until));
        true
    }

    fn contains(&self, key: &[u8; 32], now: i64) -> bool {
        self.return_to(key, now).is_some()
    }

    /// Where the used login was headed, while it is remembered.
    fn return_to(&self, key: &[u8; 32], now: i64) -> Option<&str> {
        self.until.get(key).filter(|(t, _)| *t > now).map(|(_, r)| r.as_str())
    }
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
            refresher: Refresher::new(Arc::clone(&store), Arc::clone(&sealer)),
            sealer,
            store,
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
        self.store.kind()
    }

    fn now(&self) -> i64 {
        self.auth.config().clock.now_seconds()
    }

    fn login_cookie_name(&self, state: &str) -> String {
        let hash = digest::digest(&digest::SHA256, state.as_bytes());
        format!("{}{}", self.login_prefix, super::shared::hex(&hash.as_ref()[..8]))
    }

    /// The name of the session cookie (chunks are `NAME.0`, `NAME.1`, ...): the
    /// configured name, with the `__Host-` prefix when cookies are `Secure`.
    pub fn session_cookie_name(&self) -> &str {
        &self.session_cookie
    }

    /// `Set-Cookie` values that drop the oldest login transactions of this browser, so
    /// that with the one about to start it holds at most [`MAX_PENDING_LOGINS`]; expired
    /// or unreadable ones go too.
    fn prune_logins(&self, cookies: &RequestCookies, now: i64) -> Vec<String> {
        let mut pending: Vec<(i64, &str)> = cookies
            .names_with_prefix(&self.login_prefix)
            .map(|name| {
                let created = cookies
                    .get(name)
                    .and_then(|sealed| self.open_login(sealed))
                    .map_or(i64::MIN, |txn| txn.created);
                (created, name)
            })
            .collect();
        pending.sort_unstable_by_key(|b| std::cmp::Reverse(b.0));
        pending.dedup_by(|a, b| a.1 == b.1);
        let live = |created: i64| now.saturating_sub(created) <= LOGIN_TIMEOUT_SECONDS;
        pending
            .iter()
            .enumerate()
            .filter(|(i, (created, _))| *i >= MAX_PENDING_LOGINS - 1 || !live(*created))
            .map(|(_, (_, name))| self.login_attrs.clear(name))
            .collect()
    }

    fn open_login(&self, sealed: &str) -> Option<LoginTransaction> {
        let bytes = self.sealer.open(Purpose::Login, sealed).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Call on the app's login route with the request's `Cookie` header: builds the
    /// provider URL (random state and nonce, PKCE) and the login-transaction cookie, and
    /// drops this browser's oldest transactions past [`MAX_PENDING_LOGINS`]. An
    /// `idp_initiated_login` token is validated and its hints used; its `relay_state`,
    /// when a safe path, becomes the return-to (the `state` stays random so that it
    /// keeps protecting the callback).
    pub async fn begin_login(&self, params: &LoginParams, cookie_header: Option<&str>) -> Result<LoginStart> {
        let mut return_to = safe_return_to(params.return_to.as_deref().unwrap_or("/"));
        let mut options = AuthorizationUrlOptions {
            scopes: Some(self.config.scopes.clone()),
            prompt: if params.signup { Some("create".into()) } else { params.prompt.clone() },
            organization_id: params.organization_id.clone(),
            connection_id: params.connection_id.clone(),
            login_hint: params.login_hint.clone(),
            domain_hint: params.domain_hint.clone(),
            provider: params.provider.clone(),
            ..Default::default()
        };
        if let Some(token) = &params.idp_initiated_login {
            let hints = self.auth.idp_initiated_login_claims(token).await?;
            options.connection_id = hints.connection_id.or(options.connection_id);
            options.organization_id = hints.organization_id.or(options.organization_id);
            options.login_hint = hints.login_hint.or(options.login_hint);
            if let Some(relay) = hints.relay_state.filter(|r| safe_return_to(r) == *r) {
                return_to = relay;
            }
        }
        let login = self.auth.create_login(&self.config.redirect_uri, &options)?;
        tracing::info!(
            signup = params.signup,
            organization_id = options.organization_id.as_deref(),
            connection_id = options.connection_id.as_deref(),
            idp_initiated = params.idp_initiated_login.is_some(),
            "login started"
        );
        let transaction = LoginTransaction {
            state: login.state.clone(),
            nonce: login.nonce,
            verifier: login.code_verifier,
            return_to,
            created: self.now(),
        };
        let sealed = self.sealer.seal(Purpose::Login, &to_json(&transaction));
        let mut set_cookies = self.prune_logins(&RequestCookies::parse(cookie_header), transaction.created);
        set_cookies.push(self.login_attrs.set(
            &self.login_cookie_name(&login.state),
            &sealed,
            LOGIN_TIMEOUT_SECONDS,
        ));
        Ok(LoginStart { redirect_url: login.url, set_cookies })
    }

    /// Call on the app's callback route with its query string and the request's
    /// `Cookie` header: checks the state against this browser's login, exchanges the
    /// code, validates the tokens and opens the session.
    pub async fn complete_login(&self, callback_query: &str, cookie_header: Option<&str>) -> CallbackOutcome {
        let pending = self.exchange_callback(callback_query, cookie_header).await;
        self.open_pending(pending, LoginVerdict::Allow).await
    }

    /// The first half of a callback: every check and the code exchange, but no session
    /// yet, so that the app can look at the user and tokens and decide
    /// ([`SessionEngine::finish_callback`]).
    pub(crate) async fn exchange_callback(
        &self,
        callback_query: &str,
        cookie_header: Option<&str>,
    ) -> PendingLogin {
        let cookies = RequestCookies::parse(cookie_header);
        let query: HashMap<String, String> =
            url::form_urlencoded::parse(callback_query.trim_start_matches('?').as_bytes())
                .into_owned()
                .collect();
        let state = query.get("state").cloned().unwrap_or_default();
        let txn_cookie = (!state.is_empty()).then(|| self.login_cookie_name(&state));
        let set_cookies: Vec<String> = txn_cookie
            .iter()
            .filter(|name| cookies.get(name).is_some())
            .map(|name| self.login_attrs.clear(name))
            .collect();
        let mut redirect_to = "/".to_owned();
        let result =
            self.exchange_code(&query, &state, txn_cookie.as_deref(), &cookies, &mut redirect_to).await;
        PendingLogin { result, redirect_to, set_cookies, cookies }
    }

    /// The second half: opens the session of `pending` unless the verdict denies it, with
    /// the app's data when it gives some.
    pub(crate) async fn open_pending(&self, pending: PendingLogin, verdict: LoginVerdict) -> CallbackOutcome {
        let PendingLogin { result, redirect_to, mut set_cookies, cookies } = pending;
        let result = match (result, verdict) {
            (Err(err), _) => Err(err),
            (Ok(_), LoginVerdict::Deny(reason)) => Err(Error::LoginDenied(reason)),
            (Ok(result), LoginVerdict::WithoutSession) => Ok(result.user),
            (Ok(result), verdict) => {
                let app = match verdict {
                    LoginVerdict::AllowWith(value) => Some(value),
                    _ => None,
                };
                self.open_session(&result, app, &cookies, &mut set_cookies).await
            }
        };
        match &result {
            Ok(user) => tracing::info!(
                user = %user.id,
                organization_id = user.organization_id.as_deref(),
                "login finished"
            ),
            // The detail may hold request input (an `error_description`): quoted and
            // escaped by `?`, so it cannot forge log lines.
            Err(err) if err.http_status() >= 500 => {
                tracing::warn!(code = err.code(), detail = ?err.to_string(), "login failed");
            }
            Err(err) => tracing::info!(code = err.code(), detail = ?err.to_string(), "login failed"),
        }
        CallbackOutcome { result, redirect_to, set_cookies }
    }

    /// Saves the session of a completed login and returns its user.
    async fn open_session(
        &self,
        result: &AuthResult,
        app: Option<serde_json::Value>,
        cookies: &RequestCookies,
        set_cookies: &mut Vec<String>,
    ) -> Result<User> {
        if let Some(app) = &app {
            // An app bug, not the user's: a 500 naming the hook. Depth first, measured
            // without recursion, so the size check's serializer never meets a deep value.
            if json_depth(app) > MAX_APP_DATA_DEPTH {
                return Err(Error::InvalidConfig(format!(
                    "the after-callback hook returned app data nesting arrays and objects more than \
                     {MAX_APP_DATA_DEPTH} levels deep; flatten it"
                )));
            }
            let size = serde_json::to_vec(app).map_or(usize::MAX, |v| v.len());
            if size > MAX_APP_DATA_BYTES {
                return Err(Error::InvalidConfig(format!(
                    "the after-callback hook returned {size} bytes of app data; keep it under \
                     {MAX_APP_DATA_BYTES} (store larger data in the app's database, keyed by the user id)"
                )));
            }
        }
        let now = self.now();
        let mut data = SessionData::from_result(result, None, now);
        data.app = app;
        let held = if self.config.server_side_sessions { Held::Server(random_token()) } else { Held::Cookie };
        set_cookies.extend(self.save_session(&data, &held, cookies, now, true).await?);
        Ok(data.user)
    }

    async fn exchange_code(
        &self,
        query: &HashMap<String, String>,
        state: &str,
        txn_cookie: Option<&str>,
        cookies: &RequestCookies,
        redirect_to: &mut String,
    ) -> Result<AuthResult> {
        if let Some(error) = query.get("error") {
            return Err(Error::AuthorizationDenied {
                error: error.clone(),
                description: query.get("error_description").cloned(),
            });
        }
        let txn_cookie =
            txn_cookie.ok_or_else(|| Error::StateMismatch("the callback has no state".into()))?;
        let Some(sealed) = cookies.get(txn_cookie) else {
            return Err(if self.state_was_used(state) {
                Error::CallbackReplayed
            } else {
                Error::StateMismatch("no login with this state was started in this browser".into())
            });
        };
        let txn = self
            .open_login(sealed)
            .ok_or_else(|| Error::StateMismatch("the login cookie is invalid".into()))?;
        if !constant_time_eq(txn.state.as_bytes(), state.as_bytes()) {
            return Err(Error::StateMismatch("the state does not match the login cookie".into()));
        }
        *redirect_to = txn.return_to.clone();
        let now = self.now();
        if now - txn.created > LOGIN_TIMEOUT_SECONDS {
            return Err(Error::LoginExpired(LOGIN_TIMEOUT_SECONDS));
        }
        // RFC 9207: a provider that names itself must be the one we sent the user to.
        if let Some(iss) = query.get("iss") {
            let expected = self.auth.provider_metadata().await?.issuer.clone();
            if *iss != expected {
                return Err(Error::CallbackInvalidIssuer { expected, found: iss.clone() });
            }
        }
        if !self.mark_state_used(state, &txn.return_to, now) {
            return Err(Error::CallbackReplayed);
        }
        let code = query.get("code").filter(|c| !c.is_empty()).ok_or_else(|| Error::AuthorizationDenied {
            error: "missing_code".into(),
            description: Some("the callback has no code".into()),
        })?;
        let options = AuthenticateOptions { code_verifier: Some(txn.verifier), nonce: Some(txn.nonce) };
        self.auth.authenticate_with_code(code, &self.config.redirect_uri, &options).await
    }

    /// Remembers a completed state (and where it was headed) for the login timeout;
    /// false if it was already used.
    fn mark_state_used(&self, state: &str, return_to: &str, now: i64) -> bool {
        let mut used = self.used_states.lock().unwrap_or_else(PoisonError::into_inner);
        used.insert(state_key(state), now.saturating_add(LOGIN_TIMEOUT_SECONDS), return_to, now)
    }

    fn state_was_used(&self, state: &str) -> bool {
        let used = self.used_states.lock().unwrap_or_else(PoisonError::into_inner);
        used.contains(&state_key(state), self.now())
    }

    /// Where a login of `state` that already completed was headed (a callback URL
    /// visited again, e.g. with the back button).
    pub(crate) fn used_state_return_to(&self, state: &str) -> Option<String> {
        let used = self.used_states.lock().unwrap_or_else(PoisonError::into_inner);
        used.return_to(&state_key(state), self.now()).map(str::to_owned)
    }

    /// Saves a session where it is held and returns the `Set-Cookie` values: the cookie
    /// session itself, or for a server-side session the record, plus (when `new`) the
    /// cookie naming it.
    async fn save_session(
        &self,
        data: &SessionData,
        held: &Held,
        cookies: &RequestCookies,
        now: i64,
        new: bool,
    ) -> Result<Vec<String>> {
        match held {
            Held::Cookie => self.write_session(data, cookies),
            Held::Server(id) => {
                self.save_server_session(id, data, now, new).await?;
                if !new {
                    return Ok(Vec::new());
                }
                self.write_cookie(data, &self.sealer.seal(Purpose::SessionId, id.as_bytes()), cookies)
            }
        }
    }

    /// Saves a session that begins now, for a request that carried no session cookie.
    #[cfg(feature = "testing")]
    pub(crate) async fn save_new_session(
        &self,
        data: &SessionData,
        held: &Held,
        now: i64,
    ) -> Result<Vec<String>> {
        self.save_session(data, held, &RequestCookies::default(), now, true).await
    }

    fn write_session(&self, data: &SessionData, cookies: &RequestCookies) -> Result<Vec<String>> {
        self.write_cookie(data, &self.sealer.seal(Purpose::Session, &to_json(data)), cookies)
    }

    fn write_cookie(
        &self,
        data: &SessionData,
        sealed: &str,
        cookies: &RequestCookies,
    ) -> Result<Vec<String>> {
        let lifetime = i64::try_from(self.config.absolute_lifetime.as_secs()).unwrap_or(i64::MAX);
        let max_age = (data.created.saturating_add(lifetime) - self.now()).max(0);
        let present = cookies.chunk_names(&self.session_cookie);
        self.attrs
            .write_chunked(&self.session_cookie, sealed, max_age, &present)
            .map_err(|e| Error::InvalidArgument(format!("cannot store the session: {e}")))
    }

    fn clear_session(&self, cookies: &RequestCookies) -> Vec<String> {
        let mut names = cookies.chunk_names(&self.session_cookie);
        if names.is_empty() {
            names.push(self.session_cookie.clone());
        }
        names.iter().map(|n| self.attrs.clear(n)).collect()
    }

    /// Call on every request that needs the user: a bearer token is validated alone;
    /// otherwise the session cookie is opened, its lifetimes checked, and its access
    /// token validated or, near expiry, refreshed (once for concurrent requests).
    pub async fn authenticate(
        &self,
        cookie_header: Option<&str>,
        authorization: Option<&str>,
    ) -> AuthOutcome {
        self.authenticate_in(cookie_header, authorization, Access::ReadWrite).await
    }

    /// Like [`SessionEngine::authenticate`], but never refreshes and never writes a
    /// cookie (`set_cookies` is always empty): for code that cannot send cookies, such as
    /// a page rendered behind a proxy that already did the refresh. A session whose
    /// access token is valid (inside the refresh window too) is served; an expired one is
    /// refused.
    pub async fn authenticate_read_only(
        &self,
        cookie_header: Option<&str>,
        authorization: Option<&str>,
    ) -> AuthOutcome {
        self.authenticate_in(cookie_header, authorization, Access::ReadOnly).await
    }

    pub(crate) async fn authenticate_in(
        &self,
        cookie_header: Option<&str>,
        authorization: Option<&str>,
        access: Access,
    ) -> AuthOutcome {
        match bearer_token(authorization) {
            Some(Ok(token)) => {
                let result = self.auth.validate_access_token(token).await.map(|claims| Identity {
                    user: User::from_claims(&claims),
                    claims,
                    source: IdentitySource::Bearer,
                    app_data: None,
                    access_token: token.to_owned(),
                });
                return AuthOutcome { result, set_cookies: Vec::new() };
            }
            Some(Err(err)) => return AuthOutcome { result: Err(err), set_cookies: Vec::new() },
            None => {}
        }
        let cookies = RequestCookies::parse(cookie_header);
        if access == Access::ReadOnly {
            return AuthOutcome { result: self.read_session(&cookies).await, set_cookies: Vec::new() };
        }
        let mut outcome = self.session_from_cookies(&cookies).await;
        outcome.set_cookies.extend(self.clear_unprefixed(&cookies));
        outcome
    }

    /// The identity of the session cookie without changing anything.
    async fn read_session(&self, cookies: &RequestCookies) -> Result<Identity> {
        let sealed = cookies.read_chunked(&self.session_cookie).ok_or(Error::SessionMissing)?;
        let (data, held) = self.open_cookie(&sealed).await?;
        let now = self.now();
        if let Some(reason) = self.lifetime_over(&data, now) {
            return Err(Error::SessionExpired(reason.into()));
        }
        if let Some(reason) = self.provider_ended(&data, &held).await? {
            return Err(Error::SessionExpired(reason.into()));
        }
        if now >= data.exp {
            return Err(Error::SessionExpired(
                "the access token expired; requests that may write cookies refresh it".into(),
            ));
        }
        let claims = self.auth.validate_access_token(&data.at).await?;
        Ok(Identity {
            user: data.user,
            claims,
            source: IdentitySource::Session,
            app_data: data.app,
            access_token: data.at,
        })
    }

    /// The session a cookie carries, or the server-side session it names, and where it
    /// is held.
    async fn open_cookie(&self, sealed: &str) -> Result<(SessionData, Held)> {
        if let Ok(bytes) = self.sealer.open(Purpose::Session, sealed) {
            let data = serde_json::from_slice(&bytes)
                .map_err(|_| Error::SessionInvalid("the session is not in the expected format".into()))?;
            return Ok((data, Held::Cookie));
        }
        let id = self.sealer.open(Purpose::SessionId, sealed).map_err(|r| Error::SessionInvalid(r.into()))?;
        let id =
            String::from_utf8(id).map_err(|_| Error::SessionInvalid("the session id is not text".into()))?;
        let data = self.load_server_session(&id).await?;
        Ok((data, Held::Server(id)))
    }

    /// Why the session's lifetime is over, if it is.
    fn lifetime_over(&self, data: &SessionData, now: i64) -> Option<&'static str> {
        let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        if now >= data.created.saturating_add(secs(self.config.absolute_lifetime)) {
            return Some("absolute lifetime reached");
        }
        if now >= data.seen.saturating_add(secs(self.config.idle_timeout)) {
            return Some("idle timeout reached");
        }
        None
    }

    /// Whether a back-channel logout ended the session. A cookie session whose store
    /// cannot tell goes on (its tokens are in the cookie, and a store outage must not
    /// log everyone out); a server-side session cannot go on without the store anyway.
    async fn provider_ended(&self, data: &SessionData, held: &Held) -> Result<Option<&'static str>> {
        match self.ended_by_provider(data).await {
            Err(Error::StoreUnavailable(_)) if *held == Held::Cookie => Ok(None),
            other => other,
        }
    }

    async fn session_from_cookies(&self, cookies: &RequestCookies) -> AuthOutcome {
        let Some(sealed) = cookies.read_chunked(&self.session_cookie) else {
            return AuthOutcome { result: Err(Error::SessionMissing), set_cookies: Vec::new() };
        };
        match self.open_cookie(&sealed).await {
            Ok((data, held)) => self.session_identity(data, held, cookies).await,
            // The session may be fine; the store cannot say: keep the cookie.
            Err(err @ Error::StoreUnavailable(_)) => {
                AuthOutcome { result: Err(err), set_cookies: Vec::new() }
            }
            Err(err) => AuthOutcome { result: Err(err), set_cookies: self.clear_session(cookies) },
        }
    }

    /// With `__Host-` names in use, the session cookies an earlier version set under the
    /// plain name are cleared, so they do not sit next to the new ones for days.
    fn clear_unprefixed(&self, cookies: &RequestCookies) -> Vec<String> {
        if self.session_cookie == self.config.cookie_name {
            return Vec::new();
        }
        // Those were host-only cookies: cleared as such, whatever Domain is set now.
        cookies.chunk_names(&self.config.cookie_name).iter().map(|n| self.login_attrs.clear(n)).collect()
    }

    /// Ends a session: its cookies cleared, its server-side record (if any) deleted.
    async fn end_session(&self, err: Error, held: &Held, cookies: &RequestCookies) -> AuthOutcome {
        if let Held::Server(id) = held {
            // Best effort: the record expires by itself, and the cookie goes now.
            let _ = self.store.delete(&session_key(id)).await;
        }
        AuthOutcome { result: Err(err), set_cookies: self.clear_session(cookies) }
    }

    async fn session_identity(&self, data: SessionData, held: Held, cookies: &RequestCookies) -> AuthOutcome {
        let now = self.now();
        let expired = |reason: &str| Error::SessionExpired(reason.to_owned());
        if let Some(reason) = self.lifetime_over(&data, now) {
            return self.end_session(expired(reason), &held, cookies).await;
        }
        match self.provider_ended(&data, &held).await {
            Ok(None) => {}
            Ok(Some(reason)) => return self.end_session(expired(reason), &held, cookies).await,
            Err(err) => return AuthOutcome { result: Err(err), set_cookies: Vec::new() },
        }
        if data.rt.is_some() && data.exp.saturating_sub(now) <= self.refresh_window(&data) {
            return self.refresh_session(data, held, cookies, now).await;
        }
        // Without a refresh token (never granted, or refused) a session ends with its
        // access token's `exp`, not `exp` plus the validation leeway.
        let no_refresh = "the access token expired and the session has no refresh token";
        if data.rt.is_none() && now >= data.exp {
            return self.end_session(expired(no_refresh), &held, cookies).await;
        }
        match self.auth.validate_access_token(&data.at).await {
            Ok(claims) => self.continue_session(data, claims, &held, cookies, now, false).await,
            // The provider's keys are unreachable: not the session's fault, keep it.
            Err(err @ Error::JwksUnavailable(_)) => AuthOutcome { result: Err(err), set_cookies: vec![] },
            // The token no longer validates (e.g. its key was withdrawn): a refresh may mend it.
            Err(_) if data.rt.is_some() => self.refresh_session(data, held, cookies, now).await,
            Err(Error::TokenExpired { .. }) => self.end_session(expired(no_refresh), &held, cookies).await,
            Err(err) => self.end_session(err, &held, cookies).await,
        }
    }

    /// How long before its expiry an access token is refreshed: the configured window,
    /// but at most a quarter of the token's own lifetime, so a 15-second token serves
    /// most of its life instead of being refreshed on every request.
    fn refresh_window(&self, data: &SessionData) -> i64 {
        let configured = i64::try_from(self.config.refresh_window.as_secs()).unwrap_or(i64::MAX);
        match data.iat {
            Some(iat) if data.exp > iat => configured.min(data.exp.saturating_sub(iat) / 4),
            _ => configured,
        }
    }

    /// Refreshes the session's tokens. A refusal (a 4xx grant or client error, e.g.
    /// `invalid_grant`) ends the session once its access token is no longer valid; an
    /// outage (5xx, `temporarily_unavailable`, timeout, the store) never ends it while
    /// the token is valid.
    async fn refresh_session(
        &self,
        mut data: SessionData,
        held: Held,
        cookies: &RequestCookies,
        now: i64,
    ) -> AuthOutcome {
        let Some(refresh_token) = data.rt.clone() else {
            return self.end_session(Error::SessionMissing, &held, cookies).await;
        };
        let err = match self.refresher.refresh(&self.auth, &refresh_token, now).await {
            // OpenID Core §12.2: a refresh must not turn the session into another user's.
            Ok(result) if result.access_token_claims.sub != data.user.id => {
                let err =
                    Error::invalid_claim("sub", "the refreshed tokens name another user than the session");
                return self.end_session(err, &held, cookies).await;
            }
            Ok(result) => {
                tracing::debug!(user = %data.user.id, "session refreshed");
                let next = SessionData::from_result(&result, Some(&data), now);
                return match self.save_session(&next, &held, cookies, now, false).await {
                    Ok(set_cookies) => AuthOutcome {
                        result: Ok(Identity {
                            user: next.user,
                            claims: result.access_token_claims,
                            source: IdentitySource::Session,
                            app_data: next.app,
                            access_token: result.access_token,
                        }),
                        set_cookies,
                    },
                    Err(err @ Error::StoreUnavailable(_)) => {
                        AuthOutcome { result: Err(err), set_cookies: vec![] }
                    }
                    Err(err) => self.end_session(err, &held, cookies).await,
                };
            }
            Err(err) => err,
        };
        let still_valid = self.auth.validate_access_token(&data.at).await;
        if err.is_provider_outage() || matches!(err, Error::StoreUnavailable(_)) {
            tracing::warn!(
                code = err.code(),
                user = %data.user.id,
                detail = ?err.to_string(),
                "refreshing a session failed; it goes on while its access token is valid"
            );
            // The provider or the store is down: a still-valid access token keeps the user in.
            return match still_valid {
                Ok(claims) => self.continue_session(data, claims, &held, cookies, now, false).await,
                Err(_) => AuthOutcome { result: Err(err), set_cookies: vec![] },
            };
        }
        match (err, still_valid) {
            // Refused (revoked, expired, replayed): the session lives until its access
            // token expires (its `exp`, without the leeway), without the refresh token,
            // so no request asks again.
            (Error::ProviderError { .. }, Ok(claims)) if data.exp > now => {
                data.rt = None;
                self.continue_session(data, claims, &held, cookies, now, true).await
            }
            (Error::ProviderError { error, .. }, _) => {
                tracing::info!(user = %data.user.id, oauth_error = %error, "the provider refused a refresh; the session ends");
                let reason = format!("the provider refused to refresh it ({error})");
                self.end_session(Error::SessionExpired(reason), &held, cookies).await
            }
            // The new tokens did not validate (a key not yet fetched, a clock ahead): not
            // the user's doing; the session goes on while its token is valid and the
            // refresh is tried again later.
            (_, Ok(claims)) => self.continue_session(data, claims, &held, cookies, now, false).await,
            (err, Err(_)) => self.end_session(err, &held, cookies).await,
        }
    }

    /// An authenticated session; it is saved again only when it `changed` or the idle
    /// clock needs moving (at most every 5 minutes), not on every request.
    async fn continue_session(
        &self,
        mut data: SessionData,
        claims: Claims,
        held: &Held,
        cookies: &RequestCookies,
        now: i64,
        changed: bool,
    ) -> AuthOutcome {
        let touch_every = (self.config.idle_timeout.as_secs() / 10).clamp(1, 300);
        let mut set_cookies = Vec::new();
        if changed || now - data.seen >= i64::try_from(touch_every).unwrap_or(300) {
            data.seen = now;
            // A failed save costs only the idle clock's move; the request goes on.
            set_cookies = self.save_session(&data, held, cookies, now, false).await.unwrap_or_default();
        }
        AuthOutcome {
            result: Ok(Identity {
                user: data.user,
                claims,
                source: IdentitySource::Session,
                app_data: data.app,
                access_token: data.at,
            }),
            set_cookies,
        }
    }

    /// Call on the app's logout route: clears every session cookie, deletes a
    /// server-side session, and returns the provider's logout URL (with the ID token as
    /// hint and the configured post-logout URL). Works with a missing or broken session
    /// too, and never waits for the provider.
    pub async fn logout(&self, cookie_header: Option<&str>) -> LogoutOutcome {
        let cookies = RequestCookies::parse(cookie_header);
        let mut id_token_hint = None;
        let mut store_error = None;
        if let Some(sealed) = cookies.read_chunked(&self.session_cookie) {
            let ended = match self.open_cookie(&sealed).await {
                Ok((data, held)) => {
                    id_token_hint = data.it.clone();
                    match held {
                        Held::Server(id) => self.delete_server_session(&id, Some(&data.user.id)).await,
                        Held::Cookie => self.mark_logged_out(&data, self.now()).await,
                    }
                }
                // The record could not be read (for the ID token): deleted by the id the
                // cookie names all the same, and the logout goes on without the hint. A
                // store that failed is reported even when the delete then went through.
                Err(err) => {
                    let outage = matches!(err, Error::StoreUnavailable(_));
                    match self.sealed_session_id(&sealed) {
                        Some(id) => {
                            let deleted = self.delete_server_session(&id, None).await;
                            if outage { deleted.and(Err(err)) } else { deleted }
                        }
                        None if outage => Err(err),
                        None => Ok(()),
                    }
                }
            };
            if let Err(err) = ended {
                tracing::warn!(
                    code = err.code(),
                    detail = ?err.to_string(),
                    "logout cleared the browser's session, but the store could not end it"
                );
                store_error = Some(err);
            }
        }
        let redirect_url = self.auth.logout_url(&LogoutUrlOptions {
            id_token_hint,
            post_logout_redirect_uri: self.config.post_logout_redirect_uri.clone(),
            state: Some(random_token()),
        });
        let mut set_cookies = self.clear_session(&cookies);
        set_cookies.extend(cookies.names_with_prefix(&self.login_prefix).map(|n| self.login_attrs.clear(n)));
        LogoutOutcome { redirect_url, set_cookies, store_error }
    }

    /// The id of a server-side session that `sealed` names, read without the store.
    fn sealed_session_id(&self, sealed: &str) -> Option<String> {
        String::from_utf8(self.sealer.open(Purpose::SessionId, sealed).ok()?).ok()
    }

    /// Call on the app's back-channel logout route (`POST`, form body with
    /// `logout_token`): validates the token, refuses a replayed one, and ends the
    /// sessions it names on every instance sharing the store.
    ///
    /// ```no_run
    /// # async fn run(engine: scalekit_auth::SessionEngine, body: &str) -> scalekit_auth::Result<()> {
    /// engine.backchannel_logout(body).await?; // then answer 200
    /// # Ok(()) }
    /// ```
    pub async fn backchannel_logout(&self, form_body: &str) -> Result<crate::LogoutTokenClaims> {
        let token = url::form_urlencoded::parse(form_body.as_bytes())
            .find(|(k, _)| k == "logout_token")
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::invalid_argument("the request has no logout_token"))?;
        let claims = self.auth.validate_logout_token(&token).await?;
        self.record_logout(&claims, self.now()).await?;
        tracing::info!(
            sid = claims.sid.as_deref(),
            sub = claims.sub.as_deref(),
            "back-channel logout ended the provider's session"
        );
        Ok(claims)
    }
}

/// The token of an `Authorization: Bearer` header; `None` when there is no such header
/// (another scheme is left to other middleware).
pub(crate) fn bearer_token(authorization: Option<&str>) -> Option<Result<&str>> {
    let header = authorization?.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim();
    if token.is_empty() {
        return Some(Err(Error::TokenMalformed("the Authorization header has no bearer token".into())));
    }
    Some(Ok(token))
}

fn state_key(state: &str) -> [u8; 32] {
    let hash = digest::digest(&digest::SHA256, state.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(hash.as_ref());
    key
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Plain structs of strings and numbers always serialize.
    serde_json::to_vec(value).expect("session data serializes")
}

/// How deeply `value` nests arrays and objects (a scalar is 0), counted without recursion
/// so that any value, however built, is measured safely.
fn json_depth(value: &serde_json::Value) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(value, 0usize)];
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &serde_json::Value>> = match value {
            serde_json::Value::Array(items) => Box::new(items.iter()),
            serde_json::Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        deepest = deepest.max(depth + 1);
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_states_are_bounded_and_expire_in_order() {
        let mut used = UsedStates::default();
        let key = |i: usize| state_key(&i.to_string());
        assert!(used.insert(key(0), 10, "/", 0));
        assert!(!used.insert(key(0), 10, "/", 1), "a replay is caught");
        assert!(used.contains(&key(0), 9) && !used.contains(&key(0), 10));
        for i in 1..=MAX_USED_STATES + 5 {
            assert!(used.insert(key(i), 100, "/", 20));
        }
        assert!(used.order.len() <= MAX_USED_STATES && used.until.len() <= MAX_USED_STATES);
        assert!(!used.contains(&key(1), 20), "the oldest is forgotten first");
        assert!(used.contains(&key(MAX_USED_STATES + 5), 20));
        // Once expired, entries leave as new ones arrive.
        assert!(used.insert(key(0), 200, "/", 150));
        assert_eq!(used.until.len(), 1);
    }
}
