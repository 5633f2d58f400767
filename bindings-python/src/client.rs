//! `_native.Client`: the protocol client (validation, login URLs, code exchange,
//! refresh, logout, client credentials, webhooks), with blocking and awaitable methods.

use std::collections::HashMap;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use scalekit_auth::{
    AuthenticateOptions, AuthorizationUrlOptions, Config, LogoutUrlOptions, ScalekitAuth, WebhookKind,
};

use crate::authorize::LoginRequest;
use crate::claims::Claims;
use crate::error::to_py_err;
use crate::exchange::AuthResult;
use crate::idp::IdpInitiatedLoginClaims;
use crate::json::from_py;
use crate::m2m::ClientToken;
use crate::runtime::{block_on, run_fast, try_now};

/// The client options of a dict (names of `scalekit_auth::CLIENT_OPTIONS`; `None` keeps
/// the default) applied to `config`.
fn configure(config: Config, options: Option<&Bound<'_, PyDict>>) -> PyResult<Config> {
    let Some(options) = options else { return Ok(config) };
    let serde_json::Value::Object(map) = from_py(options.as_any())? else {
        return Err(to_py_err(scalekit_auth::Error::InvalidArgument("client options must be a dict".into())));
    };
    config.with_options(&map).map_err(to_py_err)
}

/// A lookup of `SCALEKIT_*` settings: `settings` first, then the environment.
pub(crate) fn settings_or_env(settings: Option<HashMap<String, String>>) -> impl Fn(&str) -> Option<String> {
    move |name| match settings.as_ref().and_then(|s| s.get(name)) {
        Some(value) => Some(value.clone()),
        None => std::env::var(name).ok(),
    }
}

#[pyclass(module = "scalekit_auth._native", frozen)]
pub struct Client {
    pub(crate) auth: ScalekitAuth,
}

/// The authorization-URL parameters from a dict of keyword arguments (`None` values and
/// absent keys are left out; an unknown key is an error).
fn url_options(options: Option<&Bound<'_, PyDict>>) -> PyResult<AuthorizationUrlOptions> {
    let Some(options) = options else { return Ok(AuthorizationUrlOptions::default()) };
    let serde_json::Value::Object(map) = from_py(options.as_any())? else {
        return Err(to_py_err(scalekit_auth::Error::InvalidArgument(
            "login-URL options must be a dict".into(),
        )));
    };
    AuthorizationUrlOptions::default().with_options(&map).map_err(to_py_err)
}

/// Header pairs from a mapping (`dict`, Starlette `Headers`) or a list of pairs.
fn header_pairs(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let items = if headers.hasattr("items")? { headers.call_method0("items")? } else { headers.clone() };
    let mut pairs = Vec::new();
    for item in items.try_iter()? {
        let (name, value): (String, String) = item?.extract()?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// The raw body, from `bytes` or `str`.
fn body_bytes(payload: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = payload.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(s) = payload.cast::<PyString>() {
        return Ok(s.to_str()?.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err("payload must be the raw body as bytes or str"))
}

impl Client {
    fn verify_payload(
        &self,
        kind: WebhookKind,
        secret: &str,
        headers: &Bound<'_, PyAny>,
        payload: &Bound<'_, PyAny>,
        now: Option<i64>,
    ) -> PyResult<bool> {
        let pairs = header_pairs(headers)?;
        let body = body_bytes(payload)?;
        let refs = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let now = now.unwrap_or_else(|| self.auth.now_seconds());
        scalekit_auth::verify_payload_at(kind, secret, refs, &body, now).map(|()| true).map_err(to_py_err)
    }
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (environment_url, client_id, client_secret, options=None))]
    fn new(
        environment_url: String,
        client_id: String,
        client_secret: String,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config = configure(Config::new(environment_url, client_id, client_secret), options)?;
        Ok(Client { auth: ScalekitAuth::new(config).map_err(to_py_err)? })
    }

    /// From the `SCALEKIT_*` variables: each read from `settings` (a framework's own
    /// configuration, such as Flask's `app.config`) when it has the name, from the
    /// environment otherwise.
    #[staticmethod]
    #[pyo3(signature = (options=None, settings=None))]
    fn from_env(
        options: Option<&Bound<'_, PyDict>>,
        settings: Option<HashMap<String, String>>,
    ) -> PyResult<Self> {
        let config = configure(Config::from_lookup(settings_or_env(settings)).map_err(to_py_err)?, options)?;
        Ok(Client { auth: ScalekitAuth::new(config).map_err(to_py_err)? })
    }

    #[pyo3(signature = (redirect_uri, options=None))]
    fn get_authorization_url(
        &self,
        redirect_uri: &str,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<String> {
        self.auth.authorization_url(redirect_uri, &url_options(options)?).map_err(to_py_err)
    }

    #[pyo3(signature = (redirect_uri, options=None))]
    fn create_login(
        &self,
        redirect_uri: &str,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<LoginRequest> {
        self.auth
            .create_login(redirect_uri, &url_options(options)?)
            .map(LoginRequest::from)
            .map_err(to_py_err)
    }

    #[pyo3(signature = (id_token_hint=None, post_logout_redirect_uri=None, state=None))]
    fn get_logout_url(
        &self,
        id_token_hint: Option<String>,
        post_logout_redirect_uri: Option<String>,
        state: Option<String>,
    ) -> String {
        self.auth.logout_url(&LogoutUrlOptions { id_token_hint, post_logout_redirect_uri, state })
    }

    fn validate_access_token(&self, py: Python<'_>, token: &str) -> PyResult<Claims> {
        let inner = run_fast(py, || self.auth.validate_access_token(token)).map_err(to_py_err)?;
        Ok(Claims { inner })
    }

    /// The claims if validation completes without waiting for the network, `None` if it
    /// would have to wait; errors raise as usual.
    fn try_validate_access_token(&self, py: Python<'_>, token: &str) -> PyResult<Option<Claims>> {
        match try_now(py, || self.auth.validate_access_token(token)) {
            Some(result) => result.map(|inner| Some(Claims { inner })).map_err(to_py_err),
            None => Ok(None),
        }
    }

    /// The decision for an API route taking bearer tokens only (`authorization` is the
    /// `Authorization` header), if it can be made without waiting; `None` otherwise.
    #[pyo3(signature = (authorization, roles=vec![], permissions=vec![], scopes=vec![]))]
    fn try_authorize_bearer(
        &self,
        py: Python<'_>,
        authorization: Option<String>,
        roles: Vec<String>,
        permissions: Vec<String>,
        scopes: Vec<String>,
    ) -> PyResult<Option<crate::decision::Decision>> {
        let requirements = scalekit_auth::Requirements { roles, permissions, scopes };
        match try_now(py, || self.auth.authorize_bearer(authorization.as_deref(), &requirements)) {
            Some(d) => crate::decision::Decision::new(py, d).map(Some),
            None => Ok(None),
        }
    }

    /// The decision for an API route taking bearer tokens only: continue with the
    /// identity, or 401/403 JSON with a `WWW-Authenticate` challenge.
    #[pyo3(signature = (authorization, roles=vec![], permissions=vec![], scopes=vec![]))]
    fn authorize_bearer<'py>(
        &self,
        py: Python<'py>,
        authorization: Option<String>,
        roles: Vec<String>,
        permissions: Vec<String>,
        scopes: Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let requirements = scalekit_auth::Requirements { roles, permissions, scopes };
        let auth = self.auth.clone();
        crate::runtime::future_into_py(py, async move {
            let d = auth.authorize_bearer(authorization.as_deref(), &requirements).await;
            crate::gate::attach_or_err(|py| crate::decision::Decision::new(py, d))
        })
    }

    fn validate_access_token_async<'py>(
        &self,
        py: Python<'py>,
        token: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let auth = self.auth.clone();
        crate::runtime::future_into_py(py, async move {
            auth.validate_access_token(&token).await.map(|inner| Claims { inner }).map_err(to_py_err)
        })
    }

    #[pyo3(signature = (token, nonce=None))]
    fn validate_id_token(&self, py: Python<'_>, token: &str, nonce: Option<&str>) -> PyResult<Claims> {
        let inner = run_fast(py, || self.auth.validate_id_token(token, nonce)).map_err(to_py_err)?;
        Ok(Claims { inner })
    }

    #[pyo3(signature = (token, nonce=None))]
    fn validate_id_token_async<'py>(
        &self,
        py: Python<'py>,
        token: String,
        nonce: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let auth = self.auth.clone();
        crate::runtime::future_into_py(py, async move {
            auth.validate_id_token(&token, nonce.as_deref())
                .await
                .map(|inner| Claims { inner })
                .map_err(to_py_err)
        })
    }

    #[pyo3(signature = (code, redirect_uri, code_verifier=None, nonce=None))]
    fn authenticate_with_code(
        &self,
        py: Python<'_>,
        code: &str,
        redirect_uri: &str,
        code_verifier: Option<String>,
        nonce: Option<String>,
    ) -> PyResult<AuthResult> {
        let options = AuthenticateOptions { code_verifier, nonce };
        let result = block_on(py, self.auth.authenticate_with_code(code, redirect_uri, &options))
            .map_err(to_py_err)?;
        AuthResult::new(py, result)
    }

    #[pyo3(signature = (code, redirect_uri, code_verifier=None, nonce=None))]
    fn authenticate_with_code_async<'py>(
        &self,
        py: Python<'py>,
        code: String,
        redirect_uri: String,
        code_verifier: Option<String>,
        nonce: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let auth = self.auth.clone();
        crate::runtime::future_into_py(py, async move {
            let options = AuthenticateOptions { code_verifier, nonce };
            let result =
                auth.authenticate_with_code(&code, &redirect_uri, &options).await.map_err(to_py_err)?;
            crate::gate::attach_or_err(|py| AuthResult::new(py, result))
        })
    }

    fn refresh_access_token(&self, py: Python<'_>, refresh_token: &str) -> PyResult<AuthResult> {
        let result = block_on(py, self.auth.refresh_access_token(refresh_token)).map_err(to_py_err)?;
        AuthResult::new(py, result)
    }

    fn refresh_access_token_async<'py>(
        &self,
        py: Python<'py>,
        refresh_token: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let auth = self.auth.clone();
        crate::runtime::future_into_py(py, async move {
            let result = auth.refresh_access_token(&refresh_token).await.map_err(to_py_err)?;
            crate::gate::attach_or_err(|py| AuthResult::new(py, result))
        })
    }

    fn get_client_token(&self, py: Python<'_>) -> PyResult<ClientToken> {
        block_on(py, self.auth.client_credentials_token()).map(ClientToken::from).map_err(to_py_err)
    }

    fn get_client_token_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let auth = self.auth.clone();
        crate::runtime::future_into_py(py, async move {
            auth.client_credentials_token().await.map(ClientToken::from).map_err(to_py_err)
        })
    }

    fn get_idp_initiated_login_claims(
        &self,
        py: Python<'_>,
        token: &str,
    ) -> PyResult<IdpInitiatedLoginClaims> {
        run_fast(py, || self.auth.idp_initiated_login_claims(token))
            .map(IdpInitiatedLoginClaims::from)
            .map_err(to_py_err)
    }

    fn get_idp_initiated_login_claims_async<'py>(
        &self,
        py: Python<'py>,
        token: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let auth = self.auth.clone();
        crate::runtime::future_into_py(py, async move {
            auth.idp_initiated_login_claims(&token)
                .await
                .map(IdpInitiatedLoginClaims::from)
                .map_err(to_py_err)
        })
    }

    /// `now` (seconds since the epoch) replaces the system clock, for tests.
    #[pyo3(signature = (secret, headers, payload, now=None))]
    fn verify_webhook_payload(
        &self,
        secret: &str,
        headers: &Bound<'_, PyAny>,
        payload: &Bound<'_, PyAny>,
        now: Option<i64>,
    ) -> PyResult<bool> {
        self.verify_payload(WebhookKind::Webhook, secret, headers, payload, now)
    }

    #[pyo3(signature = (secret, headers, payload, now=None))]
    fn verify_interceptor_payload(
        &self,
        secret: &str,
        headers: &Bound<'_, PyAny>,
        payload: &Bound<'_, PyAny>,
        now: Option<i64>,
    ) -> PyResult<bool> {
        self.verify_payload(WebhookKind::Interceptor, secret, headers, payload, now)
    }

    /// The key cache's state: key ids, fetch attempts, last error code.
    fn jwks_status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        // The cache's lock is taken without the GIL: a thread holding that lock may be
        // waiting for the GIL (to log), and must not wait for us.
        let auth = &self.auth;
        let status = py.detach(|| auth.jwks_status());
        let d = pyo3::types::PyDict::new(py);
        d.set_item("key_ids", status.key_ids)?;
        d.set_item("fetched_at_millis", status.fetched_at_millis)?;
        d.set_item("fetch_attempts", status.fetch_attempts)?;
        d.set_item("last_error", status.last_error.map(|e| e.code()))?;
        Ok(d)
    }
}
