//! The result of a login or refresh: its user and its validated tokens.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::claims::Claims;
use crate::json::map_to_dict;

/// The user of a login: the core's `User`, read-only. Its fields, and `to_dict()`'s keys,
/// are the core's (`scalekit_auth::User`, serialized as it is stored in a session).
#[pyclass(module = "scalekit_auth._native", frozen)]
#[derive(Clone)]
pub struct User {
    inner: scalekit_auth::User,
}

impl From<&scalekit_auth::User> for User {
    fn from(u: &scalekit_auth::User) -> Self {
        User { inner: u.clone() }
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
        let mut inner = scalekit_auth::User::new(id);
        inner.email = email;
        inner.email_verified = email_verified;
        inner.name = name;
        inner.given_name = given_name;
        inner.family_name = family_name;
        inner.username = username;
        inner.picture = picture;
        inner.locale = locale;
        inner.organization_id = organization_id;
        inner.connection_id = connection_id;
        User { inner }
    }

    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    #[getter]
    fn email(&self) -> Option<&str> {
        self.inner.email.as_deref()
    }

    #[getter]
    fn email_verified(&self) -> Option<bool> {
        self.inner.email_verified
    }

    #[getter]
    fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    #[getter]
    fn given_name(&self) -> Option<&str> {
        self.inner.given_name.as_deref()
    }

    #[getter]
    fn family_name(&self) -> Option<&str> {
        self.inner.family_name.as_deref()
    }

    #[getter]
    fn username(&self) -> Option<&str> {
        self.inner.username.as_deref()
    }

    #[getter]
    fn picture(&self) -> Option<&str> {
        self.inner.picture.as_deref()
    }

    #[getter]
    fn locale(&self) -> Option<&str> {
        self.inner.locale.as_deref()
    }

    #[getter]
    fn organization_id(&self) -> Option<&str> {
        self.inner.organization_id.as_deref()
    }

    #[getter]
    fn connection_id(&self) -> Option<&str> {
        self.inner.connection_id.as_deref()
    }

    /// Every attribute by name, `None` for those the provider did not send.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let value = serde_json::to_value(&self.inner)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        match value {
            serde_json::Value::Object(map) => map_to_dict(py, &map),
            _ => Ok(PyDict::new(py)),
        }
    }

    fn __repr__(&self) -> String {
        format!("User(id={:?}, email={:?})", self.inner.id, self.inner.email)
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
