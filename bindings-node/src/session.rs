//! `NativeSessionEngine`: the session engine for JavaScript frameworks.

use std::sync::Arc;

use napi::bindgen_prelude::within_runtime_if_available;
use napi_derive::napi;
use scalekit_auth::SessionConfig;

use crate::client::NativeClient;
use crate::decision::Decision;
use crate::error::to_napi;
use crate::request::{RequestParts, RouteRequirements, to_requirements};

/// Session options (`scalekit_auth::SESSION_OPTIONS`, camelCase here).
#[napi(object)]
#[derive(Default, serde::Serialize)]
pub struct SessionOptions {
    pub post_logout_redirect_uri: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub cookie_name: Option<String>,
    /// `Domain` of the session cookie, to share it with subdomains (default host-only).
    pub cookie_domain: Option<String>,
    /// `SameSite` of the session cookie: `lax` (default), `strict` or `none`.
    pub same_site: Option<String>,
    pub login_path: Option<String>,
    /// The path the app serves its callback on; the redirect URI must end with it.
    pub callback_path: Option<String>,
    pub secure_cookies: Option<bool>,
    pub absolute_lifetime_seconds: Option<i64>,
    pub idle_timeout_seconds: Option<i64>,
    pub refresh_window_seconds: Option<i64>,
    /// A Redis URL (`redis://`, `rediss://`) shared by every instance of the app.
    pub redis_url: Option<String>,
    /// Keep sessions in the store; the cookie holds only a sealed session id.
    pub server_side_sessions: Option<bool>,
    /// How long a store command may take (default 2000 ms).
    pub store_timeout_ms: Option<i64>,
}

impl SessionOptions {
    /// Applies the options through the core's table, so every binding checks them alike;
    /// errors name the options as JavaScript spells them.
    fn apply(self, config: SessionConfig) -> napi::Result<SessionConfig> {
        crate::error::through_core(scalekit_auth::SESSION_OPTIONS, &self, |map| config.with_options(map))
    }
}

#[napi]
pub struct NativeSessionEngine {
    engine: Arc<scalekit_auth::SessionEngine>,
}

#[napi]
impl NativeSessionEngine {
    #[napi(constructor)]
    pub fn new(
        client: &NativeClient,
        redirect_uri: String,
        session_secrets: Vec<String>,
        options: Option<SessionOptions>,
    ) -> napi::Result<Self> {
        let config = options.unwrap_or_default().apply(SessionConfig::new(redirect_uri, session_secrets))?;
        let engine = scalekit_auth::SessionEngine::new(client.auth.clone(), config).map_err(to_napi)?;
        Ok(NativeSessionEngine { engine: Arc::new(engine) })
    }

    /// An engine configured from `vars` (`SCALEKIT_*` names to values, e.g. the
    /// environment overlaid with values passed in code) and `options`.
    #[napi(factory)]
    pub fn from_vars(
        client: &NativeClient,
        vars: std::collections::HashMap<String, String>,
        options: Option<SessionOptions>,
    ) -> napi::Result<Self> {
        let config = SessionConfig::from_lookup(|name| vars.get(name).cloned()).map_err(to_napi)?;
        let config = options.unwrap_or_default().apply(config)?;
        let engine = scalekit_auth::SessionEngine::new(client.auth.clone(), config).map_err(to_napi)?;
        Ok(NativeSessionEngine { engine: Arc::new(engine) })
    }

    #[napi(factory)]
    pub fn from_env(client: &NativeClient, options: Option<SessionOptions>) -> napi::Result<Self> {
        let config = options.unwrap_or_default().apply(SessionConfig::from_env().map_err(to_napi)?)?;
        let engine = scalekit_auth::SessionEngine::new(client.auth.clone(), config).map_err(to_napi)?;
        Ok(NativeSessionEngine { engine: Arc::new(engine) })
    }

    /// The decision for a protected route when it needs no wait for the provider;
    /// `null` otherwise (then call `requireAuth`).
    #[napi]
    pub fn try_require_auth(
        &self,
        request: RequestParts,
        requirements: Option<RouteRequirements>,
    ) -> Option<Decision> {
        let requirements = to_requirements(requirements);
        let info = request.info();
        within_runtime_if_available(|| self.engine.try_require_auth(&info, &requirements)).map(Decision::from)
    }

    #[napi]
    pub async fn require_auth(
        &self,
        request: RequestParts,
        requirements: Option<RouteRequirements>,
    ) -> Decision {
        let engine = self.engine.clone();
        let requirements = to_requirements(requirements);
        Decision::from(engine.require_auth(&request.info(), &requirements).await)
    }

    #[napi]
    pub async fn optional_auth(&self, request: RequestParts) -> Decision {
        let engine = self.engine.clone();
        Decision::from(engine.optional_auth(&request.info()).await)
    }

    /// `requireAuth` (with `requirements`) or `optionalAuth` (without) that never
    /// refreshes and never sets cookies: for pages behind a proxy that refreshes.
    #[napi]
    pub async fn peek_session(
        &self,
        request: RequestParts,
        requirements: Option<RouteRequirements>,
    ) -> Decision {
        let engine = self.engine.clone();
        let requirements = requirements.map(|r| to_requirements(Some(r)));
        Decision::from(engine.peek_auth(&request.info(), requirements.as_ref()).await)
    }

    #[napi]
    pub async fn handle_login(&self, request: RequestParts, signup: bool) -> Decision {
        let engine = self.engine.clone();
        Decision::from(engine.handle_login(&request.info(), signup).await)
    }

    #[napi]
    pub async fn handle_callback(&self, request: RequestParts) -> Decision {
        let engine = self.engine.clone();
        Decision::from(engine.handle_callback(&request.info()).await)
    }

    /// The callback route's first step, for an after-callback hook: the checks and the
    /// code exchange; the session opens in `finishCallback`.
    #[napi]
    pub async fn begin_callback(&self, request: RequestParts) -> NativePendingLogin {
        let engine = self.engine.clone();
        let pending = engine.begin_callback(&request.info()).await;
        let (result, error_code) = match &pending.result {
            Ok(r) => (Some(r.clone()), None),
            Err(e) => (None, Some(e.code().to_owned())),
        };
        let return_to = pending.return_to().to_owned();
        NativePendingLogin { inner: std::sync::Mutex::new(Some(pending)), result, error_code, return_to }
    }

    /// The callback route's second step: opens the session of `pending` with `appDataJson`
    /// (JSON text) kept in it, or refuses the login when `deny` gives a reason;
    /// `openSession: false` accepts it without a session of the engine's (the app keeps
    /// its own).
    #[napi]
    pub async fn finish_callback(
        &self,
        request: RequestParts,
        pending: &NativePendingLogin,
        app_data_json: Option<String>,
        deny: Option<String>,
        open_session: Option<bool>,
    ) -> napi::Result<Decision> {
        // Text, not a converted JS object: the parser bounds nesting, so no app data can
        // exhaust the native stack.
        let app_data = app_data_json
            .map(|text| serde_json::from_str::<serde_json::Value>(&text))
            .transpose()
            .map_err(|e| crate::error::invalid_argument(format!("the app data is not JSON: {e}")))?;
        let verdict = scalekit_auth::LoginVerdict::from_hook(deny, app_data, open_session != Some(false));
        let pending = pending
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .ok_or_else(|| crate::error::invalid_argument("this login was already finished"))?;
        let engine = self.engine.clone();
        Ok(Decision::from(engine.finish_callback(&request.info(), pending, verdict).await))
    }

    #[napi]
    pub async fn handle_logout(&self, request: RequestParts) -> Decision {
        let engine = self.engine.clone();
        Decision::from(engine.handle_logout(&request.info()).await)
    }

    /// The back-channel logout route: the provider POSTs `logout_token` as a form.
    #[napi]
    pub async fn handle_backchannel_logout(&self, method: String, body: String) -> Decision {
        let engine = self.engine.clone();
        Decision::from(engine.handle_backchannel_logout(&method, &body).await)
    }

    /// Ends every session of the user `userId` begun until now (on every instance sharing
    /// the store): each is refused on its next request.
    #[napi]
    pub async fn end_sessions_for(&self, user_id: String) -> napi::Result<()> {
        self.engine.end_sessions_for(&user_id).await.map_err(to_napi)
    }

    /// A `Cookie` header value this engine accepts as a signed-in session described by
    /// `options` (`userId`, `email`, `name`, `roles`, `permissions`, `scopes`,
    /// `organizationId`, `expiresIn`, `claims`), its access token signed by `provider`.
    #[napi]
    pub async fn test_session_cookie(
        &self,
        provider: &crate::testing::NativeLocalProvider,
        options: Option<serde_json::Value>,
    ) -> napi::Result<String> {
        let session = crate::testing::test_session(options)?;
        self.engine.test_session_cookie(provider.provider.signer(), &session).await.map_err(to_napi)
    }

    /// The session cookie's name (`__Host-` prefixed when cookies are `Secure`).
    #[napi(getter)]
    pub fn session_cookie_name(&self) -> String {
        self.engine.session_cookie_name().to_owned()
    }

    /// Where shared state lives: `memory` or `redis`.
    #[napi(getter)]
    pub fn store_kind(&self) -> &'static str {
        self.engine.store_kind()
    }
}

/// A login whose tokens are in, awaiting the app's verdict (`finishCallback`).
#[napi]
pub struct NativePendingLogin {
    inner: std::sync::Mutex<Option<scalekit_auth::PendingLogin>>,
    result: Option<scalekit_auth::AuthResult>,
    error_code: Option<String>,
    return_to: String,
}

#[napi]
impl NativePendingLogin {
    /// The validated tokens and user, or null when the login already failed.
    #[napi(getter)]
    pub fn result(&self) -> Option<crate::exchange::AuthResult> {
        self.result.clone().map(crate::exchange::AuthResult::from)
    }

    /// Why the login failed, if it did.
    #[napi(getter)]
    pub fn error_code(&self) -> Option<String> {
        self.error_code.clone()
    }

    /// Where the login was headed (a safe path of the app).
    #[napi(getter)]
    pub fn return_to(&self) -> String {
        self.return_to.clone()
    }
}
