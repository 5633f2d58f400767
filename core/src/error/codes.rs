//! Each error's code, HTTP status, family and public message, written once: the table
//! below is the one place a new error's contract is stated, and [`Error::ALL_CODES`],
//! [`Error::code`], [`Error::http_status`], [`Error::family`], [`Error::public_message`]
//! and [`Error::samples`] are all derived from it.

use super::Error;

/// What kind of failure an error is. Each binding raises one exception (or error) class
/// per family, chosen from this and never from the code's spelling.
///
/// ```
/// use scalekit_auth::{Error, ErrorFamily};
/// assert_eq!(Error::TokenMissing.family(), ErrorFamily::Token);
/// assert_eq!(ErrorFamily::Token.name(), "token");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorFamily {
    /// The configuration cannot work, or a method got an argument it cannot use.
    Configuration,
    /// A token failed validation.
    Token,
    /// A token expired (a [`ErrorFamily::Token`] failure that a refresh may cure).
    TokenExpired,
    /// A valid token or session lacks a required role, permission or scope.
    InsufficientScope,
    /// A webhook or interceptor payload failed verification.
    Webhook,
    /// No valid session, a refused login callback, or a cross-site request.
    Session,
    /// The app refused a login (an after-callback hook's verdict).
    LoginDenied,
    /// The provider refused a request or could not be reached.
    Provider,
    /// The session store could not be reached in time.
    Store,
}

impl ErrorFamily {
    /// Every family, for the bindings' tests (each must have a class).
    pub const ALL: &'static [ErrorFamily] = &[
        ErrorFamily::Configuration,
        ErrorFamily::Token,
        ErrorFamily::TokenExpired,
        ErrorFamily::InsufficientScope,
        ErrorFamily::Webhook,
        ErrorFamily::Session,
        ErrorFamily::LoginDenied,
        ErrorFamily::Provider,
        ErrorFamily::Store,
    ];

    /// The family's stable snake_case name (`token_expired`, `login_denied`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ErrorFamily::Configuration => "configuration",
            ErrorFamily::Token => "token",
            ErrorFamily::TokenExpired => "token_expired",
            ErrorFamily::InsufficientScope => "insufficient_scope",
            ErrorFamily::Webhook => "webhook",
            ErrorFamily::Session => "session",
            ErrorFamily::LoginDenied => "login_denied",
            ErrorFamily::Provider => "provider",
            ErrorFamily::Store => "store",
        }
    }
}

/// One row per variant: its name, code, HTTP status, family, public message and a
/// sample value (for the bindings' tests). A variant missing here is a compile error
/// (the derived `match`es are exhaustive).
macro_rules! error_table {
    ($(
        $variant:ident => $code:literal, $status:literal, $family:ident, $message:expr,
            sample $sample:expr;
    )*) => {
        impl Error {
            /// Every code [`Error::code`] can return, in the table's order, for the
            /// cross-language consistency tests.
            pub const ALL_CODES: &'static [&'static str] = &[$($code),*];

            /// The stable snake_case code of this error.
            pub fn code(&self) -> &'static str {
                match self { $(Error::$variant { .. } => $code,)* }
            }

            /// The family of this error: which exception class the bindings raise.
            pub fn family(&self) -> ErrorFamily {
                match self { $(Error::$variant { .. } => ErrorFamily::$family,)* }
            }

            /// The status of the table, before the provider-outage rule.
            pub(super) fn table_status(&self) -> u16 {
                match self { $(Error::$variant { .. } => $status,)* }
            }

            /// The public message of the table, before the provider-outage rule.
            pub(super) fn table_message(&self) -> &'static str {
                match self { $(Error::$variant { .. } => $message,)* }
            }

            /// The family of the error with this code (`None` for no code of this
            /// crate): for errors the bindings know only by their code.
            ///
            /// ```
            /// use scalekit_auth::{Error, ErrorFamily};
            /// assert_eq!(Error::family_of_code("store_unavailable"), Some(ErrorFamily::Store));
            /// assert_eq!(Error::family_of_code("no_such_code"), None);
            /// ```
            pub fn family_of_code(code: &str) -> Option<ErrorFamily> {
                match code {
                    $($code => Some(ErrorFamily::$family),)*
                    _ => None,
                }
            }

            /// One instance of every variant, in the order of [`Error::ALL_CODES`]; for
            /// tests of the bindings' error mapping.
            #[doc(hidden)]
            pub fn samples() -> Vec<Error> {
                vec![$($sample),*]
            }
        }
    };
}

pub(super) const UNAVAILABLE: &str = "The identity provider is unavailable; please try again.";

error_table! {
    InvalidConfig => "invalid_config", 500, Configuration,
        "The server's authentication is misconfigured.", sample Error::InvalidConfig(String::new());
    InvalidArgument => "invalid_argument", 400, Configuration,
        "The request is invalid.", sample Error::InvalidArgument(String::new());
    TokenTooLarge => "token_too_large", 401, Token,
        "The token is too large.", sample Error::TokenTooLarge { size: 0, max: 0 };
    TokenMalformed => "token_malformed", 401, Token,
        "The token is malformed.", sample Error::TokenMalformed(String::new());
    TokenMissing => "token_missing", 401, Token,
        "An access token is required.", sample Error::TokenMissing;
    TokenUnsupportedAlgorithm => "token_unsupported_algorithm", 401, Token,
        "The token's algorithm is not accepted.", sample Error::TokenUnsupportedAlgorithm(String::new());
    TokenKeyNotFound => "token_key_not_found", 401, Token,
        "The token was signed with an unknown key.", sample Error::TokenKeyNotFound { kid: None, alg: String::new() };
    TokenSignatureInvalid => "token_signature_invalid", 401, Token,
        "The token's signature is invalid.", sample Error::TokenSignatureInvalid;
    TokenExpired => "token_expired", 401, TokenExpired,
        "The token has expired.", sample Error::TokenExpired { exp: 0, now: 0, leeway: 0 };
    TokenNotYetValid => "token_not_yet_valid", 401, Token,
        "The token is not valid yet.", sample Error::TokenNotYetValid { claim: "nbf", value: 0, now: 0, leeway: 0 };
    TokenInvalidIssuer => "token_invalid_issuer", 401, Token,
        "The token was issued by another issuer.",
        sample Error::TokenInvalidIssuer { expected: vec![], found: String::new() };
    TokenInvalidAudience => "token_invalid_audience", 401, Token,
        "The token was issued for another audience.",
        sample Error::TokenInvalidAudience { expected: vec![], found: vec![] };
    TokenInvalidNonce => "token_invalid_nonce", 401, Token,
        "The ID token does not belong to this login.", sample Error::TokenInvalidNonce;
    TokenWrongType => "token_wrong_type", 401, Token,
        "The token is not an access token.", sample Error::TokenWrongType("an ID token");
    TokenMissingClaim => "token_missing_claim", 401, Token,
        "The token lacks a required claim.", sample Error::TokenMissingClaim("sub");
    TokenInvalidClaim => "token_invalid_claim", 401, Token,
        "The token has an invalid claim.",
        sample Error::TokenInvalidClaim { claim: String::new(), reason: String::new() };
    TokenReplayed => "token_replayed", 401, Token,
        "The token was already used.", sample Error::TokenReplayed;
    InsufficientScope => "insufficient_scope", 403, InsufficientScope,
        "You lack a role, permission or scope this requires.",
        sample Error::InsufficientScope { kind: "scope", missing: vec![] };
    WebhookMalformed => "webhook_malformed", 400, Webhook,
        "The webhook request is malformed.", sample Error::WebhookMalformed(String::new());
    WebhookTimestampInvalid => "webhook_timestamp_invalid", 400, Webhook,
        "The webhook timestamp is out of range.",
        sample Error::WebhookTimestampInvalid { timestamp: 0, now: 0, tolerance: 0 };
    WebhookInvalidSignature => "webhook_invalid_signature", 400, Webhook,
        "The webhook signature is invalid.", sample Error::WebhookInvalidSignature;
    SessionMissing => "session_missing", 401, Session,
        "You are not signed in.", sample Error::SessionMissing;
    SessionInvalid => "session_invalid", 401, Session,
        "Your session is invalid; please sign in again.", sample Error::SessionInvalid(String::new());
    SessionExpired => "session_expired", 401, Session,
        "Your session has ended; please sign in again.", sample Error::SessionExpired(String::new());
    CrossSiteRequest => "cross_site_request", 403, Session,
        "This request came from another site and was refused.", sample Error::CrossSiteRequest("logout");
    StateMismatch => "state_mismatch", 400, Session,
        "This sign-in could not be matched to one started in this browser.",
        sample Error::StateMismatch(String::new());
    LoginExpired => "login_expired", 400, Session,
        "The sign-in took too long.", sample Error::LoginExpired(0);
    CallbackReplayed => "callback_replayed", 400, Session,
        "This sign-in link was already used.", sample Error::CallbackReplayed;
    CallbackInvalidIssuer => "callback_invalid_issuer", 400, Session,
        "The sign-in came back from an unexpected provider.",
        sample Error::CallbackInvalidIssuer { expected: String::new(), found: String::new() };
    AuthorizationDenied => "authorization_denied", 401, Session,
        "The sign-in was cancelled or refused.",
        sample Error::AuthorizationDenied { error: String::new(), description: None };
    LoginDenied => "login_denied", 403, LoginDenied,
        "This sign-in is not allowed.", sample Error::LoginDenied(String::new());
    JwksUnavailable => "jwks_unavailable", 503, Provider,
        UNAVAILABLE, sample Error::JwksUnavailable(String::new());
    // An OAuth error on a code or refresh token means the user must log in again; an
    // outage with an OAuth body (`temporarily_unavailable`) is 503 (see `http_status`).
    ProviderError => "provider_error", 401, Provider,
        "The identity provider refused the request.",
        sample Error::ProviderError { error: String::new(), description: None, status: 0 };
    ProviderUnavailable => "provider_unavailable", 503, Provider,
        UNAVAILABLE, sample Error::ProviderUnavailable { url: String::new(), status: 0 };
    ProviderInvalidResponse => "provider_invalid_response", 502, Provider,
        "The identity provider sent an unexpected answer.",
        sample Error::ProviderInvalidResponse { url: String::new(), reason: String::new() };
    ProviderTimeout => "provider_timeout", 504, Provider,
        "The identity provider did not answer in time.", sample Error::ProviderTimeout { url: String::new(), seconds: 0 };
    ProviderUnreachable => "provider_unreachable", 502, Provider,
        UNAVAILABLE, sample Error::ProviderUnreachable { url: String::new(), reason: String::new() };
    StoreUnavailable => "store_unavailable", 503, Store,
        "The session store is unavailable; please try again.", sample Error::StoreUnavailable(String::new());
}
