//! A started login: its URL and the secrets kept until the callback.

use pyo3::prelude::*;

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
