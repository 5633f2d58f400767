//! A client-credentials (machine-to-machine) token.

use pyo3::prelude::*;

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
