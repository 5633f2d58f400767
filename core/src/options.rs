//! Client and login-URL options by name, as the language bindings receive them (Python
//! keyword arguments, JavaScript option objects), and the value readers every option
//! table uses.

use serde_json::{Map, Value};

use crate::authorize::AuthorizationUrlOptions;
use crate::config::Config;
use crate::error::{Error, Result};

/// Every option [`Config::with_options`] takes.
pub const CLIENT_OPTIONS: &[&str] = &[
    "issuer",
    "audience",
    "leeway_seconds",
    "jwks_cache_ttl_seconds",
    "jwks_refetch_cooldown_seconds",
    "http_timeout_seconds",
    "max_token_bytes",
    "verified_token_cache_size",
];

impl Config {
    /// Applies options by name (those of [`CLIENT_OPTIONS`], snake_case); a `null` value
    /// keeps the default, an unknown name or a value of the wrong type is an
    /// `invalid_argument` naming it.
    ///
    /// ```
    /// use scalekit_auth::Config;
    /// let options = serde_json::json!({"audience": ["skc_app", "https://api.example.com"], "leeway_seconds": 30});
    /// let config = Config::new("https://acme.scalekit.com", "skc_app", "secret").with_options(options.as_object().unwrap())?;
    /// assert!(Config::new("https://acme.scalekit.com", "skc_app", "secret")
    ///     .with_options(serde_json::json!({"leeway": 30}).as_object().unwrap())
    ///     .is_err());
    /// # let _ = config;
    /// # Ok::<(), scalekit_auth::Error>(())
    /// ```
    pub fn with_options(mut self, options: &Map<String, Value>) -> Result<Self> {
        for (name, value) in options {
            if value.is_null() {
                continue;
            }
            self = match name.as_str() {
                "issuer" => self.issuer(list(name, value)?),
                "audience" => self.audience(list(name, value)?),
                "leeway_seconds" => self.leeway_seconds(count(name, value)?),
                "jwks_cache_ttl_seconds" => self.jwks_cache_ttl_seconds(count(name, value)?),
                "jwks_refetch_cooldown_seconds" => self.jwks_refetch_cooldown_seconds(count(name, value)?),
                "http_timeout_seconds" => self.http_timeout_seconds(count(name, value)?),
                "max_token_bytes" => self.max_token_bytes(size(name, value)?),
                "verified_token_cache_size" => self.verified_token_cache_size(size(name, value)?),
                _ => {
                    return Err(Error::invalid_argument(format!(
                        "unknown option {name:?}; known: {}",
                        CLIENT_OPTIONS.join(", ")
                    )));
                }
            };
        }
        Ok(self)
    }
}

/// Every option [`AuthorizationUrlOptions::with_options`] takes: the login-URL options.
pub const URL_OPTIONS: &[&str] = &[
    "scopes",
    "state",
    "nonce",
    "login_hint",
    "domain_hint",
    "connection_id",
    "organization_id",
    "provider",
    "prompt",
    "max_age",
    "acr_values",
    "code_challenge",
    "code_challenge_method",
];

impl AuthorizationUrlOptions {
    /// Applies login-URL options by name (those of [`URL_OPTIONS`], snake_case), as the
    /// language bindings receive them; a `null` value keeps the default, an unknown name
    /// or a value of the wrong type is an `invalid_argument` naming it.
    ///
    /// ```
    /// use scalekit_auth::AuthorizationUrlOptions;
    /// let options = serde_json::json!({"organization_id": "org_1", "scopes": ["openid", "offline_access"]});
    /// let url = AuthorizationUrlOptions::default().with_options(options.as_object().unwrap())?;
    /// assert_eq!(url.organization_id.as_deref(), Some("org_1"));
    /// assert!(AuthorizationUrlOptions::default()
    ///     .with_options(serde_json::json!({"org": "x"}).as_object().unwrap())
    ///     .is_err());
    /// # Ok::<(), scalekit_auth::Error>(())
    /// ```
    pub fn with_options(mut self, options: &Map<String, Value>) -> Result<Self> {
        for (name, value) in options {
            if value.is_null() {
                continue;
            }
            let slot = match name.as_str() {
                "scopes" => {
                    self.scopes = Some(list(name, value)?);
                    continue;
                }
                "max_age" => {
                    self.max_age = Some(count(name, value)?);
                    continue;
                }
                "acr_values" => &mut self.acr_values,
                "state" => &mut self.state,
                "nonce" => &mut self.nonce,
                "login_hint" => &mut self.login_hint,
                "domain_hint" => &mut self.domain_hint,
                "connection_id" => &mut self.connection_id,
                "organization_id" => &mut self.organization_id,
                "provider" => &mut self.provider,
                "prompt" => &mut self.prompt,
                "code_challenge" => &mut self.code_challenge,
                "code_challenge_method" => &mut self.code_challenge_method,
                _ => {
                    return Err(Error::invalid_argument(format!(
                        "unknown option {name:?}; known: {}",
                        URL_OPTIONS.join(", ")
                    )));
                }
            };
            *slot = Some(text(name, value)?);
        }
        Ok(self)
    }
}

fn wrong(name: &str, expected: &str) -> Error {
    Error::invalid_argument(format!("option {name:?} must be {expected}"))
}

pub(crate) fn text(name: &str, value: &Value) -> Result<String> {
    value.as_str().map(str::to_owned).ok_or_else(|| wrong(name, "a string"))
}

pub(crate) fn flag(name: &str, value: &Value) -> Result<bool> {
    value.as_bool().ok_or_else(|| wrong(name, "true or false"))
}

pub(crate) fn count(name: &str, value: &Value) -> Result<u64> {
    value.as_u64().ok_or_else(|| wrong(name, "a whole number of at least 0"))
}

/// A list of strings, or one string of space- or comma-separated items.
pub(crate) fn list(name: &str, value: &Value) -> Result<Vec<String>> {
    match value {
        Value::String(s) => Ok(s.split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_owned).collect()),
        Value::Array(items) => items.iter().map(|item| text(name, item)).collect(),
        _ => Err(wrong(name, "a list of strings")),
    }
}

fn size(name: &str, value: &Value) -> Result<usize> {
    usize::try_from(count(name, value)?).map_err(|_| wrong(name, "a smaller number"))
}
