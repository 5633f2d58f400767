//! The hints of an IdP-initiated login.

use pyo3::prelude::*;

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
