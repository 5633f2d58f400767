//! What every path answers about a request: who made it (`Identity`) and what the
//! adapter does with it (`Decision`).

use pyo3::prelude::*;

use crate::claims::Claims;
use crate::exchange::User;
use crate::json::to_py;

/// Who made a request.
#[pyclass(module = "scalekit_auth._native", frozen, get_all)]
pub struct Identity {
    user: Py<User>,
    claims: Py<Claims>,
    source: &'static str,
    access_token: String,
    /// What the app's after-callback hook kept in the session, or `None`.
    app_data: Option<Py<PyAny>>,
}

impl Identity {
    pub(crate) fn new(py: Python<'_>, identity: scalekit_auth::Identity) -> PyResult<Self> {
        let source = match identity.source {
            scalekit_auth::IdentitySource::Bearer => "bearer",
            _ => "session",
        };
        let app_data = identity.app_data.as_ref().map(|v| to_py(py, v).map(Bound::unbind)).transpose()?;
        Ok(Identity {
            user: Py::new(py, User::from(&identity.user))?,
            access_token: identity.access_token().to_owned(),
            claims: Py::new(py, Claims { inner: identity.claims })?,
            source,
            app_data,
        })
    }
}

#[pymethods]
impl Identity {
    /// An identity for tests of code that takes one: `claims` (default `Claims()`) and
    /// the user they describe unless `user` is given.
    #[new]
    #[pyo3(signature = (user=None, claims=None, *, source="session", access_token="test-access-token", app_data=None))]
    fn py_new(
        py: Python<'_>,
        user: Option<Py<User>>,
        claims: Option<Py<Claims>>,
        source: &str,
        access_token: &str,
        app_data: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let source = match source {
            "session" => "session",
            "bearer" => "bearer",
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "source must be \"session\" or \"bearer\", not {other:?}"
                )));
            }
        };
        let claims = match claims {
            Some(c) => c,
            None => Py::new(py, Claims::py_new(py, None)?)?,
        };
        let user = match user {
            Some(u) => u,
            None => Py::new(py, User::from(&scalekit_auth::User::from_claims(&claims.get().inner)))?,
        };
        Ok(Identity { user, claims, source, access_token: access_token.to_owned(), app_data })
    }

    fn __repr__(&self) -> String {
        format!("Identity(source={:?})", self.source)
    }
}

/// What an adapter must do with a request: continue, or answer with `status`, every
/// header of `headers`, the `set_cookies` and the `body`.
#[pyclass(module = "scalekit_auth._native", frozen)]
pub struct Decision {
    /// `continue`, `redirect` or `respond`.
    #[pyo3(get)]
    kind: &'static str,
    #[pyo3(get)]
    location: Option<String>,
    #[pyo3(get)]
    status: u16,
    /// The `Content-Type` of `body` (HTML for page navigations, JSON otherwise).
    #[pyo3(get)]
    content_type: Option<&'static str>,
    #[pyo3(get)]
    body: Option<String>,
    /// The headers of the answer besides `Set-Cookie` (`Location` or `Content-Type`,
    /// `Cache-Control`, `X-Content-Type-Options`); empty to continue.
    #[pyo3(get)]
    headers: Vec<(&'static str, String)>,
    #[pyo3(get)]
    set_cookies: Vec<String>,
    #[pyo3(get)]
    identity: Option<Py<Identity>>,
    /// The code of the error behind the decision, if any.
    #[pyo3(get)]
    error_code: Option<&'static str>,
    /// The error's full description, for logs only: it may name configured issuers,
    /// provider URLs or request input, so it is never sent to the client.
    #[pyo3(get)]
    error_detail: Option<String>,
    /// For a failed login: the app path that starts it again.
    #[pyo3(get)]
    retry_path: Option<String>,
    /// The HTTP status of the error behind the decision (a continued optional route
    /// has status 200 and may still carry one).
    #[pyo3(get)]
    error_status: Option<u16>,
    /// Whether the answer refuses the request for an error: what `on_error` may replace.
    #[pyo3(get)]
    is_refusal: bool,
    /// The error itself, for the exception `error` builds.
    failure: Option<scalekit_auth::Error>,
}

impl Decision {
    pub(crate) fn new(py: Python<'_>, decision: scalekit_auth::Decision) -> PyResult<Self> {
        let status = decision.status();
        let headers = decision.headers();
        let error_code = decision.error.as_ref().map(scalekit_auth::Error::code);
        let error_detail = decision.error.as_ref().map(ToString::to_string);
        let retry_path = decision.retry_path.clone();
        let error_status = decision.error.as_ref().map(scalekit_auth::Error::http_status);
        let failure = decision.error.clone();
        let is_refusal = decision.is_refusal();
        let (kind, location, content_type, body, identity) = match decision.action {
            scalekit_auth::Action::Continue(identity) => {
                let identity = identity.map(|i| Py::new(py, Identity::new(py, *i)?)).transpose()?;
                ("continue", None, None, None, identity)
            }
            scalekit_auth::Action::Redirect(location) => ("redirect", Some(location), None, None, None),
            scalekit_auth::Action::Respond { content_type, body, .. } => {
                ("respond", None, Some(content_type), Some(body), None)
            }
            _ => {
                let body = r#"{"error":"internal","message":"unknown decision"}"#;
                let headers = vec![
                    ("content-type", "application/json".to_owned()),
                    ("cache-control", "no-store".to_owned()),
                    ("x-content-type-options", "nosniff".to_owned()),
                ];
                return Ok(Decision {
                    kind: "respond",
                    location: None,
                    status: 500,
                    content_type: Some("application/json"),
                    body: Some(body.into()),
                    headers,
                    set_cookies: decision.set_cookies,
                    identity: None,
                    error_code,
                    error_detail,
                    retry_path,
                    error_status,
                    is_refusal: true,
                    failure,
                });
            }
        };
        Ok(Decision {
            kind,
            location,
            status,
            content_type,
            body,
            headers,
            set_cookies: decision.set_cookies,
            identity,
            error_code,
            error_detail,
            retry_path,
            error_status,
            is_refusal,
            failure,
        })
    }
}

#[pymethods]
impl Decision {
    /// The error behind the decision as its exception (`ScalekitAuthError` subclass,
    /// with `.code` and `.status`), or `None`. Its message is safe to show the user (a
    /// denied login's reason, or the public message); `.detail` has the details for logs.
    #[getter]
    fn error(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        let err = crate::error::to_page_err(self.failure.as_ref()?);
        Some(err.into_value(py).into_any())
    }

    fn __repr__(&self) -> String {
        let code = self.error_code.map_or_else(|| "None".to_owned(), |c| format!("{c:?}"));
        format!("Decision(kind={:?}, status={}, error_code={code})", self.kind, self.status)
    }
}
