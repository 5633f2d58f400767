//! One error type for everything the crate does, with a stable snake_case code.
//!
//! The codes are part of the public contract: the Python and Node packages expose the
//! same strings, adapters map them to HTTP statuses with [`Error::http_status`], and a
//! test keeps the list in [`Error::ALL_CODES`] in step with the variants. Each variant's
//! code, status, family and public message are written once, in the table of `codes.rs`.

use std::fmt;

mod codes;

pub use codes::ErrorFamily;

/// Every failure of the crate. Match on [`Error::code`] rather than on the message:
/// codes are stable, messages are written for people and may improve.
///
/// ```
/// let err = scalekit_auth::Error::TokenMalformed("not three parts".into());
/// assert_eq!(err.code(), "token_malformed");
/// assert_eq!(err.http_status(), 401);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration cannot work; the message names the setting and how to fix it.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),

    /// A method was called with an argument it cannot use (the message says which).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The token is larger than `max_token_bytes`; it was not decoded.
    #[error("token is {size} bytes, more than the {max}-byte limit (max_token_bytes); it was not decoded")]
    TokenTooLarge {
        /// Size of the rejected token in bytes.
        size: usize,
        /// The configured limit.
        max: usize,
    },

    /// The token is not a JWS in compact serialization, or its header or claims are not
    /// well-formed JSON of the expected shape.
    #[error("token is malformed: {0}")]
    TokenMalformed(String),

    /// A route that takes bearer tokens only was called without one.
    #[error("no access token: the request has no Authorization: Bearer header")]
    TokenMissing,

    /// The header names an algorithm that is never accepted for provider tokens
    /// (`none`, HMAC) or that this library does not support.
    #[error(
        "token algorithm {0:?} is not accepted (allowed: RS256/384/512, PS256/384/512, ES256/384, EdDSA)"
    )]
    TokenUnsupportedAlgorithm(String),

    /// No key in the provider's JWKS matches the token's `kid` and algorithm.
    #[error(
        "no signing key of the provider matches this token (kid {kid:?}, alg {alg}); the key may have been rotated or the token comes from another environment"
    )]
    TokenKeyNotFound {
        /// The `kid` of the token header, if it had one.
        kid: Option<String>,
        /// The algorithm of the token header.
        alg: String,
    },

    /// The signature does not verify with the provider's key.
    #[error("token signature is invalid")]
    TokenSignatureInvalid,

    /// `exp` is in the past (beyond the leeway).
    #[error("token expired at {exp} (now {now}, leeway {leeway}s)")]
    TokenExpired {
        /// The token's `exp` (seconds since the Unix epoch).
        exp: i64,
        /// The validation time.
        now: i64,
        /// The configured leeway in seconds.
        leeway: u64,
    },

    /// `nbf` or `iat` lies in the future (beyond the leeway).
    #[error(
        "token is not valid yet: {claim} is {value}, now is {now} (leeway {leeway}s); check the server clock"
    )]
    TokenNotYetValid {
        /// `nbf` or `iat`.
        claim: &'static str,
        /// The claim's value.
        value: i64,
        /// The validation time.
        now: i64,
        /// The configured leeway in seconds.
        leeway: u64,
    },

    /// `iss` is not the configured issuer.
    #[error(
        "token issuer {found:?} is not the expected issuer {expected:?}; check SCALEKIT_ENVIRONMENT_URL or the issuer option"
    )]
    TokenInvalidIssuer {
        /// The issuers that would have been accepted.
        expected: Vec<String>,
        /// The token's `iss`.
        found: String,
    },

    /// `aud` does not contain the client id nor a configured audience, or `azp` names
    /// another client.
    #[error(
        "token audience {found:?} does not include any of {expected:?}; check SCALEKIT_CLIENT_ID or the audience option"
    )]
    TokenInvalidAudience {
        /// The audiences that would have been accepted.
        expected: Vec<String>,
        /// The token's `aud` (or, for an `azp` mismatch, its `azp`).
        found: Vec<String>,
    },

    /// The ID token's `nonce` differs from the one sent with the login request.
    #[error("ID token nonce does not match the nonce of the login request")]
    TokenInvalidNonce,

    /// The token is of another type than the one expected: an ID token (it carries
    /// `nonce` or `at_hash`) or a logout token (`events`, `typ: logout+jwt`) presented
    /// as an access token. Its signature and audience do not matter.
    #[error("token is {0}, not an access token")]
    TokenWrongType(&'static str),

    /// A claim that must be present is absent.
    #[error("token has no {0:?} claim, which is required")]
    TokenMissingClaim(&'static str),

    /// A claim has the wrong JSON type or an impossible value.
    #[error("token claim {claim:?} is invalid: {reason}")]
    TokenInvalidClaim {
        /// The claim's name.
        claim: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The token is valid but lacks a scope, role or permission the caller requires.
    #[error("token lacks the required {kind} {missing:?}")]
    InsufficientScope {
        /// `scope`, `role` or `permission`.
        kind: &'static str,
        /// The required values that the token does not carry.
        missing: Vec<String>,
    },

    /// A webhook or interceptor request lacks a required header, or a header is malformed.
    #[error("webhook request is malformed: {0}")]
    WebhookMalformed(String),

    /// The webhook's timestamp is outside the ±300 s tolerance (a replay or a wrong clock).
    #[error("webhook timestamp {timestamp} is more than {tolerance}s away from now ({now})")]
    WebhookTimestampInvalid {
        /// The `webhook-timestamp` header.
        timestamp: i64,
        /// The verification time.
        now: i64,
        /// The tolerance in seconds.
        tolerance: i64,
    },

    /// No signature in the header matches the payload under the secret.
    #[error(
        "webhook signature does not match the payload; check the signing secret and that the raw body is passed unchanged"
    )]
    WebhookInvalidSignature,

    /// The request carries no session (no session cookie, no bearer token).
    #[error("not logged in: the request has no session cookie and no bearer token")]
    SessionMissing,

    /// The session cookie cannot be opened: tampered with, truncated, or sealed under a
    /// secret that is no longer configured.
    #[error("the session cookie is invalid ({0}); the user must log in again")]
    SessionInvalid(String),

    /// The session ended: absolute lifetime or idle timeout passed, or the provider
    /// refused to refresh it.
    #[error("the session has ended ({0}); the user must log in again")]
    SessionExpired(String),

    /// A request that changes the session came from another site (`Sec-Fetch-Site:
    /// cross-site`): a link or form elsewhere must not log the user out.
    #[error("refused a {0} request coming from another site")]
    CrossSiteRequest(&'static str),

    /// The callback's `state` does not match a login this browser started.
    #[error("login callback rejected: {0}")]
    StateMismatch(String),

    /// The login transaction is older than its 10-minute limit.
    #[error("the login took longer than {0} s; start again")]
    LoginExpired(i64),

    /// This callback was already completed once.
    #[error("this login callback was already used; start a new login")]
    CallbackReplayed,

    /// A single-use token (a back-channel logout token's `jti`) was presented again.
    #[error("this token was already used once (its jti was seen before)")]
    TokenReplayed,

    /// The callback's `iss` parameter (RFC 9207) names another provider.
    #[error("the login callback comes from issuer {found:?}, expected {expected:?}")]
    CallbackInvalidIssuer {
        /// The configured or discovered issuer.
        expected: String,
        /// The `iss` parameter of the callback.
        found: String,
    },

    /// The app's after-callback hook refused the login (e.g. an organization it does not
    /// serve); the text is the app's own, shown to the user.
    #[error("the app denied the login: {0}")]
    LoginDenied(String),

    /// The provider sent the user back with an OAuth error (e.g. `access_denied`).
    #[error("the provider did not authorize the login: {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    AuthorizationDenied {
        /// The OAuth `error` parameter.
        error: String,
        /// The `error_description` parameter, if any.
        description: Option<String>,
    },

    /// The provider's keys could not be fetched and no earlier copy is available (or the
    /// token needs a key that only a fresh copy could have).
    #[error("the provider's signing keys are unavailable: {0}")]
    JwksUnavailable(String),

    /// The provider answered with an OAuth error (`invalid_grant`, `invalid_client`, ...).
    #[error("the provider refused the request (HTTP {status}): {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    ProviderError {
        /// The OAuth `error` value.
        error: String,
        /// The OAuth `error_description`, if any.
        description: Option<String>,
        /// The HTTP status of the response.
        status: u16,
    },

    /// The provider answered 5xx: it is down or overloaded.
    #[error("the provider is unavailable: {url} answered HTTP {status}")]
    ProviderUnavailable {
        /// The URL that was requested (without query).
        url: String,
        /// The HTTP status.
        status: u16,
    },

    /// The provider answered with something that is not the expected JSON.
    #[error("unexpected response from {url}: {reason}")]
    ProviderInvalidResponse {
        /// The URL that was requested (without query).
        url: String,
        /// What was wrong.
        reason: String,
    },

    /// The provider did not answer within `http_timeout_seconds`.
    #[error("the provider did not answer {url} within {seconds}s (http_timeout_seconds)")]
    ProviderTimeout {
        /// The URL that was requested (without query).
        url: String,
        /// The configured timeout.
        seconds: u64,
    },

    /// The provider could not be reached (connection refused, DNS, TLS).
    #[error("cannot reach the provider at {url}: {reason}; check SCALEKIT_ENVIRONMENT_URL and the network")]
    ProviderUnreachable {
        /// The URL that was requested (without query).
        url: String,
        /// The transport error.
        reason: String,
    },

    /// The session store (Redis, `SCALEKIT_REDIS_URL`) could not be reached or did not
    /// answer within its timeout.
    #[error("the session store is unavailable: {0}")]
    StoreUnavailable(String),
}

impl Error {
    /// The HTTP status an app should answer with when this error ends a request:
    /// 401 for a token that does not authenticate, 403 for one that lacks rights,
    /// 500 for a broken configuration, 502/503/504 when the provider fails.
    pub fn http_status(&self) -> u16 {
        match self {
            // A 5xx with an OAuth body (`temporarily_unavailable`) is an outage, not a verdict.
            Error::ProviderError { .. } if self.is_provider_outage() => 503,
            _ => self.table_status(),
        }
    }

    /// Whether the provider (or the network to it) failed, rather than refusing: a 5xx,
    /// 408 or 429, a timeout, an unreachable host, an unreadable answer, or an OAuth error
    /// that says so (`temporarily_unavailable`, `server_error`, `slow_down`). A session survives these while its
    /// access token is valid; only a refusal (a 4xx grant or client error) ends it.
    pub fn is_provider_outage(&self) -> bool {
        match self {
            // 408 and 429 are the provider being slow or busy, not a verdict on the grant.
            Error::ProviderError { error, status, .. } => {
                *status >= 500
                    || matches!(*status, 408 | 429)
                    || matches!(error.as_str(), "temporarily_unavailable" | "server_error" | "slow_down")
            }
            Error::ProviderUnavailable { .. }
            | Error::ProviderTimeout { .. }
            | Error::ProviderUnreachable { .. }
            | Error::ProviderInvalidResponse { .. }
            | Error::JwksUnavailable(_) => true,
            _ => false,
        }
    }

    /// A short message for the client that made the request: it says what happened
    /// without the details meant for logs ([`Error`]'s `Display`: configured issuers
    /// and audiences, provider URLs, transport errors) and never repeats request input.
    ///
    /// ```
    /// let err = scalekit_auth::Error::TokenInvalidIssuer {
    ///     expected: vec!["https://acme.scalekit.com".into()],
    ///     found: "https://evil.example".into(),
    /// };
    /// assert_eq!(err.public_message(), "The token was issued by another issuer.");
    /// ```
    pub fn public_message(&self) -> &'static str {
        match self {
            Error::ProviderError { .. } if self.is_provider_outage() => codes::UNAVAILABLE,
            _ => self.table_message(),
        }
    }

    /// The text an error page shows the user: the app's own reason for a denied login,
    /// [`Error::public_message`] otherwise. Like it, never a detail meant for logs.
    ///
    /// ```
    /// use scalekit_auth::Error;
    /// assert_eq!(Error::LoginDenied("Use your work account.".into()).user_message(), "Use your work account.");
    /// assert_eq!(Error::TokenMissing.user_message(), "An access token is required.");
    /// ```
    pub fn user_message(&self) -> &str {
        match self {
            Error::LoginDenied(reason) if !reason.trim().is_empty() => reason,
            _ => self.public_message(),
        }
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Error::InvalidArgument(message.into())
    }

    pub(crate) fn malformed(reason: impl fmt::Display) -> Self {
        Error::TokenMalformed(reason.to_string())
    }

    pub(crate) fn invalid_claim(claim: &str, reason: impl fmt::Display) -> Self {
        Error::TokenInvalidClaim { claim: claim.to_owned(), reason: reason.to_string() }
    }
}

impl Error {
    /// A sample error with this code (see [`Error::samples`]).
    #[doc(hidden)]
    pub fn sample_for_code(code: &str) -> Option<Error> {
        Error::samples().into_iter().find(|e| e.code() == code)
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests;
