//! `_native.SessionEngine`: the session engine for Python web frameworks. Each method
//! takes the request's parts and returns a `Decision` for the adapter to write out.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::item;
use scalekit_auth::{RequestInfo, Requirements, SessionConfig};

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
        c
    }
}

/// The owned parts of a request, moved into async work.
#[derive(Clone)]
struct Parts {
    path_and_query: String,
    cookie: Option<String>,
    authorization: Option<String>,
    accept: Option<String>,
}

impl Parts {
    fn info(&self) -> RequestInfo<'_> {
        RequestInfo {
            path_and_query: &self.path_and_query,
            cookie: self.cookie.as_deref(),
            authorization: self.authorization.as_deref(),
            accept: self.accept.as_deref(),
        }
    }
}

#[pyclass(module = "scalekit_auth._native", frozen)]
pub struct SessionEngine {
    engine: Arc<scalekit_auth::SessionEngine>,
}

fn decision<'py>(py: Python<'py>, d: scalekit_auth::Decision) -> PyResult<Decision> {
    Decision::new(py, d)
}

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
    #[pyo3(signature = (path_and_query, cookie=None, authorization=None, accept=None, roles=vec![], permissions=vec![], scopes=vec![]))]
    #[allow(clippy::too_many_arguments)] // the request parts and the requirements
    fn try_require_auth(
        &self,
        py: Python<'_>,
        path_and_query: String,
        cookie: Option<String>,
        authorization: Option<String>,
        accept: Option<String>,
        roles: Vec<String>,
        permissions: Vec<String>,
        scopes: Vec<String>,
    ) -> PyResult<Option<Decision>> {
        let parts = Parts { path_and_query, cookie, authorization, accept };
        let requirements = Requirements { roles, permissions, scopes };
        let engine = &self.engine;
        let info = parts.info();
        match try_now(py, || engine.require_auth(&info, &requirements)) {
            Some(d) => decision(py, d).map(Some),
            None => Ok(None),
        }
    }

    #[pyo3(signature = (path_and_query, cookie=None, authorization=None, accept=None, roles=vec![], permissions=vec![], scopes=vec![]))]
    #[allow(clippy::too_many_arguments)] // the request parts and the requirements
    fn require_auth<'py>(
        &self,
        py: Python<'py>,
        path_and_query: String,
        cookie: Option<String>,
        authorization: Option<String>,
        accept: Option<String>,
        roles: Vec<String>,
        permissions: Vec<String>,
        scopes: Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let parts = Parts { path_and_query, cookie, authorization, accept };
        let requirements = Requirements { roles, permissions, scopes };
        let engine = self.engine.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let d = engine.require_auth(&parts.info(), &requirements).await;
            Python::attach(|py| decision(py, d))
        })
    }

    #[pyo3(signature = (path_and_query, cookie=None, authorization=None, accept=None))]
    fn optional_auth<'py>(
        &self,
        py: Python<'py>,
        path_and_query: String,
        cookie: Option<String>,
        authorization: Option<String>,
        accept: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let parts = Parts { path_and_query, cookie, authorization, accept };
        let engine = self.engine.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let d = engine.optional_auth(&parts.info()).await;
            Python::attach(|py| decision(py, d))
        })
    }

    #[pyo3(signature = (path_and_query, signup=false))]
    fn handle_login<'py>(
        &self,
        py: Python<'py>,
        path_and_query: String,
        signup: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let parts = Parts { path_and_query, cookie: None, authorization: None, accept: None };
        let engine = self.engine.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let d = engine.handle_login(&parts.info(), signup).await;
            Python::attach(|py| decision(py, d))
        })
    }

    #[pyo3(signature = (path_and_query, cookie=None))]
    fn handle_callback<'py>(
        &self,
        py: Python<'py>,
        path_and_query: String,
        cookie: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let parts = Parts { path_and_query, cookie, authorization: None, accept: None };
        let engine = self.engine.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let d = engine.handle_callback(&parts.info()).await;
            Python::attach(|py| decision(py, d))
        })
    }

    #[pyo3(signature = (path_and_query, cookie=None))]
    fn handle_logout(
        &self,
        py: Python<'_>,
        path_and_query: String,
        cookie: Option<String>,
    ) -> PyResult<Decision> {
        let parts = Parts { path_and_query, cookie, authorization: None, accept: None };
        decision(py, self.engine.handle_logout(&parts.info()))
    }
}
