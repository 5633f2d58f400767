//! Settings of the session engine: the app's URLs, its session secrets, cookie names
//! and lifetimes.

use std::time::Duration;

use url::Url;

use super::cookies::CookieSameSite;
use crate::config::is_loopback;
use crate::error::{Error, Result};

/// Environment variable with the app's callback URL.
pub const ENV_REDIRECT_URI: &str = "SCALEKIT_REDIRECT_URI";
/// Environment variable with the URL the provider sends users to after logout.
pub const ENV_POST_LOGOUT_REDIRECT_URI: &str = "SCALEKIT_POST_LOGOUT_REDIRECT_URI";
/// Environment variable with one or more session secrets, comma-separated (the first
/// seals, all open).
pub const ENV_SESSION_SECRET: &str = "SCALEKIT_SESSION_SECRET";
/// Environment variable with the scopes to request (space- or comma-separated).
pub const ENV_SCOPES: &str = "SCALEKIT_SCOPES";

/// Environment variable with the Redis URL (`redis://` or `rediss://`) of a session store
/// shared by several processes: one refresh per token across all of them, back-channel
/// logout reaching every instance, and server-side sessions.
pub const ENV_REDIS_URL: &str = "SCALEKIT_REDIS_URL";
/// Environment variable that keeps sessions in the store, the cookie holding only a
/// sealed session id (`true` or `false`, default `false`).
pub const ENV_SERVER_SIDE_SESSIONS: &str = "SCALEKIT_SERVER_SIDE_SESSIONS";

/// The least length of a session secret, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// How the session engine behaves for one app.
///
/// ```
/// use scalekit_auth::SessionConfig;
/// let config = SessionConfig::new(
///     "https://app.example.com/auth/callback",
///     ["a-long-random-secret-of-at-least-32-bytes!!"],
/// )
/// .post_logout_redirect_uri("https://app.example.com/")
/// .idle_timeout_seconds(3600);
/// # let _ = config;
/// ```
#[derive(Clone)]
pub struct SessionConfig {
    pub(crate) redirect_uri: String,
    pub(crate) post_logout_redirect_uri: Option<String>,
    pub(crate) secrets: Vec<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) cookie_name: String,
    pub(crate) login_cookie_prefix: String,
    pub(crate) login_path: String,
    pub(crate) secure: Option<bool>,
    pub(crate) absolute_lifetime: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) refresh_window: Duration,
    pub(crate) redis_url: Option<String>,
    pub(crate) server_side_sessions: bool,
    pub(crate) store_timeout: Duration,
    pub(crate) cookie_domain: Option<String>,
    pub(crate) same_site: CookieSameSite,
    pub(crate) callback_path: Option<String>,
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("redirect_uri", &self.redirect_uri)
            .field("post_logout_redirect_uri", &self.post_logout_redirect_uri)
            .field("secrets", &format_args!("[{} redacted]", self.secrets.len()))
            .field("scopes", &self.scopes)
            .field("cookie_name", &self.cookie_name)
            .field("cookie_domain", &self.cookie_domain)
            .field("same_site", &self.same_site)
            .field("redis_url", &self.redis_url.as_deref().map(without_password))
            .field("server_side_sessions", &self.server_side_sessions)
            .finish_non_exhaustive()
    }
}

impl SessionConfig {
    /// A configuration with the defaults: scopes `openid profile email offline_access`,
    /// cookie `skauth_session`, 7-day absolute lifetime, 24-hour idle timeout, refresh
    /// 60 s before the access token expires, `Secure` unless the callback is plain http
    /// on a loopback host.
    pub fn new<I, S>(redirect_uri: impl Into<String>, secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SessionConfig {
            redirect_uri: redirect_uri.into(),
            post_logout_redirect_uri: None,
            secrets: secrets.into_iter().map(Into::into).collect(),
            scopes: ["openid", "profile", "email", "offline_access"].map(String::from).to_vec(),
            cookie_name: "skauth_session".into(),
            login_cookie_prefix: "skauth_login_".into(),
            login_path: "/auth/login".into(),
            secure: None,
            absolute_lifetime: Duration::from_secs(7 * 24 * 3600),
            idle_timeout: Duration::from_secs(24 * 3600),
            refresh_window: Duration::from_secs(60),
            redis_url: None,
            server_side_sessions: false,
            store_timeout: Duration::from_secs(2),
            cookie_domain: None,
            same_site: CookieSameSite::Lax,
            callback_path: None,
        }
    }

    /// Reads `SCALEKIT_REDIRECT_URI`, `SCALEKIT_SESSION_SECRET` and the optional
    /// `SCALEKIT_POST_LOGOUT_REDIRECT_URI`, `SCALEKIT_SCOPES`, `SCALEKIT_REDIS_URL` and
    /// `SCALEKIT_SERVER_SIDE_SESSIONS`.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`SessionConfig::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let redirect = get(ENV_REDIRECT_URI).ok_or_else(|| {
            invalid(format!("{ENV_REDIRECT_URI} is not set; set it to the app's callback URL, e.g. http://localhost:3000/auth/callback"))
        })?;
        let secrets = get(ENV_SESSION_SECRET).ok_or_else(|| {
            invalid(format!(
                "{ENV_SESSION_SECRET} is not set; set it to a random value of at least {MIN_SECRET_BYTES} bytes \
                 (e.g. `openssl rand -base64 48`)"
            ))
        })?;
        let mut config = SessionConfig::new(redirect, secrets.split(',').map(str::trim));
        if let Some(uri) = get(ENV_POST_LOGOUT_REDIRECT_URI) {
            config = config.post_logout_redirect_uri(uri);
        }
        if let Some(scopes) = get(ENV_SCOPES) {
            config = config.scopes(scopes.split([' ', ',']).filter(|s| !s.is_empty()));
        }
        if let Some(url) = get(ENV_REDIS_URL) {
            config = config.redis_url(url);
        }
        if let Some(flag) = get(ENV_SERVER_SIDE_SESSIONS) {
            config = config.server_side_sessions(match flag.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    return Err(invalid(format!(
                        "{ENV_SERVER_SIDE_SESSIONS} must be true or false, not {flag:?}"
                    )));
                }
            });
        }
        Ok(config)
    }

    /// Where the provider sends users after logout.
    pub fn post_logout_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.post_logout_redirect_uri = Some(uri.into());
        self
    }

    /// The scopes to request at login (keep `offline_access` for refresh).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The session cookie's name (chunks are `NAME.0`, `NAME.1`, ...).
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie_name = name.into();
        self
    }

    /// Shares the session cookie with the subdomains of `domain` (its `Domain`
    /// attribute; e.g. `example.com` for `app.example.com` and `api.example.com`). The
    /// callback URL's host must be `domain` or one of its subdomains. Default: host-only
    /// cookies, which no other host can read or overwrite; with a domain, the `__Host-`
    /// name prefix becomes `__Secure-`, and every subdomain (and whoever runs it) sees
    /// the session.
    pub fn cookie_domain(mut self, domain: impl Into<String>) -> Self {
        let domain = domain.into();
        self.cookie_domain = Some(domain.trim().trim_start_matches('.').to_ascii_lowercase());
        self
    }

    /// The session cookie's `SameSite` attribute (default [`CookieSameSite::Lax`]; see
    /// there for the trade-offs). Login-transaction cookies stay `Lax` whatever this is:
    /// the provider's redirect back is a cross-site navigation that must carry them.
    pub fn same_site(mut self, same_site: CookieSameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// The path the app serves its callback route on (e.g. `/auth/callback`): the
    /// callback URL must end with it, else the configuration is refused at startup,
    /// naming both (a login would otherwise end on a page that does not exist). Framework
    /// adapters set it from their route prefix.
    pub fn callback_path(mut self, path: impl Into<String>) -> Self {
        self.callback_path = Some(path.into());
        self
    }

    /// The app path that starts a login, where unauthenticated browsers are sent.
    pub fn login_path(mut self, path: impl Into<String>) -> Self {
        self.login_path = path.into();
        self
    }

    /// Forces the `Secure` cookie attribute on or off (default: on unless the callback
    /// URL is plain http on a loopback host).
    pub fn secure_cookies(mut self, secure: bool) -> Self {
        self.secure = Some(secure);
        self
    }

    /// The longest a session lives, however active (default 7 days).
    pub fn absolute_lifetime_seconds(mut self, seconds: u64) -> Self {
        self.absolute_lifetime = Duration::from_secs(seconds);
        self
    }

    /// The longest a session survives without a request (default 24 hours).
    pub fn idle_timeout_seconds(mut self, seconds: u64) -> Self {
        self.idle_timeout = Duration::from_secs(seconds);
        self
    }

    /// Refresh the access token when it expires within this window (default 60 s).
    pub fn refresh_window_seconds(mut self, seconds: u64) -> Self {
        self.refresh_window = Duration::from_secs(seconds);
        self
    }

    /// Shares refresh locks, ended sessions and (with [`SessionConfig::server_side_sessions`])
    /// the sessions themselves in Redis (`redis://` or `rediss://`), for apps running
    /// several processes. Without it, that state lives in this process's memory.
    pub fn redis_url(mut self, url: impl Into<String>) -> Self {
        self.redis_url = Some(url.into());
        self
    }

    /// Keeps each session's tokens in the store (Redis, or memory without a Redis URL)
    /// and only a sealed session id in the cookie: a logout or a back-channel logout ends
    /// the session at once everywhere, even for a copied cookie.
    pub fn server_side_sessions(mut self, enabled: bool) -> Self {
        self.server_side_sessions = enabled;
        self
    }

    /// How long a store command may take before the request fails with
    /// `store_unavailable` (default 2000 ms).
    pub fn store_timeout_ms(mut self, millis: u64) -> Self {
        self.store_timeout = Duration::from_millis(millis);
        self
    }

    /// Checks every value; returns whether cookies get the `Secure` attribute.
    pub(crate) fn validate(&self) -> Result<bool> {
        let redirect = Url::parse(&self.redirect_uri)
            .map_err(|e| invalid(format!("{ENV_REDIRECT_URI} {:?} is not a URL ({e})", self.redirect_uri)))?;
        let plain_local = redirect.scheme() == "http" && is_loopback(&redirect);
        if redirect.scheme() != "https" && !plain_local {
            return Err(invalid(format!(
                "{ENV_REDIRECT_URI} {:?} must use https (plain http only on localhost)",
                self.redirect_uri
            )));
        }
        if let Some(uri) = &self.post_logout_redirect_uri {
            Url::parse(uri)
                .map_err(|e| invalid(format!("{ENV_POST_LOGOUT_REDIRECT_URI} {uri:?} is not a URL ({e})")))?;
        }
        if self.secrets.is_empty() {
            return Err(invalid(format!("no session secret; set {ENV_SESSION_SECRET}")));
        }
        if let Some(short) = self.secrets.iter().position(|s| s.len() < MIN_SECRET_BYTES) {
            return Err(invalid(format!(
                "session secret #{} is {} bytes; {ENV_SESSION_SECRET} needs at least {MIN_SECRET_BYTES} random bytes each \
                 (e.g. `openssl rand -base64 48`)",
                short + 1,
                self.secrets[short].len()
            )));
        }
        if !self.scopes.iter().any(|s| s == "openid") {
            return Err(invalid(format!("{ENV_SCOPES} must include \"openid\"")));
        }
        let name_ok =
            |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b));
        if !name_ok(&self.cookie_name) {
            return Err(invalid(format!(
                "cookie name {:?} may hold only letters, digits, '_' and '-'",
                self.cookie_name
            )));
        }
        if !self.login_path.starts_with('/') {
            return Err(invalid("the login path must start with '/'"));
        }
        if self.idle_timeout.is_zero() || self.absolute_lifetime.is_zero() {
            return Err(invalid("session lifetimes must be at least 1 second"));
        }
        if self.store_timeout.is_zero() {
            return Err(invalid("the store timeout must be at least 1 ms"));
        }
        if let Some(path) = &self.callback_path
            && !serves_path(redirect.path(), path)
        {
            return Err(invalid(format!(
                "{ENV_REDIRECT_URI} {:?} has the path {:?}, but the app serves its callback at {path:?}; \
                 change the redirect URI (and the one registered in Scalekit) or the route prefix so they agree",
                self.redirect_uri,
                redirect.path()
            )));
        }
        let secure = self.secure.unwrap_or(!plain_local);
        if let Some(domain) = &self.cookie_domain {
            let label_ok = |l: &str| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            };
            if domain.is_empty() || !domain.split('.').all(label_ok) {
                return Err(invalid(format!(
                    "cookie domain {domain:?} is not a host name (e.g. example.com)"
                )));
            }
            let host = redirect.host_str().unwrap_or_default().to_ascii_lowercase();
            if host != *domain && !host.ends_with(&format!(".{domain}")) {
                return Err(invalid(format!(
                    "cookie domain {domain:?} does not cover the callback host {host:?}; browsers would refuse the cookie"
                )));
            }
        }
        if self.same_site == CookieSameSite::None && !secure {
            return Err(invalid("SameSite=None cookies must be Secure: use an https callback URL"));
        }
        Ok(secure)
    }
}

/// A Redis URL for logs: its password replaced.
fn without_password(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("redacted"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "[unparsable]".into(),
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidConfig(message.into())
}

/// Whether a request for `full` (the redirect URI's path) reaches the route `path`: the
/// same path, or `path` below a mount prefix (`/shop/auth/callback` for `/auth/callback`),
/// never a different last segment that merely ends alike (`/myauth/callback`).
pub(crate) fn serves_path(full: &str, path: &str) -> bool {
    let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
    full == path || full.strip_suffix(path.as_str()).is_some_and(|prefix| prefix.starts_with('/'))
}

#[cfg(test)]
mod tests;
