//! Session options by name, as the language bindings receive them (Python keyword
//! arguments, JavaScript option objects), so that every binding accepts the same names
//! with the same checks.

use serde_json::{Map, Value};

use super::config::SessionConfig;
use super::cookies::CookieSameSite;
use crate::error::{Error, Result};
use crate::options::{count, flag, list, text};

/// Every option [`SessionConfig::with_options`] takes.
pub const SESSION_OPTIONS: &[&str] = &[
    "post_logout_redirect_uri",
    "scopes",
    "cookie_name",
    "cookie_domain",
    "same_site",
    "login_path",
    "callback_path",
    "secure_cookies",
    "absolute_lifetime_seconds",
    "idle_timeout_seconds",
    "refresh_window_seconds",
    "redis_url",
    "server_side_sessions",
    "store_timeout_ms",
];

impl SessionConfig {
    /// Applies options by name (those of [`SESSION_OPTIONS`], snake_case); a `null`
    /// value keeps the default, an unknown name or a value of the wrong type is an
    /// `invalid_argument` naming it.
    ///
    /// ```
    /// use scalekit_auth::SessionConfig;
    /// let options = serde_json::json!({"same_site": "strict", "idle_timeout_seconds": 600});
    /// let config = SessionConfig::new("https://app.example.com/auth/callback", ["x".repeat(32)])
    ///     .with_options(options.as_object().unwrap())?;
    /// assert!(SessionConfig::new("https://a.example/cb", ["x".repeat(32)])
    ///     .with_options(serde_json::json!({"idle_timeout": 1}).as_object().unwrap())
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
                "post_logout_redirect_uri" => self.post_logout_redirect_uri(text(name, value)?),
                "scopes" => self.scopes(list(name, value)?),
                "cookie_name" => self.cookie_name(text(name, value)?),
                "cookie_domain" => self.cookie_domain(text(name, value)?),
                "same_site" => {
                    let raw = text(name, value)?;
                    self.same_site(CookieSameSite::from_name(&raw).ok_or_else(|| {
                        Error::invalid_argument(format!(
                            "session option \"same_site\" must be lax, strict or none, not {raw:?}"
                        ))
                    })?)
                }
                "login_path" => self.login_path(text(name, value)?),
                "callback_path" => self.callback_path(text(name, value)?),
                "secure_cookies" => self.secure_cookies(flag(name, value)?),
                "absolute_lifetime_seconds" => self.absolute_lifetime_seconds(count(name, value)?),
                "idle_timeout_seconds" => self.idle_timeout_seconds(count(name, value)?),
                "refresh_window_seconds" => self.refresh_window_seconds(count(name, value)?),
                "redis_url" => self.redis_url(text(name, value)?),
                "server_side_sessions" => self.server_side_sessions(flag(name, value)?),
                "store_timeout_ms" => self.store_timeout_ms(count(name, value)?),
                _ => {
                    return Err(Error::invalid_argument(format!(
                        "unknown session option {name:?}; known: {}",
                        SESSION_OPTIONS.join(", ")
                    )));
                }
            };
        }
        Ok(self)
    }
}
