//! [`ScalekitAuth`]: the client every feature hangs off.

use std::slice;
use std::sync::Arc;

use url::Url;

use crate::config::Config;
use crate::discovery::{Discovery, ProviderMetadata};
use crate::error::Result;
use crate::http::HttpClient;
use crate::jwks::cache::{JwksCache, JwksStatus};
use crate::token::claims::Claims;
use crate::token::compact::CompactJws;
use crate::token::rules::{self, Expectations};

/// A client of one Scalekit environment. Cheap to clone (all clones share the
/// discovery document and the key cache); build one per process and reuse it.
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
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    discovery: Arc<Discovery>,
    jwks: Arc<JwksCache>,
    #[allow(dead_code)] // used by the protocol flows (code exchange, refresh)
    http: HttpClient,
}

impl std::fmt::Debug for ScalekitAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScalekitAuth").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

impl ScalekitAuth {
    /// Checks `config` and builds a client. Fails only with `invalid_config`.
    pub fn new(config: Config) -> Result<Self> {
        let environment: Url = config.validate()?;
        let http = HttpClient::new(config.http_timeout)?;
        let discovery = Arc::new(Discovery::new(environment, http.clone()));
        let jwks = Arc::new(JwksCache::new(
            Arc::clone(&discovery),
            http.clone(),
            config.clock.clone(),
            config.jwks_cache_ttl,
            config.jwks_refetch_cooldown,
        ));
        Ok(ScalekitAuth { inner: Arc::new(Inner { config, discovery, jwks, http }) })
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

    /// The environment URL, normalised (no trailing slash in `as_str()` of the origin).
    pub fn environment_url(&self) -> &Url {
        self.inner.discovery.environment()
    }

    /// The provider's endpoints and issuer, fetched on first use.
    pub async fn provider_metadata(&self) -> Result<Arc<ProviderMetadata>> {
        self.inner.discovery.metadata().await
    }

    /// The state of the signing-key cache, for health checks and monitoring.
    pub fn jwks_status(&self) -> JwksStatus {
        self.inner.jwks.status()
    }

    /// Validates an access token: signature with a provider key, `iss`, `aud` (the
    /// client id or a configured audience), `azp`, `exp`, `nbf`, `iat`. Returns the
    /// claims, or an error whose [`code`](crate::Error::code) says what failed.
    pub async fn validate_access_token(&self, token: &str) -> Result<Claims> {
        self.validate(token, &self.inner.config.audience, None).await
    }

    /// Validates an ID token like an access token, except that the audience must be the
    /// client id itself; when `nonce` is given the token's `nonce` must equal it.
    pub async fn validate_id_token(&self, token: &str, nonce: Option<&str>) -> Result<Claims> {
        self.validate(token, &[], nonce).await
    }

    async fn validate(&self, token: &str, audiences: &[String], nonce: Option<&str>) -> Result<Claims> {
        let config = &self.inner.config;
        let jws = CompactJws::parse(token, config.max_token_bytes)?;
        let key = self.inner.jwks.key_for(jws.header.kid.as_deref(), jws.alg).await?;
        let claims = Claims::from_json(&jws.verify(&key)?)?;
        let metadata;
        let issuers: &[String] = if config.issuer.is_empty() {
            metadata = self.inner.discovery.metadata().await?;
            slice::from_ref(&metadata.issuer)
        } else {
            &config.issuer
        };
        rules::check(
            &claims,
            &Expectations {
                issuers,
                client_id: &config.client_id,
                audiences,
                leeway: config.leeway.as_secs(),
                now: config.clock.now_seconds(),
                nonce,
            },
        )?;
        Ok(claims)
    }
}
