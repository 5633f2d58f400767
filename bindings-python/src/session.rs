//! `_native.SessionEngine`: the session engine for Python web frameworks. Each method
//! takes the request (method, path and query, headers) and returns a `Decision` for the
//! adapter to write out.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::item;
use scalekit_auth::{REQUEST_HEADERS, RequestInfo, Requirements, SessionConfig};

use crate::client::Client;
use crate::errors::to_py_err;
use crate::runtime::try_now;
use crate::types::Decision;

/// Options of the session engine, as keyword arguments.
#[derive(Default)]
pub(crate) struct SessionOptions {
    post_logout_redirect_uri: Option<String>,
    scopes: Option<Vec<String>>,
    cookie_name: Option<String>,
    login_path: Option<String>,
    secure_cookies: Option<bool>,
    absolute_lifetime_seconds: Option<u64>,
    idle_timeout_seconds: Option<u64>,
    refresh_window_seconds: Option<u64>,
    redis_url: Option<String>,
    server_side_sessions: Option<bool>,
    store_timeout_ms: Option<u64>,
}

impl SessionOptions {
    /// Reads the options from a dict of keyword arguments; absent or `None` keys keep
    /// the default, an unknown key is an error.
    pub(crate) fn from_dict(options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let Some(options) = options else { return Ok(Self::default()) };
        for key in options.keys() {
            let key: String = key.extract()?;
            if ![
                "post_logout_redirect_uri",
                "scopes",
                "cookie_name",
                "login_path",
                "secure_cookies",
                "absolute_lifetime_seconds",
                "idle_timeout_seconds",
                "refresh_window_seconds",
                "redis_url",
                "server_side_sessions",
                "store_timeout_ms",
            ]
            .contains(&key.as_str())
            {
                return Err(to_py_err(scalekit_auth::Error::InvalidArgument(format!(
                    "unknown option {key:?}"
                ))));
            }
        }
        Ok(SessionOptions {
            post_logout_redirect_uri: item(options, "post_logout_redirect_uri")?,
            scopes: item(options, "scopes")?,
            cookie_name: item(options, "cookie_name")?,
            login_path: item(options, "login_path")?,
            secure_cookies: item(options, "secure_cookies")?,
            absolute_lifetime_seconds: item(options, "absolute_lifetime_seconds")?,
            idle_timeout_seconds: item(options, "idle_timeout_seconds")?,
            refresh_window_seconds: item(options, "refresh_window_seconds")?,
            redis_url: item(options, "redis_url")?,
            server_side_sessions: item(options, "server_side_sessions")?,
            store_timeout_ms: item(options, "store_timeout_ms")?,
        })
    }
    fn apply(self, mut c: SessionConfig) -> SessionConfig {
        if let Some(v) = self.post_logout_redirect_uri {
            c = c.post_logout_redirect_uri(v);
        }
        if let Some(v) = self.scopes {
            c = c.scopes(v);
        }
        if let Some(v) = self.cookie_name {
            c = c.cookie_name(v);
        }
        if let Some(v) = self.login_path {
            c = c.login_path(v);
        }
        if let Some(v) = self.secure_cookies {
            c = c.secure_cookies(v);
        }
        if let Some(v) = self.absolute_lifetime_seconds {
            c = c.absolute_lifetime_seconds(v);
        }
        if let Some(v) = self.idle_timeout_seconds {
            c = c.idle_timeout_seconds(v);
        }
        if let Some(v) = self.refresh_window_seconds {
            c = c.refresh_window_seconds(v);
        }
        if let Some(v) = self.redis_url {
            c = c.redis_url(v);
        }
        if let Some(v) = self.server_side_sessions {
            c = c.server_side_sessions(v);
        }
        if let Some(v) = self.store_timeout_ms {
            c = c.store_timeout_ms(v);
        }
        c
    }
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
    engine: Arc<scalekit_auth::SessionEngine>,
}

fn decision(py: Python<'_>, d: scalekit_auth::Decision) -> PyResult<Decision> {
    Decision::new(py, d)
}

/// Every method takes the request as `(method, path_and_query, headers)`, `headers` a
/// dict of lower-case header name to value: only the names of `REQUEST_HEADERS` are
/// read, so the engine can start reading another header without an API change.
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
        let config =
            SessionOptions::from_dict(options)?.apply(SessionConfig::new(redirect_uri, session_secrets));
        let engine = scalekit_auth::SessionEngine::new(client.auth.clone(), config).map_err(to_py_err)?;
        Ok(SessionEngine { engine: Arc::new(engine) })
    }

    #[staticmethod]
    #[pyo3(signature = (client, options=None))]
    fn from_env(client: &Client, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let config = SessionOptions::from_dict(options)?.apply(SessionConfig::from_env().map_err(to_py_err)?);
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
        // With Redis every decision waits for it: skip the attempt that cannot succeed.
        if self.engine.store_kind() != "memory" {
            return Ok(None);
        }
        let parts = Parts::new(method, path_and_query, headers)?;
        let requirements = Requirements { roles, permissions, scopes };
        let engine = &self.engine;
        let info = parts.info();
        match try_now(py, || engine.require_auth(&info, &requirements)) {
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
        let parts = Parts::new(method, path_and_query, headers)?;
        let requirements = Requirements { roles, permissions, scopes };
        let engine = self.engine.clone();
        crate::runtime::future_into_py(py, async move {
            let d = engine.require_auth(&parts.info(), &requirements).await;
            Python::attach(|py| decision(py, d))
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
        let parts = Parts::new(method, path_and_query, headers)?;
        let engine = self.engine.clone();
        crate::runtime::future_into_py(py, async move {
            let d = engine.optional_auth(&parts.info()).await;
            Python::attach(|py| decision(py, d))
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
        let parts = Parts::new(method, path_and_query, headers)?;
        let engine = self.engine.clone();
        crate::runtime::future_into_py(py, async move {
            let d = engine.handle_login(&parts.info(), signup).await;
            Python::attach(|py| decision(py, d))
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
        let parts = Parts::new(method, path_and_query, headers)?;
        let engine = self.engine.clone();
        crate::runtime::future_into_py(py, async move {
            let d = engine.handle_callback(&parts.info()).await;
            Python::attach(|py| decision(py, d))
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
        let parts = Parts::new(method, path_and_query, headers)?;
        let engine = self.engine.clone();
        crate::runtime::future_into_py(py, async move {
            let d = engine.handle_logout(&parts.info()).await;
            Python::attach(|py| decision(py, d))
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
            Python::attach(|py| decision(py, d))
        })
    }

    /// Where shared state lives: `"memory"` or `"redis"`.
    #[getter]
    fn store_kind(&self) -> &'static str {
        self.engine.store_kind()
    }
}
