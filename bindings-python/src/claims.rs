//! Validated token claims, as Python sees them: typed attributes and mapping access.

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::json::{map_to_dict, to_py};

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
    pub(crate) fn py_new(py: Python<'_>, claims: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
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
