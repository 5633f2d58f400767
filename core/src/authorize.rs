//! Building the URL that sends a browser to the provider's login page, and the safe
//! default that generates `state`, `nonce` and a PKCE pair for it.

use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, Result};
use crate::query::build_url;

/// The scopes requested when none are given.
pub const DEFAULT_SCOPES: [&str; 3] = ["openid", "profile", "email"];

/// Optional parameters of the authorization URL (names as in the official SDKs).
///
/// ```
/// use scalekit_auth::AuthorizationUrlOptions;
/// let options = AuthorizationUrlOptions {
///     organization_id: Some("org_123".into()),
///     prompt: Some("create".into()),
///     ..Default::default()
/// };
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizationUrlOptions {
    /// Scopes; `openid profile email` when `None`. Add `offline_access` for a refresh token.
    pub scopes: Option<Vec<String>>,
    /// Opaque value returned on the callback (CSRF protection).
    pub state: Option<String>,
    /// Value the ID token must carry back.
    pub nonce: Option<String>,
    /// Email or username to prefill.
    pub login_hint: Option<String>,
    /// Domain that selects the organization's identity provider.
    pub domain_hint: Option<String>,
    /// A specific SSO connection.
    pub connection_id: Option<String>,
    /// A specific organization.
    pub organization_id: Option<String>,
    /// A social provider (`google`, `github`, ...).
    pub provider: Option<String>,
    /// `login` (re-authenticate), `create` (sign-up form), `select_account`, `consent`.
    pub prompt: Option<String>,
    /// The longest time since the user last authenticated at the provider, in seconds
    /// (OpenID `max_age`): an older login is asked again. `0` always asks.
    pub max_age: Option<u64>,
    /// Authentication context classes the app asks for, space-separated (OpenID
    /// `acr_values`), e.g. a level with multi-factor authentication.
    pub acr_values: Option<String>,
    /// PKCE challenge (RFC 7636).
    pub code_challenge: Option<String>,
    /// PKCE method; only `S256` is accepted.
    pub code_challenge_method: Option<String>,
}

/// A login the app has started: the URL to redirect to and the secrets to keep until
/// the callback (in the login-transaction cookie).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginRequest {
    /// Where to send the browser.
    pub url: String,
    /// The `state` sent; the callback must return the same.
    pub state: String,
    /// The `nonce` sent; the ID token must carry the same.
    pub nonce: String,
    /// The PKCE verifier, sent with the code exchange.
    pub code_verifier: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("url", &self.url)
            .field("state", &self.state)
            .field("nonce", &"[redacted]")
            .field("code_verifier", &"[redacted]")
            .finish()
    }
}

/// Builds the authorization URL under `authorize_endpoint`.
pub(crate) fn authorization_url(
    authorize_endpoint: &str,
    client_id: &str,
    redirect_uri: &str,
    options: &AuthorizationUrlOptions,
) -> Result<String> {
    check_redirect_uri(redirect_uri)?;
    let scope = match &options.scopes {
        None => DEFAULT_SCOPES.join(" "),
        Some(scopes) if scopes.iter().all(|s| s.trim().is_empty()) => {
            return Err(Error::InvalidArgument("scopes is empty; pass at least \"openid\"".into()));
        }
        Some(scopes) => {
            scopes.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
        }
    };
    match (options.code_challenge.as_deref(), options.code_challenge_method.as_deref()) {
        (Some(_), Some("S256")) | (None, None) => {}
        (Some(_), None) => {
            return Err(Error::InvalidArgument(
                "code_challenge needs code_challenge_method \"S256\" (plain PKCE is not supported)".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(Error::InvalidArgument("code_challenge_method is set without code_challenge".into()));
        }
        (Some(_), Some(other)) => {
            return Err(Error::InvalidArgument(format!(
                "code_challenge_method {other:?} is not supported; use \"S256\""
            )));
        }
    }
    let o = options;
    let max_age = o.max_age.map(|seconds| seconds.to_string());
    // Order and names as the official Node SDK's getAuthorizationUrl (including `domain`,
    // which it sends alongside `domain_hint`).
    Ok(build_url(
        authorize_endpoint,
        [
            ("response_type", Some("code")),
            ("client_id", Some(client_id)),
            ("redirect_uri", Some(redirect_uri)),
            ("scope", Some(scope.as_str())),
            ("state", o.state.as_deref()),
            ("nonce", o.nonce.as_deref()),
            ("login_hint", o.login_hint.as_deref()),
            ("domain_hint", o.domain_hint.as_deref()),
            ("domain", o.domain_hint.as_deref()),
            ("connection_id", o.connection_id.as_deref()),
            ("organization_id", o.organization_id.as_deref()),
            ("code_challenge", o.code_challenge.as_deref()),
            ("code_challenge_method", o.code_challenge_method.as_deref()),
            ("provider", o.provider.as_deref()),
            ("prompt", o.prompt.as_deref()),
            ("max_age", max_age.as_deref()),
            ("acr_values", o.acr_values.as_deref()),
        ],
    ))
}

/// Starts a login with fresh random `state` (unless given), `nonce` (unless given) and
/// an S256 PKCE pair.
pub(crate) fn create_login(
    authorize_endpoint: &str,
    client_id: &str,
    redirect_uri: &str,
    options: &AuthorizationUrlOptions,
) -> Result<LoginRequest> {
    let state = options.state.clone().filter(|s| !s.is_empty()).unwrap_or_else(random_token);
    let nonce = options.nonce.clone().filter(|s| !s.is_empty()).unwrap_or_else(random_token);
    let code_verifier = random_token();
    let options = AuthorizationUrlOptions {
        state: Some(state.clone()),
        nonce: Some(nonce.clone()),
        code_challenge: Some(pkce_challenge(&code_verifier)),
        code_challenge_method: Some("S256".into()),
        ..options.clone()
    };
    let url = authorization_url(authorize_endpoint, client_id, redirect_uri, &options)?;
    Ok(LoginRequest { url, state, nonce, code_verifier })
}

/// The S256 challenge of a PKCE verifier: `BASE64URL(SHA256(verifier))` (RFC 7636 §4.2).
///
/// ```
/// // RFC 7636 Appendix B
/// assert_eq!(
///     scalekit_auth::pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
///     "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
/// );
/// ```
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

/// 32 random bytes as base64url (43 characters): a valid PKCE verifier, and an
/// unguessable `state` or `nonce`.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The system generator failing means the OS cannot give randomness at all; nothing
    // secure can continue, and no caller input can cause it.
    SystemRandom::new().fill(&mut bytes).expect("the system random generator failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The redirect URI must be an absolute http(s) URL: the provider compares it exactly.
pub(crate) fn check_redirect_uri(redirect_uri: &str) -> Result<()> {
    match url::Url::parse(redirect_uri) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => Ok(()),
        _ => Err(Error::InvalidArgument(format!(
            "redirect_uri {redirect_uri:?} must be an absolute http(s) URL registered in the Scalekit dashboard"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EP: &str = "https://a.scalekit.com/oauth/authorize";

    #[test]
    fn defaults_and_errors() {
        let url = authorization_url(EP, "skc_1", "https://app/cb", &Default::default()).unwrap();
        assert_eq!(
            url,
            "https://a.scalekit.com/oauth/authorize?response_type=code&client_id=skc_1&redirect_uri=https%3A%2F%2Fapp%2Fcb&scope=openid%20profile%20email"
        );
        let bad =
            |o: AuthorizationUrlOptions| authorization_url(EP, "c", "https://app/cb", &o).unwrap_err().code();
        assert_eq!(
            bad(AuthorizationUrlOptions { scopes: Some(vec![]), ..Default::default() }),
            "invalid_argument"
        );
        assert_eq!(
            bad(AuthorizationUrlOptions { code_challenge: Some("x".into()), ..Default::default() }),
            "invalid_argument"
        );
        assert_eq!(
            bad(AuthorizationUrlOptions {
                code_challenge: Some("x".into()),
                code_challenge_method: Some("plain".into()),
                ..Default::default()
            }),
            "invalid_argument"
        );
        for uri in ["", "/cb", "javascript:alert(1)", "app/cb"] {
            assert!(authorization_url(EP, "c", uri, &Default::default()).is_err(), "{uri}");
        }
    }

    #[test]
    fn create_login_generates_distinct_secrets_and_a_matching_challenge() {
        let a = create_login(EP, "c", "https://app/cb", &Default::default()).unwrap();
        let b = create_login(EP, "c", "https://app/cb", &Default::default()).unwrap();
        assert_ne!(a.state, b.state);
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.code_verifier, b.code_verifier);
        assert_eq!(a.code_verifier.len(), 43);
        assert!(a.url.contains(&format!("code_challenge={}", pkce_challenge(&a.code_verifier))));
        assert!(a.url.contains("code_challenge_method=S256"));
        assert!(a.url.contains(&format!("state={}", a.state)));
        assert!(!format!("{a:?}").contains(&a.code_verifier));
        let given = AuthorizationUrlOptions { state: Some("relay".into()), ..Default::default() };
        assert_eq!(create_login(EP, "c", "https://app/cb", &given).unwrap().state, "relay");
    }
}
