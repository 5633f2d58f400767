//! `_native.TestSigner`: mints tokens and publishes its JWKS, for apps' own tests.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use scalekit_auth::Algorithm;

use crate::convert::{from_py, to_py};

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
