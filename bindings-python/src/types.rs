//! The result types handed to Python: typed, read-only, with `to_dict()`.

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{map_to_dict, to_py};

/// Validated token claims: typed attributes, and mapping access to every claim.
#[pyclass(module = "scalekit_auth._native", frozen)]
pub struct Claims {
    pub(crate) inner: scalekit_auth::Claims,
}

#[pymethods]
impl Claims {
    /// Claims for tests: `claims` over defaults (`sub` `usr_test`, an issuer, an
    /// audience, valid for an hour), each checked for its type as a token's would be.
    #[new]
    #[pyo3(signature = (claims=None))]
    fn py_new(py: Python<'_>, claims: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let options = PyDict::new(py);
        if let Some(claims) = claims {
            options.set_item("claims", claims)?;
        }
        let inner =
            crate::testing::test_session(Some(&options))?.try_claims().map_err(crate::error::to_py_err)?;
        Ok(Claims { inner })
    }

    #[getter]
    fn sub(&self) -> String {
        self.inner.sub.clone()
    }

    #[getter]
    fn iss(&self) -> String {
        self.inner.iss.clone()
    }

    #[getter]
    fn aud(&self) -> Vec<String> {
        self.inner.aud.clone()
    }

    #[getter]
    fn exp(&self) -> i64 {
        self.inner.exp
    }

    #[getter]
    fn iat(&self) -> Option<i64> {
        self.inner.iat
    }

    #[getter]
    fn nbf(&self) -> Option<i64> {
        self.inner.nbf
    }

    #[getter]
    fn jti(&self) -> Option<String> {
        self.inner.jti.clone()
    }

    #[getter]
    fn sid(&self) -> Option<String> {
        self.inner.sid.clone()
    }

    #[getter]
    fn oid(&self) -> Option<String> {
        self.inner.oid.clone()
    }

    #[getter]
    fn client_id(&self) -> Option<String> {
        self.inner.client_id.clone()
    }

    #[getter]
    fn azp(&self) -> Option<String> {
        self.inner.azp.clone()
    }

    #[getter]
    fn nonce(&self) -> Option<String> {
        self.inner.nonce.clone()
    }

    #[getter]
    fn roles(&self) -> Vec<String> {
        self.inner.roles.clone()
    }

    #[getter]
    fn permissions(&self) -> Vec<String> {
        self.inner.permissions.clone()
    }

    #[getter]
    fn scopes(&self) -> Vec<String> {
        self.inner.scopes.clone()
    }

    #[getter]
    fn email(&self) -> Option<String> {
        self.inner.email.clone()
    }

    #[getter]
    fn email_verified(&self) -> Option<bool> {
        self.inner.email_verified
    }

    #[getter]
    fn name(&self) -> Option<String> {
        self.inner.name.clone()
    }

    #[getter]
    fn given_name(&self) -> Option<String> {
        self.inner.given_name.clone()
    }

    #[getter]
    fn family_name(&self) -> Option<String> {
        self.inner.family_name.clone()
    }

    #[getter]
    fn preferred_username(&self) -> Option<String> {
        self.inner.preferred_username.clone()
    }

    #[getter]
    fn picture(&self) -> Option<String> {
        self.inner.picture.clone()
    }

    #[getter]
    fn locale(&self) -> Option<String> {
        self.inner.locale.clone()
    }

    #[getter]
    fn amr(&self) -> Vec<String> {
        self.inner.amr.clone()
    }

    #[getter]
    fn xoid(&self) -> Option<String> {
        self.inner.xoid.clone()
    }

    #[getter]
    fn xuid(&self) -> Option<String> {
        self.inner.xuid.clone()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        match self.inner.get(key) {
            Some(value) => to_py(py, value),
            None => Err(PyKeyError::new_err(key.to_owned())),
        }
    }

    #[pyo3(signature = (key, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match self.inner.get(key) {
            Some(value) => to_py(py, value),
            None => Ok(default.unwrap_or_else(|| py.None().into_bound(py))),
        }
    }

    fn __contains__(&self, key: &str) -> bool {
        self.inner.get(key).is_some()
    }

    fn __len__(&self) -> usize {
        self.inner.raw().len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyList::new(py, self.keys())?.into_any().try_iter().map(Bound::into_any)
    }

    fn keys(&self) -> Vec<String> {
        self.inner.raw().keys().cloned().collect()
    }

    /// Every claim as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        map_to_dict(py, self.inner.raw())
    }

    fn __repr__(&self) -> String {
        format!(
            "Claims(sub={:?}, iss={:?}, aud={:?}, exp={})",
            self.inner.sub, self.inner.iss, self.inner.aud, self.inner.exp
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Claims>().is_ok_and(|o| o.get().inner == self.inner)
    }
}

/// The user of a login.
#[pyclass(module = "scalekit_auth._native", frozen, get_all)]
#[derive(Clone)]
pub struct User {
    id: String,
    email: Option<String>,
    email_verified: Option<bool>,
    name: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    username: Option<String>,
    picture: Option<String>,
    locale: Option<String>,
    organization_id: Option<String>,
    connection_id: Option<String>,
}

impl From<&scalekit_auth::User> for User {
    fn from(u: &scalekit_auth::User) -> Self {
        User {
            id: u.id.clone(),
            email: u.email.clone(),
            email_verified: u.email_verified,
            name: u.name.clone(),
            given_name: u.given_name.clone(),
            family_name: u.family_name.clone(),
            username: u.username.clone(),
            picture: u.picture.clone(),
            locale: u.locale.clone(),
            organization_id: u.organization_id.clone(),
            connection_id: u.connection_id.clone(),
        }
    }
}

#[pymethods]
impl User {
    /// A user for tests (the engine builds them from ID-token claims otherwise).
    #[new]
    #[pyo3(signature = (id, *, email=None, email_verified=None, name=None, given_name=None, family_name=None,
                        username=None, picture=None, locale=None, organization_id=None, connection_id=None))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per attribute
    fn py_new(
        id: String,
        email: Option<String>,
        email_verified: Option<bool>,
        name: Option<String>,
        given_name: Option<String>,
        family_name: Option<String>,
        username: Option<String>,
        picture: Option<String>,
        locale: Option<String>,
        organization_id: Option<String>,
        connection_id: Option<String>,
    ) -> Self {
        User {
            id,
            email,
            email_verified,
            name,
            given_name,
            family_name,
            username,
            picture,
            locale,
            organization_id,
            connection_id,
        }
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("id", &self.id)?;
        d.set_item("email", &self.email)?;
        d.set_item("email_verified", self.email_verified)?;
        d.set_item("name", &self.name)?;
        d.set_item("given_name", &self.given_name)?;
        d.set_item("family_name", &self.family_name)?;
        d.set_item("username", &self.username)?;
        d.set_item("picture", &self.picture)?;
        d.set_item("locale", &self.locale)?;
        d.set_item("organization_id", &self.organization_id)?;
        d.set_item("connection_id", &self.connection_id)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!("User(id={:?}, email={:?})", self.id, self.email)
    }
}

/// Tokens of a login or refresh, all validated.
#[pyclass(module = "scalekit_auth._native", frozen, get_all)]
pub struct AuthResult {
    user: Py<User>,
    id_token: Option<String>,
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
    token_type: Option<String>,
    access_token_claims: Py<Claims>,
    id_token_claims: Option<Py<Claims>>,
}

impl AuthResult {
    pub(crate) fn new(py: Python<'_>, r: scalekit_auth::AuthResult) -> PyResult<Self> {
        Ok(AuthResult {
            user: Py::new(py, User::from(&r.user))?,
            id_token: r.id_token,
            access_token: r.access_token,
            refresh_token: r.refresh_token,
            expires_in: r.expires_in,
            token_type: r.token_type,
            access_token_claims: Py::new(py, Claims { inner: r.access_token_claims })?,
            id_token_claims: r.id_token_claims.map(|c| Py::new(py, Claims { inner: c })).transpose()?,
        })
    }
}

#[pymethods]
impl AuthResult {
    fn __repr__(&self) -> String {
        // Tokens are credentials: never in a repr.
        format!(
            "AuthResult(expires_in={:?}, has_refresh_token={})",
            self.expires_in,
            self.refresh_token.is_some()
        )
    }
}

/// A started login: the URL and the secrets to keep until the callback.
#[pyclass(module = "scalekit_auth._native", frozen, get_all)]
pub struct LoginRequest {
    url: String,
    state: String,
    nonce: String,
    code_verifier: String,
}

impl From<scalekit_auth::LoginRequest> for LoginRequest {
    fn from(l: scalekit_auth::LoginRequest) -> Self {
        LoginRequest { url: l.url, state: l.state, nonce: l.nonce, code_verifier: l.code_verifier }
    }
}

#[pymethods]
impl LoginRequest {
    fn __repr__(&self) -> String {
        format!("LoginRequest(url={:?}, state={:?})", self.url, self.state)
    }
}

/// A client-credentials token.
#[pyclass(module = "scalekit_auth._native", frozen, get_all)]
pub struct ClientToken {
    access_token: String,
    expires_in: Option<u64>,
    expires_at: Option<i64>,
    scopes: Vec<String>,
    token_type: Option<String>,
}

impl From<scalekit_auth::ClientToken> for ClientToken {
    fn from(t: scalekit_auth::ClientToken) -> Self {
        ClientToken {
            access_token: t.access_token,
            expires_in: t.expires_in,
            expires_at: t.expires_at,
            scopes: t.scopes,
            token_type: t.token_type,
        }
    }
}

/// The hints of an IdP-initiated login.
#[pyclass(module = "scalekit_auth._native", frozen, get_all)]
pub struct IdpInitiatedLoginClaims {
    connection_id: Option<String>,
    organization_id: Option<String>,
    login_hint: Option<String>,
    relay_state: Option<String>,
}

impl From<scalekit_auth::IdpInitiatedLoginClaims> for IdpInitiatedLoginClaims {
    fn from(c: scalekit_auth::IdpInitiatedLoginClaims) -> Self {
        IdpInitiatedLoginClaims {
            connection_id: c.connection_id,
            organization_id: c.organization_id,
            login_hint: c.login_hint,
            relay_state: c.relay_state,
        }
    }
}

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
