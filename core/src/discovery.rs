//! The provider's endpoints, read lazily from OpenID discovery and kept for the life of
//! the client; Scalekit's fixed paths stand in when the provider has no discovery
//! document.

use std::sync::{Arc, Mutex, PoisonError};

use serde::Deserialize;
use url::{Host, Url};

use crate::config::is_loopback;
use crate::error::{Error, Result};
use crate::http::HttpClient;
use crate::singleflight::SingleFlight;

/// Path of the discovery document, relative to the environment URL.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// Where the provider's endpoints are and which issuer its tokens carry.
///
/// ```
/// let url = url::Url::parse("https://acme.scalekit.com").unwrap();
/// let meta = scalekit_auth::ProviderMetadata::scalekit_defaults(&url);
/// assert_eq!(meta.jwks_uri, "https://acme.scalekit.com/keys");
/// assert_eq!(meta.issuer, "https://acme.scalekit.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderMetadata {
    /// The `iss` of the provider's tokens.
    pub issuer: String,
    /// Where browsers are sent to log in.
    pub authorization_endpoint: String,
    /// Where codes and refresh tokens are exchanged.
    pub token_endpoint: String,
    /// The provider's public signing keys.
    pub jwks_uri: String,
    /// RP-initiated logout.
    pub end_session_endpoint: String,
    /// The OpenID userinfo endpoint, when announced.
    pub userinfo_endpoint: Option<String>,
    /// Where tokens are revoked (RFC 7009), when announced: a logout revokes the
    /// session's refresh token there.
    pub revocation_endpoint: Option<String>,
    /// Whether the values came from a discovery document (false: Scalekit's defaults).
    pub from_discovery: bool,
}

impl ProviderMetadata {
    /// Scalekit's fixed paths under the environment URL, used when discovery is absent.
    pub fn scalekit_defaults(environment: &Url) -> Self {
        let at = |path: &str| join(environment, path);
        ProviderMetadata {
            issuer: origin_string(environment),
            authorization_endpoint: at("/oauth/authorize"),
            token_endpoint: at("/oauth/token"),
            jwks_uri: at("/keys"),
            end_session_endpoint: at("/oidc/logout"),
            userinfo_endpoint: None,
            revocation_endpoint: None,
            from_discovery: false,
        }
    }

    /// Reads a discovery document, whose issuer must be the environment URL itself or
    /// one of the configured `issuers`.
    fn from_document(environment: &Url, issuers: &[String], doc: DiscoveryDocument) -> Result<Self> {
        let defaults = Self::scalekit_defaults(environment);
        let url = join(environment, DISCOVERY_PATH);
        let endpoint = |name: &str, value: Option<String>, default: String| -> Result<String> {
            match value {
                None => Ok(default),
                Some(v) => check_endpoint(environment, &url, name, v),
            }
        };
        if doc.issuer.trim().is_empty() {
            return Err(Error::ProviderInvalidResponse {
                url,
                reason: "discovery document has an empty issuer".into(),
            });
        }
        // OpenID Connect Discovery §4.3: the issuer in the document MUST be identical to
        // the URL it was fetched under; a mismatch means a misrouted or hostile answer.
        let announced = doc.issuer.trim_end_matches('/');
        let accepted = announced == origin_string(environment)
            || issuers.iter().any(|i| i.trim_end_matches('/') == announced);
        if !accepted {
            let mut expected = vec![origin_string(environment)];
            expected.extend(issuers.iter().cloned());
            return Err(Error::ProviderInvalidResponse {
                url,
                reason: format!(
                    "discovery document names issuer {:?}, expected {expected:?}; set the issuer option if the \
                     environment uses another issuer URL",
                    doc.issuer
                ),
            });
        }
        Ok(ProviderMetadata {
            issuer: doc.issuer,
            authorization_endpoint: endpoint(
                "authorization_endpoint",
                doc.authorization_endpoint,
                defaults.authorization_endpoint,
            )?,
            token_endpoint: endpoint("token_endpoint", doc.token_endpoint, defaults.token_endpoint)?,
            jwks_uri: endpoint("jwks_uri", doc.jwks_uri, defaults.jwks_uri)?,
            end_session_endpoint: endpoint(
                "end_session_endpoint",
                doc.end_session_endpoint,
                defaults.end_session_endpoint,
            )?,
            userinfo_endpoint: doc
                .userinfo_endpoint
                .map(|v| check_endpoint(environment, &url, "userinfo_endpoint", v))
                .transpose()?,
            revocation_endpoint: doc
                .revocation_endpoint
                .map(|v| check_endpoint(environment, &url, "revocation_endpoint", v))
                .transpose()?,
            from_discovery: true,
        })
    }
}

#[derive(Clone, Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
    jwks_uri: Option<String>,
    end_session_endpoint: Option<String>,
    userinfo_endpoint: Option<String>,
    revocation_endpoint: Option<String>,
}

/// An endpoint from the discovery document must be an absolute https URL (http only on
/// loopback): a document that points elsewhere in clear text would downgrade us. When
/// the environment itself is a public https URL, a loopback endpoint is refused too: it
/// would send codes and secrets to whatever listens on this machine.
fn check_endpoint(environment: &Url, doc_url: &str, name: &str, value: String) -> Result<String> {
    let parsed = Url::parse(&value).map_err(|e| Error::ProviderInvalidResponse {
        url: doc_url.to_owned(),
        reason: format!("{name} {value:?} is not a URL ({e})"),
    })?;
    let public_environment = environment.scheme() == "https" && !is_local(environment);
    if public_environment && (parsed.scheme() != "https" || is_local(&parsed)) {
        return Err(Error::ProviderInvalidResponse {
            url: doc_url.to_owned(),
            reason: format!("{name} {value:?} is not a public https URL, as the environment URL is"),
        });
    }
    let secure = parsed.scheme() == "https" || (parsed.scheme() == "http" && is_loopback(&parsed));
    if !secure {
        return Err(Error::ProviderInvalidResponse {
            url: doc_url.to_owned(),
            reason: format!("{name} {value:?} is not an https URL"),
        });
    }
    Ok(value)
}

/// Whether `url` names this machine in any of its spellings: loopback addresses (IPv4,
/// IPv6 and IPv4-mapped), the unspecified addresses, `localhost` with or without the
/// final dot, and `*.localhost` (RFC 6761 §6.3).
fn is_local(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback() || ip.is_unspecified(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback() || v4.is_unspecified())
        }
        None => false,
    }
}

fn origin_string(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_owned()
}

fn join(base: &Url, path: &str) -> String {
    format!("{}{}", origin_string(base), path)
}

/// Fetches discovery once, shares the fetch among concurrent callers, and keeps the
/// result. A failed fetch is not kept: the next caller tries again.
pub(crate) struct Discovery {
    environment: Url,
    issuers: Vec<String>,
    http: HttpClient,
    known: Mutex<Option<Arc<ProviderMetadata>>>,
    flight: SingleFlight<Arc<ProviderMetadata>>,
}

impl Discovery {
    pub(crate) fn new(environment: Url, issuers: Vec<String>, http: HttpClient) -> Self {
        Discovery { environment, issuers, http, known: Mutex::new(None), flight: SingleFlight::new() }
    }

    pub(crate) fn environment(&self) -> &Url {
        &self.environment
    }

    /// The metadata, fetching it on first use.
    pub(crate) async fn metadata(self: &Arc<Self>) -> Result<Arc<ProviderMetadata>> {
        if let Some(known) = self.cached() {
            return Ok(known);
        }
        let this = Arc::clone(self);
        self.flight.run(move || async move { this.fetch().await }).await
    }

    /// The metadata if it has been fetched already.
    pub(crate) fn cached(&self) -> Option<Arc<ProviderMetadata>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    async fn fetch(&self) -> Result<Arc<ProviderMetadata>> {
        let url = join(&self.environment, DISCOVERY_PATH);
        let metadata = match self.http.get_json::<DiscoveryDocument>(&url).await? {
            Some(doc) => ProviderMetadata::from_document(&self.environment, &self.issuers, doc)?,
            None => ProviderMetadata::scalekit_defaults(&self.environment),
        };
        let metadata = Arc::new(metadata);
        *self.known.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&metadata));
        Ok(metadata)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(issuer: &str, token_endpoint: &str) -> DiscoveryDocument {
        DiscoveryDocument {
            issuer: issuer.into(),
            authorization_endpoint: None,
            token_endpoint: Some(token_endpoint.into()),
            jwks_uri: None,
            end_session_endpoint: None,
            userinfo_endpoint: None,
            revocation_endpoint: None,
        }
    }

    #[test]
    fn a_revocation_endpoint_is_read_and_held_to_the_same_rules() {
        let env = Url::parse("https://acme.scalekit.com").unwrap();
        let mut doc = document("https://acme.scalekit.com", "https://acme.scalekit.com/oauth/token");
        assert_eq!(
            ProviderMetadata::from_document(&env, &[], doc.clone()).unwrap().revocation_endpoint,
            None
        );
        doc.revocation_endpoint = Some("https://acme.scalekit.com/oauth/revoke".into());
        let meta = ProviderMetadata::from_document(&env, &[], doc.clone()).unwrap();
        assert_eq!(meta.revocation_endpoint.as_deref(), Some("https://acme.scalekit.com/oauth/revoke"));
        doc.revocation_endpoint = Some("http://acme.scalekit.com/oauth/revoke".into());
        let err = ProviderMetadata::from_document(&env, &[], doc).unwrap_err();
        assert_eq!(err.code(), "provider_invalid_response");
    }

    #[test]
    fn a_public_environment_never_uses_loopback_or_plain_http_endpoints() {
        let env = Url::parse("https://acme.scalekit.com").unwrap();
        for endpoint in [
            "http://127.0.0.1:8080/oauth/token",
            "https://localhost/oauth/token",
            "http://acme.scalekit.com/t",
        ] {
            let err =
                ProviderMetadata::from_document(&env, &[], document("https://acme.scalekit.com", endpoint));
            assert_eq!(err.unwrap_err().code(), "provider_invalid_response", "{endpoint}");
        }
        let ok = ProviderMetadata::from_document(
            &env,
            &[],
            document("https://acme.scalekit.com/", "https://acme.scalekit.com/oauth/token"),
        );
        assert!(ok.is_ok());
        // A loopback environment (the local provider) may use loopback endpoints.
        let local = Url::parse("http://127.0.0.1:9411").unwrap();
        let ok = ProviderMetadata::from_document(
            &local,
            &[],
            document("http://127.0.0.1:9411", "http://127.0.0.1:9411/token"),
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn the_issuer_must_be_the_environment_or_the_configured_one() {
        let env = Url::parse("https://acme.scalekit.com").unwrap();
        let other = document("https://other.scalekit.com", "https://acme.scalekit.com/oauth/token");
        assert!(ProviderMetadata::from_document(&env, &[], other).is_err());
        let configured = ["https://id.acme.com".to_owned()];
        let custom = document("https://id.acme.com", "https://acme.scalekit.com/oauth/token");
        assert!(ProviderMetadata::from_document(&env, &configured, custom).is_ok());
    }
}
