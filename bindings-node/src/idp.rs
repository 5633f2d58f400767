//! The hints of an IdP-initiated login.

use napi_derive::napi;

#[napi(object)]
pub struct IdpInitiatedLoginClaims {
    pub connection_id: Option<String>,
    pub organization_id: Option<String>,
    pub login_hint: Option<String>,
    pub relay_state: Option<String>,
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
