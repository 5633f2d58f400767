//! The token endpoint: authorization-code exchange and refresh, each followed by full
//! validation of what came back.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::algorithm::Algorithm;
use crate::error::{Error, Result};
use crate::token::claims::Claims;

/// The JSON a token endpoint answers with (RFC 6749 §5.1).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    #[serde(default)]
    pub(crate) id_token: Option<String>,
    #[serde(default)]
    pub(crate) refresh_token: Option<String>,
    #[serde(default)]
    pub(crate) expires_in: Option<u64>,
    #[serde(default)]
    pub(crate) token_type: Option<String>,
    #[serde(default)]
    pub(crate) scope: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens are bearer credentials: never in logs.
        f.debug_struct("TokenResponse")
            .field("has_id_token", &self.id_token.is_some())
            .field("has_refresh_token", &self.refresh_token.is_some())
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// The user behind a login, typed from the ID token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The user id (`sub`).
    pub id: String,
    /// Email address.
    pub email: Option<String>,
    /// Whether the email address was verified.
    pub email_verified: Option<bool>,
    /// Full name.
    pub name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Username (`preferred_username`).
    pub username: Option<String>,
    /// Picture URL.
    pub picture: Option<String>,
    /// Locale.
    pub locale: Option<String>,
    /// Organization id (`oid`).
    pub organization_id: Option<String>,
    /// The SSO connection used (Scalekit's first `amr` value), when there was one.
    pub connection_id: Option<String>,
}

impl User {
    /// A user known only by its id, the other attributes to be set: for tests and
    /// identities built by hand.
    ///
    /// ```
    /// let mut user = scalekit_auth::User::new("usr_123");
    /// user.email = Some("ada@example.com".into());
    /// assert_eq!(user.id, "usr_123");
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        User {
            id: id.into(),
            email: None,
            email_verified: None,
            name: None,
            given_name: None,
            family_name: None,
            username: None,
            picture: None,
            locale: None,
            organization_id: None,
            connection_id: None,
        }
    }

    /// Reads the user from ID-token (or, lacking one, access-token) claims.
    pub fn from_claims(claims: &Claims) -> Self {
        User {
            id: claims.sub.clone(),
            email: claims.email.clone(),
            email_verified: claims.email_verified,
            name: claims.name.clone(),
            given_name: claims.given_name.clone(),
            family_name: claims.family_name.clone(),
            username: claims.preferred_username.clone(),
            picture: claims.picture.clone(),
            locale: claims.locale.clone(),
            organization_id: claims.oid.clone(),
            connection_id: claims.amr.first().cloned(),
        }
    }
}

/// Tokens from a login or a refresh, every one of them validated.
#[derive(Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AuthResult {
    /// The user, from the ID token (from the access token when a refresh returns no
    /// ID token).
    pub user: User,
    /// The ID token, when the provider returned one.
    pub id_token: Option<String>,
    /// The access token.
    pub access_token: String,
    /// The refresh token, when `offline_access` was granted.
    pub refresh_token: Option<String>,
    /// Seconds until the access token expires, as the provider said.
    pub expires_in: Option<u64>,
    /// The token type (`Bearer`).
    pub token_type: Option<String>,
    /// The validated claims of the access token.
    pub access_token_claims: Claims,
    /// The validated claims of the ID token.
    pub id_token_claims: Option<Claims>,
}

impl std::fmt::Debug for AuthResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens are bearer credentials: never in logs.
        f.debug_struct("AuthResult")
            .field("user", &self.user)
            .field("expires_in", &self.expires_in)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

/// OpenID Core §3.1.3.8: `at_hash` is the base64url left half of the hash of the access
/// token, the hash being the one of the ID token's signature algorithm.
pub(crate) fn check_at_hash(id_claims: &Claims, alg: Algorithm, access_token: &str) -> Result<()> {
    let Some(expected) = &id_claims.at_hash else { return Ok(()) };
    let hash = match alg {
        Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 => &digest::SHA256,
        Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 => &digest::SHA384,
        // EdDSA with Ed25519 uses SHA-512 (OpenID Connect Core errata, RFC 8037 usage).
        Algorithm::RS512 | Algorithm::PS512 | Algorithm::EdDSA => &digest::SHA512,
    };
    let full = digest::digest(hash, access_token.as_bytes());
    let half = &full.as_ref()[..full.as_ref().len() / 2];
    if URL_SAFE_NO_PAD.encode(half) == *expected {
        Ok(())
    } else {
        Err(Error::invalid_claim("at_hash", "does not match the access token"))
    }
}
