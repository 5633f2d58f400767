//! `_native.SessionEngine`: the session engine for Python web frameworks. Each method
//! takes the request (method, path and query, headers) and returns a `Decision` for the
//! adapter to write out.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use serde_json::Value;

use crate::json::from_py;
use scalekit_auth::{REQUEST_HEADERS, RequestInfo, Requirements, SessionConfig};

use crate::client::Client;
use crate::decision::Decision;
use crate::error::to_py_err;

/// The session options of a dict (names of `scalekit_auth::SESSION_OPTIONS`; `None`
/// keeps the default) applied to `config`.
fn configure(config: SessionConfig, options: Option<&Bound<'_, PyDict>>) -> PyResult<SessionConfig> {
    let Some(options) = options else { return Ok(config) };
    let Value::Object(map) = from_py(options.as_any())? else {
        return Err(to_py_err(scalekit_auth::Error::InvalidArgument(
            "session options must be a dict".into(),
        )));
    };
    config.with_options(&map).map_err(to_py_err)
}

/// The owned parts of a request, moved into async work: the method, path and query,
/// and the value of each header of [`REQUEST_HEADERS`] (in its order).
struct Parts {
    method: String,
    path_and_query: String,
    headers: Vec<Option<String>>,
}

impl Parts {
    /// Reads the headers the engine uses from `headers`, a dict by lower-case name (or
    /// any mapping with `.get`); the others are never looked at.
    fn new(method: String, path_and_query: String, headers: &Bound<'_, PyAny>) -> PyResult<Self> {
        let headers = REQUEST_HEADERS.iter().map(|name| header(headers, name)).collect::<PyResult<_>>()?;
        Ok(Parts { method, path_and_query, headers })
    }

    fn info(&self) -> RequestInfo<'_> {
        RequestInfo::from_headers(&self.method, &self.path_and_query, |name| {
            let index = REQUEST_HEADERS.iter().position(|n| *n == name)?;
            self.headers.get(index)?.as_deref()
        })
    }
}

/// `headers[name]` as a string; `None` when absent or `None`.
fn header(headers: &Bound<'_, PyAny>, name: &str) -> PyResult<Option<String>> {
    let value = match headers.cast::<PyDict>() {
        Ok(dict) => dict.get_item(name)?,
        Err(_) => Some(headers.call_method1("get", (name,))?),
    };
    match value {
        Some(v) if !v.is_none() => v.extract::<String>().map(Some).map_err(|_| {
            to_py_err(scalekit_auth::Error::InvalidArgument(format!("header {name:?} must be a str")))
        }),
        _ => Ok(None),
    }
}

#[pyclass(module = "scalekit_auth._native", frozen)]
pub struct SessionEngine {
    engine: Engine,
}

fn decision(py: Python<'_>, d: scalekit_auth::Decision) -> PyResult<Decision> {
    Decision::new(py, d)
}

type Engine = Arc<scalekit_auth::SessionEngine>;

/// The awaitable decision of one request: `step` runs on the runtime with the engine and
/// the request's parts (read from the Python objects first, while they are at hand).
fn deciding<'py, F, Fut>(
    py: Python<'py>,
    engine: &Engine,
    request: (String, String, &Bound<'py, PyAny>),
    step: F,
) -> PyResult<Bound<'py, PyAny>>
where
    F: FnOnce(Engine, Parts) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = scalekit_auth::Decision> + Send + 'static,
{
    let parts = Parts::new(request.0, request.1, request.2)?;
    let engine = engine.clone();
    crate::runtime::future_into_py(py, async move {
        let d = step(engine, parts).await;
        crate::gate::attach_or_err(|py| decision(py, d))
    })
}

/// The decision of one request, waited for here with the GIL released: the `_sync`
/// methods, for WSGI frameworks (Flask, Django) whose views run on threads of their own.
fn deciding_now<F, Fut>(
    py: Python<'_>,
    engine: &Engine,
    request: (String, String, &Bound<'_, PyAny>),
    step: F,
) -> PyResult<Decision>
where
    F: FnOnce(Engine, Parts) -> Fut + Send,
    Fut: std::future::Future<Output = scalekit_auth::Decision> + Send,
{
    let parts = Parts::new(request.0, request.1, request.2)?;
    let d = crate::runtime::block_on(py, step(engine.clone(), parts));
    decision(py, d)
}

/// Every method takes the request as `(method, path_and_query, headers)`, `headers` a
/// dict of lower-case header name to value: only the names of `REQUEST_HEADERS` are
/// read, so the engine can start reading another header without an API change. Each
/// method that may wait returns an awaitable; its `_sync` twin waits in place (the GIL
/// released) and returns the answer, for frameworks without an event loop.
#[pymethods]
impl SessionEngine {
    #[new]
    #[pyo3(signature = (client, redirect_uri, session_secrets, options=None))]
    fn new(
        client: &Client,
        redirect_uri: String,
        session_secrets: Vec<String>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config = configure(SessionConfig::new(redirect_uri, session_secrets), options)?;
        let engine = scalekit_auth::SessionEngine::new(client.auth.clone(), config).map_err(to_py_err)?;
        Ok(SessionEngine { engine: Arc::new(engine) })
    }

    /// From the `SCALEKIT_*` variables, each read from `settings` when it has the name
    /// and from the environment otherwise.
    #[staticmethod]
    #[pyo3(signature = (client, options=None, settings=None))]
    fn from_env(
        client: &Client,
        options: Option<&Bound<'_, PyDict>>,
        settings: Option<std::collections::HashMap<String, String>>,
    ) -> PyResult<Self> {
        let lookup = crate::client::settings_or_env(settings);
        let config = configure(SessionConfig::from_lookup(lookup).map_err(to_py_err)?, options)?;
        let engine = scalekit_auth::SessionEngine::new(client.auth.clone(), config).map_err(to_py_err)?;
        Ok(SessionEngine { engine: Arc::new(engine) })
    }

    /// The decision for a protected route, if it can be made without waiting for the
    /// provider; `None` otherwise (then await `require_auth`).
    #[pyo3(signature = (method, path_and_query, headers, roles=vec![], permissions=vec![], scopes=vec![]))]
    #[allow(clippy::too_many_arguments)] // the request parts and the requirements
    fn try_require_auth(
        &self,
        py: Python<'_>,
        method: String,
        path_and_query: String,
        headers: &Bound<'_, PyAny>,
        roles: Vec<String>,
        permissions: Vec<String>,
        scopes: Vec<String>,
    ) -> PyResult<Option<Decision>> {
        let parts = Parts::new(method, path_and_query, headers)?;
        let requirements = Requirements { roles, permissions, scopes };
        let info = parts.info();
        match crate::runtime::in_context(py, || self.engine.try_require_auth(&info, &requirements)) {
            Some(d) => decision(py, d).map(Some),
            None => Ok(None),
        }
    }

    /// The decision for a protected route: continue with the identity, send a page
    /// navigation to log in, answer everyone else 401 (403 when requirements fail).
    #[pyo3(signature = (method, path_and_query, headers, roles=vec![], permissions=vec![], scopes=vec![]))]
    #[allow(clippy::too_many_arguments)] // the request parts and the requirements
    fn require_auth<'py>(
        &self,
        py: Python<'py>,
        method: String,
        path_and_query: String,
        headers: &Bound<'py, PyAny>,
        roles: Vec<String>,
        permissions: Vec<String>,
        scopes: Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let requirements = Requirements { roles, permissions, scopes };
        deciding(py, &self.engine, (method, path_and_query, headers), move |engine, parts| async move {
            engine.require_auth(&parts.info(), &requirements).await
        })
    }

    /// The decision for a route that works with or without a user.
    fn optional_auth<'py>(
        &self,
        py: Python<'py>,
        method: String,
        path_and_query: String,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        deciding(py, &self.engine, (method, path_and_query, headers), move |engine, parts| async move {
            engine.optional_auth(&parts.info()).await
        })
    }

    /// The login route (`signup=True` for the sign-up route).
    #[pyo3(signature = (method, path_and_query, headers, signup=false))]
    fn handle_login<'py>(
        &self,
        py: Python<'py>,
        method: String,
        path_and_query: String,
        headers: &Bound<'py, PyAny>,
        signup: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        deciding(py, &self.engine, (method, path_and_query, headers), move |engine, parts| async move {
            engine.handle_login(&parts.info(), signup).await
        })
    }

    /// The callback route.
    fn handle_callback<'py>(
        &self,
        py: Python<'py>,
        method: String,
        path_and_query: String,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        deciding(py, &self.engine, (method, path_and_query, headers), move |engine, parts| async move {
            engine.handle_callback(&parts.info()).await
        })
    }

    /// The callback route's first step, for an after-callback hook: the checks and the
    /// code exchange; the session opens in `finish_callback`.
    fn begin_callback<'py>(
        &self,
        py: Python<'py>,
        method: String,
        path_and_query: String,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let parts = Parts::new(method, path_and_query, headers)?;
        let engine = self.engine.clone();
        crate::runtime::future_into_py(py, async move {
            let pending = engine.begin_callback(&parts.info()).await;
            crate::gate::attach_or_err(|py| PendingLogin::new(py, pending))
        })
    }

    /// The callback route's second step: opens the session of `pending` with `app_data`
    /// (JSON-compatible) kept in it, or refuses the login when `deny` gives a reason;
    /// `open_session=False` accepts it without a session of the engine's (the app keeps
    /// its own).
    #[pyo3(signature = (method, path_and_query, headers, pending, app_data=None, deny=None, open_session=true))]
    #[allow(clippy::too_many_arguments)] // the request parts and the verdict
    fn finish_callback<'py>(
        &self,
        py: Python<'py>,
        method: String,
        path_and_query: String,
        headers: &Bound<'py, PyAny>,
        pending: &PendingLogin,
        app_data: Option<&Bound<'py, PyAny>>,
        deny: Option<String>,
        open_session: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (pending, verdict) = pending.verdict(app_data, deny, open_session)?;
        deciding(py, &self.engine, (method, path_and_query, headers), move |engine, parts| async move {
            engine.finish_callback(&parts.info(), pending, verdict).await
        })
    }

    /// The logout route (GET or POST); never waits for the provider (a server-side
    /// session is deleted from the store).
    fn handle_logout<'py>(
        &self,
        py: Python<'py>,
        method: String,
        path_and_query: String,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        deciding(py, &self.engine, (method, path_and_query, headers), move |engine, parts| async move {
            engine.handle_logout(&parts.info()).await
        })
    }

    /// The back-channel logout route: the provider POSTs `logout_token` as a form.
    fn handle_backchannel_logout<'py>(
        &self,
        py: Python<'py>,
        method: String,
        body: Vec<u8>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine.clone();
        crate::runtime::future_into_py(py, async move {
            let body = String::from_utf8_lossy(&body);
            let d = engine.handle_backchannel_logout(&method, &body).await;
            crate::gate::attach_or_err(|py| decision(py, d))
        })
    }

    /// `require_auth`, waited for in place: the answer when it needs no waiting (a valid
    /// session), the provider's otherwise (a refresh).
    #[pyo3(signature = (method, path_and_query, headers, roles=vec![], permissions=vec![], scopes=vec![]))]
    #[allow(clippy::too_many_arguments)] // the request parts and the requirements
    fn require_auth_sync(
        &self,
        py: Python<'_>,
        method: String,
        path_and_query: String,
        headers: &Bound<'_, PyAny>,
        roles: Vec<String>,
        permissions: Vec<String>,
        scopes: Vec<String>,
    ) -> PyResult<Decision> {
        let requirements = Requirements { roles, permissions, scopes };
        deciding_now(py, &self.engine, (method, path_and_query, headers), move |engine, parts| async move {
            if let Some(d) = engine.try_require_auth(&parts.info(), &requirements) {
                return d;
            }
            engine.require_auth(&parts.info(), &requirements).await
        })
    }

    /// `optional_auth`, waited for in place.
    fn optional_auth_sync(
        &self,
        py: Python<'_>,
        method: String,
        path_and_query: String,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<Decision> {
        deciding_now(py, &self.engine, (method, path_and_query, headers), move |engine, parts| async move {
            engine.optional_auth(&parts.info()).await
        })
    }

    /// `handle_login`, waited for in place.
    #[pyo3(signature = (method, path_and_query, headers, signup=false))]
    fn handle_login_sync(
        &self,
        py: Python<'_>,
        method: String,
        path_and_query: String,
        headers: &Bound<'_, PyAny>,
        signup: bool,
    ) -> PyResult<Decision> {
        deciding_now(py, &self.engine, (method, path_and_query, headers), move |engine, parts| async move {
            engine.handle_login(&parts.info(), signup).await
        })
    }

    /// `handle_callback`, waited for in place.
    fn handle_callback_sync(
        &self,
        py: Python<'_>,
        method: String,
        path_and_query: String,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<Decision> {
        deciding_now(py, &self.engine, (method, path_and_query, headers), move |engine, parts| async move {
            engine.handle_callback(&parts.info()).await
        })
    }

    /// `begin_callback`, waited for in place.
    fn begin_callback_sync(
        &self,
        py: Python<'_>,
        method: String,
        path_and_query: String,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<PendingLogin> {
        let parts = Parts::new(method, path_and_query, headers)?;
        let engine = self.engine.clone();
        let pending = crate::runtime::block_on(py, async move { engine.begin_callback(&parts.info()).await });
        PendingLogin::new(py, pending)
    }

    /// `finish_callback`, waited for in place.
    #[pyo3(signature = (method, path_and_query, headers, pending, app_data=None, deny=None, open_session=true))]
    #[allow(clippy::too_many_arguments)] // the request parts and the verdict
    fn finish_callback_sync(
        &self,
        py: Python<'_>,
        method: String,
        path_and_query: String,
        headers: &Bound<'_, PyAny>,
        pending: &PendingLogin,
        app_data: Option<&Bound<'_, PyAny>>,
        deny: Option<String>,
        open_session: bool,
    ) -> PyResult<Decision> {
        let (pending, verdict) = pending.verdict(app_data, deny, open_session)?;
        deciding_now(py, &self.engine, (method, path_and_query, headers), move |engine, parts| async move {
            engine.finish_callback(&parts.info(), pending, verdict).await
        })
    }

    /// `handle_logout`, waited for in place.
    fn handle_logout_sync(
        &self,
        py: Python<'_>,
        method: String,
        path_and_query: String,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<Decision> {
        deciding_now(py, &self.engine, (method, path_and_query, headers), move |engine, parts| async move {
            engine.handle_logout(&parts.info()).await
        })
    }

    /// `handle_backchannel_logout`, waited for in place.
    fn handle_backchannel_logout_sync(
        &self,
        py: Python<'_>,
        method: String,
        body: Vec<u8>,
    ) -> PyResult<Decision> {
        let engine = self.engine.clone();
        let d = crate::runtime::block_on(py, async move {
            let body = String::from_utf8_lossy(&body);
            engine.handle_backchannel_logout(&method, &body).await
        });
        decision(py, d)
    }

    /// Ends every session of the user `user_id` begun until now (on every instance
    /// sharing the store): each is refused on its next request.
    fn end_sessions_for<'py>(&self, py: Python<'py>, user_id: String) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine.clone();
        crate::runtime::future_into_py(py, async move {
            engine.end_sessions_for(&user_id).await.map_err(to_py_err)
        })
    }

    /// `end_sessions_for`, waited for in place.
    fn end_sessions_for_sync(&self, py: Python<'_>, user_id: String) -> PyResult<()> {
        let engine = self.engine.clone();
        crate::runtime::block_on(py, async move { engine.end_sessions_for(&user_id).await })
            .map_err(to_py_err)
    }

    /// A `Cookie` header value this engine accepts as a signed-in session described by
    /// `options` (see `scalekit_auth.testing.session_cookie_for`), its access token
    /// signed by `provider`'s key.
    #[pyo3(signature = (provider, options=None))]
    fn test_session_cookie(
        &self,
        py: Python<'_>,
        provider: &crate::testing::LocalProvider,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<String> {
        let session = crate::testing::test_session(options)?;
        let engine = self.engine.clone();
        let signer = provider.provider.signer();
        crate::runtime::block_on(py, engine.test_session_cookie(signer, &session)).map_err(to_py_err)
    }

    /// The session cookie's name (`__Host-` prefixed when cookies are `Secure`).
    #[getter]
    fn session_cookie_name(&self) -> String {
        self.engine.session_cookie_name().to_owned()
    }

    /// Where shared state lives: `"memory"` or `"redis"`.
    #[getter]
    fn store_kind(&self) -> &'static str {
        self.engine.store_kind()
    }
}

/// A login whose tokens are in, awaiting the app's verdict (`SessionEngine.finish_callback`).
#[pyclass(module = "scalekit_auth._native", frozen)]
pub struct PendingLogin {
    inner: std::sync::Mutex<Option<scalekit_auth::PendingLogin>>,
    /// The validated tokens and user, or `None` when the login already failed.
    #[pyo3(get)]
    result: Option<Py<crate::exchange::AuthResult>>,
    /// Why the login failed, if it did.
    #[pyo3(get)]
    error_code: Option<&'static str>,
    /// Where the login was headed (a safe path of the app).
    #[pyo3(get)]
    return_to: String,
}

impl PendingLogin {
    fn new(py: Python<'_>, pending: scalekit_auth::PendingLogin) -> PyResult<Self> {
        let (result, error_code) = match &pending.result {
            Ok(r) => (Some(Py::new(py, crate::exchange::AuthResult::new(py, r.clone())?)?), None),
            Err(e) => (None, Some(e.code())),
        };
        let return_to = pending.return_to().to_owned();
        Ok(PendingLogin { inner: std::sync::Mutex::new(Some(pending)), result, error_code, return_to })
    }

    /// The login itself (once: a second finish is refused) and the verdict of the app's
    /// hook on it: `app_data` to keep, `deny` with a reason, or no session of the engine's.
    fn verdict(
        &self,
        app_data: Option<&Bound<'_, PyAny>>,
        deny: Option<String>,
        open_session: bool,
    ) -> PyResult<(scalekit_auth::PendingLogin, scalekit_auth::LoginVerdict)> {
        let app_data = app_data.filter(|d| !d.is_none()).map(from_py).transpose()?;
        let verdict = scalekit_auth::LoginVerdict::from_hook(deny, app_data, open_session);
        let pending =
            self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take().ok_or_else(|| {
                to_py_err(scalekit_auth::Error::InvalidArgument("this login was already finished".into()))
            })?;
        Ok((pending, verdict))
    }
}
