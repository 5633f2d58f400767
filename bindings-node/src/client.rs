//! `NativeClient`: the protocol client for JavaScript.

use futures_util::FutureExt;
use napi::bindgen_prelude::within_runtime_if_available;
use napi_derive::napi;
use scalekit_auth::{
    AuthenticateOptions, AuthorizationUrlOptions, Config, LogoutUrlOptions, ScalekitAuth, WebhookKind,
};
use serde_json::Value;

use crate::authorize::LoginRequest;
use crate::claims::Json;
use crate::error::to_napi;
use crate::exchange::AuthResult;
use crate::idp::IdpInitiatedLoginClaims;
use crate::m2m::ClientToken;

/// Client options (`scalekit_auth::CLIENT_OPTIONS`, camelCase here).
#[napi(object)]
#[derive(Default, serde::Serialize)]
pub struct ClientOptions {
    pub issuer: Option<Vec<String>>,
    pub audience: Option<Vec<String>>,
    pub leeway_seconds: Option<i64>,
    pub jwks_cache_ttl_seconds: Option<i64>,
    pub jwks_refetch_cooldown_seconds: Option<i64>,
    pub http_timeout_seconds: Option<i64>,
    pub max_token_bytes: Option<i64>,
    pub verified_token_cache_size: Option<i64>,
}

impl ClientOptions {
    /// Applies the options through the core's table, as Python does; errors name the
    /// options as JavaScript spells them.
    fn apply(self, config: Config) -> napi::Result<Config> {
        crate::error::through_core(scalekit_auth::CLIENT_OPTIONS, &self, |map| config.with_options(map))
    }
}

/// Login-URL options (`scalekit_auth::URL_OPTIONS`, camelCase here).
#[napi(object)]
#[derive(Default, serde::Serialize)]
pub struct UrlOptions {
    pub scopes: Option<Vec<String>>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub login_hint: Option<String>,
    pub domain_hint: Option<String>,
    pub connection_id: Option<String>,
    pub organization_id: Option<String>,
    pub provider: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<i64>,
    pub acr_values: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

impl UrlOptions {
    /// Applies the options through the core's table, as Python does.
    fn apply(self) -> napi::Result<AuthorizationUrlOptions> {
        crate::error::through_core(scalekit_auth::URL_OPTIONS, &self, |map| {
            AuthorizationUrlOptions::default().with_options(map)
        })
    }
}

#[napi(object)]
#[derive(Default)]
pub struct LogoutOptions {
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

#[napi]
pub struct NativeClient {
    pub(crate) auth: ScalekitAuth,
}

#[napi]
impl NativeClient {
    #[napi(constructor)]
    pub fn new(
        environment_url: String,
        client_id: String,
        client_secret: String,
        options: Option<ClientOptions>,
    ) -> napi::Result<Self> {
        let config =
            options.unwrap_or_default().apply(Config::new(environment_url, client_id, client_secret))?;
        Ok(NativeClient { auth: ScalekitAuth::new(config).map_err(to_napi)? })
    }

    #[napi(factory)]
    pub fn from_env(options: Option<ClientOptions>) -> napi::Result<Self> {
        let config = options.unwrap_or_default().apply(Config::from_env().map_err(to_napi)?)?;
        Ok(NativeClient { auth: ScalekitAuth::new(config).map_err(to_napi)? })
    }

    #[napi]
    pub fn get_authorization_url(
        &self,
        redirect_uri: String,
        options: Option<UrlOptions>,
    ) -> napi::Result<String> {
        let options = options.unwrap_or_default().apply()?;
        self.auth.authorization_url(&redirect_uri, &options).map_err(to_napi)
    }

    #[napi]
    pub fn create_login(
        &self,
        redirect_uri: String,
        options: Option<UrlOptions>,
    ) -> napi::Result<LoginRequest> {
        let options = options.unwrap_or_default().apply()?;
        self.auth.create_login(&redirect_uri, &options).map(LoginRequest::from).map_err(to_napi)
    }

    #[napi]
    pub fn get_logout_url(&self, options: Option<LogoutOptions>) -> String {
        let o = options.unwrap_or_default();
        self.auth.logout_url(&LogoutUrlOptions {
            id_token_hint: o.id_token_hint,
            post_logout_redirect_uri: o.post_logout_redirect_uri,
            state: o.state,
        })
    }

    /// The claims, as JSON text, when validation completes without waiting for the
    /// network (keys cached); `null` when it would have to wait; errors throw. JSON text
    /// because one `JSON.parse` builds the object faster than setting its properties
    /// one by one across the boundary.
    #[napi]
    pub fn try_validate_access_token(&self, token: String) -> napi::Result<Option<String>> {
        let outcome = within_runtime_if_available(|| self.auth.validate_access_token(&token).now_or_never());
        match outcome {
            Some(result) => result.map(|c| Some(c.to_json().to_owned())).map_err(to_napi),
            None => Ok(None),
        }
    }

    /// The decision for an API route taking bearer tokens only (`authorization` is the
    /// `Authorization` header), when it needs no wait; `null` otherwise.
    #[napi]
    pub fn try_authorize_bearer(
        &self,
        authorization: Option<String>,
        requirements: Option<crate::request::RouteRequirements>,
    ) -> Option<crate::decision::Decision> {
        let requirements = crate::request::to_requirements(requirements);
        within_runtime_if_available(|| {
            self.auth.authorize_bearer(authorization.as_deref(), &requirements).now_or_never()
        })
        .map(crate::decision::Decision::from)
    }

    /// The decision for an API route taking bearer tokens only: continue with the
    /// identity, or 401/403 JSON with a `WWW-Authenticate` challenge.
    #[napi]
    pub async fn authorize_bearer(
        &self,
        authorization: Option<String>,
        requirements: Option<crate::request::RouteRequirements>,
    ) -> crate::decision::Decision {
        let auth = self.auth.clone();
        let requirements = crate::request::to_requirements(requirements);
        crate::decision::Decision::from(auth.authorize_bearer(authorization.as_deref(), &requirements).await)
    }

    /// The claims as JSON text (see `tryValidateAccessToken`).
    #[napi]
    pub async fn validate_access_token(&self, token: String) -> napi::Result<String> {
        let auth = self.auth.clone();
        auth.validate_access_token(&token).await.map(|c| c.to_json().to_owned()).map_err(to_napi)
    }

    /// The claims, as an object in which every claim (even one named `__proto__`) is an
    /// own property.
    #[napi(ts_return_type = "Promise<any>")]
    pub async fn validate_id_token(&self, token: String, nonce: Option<String>) -> napi::Result<Json> {
        let auth = self.auth.clone();
        auth.validate_id_token(&token, nonce.as_deref()).await.map(|c| Json::claims(&c)).map_err(to_napi)
    }

    #[napi]
    pub async fn authenticate_with_code(
        &self,
        code: String,
        redirect_uri: String,
        code_verifier: Option<String>,
        nonce: Option<String>,
    ) -> napi::Result<AuthResult> {
        let auth = self.auth.clone();
        let options = AuthenticateOptions { code_verifier, nonce };
        auth.authenticate_with_code(&code, &redirect_uri, &options)
            .await
            .map(AuthResult::from)
            .map_err(to_napi)
    }

    #[napi]
    pub async fn refresh_access_token(&self, refresh_token: String) -> napi::Result<AuthResult> {
        let auth = self.auth.clone();
        auth.refresh_access_token(&refresh_token).await.map(AuthResult::from).map_err(to_napi)
    }

    #[napi]
    pub async fn get_client_token(&self) -> napi::Result<ClientToken> {
        let auth = self.auth.clone();
        auth.client_credentials_token().await.map(ClientToken::from).map_err(to_napi)
    }

    #[napi]
    pub async fn get_idp_initiated_login_claims(
        &self,
        token: String,
    ) -> napi::Result<IdpInitiatedLoginClaims> {
        let auth = self.auth.clone();
        auth.idp_initiated_login_claims(&token).await.map(IdpInitiatedLoginClaims::from).map_err(to_napi)
    }

    /// `headers` are `[name, value]` pairs; `now` (seconds) replaces the clock in tests.
    #[napi]
    pub fn verify_webhook_payload(
        &self,
        secret: String,
        headers: Vec<Vec<String>>,
        payload: &[u8],
        now: Option<i64>,
    ) -> napi::Result<bool> {
        self.verify_payload(WebhookKind::Webhook, &secret, &headers, payload, now)
    }

    #[napi]
    pub fn verify_interceptor_payload(
        &self,
        secret: String,
        headers: Vec<Vec<String>>,
        payload: &[u8],
        now: Option<i64>,
    ) -> napi::Result<bool> {
        self.verify_payload(WebhookKind::Interceptor, &secret, &headers, payload, now)
    }

    #[napi]
    pub fn jwks_status(&self) -> Value {
        let s = self.auth.jwks_status();
        serde_json::json!({
            "keyIds": s.key_ids,
            "fetchedAtMillis": s.fetched_at_millis,
            "fetchAttempts": s.fetch_attempts,
            "lastError": s.last_error.map(|e| e.code()),
        })
    }
}

impl NativeClient {
    fn verify_payload(
        &self,
        kind: WebhookKind,
        secret: &str,
        headers: &[Vec<String>],
        payload: &[u8],
        now: Option<i64>,
    ) -> napi::Result<bool> {
        let now = now.unwrap_or_else(|| self.auth.now_seconds());
        scalekit_auth::verify_payload_at(kind, secret, pairs(headers), payload, now)
            .map(|()| true)
            .map_err(to_napi)
    }
}

fn pairs(headers: &[Vec<String>]) -> impl Iterator<Item = (&str, &str)> {
    headers.iter().filter_map(|pair| match pair.as_slice() {
        [name, value] => Some((name.as_str(), value.as_str())),
        _ => None,
    })
}
