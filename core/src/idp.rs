//! IdP-initiated login: the identity provider sends the user to the app's login URL with
//! `?idp_initiated_login=<JWT>`; the app validates it and starts a normal login with the
//! hints it carries.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::authorize::AuthorizationUrlOptions;
use crate::error::{Error, Result};
use crate::token::claims::Reader;
use crate::token::rules::{self, Expectations};

/// The hints of an IdP-initiated login.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct IdpInitiatedLoginClaims {
    /// The SSO connection the user came through.
    pub connection_id: Option<String>,
    /// The user's organization.
    pub organization_id: Option<String>,
    /// The user's email or login name.
    pub login_hint: Option<String>,
    /// State the identity provider relays; it becomes the login's `state`.
    pub relay_state: Option<String>,
}

impl IdpInitiatedLoginClaims {
    /// Options for the SP-initiated login that completes this one.
    ///
    /// ```
    /// let claims = scalekit_auth::IdpInitiatedLoginClaims::default();
    /// assert_eq!(claims.authorization_options().state, None);
    /// ```
    pub fn authorization_options(&self) -> AuthorizationUrlOptions {
        AuthorizationUrlOptions {
            connection_id: self.connection_id.clone(),
            organization_id: self.organization_id.clone(),
            login_hint: self.login_hint.clone(),
            state: self.relay_state.clone(),
            ..Default::default()
        }
    }
}

/// Reads and checks the claims of a signature-verified IdP-initiated login token:
/// `iss` and `exp` are required and checked like an access token's; `aud`, when
/// present, must contain the client id. `sub` is not required: the token names a
/// connection, not a user.
pub(crate) fn claims_from_payload(
    payload: &[u8],
    expect: &Expectations<'_>,
) -> Result<IdpInitiatedLoginClaims> {
    let raw: Map<String, Value> = serde_json::from_slice(payload)
        .map_err(|e| Error::malformed(format!("the payload is not a JSON object ({e})")))?;
    let r = Reader(&raw);
    let iss = r.string("iss")?.ok_or(Error::TokenMissingClaim("iss"))?;
    rules::check_issuer(&iss, expect)?;
    let aud = r.strings("aud")?;
    if !aud.is_empty() {
        rules::check_audience(&aud, r.string("azp")?.as_deref(), expect)?;
    }
    let exp = r.numeric_date("exp")?.ok_or(Error::TokenMissingClaim("exp"))?;
    rules::check_times(exp, r.numeric_date("nbf")?, r.numeric_date("iat")?, expect)?;
    Ok(IdpInitiatedLoginClaims {
        connection_id: r.string("connection_id")?,
        organization_id: r.string("organization_id")?,
        login_hint: r.string("login_hint")?,
        relay_state: r.string("relay_state")?,
    })
}
