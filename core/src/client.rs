//! [`ScalekitAuth`]: the client every feature hangs off, and token validation.

use std::sync::Arc;

use url::Url;

use crate::algorithm::Algorithm;
use crate::config::Config;
use crate::discovery::{Discovery, ProviderMetadata};
use crate::error::Result;
use crate::http::HttpClient;
use crate::jwks::cache::{JwksCache, JwksStatus};
use crate::m2m::ClientTokenCache;
use crate::token::cache::{Verified, VerifiedTokens};
use crate::token::claims::Claims;
use crate::token::compact::CompactJws;
use crate::token::rules::{self, Expectations};

/// A client of one Scalekit environment. Cheap to clone (all clones share the
/// discovery document, the key cache and the client-credentials token); build one per
/// process and reuse it.
///
/// Construction checks the configuration and makes no network call: discovery and keys
/// are fetched on first use.
///
/// ```no_run
/// # async fn run() -> Result<(), scalekit_auth::Error> {
/// use scalekit_auth::{Config, ScalekitAuth};
/// let auth = ScalekitAuth::new(Config::new("https://acme.scalekit.com", "skc_123", "secret"))?;
/// match auth.validate_access_token("eyJ...").await {
///     Ok(claims) => println!("hello {}", claims.sub),
///     Err(err) => println!("rejected: {} ({})", err.code(), err),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ScalekitAuth {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) discovery: Arc<Discovery>,
    pub(crate) jwks: Arc<JwksCache>,
    pub(crate) http: HttpClient,
    pub(crate) client_token: ClientTokenCache,
    pub(crate) verified: VerifiedTokens,
}

impl std::fmt::Debug for ScalekitAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScalekitAuth").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

/// Which kind of token a validation expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// An access token: the configured audiences count, other token types are refused.
    Access,
    /// An ID token: the audience is the client id alone.
    Id,
}

/// The accepted issuers: configured, or the one discovery announced.
enum Issuers<'a> {
    Configured(&'a [String]),
    Discovered(Arc<ProviderMetadata>),
}

impl Issuers<'_> {
    fn as_slice(&self) -> &[String] {
        match self {
            Issuers::Configured(list) => list,
            Issuers::Discovered(meta) => std::slice::from_ref(&meta.issuer),
        }
    }
}

impl ScalekitAuth {
    /// Checks `config` and builds a client. Fails only with `invalid_config`.
    pub fn new(config: Config) -> Result<Self> {
        let environment: Url = config.validate()?;
        let http = HttpClient::new(config.http_timeout)?;
        let discovery = Arc::new(Discovery::new(environment, config.issuer.clone(), http.clone()));
        let jwks = Arc::new(JwksCache::new(
            Arc::clone(&discovery),
            http.clone(),
            config.clock.clone(),
            config.jwks_cache_ttl,
            config.jwks_refetch_cooldown,
        ));
        let client_token = ClientTokenCache::new();
        let verified = VerifiedTokens::new(config.verified_token_cache_size);
        Ok(ScalekitAuth { inner: Arc::new(Inner { config, discovery, jwks, http, client_token, verified }) })
    }

    /// A client configured from `SCALEKIT_ENVIRONMENT_URL`, `SCALEKIT_CLIENT_ID` and
    /// `SCALEKIT_CLIENT_SECRET`.
    pub fn from_env() -> Result<Self> {
        Self::new(Config::from_env()?)
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The environment URL, normalised.
    pub fn environment_url(&self) -> &Url {
        self.inner.discovery.environment()
    }

    /// The current time of the client's clock, in seconds since the epoch.
    pub fn now_seconds(&self) -> i64 {
        self.inner.config.clock.now_seconds()
    }

    /// The provider's endpoints and issuer, fetched on first use.
    pub async fn provider_metadata(&self) -> Result<Arc<ProviderMetadata>> {
        self.inner.discovery.metadata().await
    }

    /// The state of the signing-key cache, for health checks and monitoring.
    pub fn jwks_status(&self) -> JwksStatus {
        self.inner.jwks.status()
    }

    /// Validates an access token: signature with a provider key, its type (an ID token
    /// or a logout token is refused with `token_wrong_type`, however valid), `iss`, `aud`
    /// (the client id or a configured audience), `azp`, `exp`, `nbf`, `iat`. Returns
    /// the claims, or an error whose [`code`](crate::Error::code) says what failed.
    pub async fn validate_access_token(&self, token: &str) -> Result<Claims> {
        Ok(self.validate(token, TokenKind::Access, None).await?.0)
    }

    /// Validates an ID token like an access token, except that the audience must be the
    /// client id itself; when `nonce` is given the token's `nonce` must equal it.
    pub async fn validate_id_token(&self, token: &str, nonce: Option<&str>) -> Result<Claims> {
        Ok(self.validate(token, TokenKind::Id, nonce).await?.0)
    }

    /// Validates and returns the claims with the token's algorithm.
    pub(crate) async fn validate(
        &self,
        token: &str,
        kind: TokenKind,
        nonce: Option<&str>,
    ) -> Result<(Claims, Algorithm)> {
        let Verified { claims, alg, header_type, .. } = self.verified_claims(token).await?;
        let audiences: &[String] = match kind {
            TokenKind::Access => {
                // Token types do not mix: an ID token leaks through logout URLs and
                // browser history, and must never open an API.
                if let Some(other) = header_type.or_else(|| claims.other_token_type()) {
                    return Err(crate::Error::TokenWrongType(other));
                }
                &self.inner.config.audience
            }
            // A logout token is signed by the same keys and may name no `sub`: never an ID token.
            TokenKind::Id if header_type == Some("a logout token") || claims.is_logout_token() => {
                return Err(crate::Error::TokenWrongType("a logout token"));
            }
            TokenKind::Id => &[],
        };
        let issuers = self.issuers().await?;
        rules::check(&claims, &self.expectations(issuers.as_slice(), audiences, nonce))?;
        Ok((claims, alg))
    }

    /// The claims of a token whose signature verifies with a published key, from the
    /// memory of verified tokens when it was seen before under the same key material.
    async fn verified_claims(&self, token: &str) -> Result<Verified> {
        let max = self.inner.config.max_token_bytes;
        if token.len() > max {
            return Err(crate::Error::TokenTooLarge { size: token.len(), max });
        }
        let memory = &self.inner.verified;
        // No hashing when the memory is off: that work would buy nothing.
        let key = memory.enabled().then(|| VerifiedTokens::key(token));
        if let Some(hit) = key.as_ref().and_then(|k| memory.get(k)) {
            // The key must still be published: a withdrawn key ends its tokens at once.
            let current = self.inner.jwks.key_for(hit.kid.as_deref(), hit.alg).await?;
            if current.thumbprint == hit.thumbprint {
                return Ok(hit);
            }
            // The kid now names other key material: verify again, against that key.
        }
        let jws = CompactJws::parse(token, max)?;
        let signing_key = self.inner.jwks.key_for(jws.header.kid.as_deref(), jws.alg).await?;
        let claims = Claims::from_json(&jws.verify(&signing_key)?)?;
        let verified = Verified {
            claims,
            alg: jws.alg,
            kid: jws.header.kid.clone(),
            thumbprint: signing_key.thumbprint,
            header_type: jws.header.other_token_type(),
        };
        if let Some(key) = key {
            memory.insert(key, verified.clone(), self.inner.config.clock.now_seconds());
        }
        Ok(verified)
    }

    /// Checks the structure and signature of a token and returns its payload.
    pub(crate) async fn verified_payload(&self, token: &str) -> Result<(Vec<u8>, Algorithm)> {
        let jws = CompactJws::parse(token, self.inner.config.max_token_bytes)?;
        let key = self.inner.jwks.key_for(jws.header.kid.as_deref(), jws.alg).await?;
        Ok((jws.verify(&key)?, jws.alg))
    }

    async fn issuers(&self) -> Result<Issuers<'_>> {
        let configured = &self.inner.config.issuer;
        if configured.is_empty() {
            Ok(Issuers::Discovered(self.inner.discovery.metadata().await?))
        } else {
            Ok(Issuers::Configured(configured))
        }
    }

    /// Runs `f` with the expectations for this client at the current time.
    pub(crate) async fn with_expectations<T>(
        &self,
        audiences: &[String],
        f: impl FnOnce(&Expectations<'_>) -> Result<T>,
    ) -> Result<T> {
        let issuers = self.issuers().await?;
        f(&self.expectations(issuers.as_slice(), audiences, None))
    }

    fn expectations<'a>(
        &'a self,
        issuers: &'a [String],
        audiences: &'a [String],
        nonce: Option<&'a str>,
    ) -> Expectations<'a> {
        let config = &self.inner.config;
        Expectations {
            issuers,
            client_id: &config.client_id,
            audiences,
            leeway: config.leeway.as_secs(),
            now: config.clock.now_seconds(),
            nonce,
            resource_server: config.resource_server,
        }
    }
}
