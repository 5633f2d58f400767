//! `_native.TestSigner`: mints tokens and publishes its JWKS, for apps' own tests.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use scalekit_auth::Algorithm;

use crate::json::{from_py, to_py};

#[pyclass(module = "scalekit_auth._native", frozen)]
pub struct TestSigner {
    signer: scalekit_auth::testing::TestSigner,
}

#[pymethods]
impl TestSigner {
    #[new]
    #[pyo3(signature = (algorithm="RS256", kid="test-key-1"))]
    fn new(algorithm: &str, kid: &str) -> PyResult<Self> {
        let alg = Algorithm::from_name(algorithm)
            .ok_or_else(|| PyValueError::new_err(format!("unsupported algorithm {algorithm:?}")))?;
        Ok(TestSigner { signer: scalekit_auth::testing::TestSigner::new(alg, kid) })
    }

    #[getter]
    fn kid(&self) -> String {
        self.signer.kid().to_owned()
    }

    #[getter]
    fn algorithm(&self) -> &'static str {
        self.signer.algorithm().name()
    }

    /// Signs `claims` (a dict); `header` replaces the default JOSE header.
    #[pyo3(signature = (claims, header=None))]
    fn sign(&self, claims: &Bound<'_, PyDict>, header: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
        let claims = from_py(claims.as_any())?;
        Ok(match header {
            Some(h) => self.signer.sign_with_header(&from_py(h.as_any())?, &claims),
            None => self.signer.sign(&claims),
        })
    }

    /// The JWKS document (`{"keys": [...]}`) as a dict.
    fn jwks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &serde_json::json!({ "keys": [self.signer.jwk()] }))
    }

    /// The JWKS document as JSON text.
    fn jwks_json(&self) -> String {
        self.signer.jwks_json()
    }
}

/// `_native.LocalProvider`: discovery and a JWKS on 127.0.0.1 (served by the shared
/// runtime while Python runs), and tokens its clients accept.
#[pyclass(module = "scalekit_auth._native", frozen)]
pub struct LocalProvider {
    pub(crate) provider: scalekit_auth::testing::LocalProvider,
}

#[pymethods]
impl LocalProvider {
    #[new]
    #[pyo3(signature = (client_id, client_secret, algorithm="RS256"))]
    fn new(py: Python<'_>, client_id: &str, client_secret: &str, algorithm: &str) -> PyResult<Self> {
        let alg = Algorithm::from_name(algorithm)
            .ok_or_else(|| PyValueError::new_err(format!("unsupported algorithm {algorithm:?}")))?;
        let provider = crate::runtime::block_on(
            py,
            scalekit_auth::testing::LocalProvider::start(client_id, client_secret, alg),
        )
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))?;
        Ok(LocalProvider { provider })
    }

    #[getter]
    fn url(&self) -> String {
        self.provider.url().to_owned()
    }

    #[getter]
    fn kid(&self) -> String {
        self.provider.signer().kid().to_owned()
    }

    /// A signed access token; `claims` add, replace or (with `None`) remove claims.
    #[pyo3(signature = (claims=None, expires_in=300))]
    fn mint(&self, claims: Option<&Bound<'_, PyDict>>, expires_in: i64) -> PyResult<String> {
        let claims = claims.map(|c| from_py(c.as_any())).transpose()?.unwrap_or_default();
        Ok(self.provider.mint(&claims, expires_in))
    }

    /// The JWKS document the provider serves, as a dict.
    fn jwks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &serde_json::json!({ "keys": [self.provider.signer().jwk()] }))
    }

    fn stop(&self) {
        self.provider.stop();
    }
}

/// The test session of an options dict (`scalekit_auth::testing::TestSession::with_options`).
pub(crate) fn test_session(
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<scalekit_auth::testing::TestSession> {
    let options = match options.map(|o| from_py(o.as_any())).transpose()? {
        Some(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    scalekit_auth::testing::TestSession::with_options(&options).map_err(crate::error::to_py_err)
}
