//! Client configuration: the environment, the client credentials and the validation
//! options, checked once when [`crate::ScalekitAuth::new`] builds a client.

use std::time::Duration;

use url::{Host, Url};

use crate::clock::{Clock, SharedClock};
use crate::error::{Error, Result};
use crate::secret::ClientSecret;

/// Environment variable holding the Scalekit environment URL.
pub const ENV_ENVIRONMENT_URL: &str = "SCALEKIT_ENVIRONMENT_URL";
/// Environment variable holding the client id.
pub const ENV_CLIENT_ID: &str = "SCALEKIT_CLIENT_ID";
/// Environment variable holding the client secret.
pub const ENV_CLIENT_SECRET: &str = "SCALEKIT_CLIENT_SECRET";

/// How to reach a Scalekit environment and how strictly to check its tokens.
///
/// Building a `Config` never fails and never touches the network; the values are
/// checked by [`crate::ScalekitAuth::new`], which reports the first problem as an
/// `invalid_config` error naming the setting.
///
/// ```
/// use scalekit_auth::Config;
/// let config = Config::new("https://acme.scalekit.com", "skc_123", "secret")
///     .audience(["https://api.acme.com"])
///     .leeway_seconds(30);
/// assert_eq!(config.leeway().as_secs(), 30);
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) environment_url: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: ClientSecret,
    pub(crate) issuer: Vec<String>,
    pub(crate) audience: Vec<String>,
    pub(crate) leeway: Duration,
    pub(crate) jwks_cache_ttl: Duration,
    pub(crate) jwks_refetch_cooldown: Duration,
    pub(crate) http_timeout: Duration,
    pub(crate) max_token_bytes: usize,
    pub(crate) verified_token_cache_size: usize,
    pub(crate) clock: SharedClock,
    /// Validating as a protected resource (an MCP server): the configured audiences are
    /// the only ones, and `azp` names the calling client, not this one.
    pub(crate) resource_server: bool,
}

impl Config {
    /// A configuration with the default options: issuer from discovery, audience the
    /// client id, 60 s leeway, 10 min JWKS cache, 30 s refetch cooldown, 10 s HTTP
    /// timeout, 16 KiB token limit.
    pub fn new(
        environment_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Config {
            environment_url: environment_url.into(),
            client_id: client_id.into(),
            client_secret: ClientSecret::new(client_secret),
            issuer: Vec::new(),
            audience: Vec::new(),
            leeway: Duration::from_secs(60),
            jwks_cache_ttl: Duration::from_secs(600),
            jwks_refetch_cooldown: Duration::from_secs(30),
            http_timeout: Duration::from_secs(10),
            max_token_bytes: 16 * 1024,
            verified_token_cache_size: 1024,
            clock: SharedClock::default(),
            resource_server: false,
        }
    }

    /// Reads `SCALEKIT_ENVIRONMENT_URL`, `SCALEKIT_CLIENT_ID` and
    /// `SCALEKIT_CLIENT_SECRET`. A missing or empty variable is an `invalid_config`
    /// error that names it.
    ///
    /// ```no_run
    /// let config = scalekit_auth::Config::from_env()?;
    /// # Ok::<(), scalekit_auth::Error>(())
    /// ```
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Config::from_env`], reading variables through `lookup` (for tests and for
    /// bindings that keep their own environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| -> Result<String> {
            match lookup(name) {
                Some(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
                _ => Err(Error::InvalidConfig(format!(
                    "{name} is not set; set it to the value shown in the Scalekit dashboard \
                     (Settings > API credentials)"
                ))),
            }
        };
        Ok(Config::new(get(ENV_ENVIRONMENT_URL)?, get(ENV_CLIENT_ID)?, get(ENV_CLIENT_SECRET)?))
    }

    /// Accept tokens whose `iss` is one of these instead of the issuer announced by
    /// discovery.
    pub fn issuer<I, S>(mut self, issuers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.issuer = issuers.into_iter().map(Into::into).collect();
        self
    }

    /// Also accept access tokens whose `aud` contains one of these (an API audience
    /// configured in Scalekit). The client id is always accepted.
    pub fn audience<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = audiences.into_iter().map(Into::into).collect();
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 60 s, at most 300 s).
    pub fn leeway_seconds(mut self, seconds: u64) -> Self {
        self.leeway = Duration::from_secs(seconds);
        self
    }

    /// How long fetched signing keys are trusted before they are fetched again
    /// (default 600 s).
    pub fn jwks_cache_ttl_seconds(mut self, seconds: u64) -> Self {
        self.jwks_cache_ttl = Duration::from_secs(seconds);
        self
    }

    /// The least time between two key fetches triggered by unknown `kid`s (default 30 s).
    pub fn jwks_refetch_cooldown_seconds(mut self, seconds: u64) -> Self {
        self.jwks_refetch_cooldown = Duration::from_secs(seconds);
        self
    }

    /// Time limit of every request to the provider (default 10 s).
    pub fn http_timeout_seconds(mut self, seconds: u64) -> Self {
        self.http_timeout = Duration::from_secs(seconds);
        self
    }

    /// Tokens longer than this are rejected before any decoding (default 16384).
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.max_token_bytes = bytes;
        self
    }

    /// How many recently verified tokens skip signature verification when presented
    /// again (default 1024; 0 turns it off). The key must still be published and every
    /// claim rule runs again on each use.
    pub fn verified_token_cache_size(mut self, entries: usize) -> Self {
        self.verified_token_cache_size = entries;
        self
    }

    /// Reads time from `clock` instead of the system clock.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The configured leeway.
    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    /// Checks every value and returns the normalised environment URL.
    pub(crate) fn validate(&self) -> Result<Url> {
        let url = parse_environment_url(&self.environment_url)?;
        if self.client_id.trim().is_empty() {
            return Err(invalid(format!(
                "the client id is empty; set {ENV_CLIENT_ID} to the client id shown in the \
                 Scalekit dashboard"
            )));
        }
        if self.issuer.iter().any(|i| i.trim().is_empty()) {
            return Err(invalid("the issuer option contains an empty value"));
        }
        if self.audience.iter().any(|a| a.trim().is_empty()) {
            return Err(invalid("the audience option contains an empty value"));
        }
        if self.leeway > Duration::from_secs(300) {
            return Err(invalid(format!(
                "leeway_seconds is {}; more than 300 s would accept long-expired tokens",
                self.leeway.as_secs()
            )));
        }
        // Upper bounds keep every time computed from these far from overflow, and catch
        // milliseconds given as seconds.
        const DAY: u64 = 86_400;
        if self.jwks_cache_ttl.is_zero() || self.jwks_cache_ttl.as_secs() > DAY {
            return Err(invalid("jwks_cache_ttl_seconds must be between 1 and 86400 (a day)"));
        }
        if self.jwks_refetch_cooldown.as_secs() > DAY {
            return Err(invalid("jwks_refetch_cooldown_seconds must be at most 86400 (a day)"));
        }
        if self.http_timeout.is_zero() || self.http_timeout.as_secs() > 600 {
            return Err(invalid("http_timeout_seconds must be between 1 and 600"));
        }
        if self.max_token_bytes < 64 {
            return Err(invalid(format!(
                "max_token_bytes is {}; no real token is that small (default 16384)",
                self.max_token_bytes
            )));
        }
        Ok(url)
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidConfig(message.into())
}

/// Parses the environment URL: an origin only (scheme, host, optional port), https
/// unless the host is loopback. A trailing slash is dropped.
pub(crate) fn parse_environment_url(raw: &str) -> Result<Url> {
    let name = ENV_ENVIRONMENT_URL;
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(invalid(format!(
            "the environment URL is empty; set {name} to your environment's URL, e.g. \
             https://yourapp.scalekit.com"
        )));
    }
    let url = Url::parse(trimmed).map_err(|e| {
        invalid(format!("{name} {trimmed:?} is not a URL ({e}); expected e.g. https://yourapp.scalekit.com"))
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(invalid(format!(
                "{name} {trimmed:?} uses http://; only loopback hosts may, use https://"
            )));
        }
        other => {
            return Err(invalid(format!("{name} {trimmed:?} has scheme {other:?}; use https://")));
        }
    }
    if url.host().is_none() {
        return Err(invalid(format!("{name} {trimmed:?} has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(format!("{name} must not contain credentials")));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(format!(
            "{name} {trimmed:?} has a path, query or fragment; give only the origin, e.g. \
             https://yourapp.scalekit.com"
        )));
    }
    Ok(url)
}

/// Whether the URL's host is a loopback name or address: where plain http is accepted
/// (the environment URL, the app's callback) and cookies may go without `Secure`.
///
/// ```
/// let local = url::Url::parse("http://localhost:3000/").unwrap();
/// assert!(scalekit_auth::is_loopback(&local));
/// assert!(!scalekit_auth::is_loopback(&url::Url::parse("http://app.example/").unwrap()));
/// ```
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_and_message(raw: &str) -> (String, String) {
        let err = parse_environment_url(raw).unwrap_err();
        (err.code().to_owned(), err.to_string())
    }

    #[test]
    fn accepts_origins_and_drops_trailing_slash() {
        for raw in [
            "https://acme.scalekit.com",
            "https://acme.scalekit.com/",
            "  https://acme.scalekit.com  ",
            "http://localhost:8080",
            "http://127.0.0.1:9000/",
            "http://[::1]:9000",
        ] {
            let url = parse_environment_url(raw).unwrap();
            assert_eq!(url.path(), "/", "{raw}");
        }
    }

    #[test]
    fn rejects_bad_urls_with_a_message_naming_the_variable() {
        for raw in [
            "",
            "acme.scalekit.com",
            "ftp://acme.scalekit.com",
            "http://acme.scalekit.com",
            "http://10.0.0.1",
            "https://acme.scalekit.com/api",
            "https://acme.scalekit.com/?x=1",
            "https://acme.scalekit.com/#frag",
            "https://user:pw@acme.scalekit.com",
            "https://",
        ] {
            let (code, message) = code_and_message(raw);
            assert_eq!(code, "invalid_config", "{raw}");
            assert!(message.contains(ENV_ENVIRONMENT_URL), "{raw}: {message}");
        }
    }

    #[test]
    fn from_lookup_names_the_missing_variable() {
        let err = Config::from_lookup(|name| match name {
            ENV_ENVIRONMENT_URL => Some("https://a.scalekit.com".into()),
            ENV_CLIENT_ID => Some("id".into()),
            _ => None,
        })
        .unwrap_err();
        assert_eq!(err.code(), "invalid_config");
        assert!(err.to_string().contains(ENV_CLIENT_SECRET));

        let config = Config::from_lookup(|name| Some(format!(" {name}-value ")));
        let config = config.unwrap();
        assert_eq!(config.client_id(), "SCALEKIT_CLIENT_ID-value");
    }

    #[test]
    fn option_limits_are_checked() {
        let base = || Config::new("https://a.scalekit.com", "id", "secret");
        assert!(base().validate().is_ok());
        assert!(base().leeway_seconds(301).validate().is_err());
        assert!(base().jwks_cache_ttl_seconds(0).validate().is_err());
        assert!(base().http_timeout_seconds(0).validate().is_err());
        assert!(base().max_token_bytes(10).validate().is_err());
        assert!(base().issuer([""]).validate().is_err());
        assert!(base().http_timeout_seconds(u64::MAX / 2).validate().is_err());
        assert!(base().jwks_cache_ttl_seconds(86_401).validate().is_err());
        assert!(base().jwks_refetch_cooldown_seconds(u64::MAX).validate().is_err());
        assert!(base().http_timeout_seconds(600).jwks_cache_ttl_seconds(86_400).validate().is_ok());
        assert!(base().audience(["a", " "]).validate().is_err());
        let err = Config::new("https://a.scalekit.com", " ", "s").validate().unwrap_err();
        assert!(err.to_string().contains(ENV_CLIENT_ID));
    }

    #[test]
    fn debug_redacts_the_secret() {
        let config = Config::new("https://a.scalekit.com", "id", "top-secret-value");
        assert!(!format!("{config:?}").contains("top-secret-value"));
    }
}
