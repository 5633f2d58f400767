//! IdP-initiated login: the identity provider sends the user to the app's login URL with
//! `?idp_initiated_login=<JWT>`; the app validates it and starts a normal login with the
//! hints it carries.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::authorize::AuthorizationUrlOptions;
use crate::error::{Error, Result};
use crate::token::read;
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
    let text = std::str::from_utf8(payload).map_err(|_| Error::malformed("the payload is not UTF-8"))?;
    let k: RawIdpClaims<'_> = read::object(text)?;
    let iss = read::string(k.iss, "iss")?.ok_or(Error::TokenMissingClaim("iss"))?;
    rules::check_issuer(&iss, expect)?;
    let aud = read::strings(k.aud, "aud")?;
    if !aud.is_empty() {
        rules::check_audience(&aud, read::string(k.azp, "azp")?.as_deref(), expect)?;
    }
    let exp = read::numeric_date(k.exp, "exp")?.ok_or(Error::TokenMissingClaim("exp"))?;
    rules::check_times(exp, read::numeric_date(k.nbf, "nbf")?, read::numeric_date(k.iat, "iat")?, expect)?;
    Ok(IdpInitiatedLoginClaims {
        connection_id: read::string(k.connection_id, "connection_id")?,
        organization_id: read::string(k.organization_id, "organization_id")?,
        login_hint: read::string(k.login_hint, "login_hint")?,
        relay_state: read::string(k.relay_state, "relay_state")?,
    })
}

/// The claims of an IdP-initiated login token, as raw JSON text.
#[derive(Deserialize)]
struct RawIdpClaims<'a> {
    #[serde(borrow)]
    iss: Option<&'a RawValue>,
    #[serde(borrow)]
    aud: Option<&'a RawValue>,
    #[serde(borrow)]
    azp: Option<&'a RawValue>,
    #[serde(borrow)]
    exp: Option<&'a RawValue>,
    #[serde(borrow)]
    nbf: Option<&'a RawValue>,
    #[serde(borrow)]
    iat: Option<&'a RawValue>,
    #[serde(borrow)]
    connection_id: Option<&'a RawValue>,
    #[serde(borrow)]
    organization_id: Option<&'a RawValue>,
    #[serde(borrow)]
    login_hint: Option<&'a RawValue>,
    #[serde(borrow)]
    relay_state: Option<&'a RawValue>,
}
