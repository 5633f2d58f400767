//! Authentication for web apps on the Scalekit identity platform.
//!
//! [`ScalekitAuth`] validates access and ID tokens against the provider's published
//! keys, with every check on by default (signature, issuer, audience, expiry), and
//! returns typed [`Claims`] or an [`Error`] with a stable [`Error::code`]. It also runs
//! every protocol flow: login URLs with PKCE ([`ScalekitAuth::create_login`]), code
//! exchange, refresh, logout URLs, client credentials, webhook verification and
//! IdP-initiated login.
//!
//! [`SessionEngine`] gives web apps sessions: sealed cookies, login transactions,
//! transparent refresh and logout, decided from a request's cookies and headers so that
//! every framework adapter (axum, FastAPI, Express) is only a translation. The
//! `testing` feature adds a token signer and a local provider for apps' own tests.
//!
//! # I/O boundary
//! Network calls happen only inside the async methods of [`ScalekitAuth`] (discovery,
//! key fetches, the token endpoint), through one `reqwest` client with the configured
//! timeout; URL builders and webhook verification are synchronous and make none. Building a
//! client makes no call. The session engine does no I/O of its own beyond those calls.
//! Time is read from the configured [`Clock`].
//!
//! ```no_run
//! # async fn run() -> Result<(), scalekit_auth::Error> {
//! let auth = scalekit_auth::ScalekitAuth::from_env()?;
//! let claims = auth.validate_access_token("eyJ...").await?;
//! println!("{} in organization {:?}", claims.sub, claims.oid);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod algorithm;
mod authorize;
mod client;
mod clock;
mod config;
mod decision;
mod discovery;
mod error;
mod exchange;
mod flows;
mod http;
mod idp;
mod jwks;
mod log_lines;
mod logout_token;
mod m2m;
mod options;
mod query;
mod request;
mod resource_server;
mod secret;
mod session;
mod singleflight;
mod store;
mod token;
mod webhook;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;

/// The crate README's examples compile as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use algorithm::Algorithm;
pub use authorize::{AuthorizationUrlOptions, DEFAULT_SCOPES, LoginRequest, pkce_challenge, random_token};
pub use client::ScalekitAuth;
pub use clock::{Clock, SharedClock, SystemClock};
pub use config::{Config, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_ENVIRONMENT_URL, is_loopback};
pub use discovery::{DISCOVERY_PATH, ProviderMetadata};
pub use error::{Error, ErrorFamily, Result};
pub use exchange::{AuthResult, User};
pub use flows::{AuthenticateOptions, LogoutUrlOptions};
pub use idp::IdpInitiatedLoginClaims;
pub use jwks::cache::JwksStatus;
pub use jwks::{JwkSet, SkippedKey};
pub use log_lines::EventLines;
pub use logout_token::{BACKCHANNEL_LOGOUT_EVENT, LogoutTokenClaims};
pub use m2m::ClientToken;
pub use options::{CLIENT_OPTIONS, URL_OPTIONS};
pub use resource_server::{
    ENV_RESOURCE_ID, ENV_RESOURCE_URL, PREFLIGHT_HEADERS, RESOURCE_METADATA_PATH, ResourceServer,
    ResourceServerConfig, ToolScopes,
};
pub use secret::ClientSecret;
pub use session::{
    Action, AuthOutcome, CallbackOutcome, CookieSameSite, Decision, ENV_POST_LOGOUT_REDIRECT_URI,
    ENV_REDIRECT_URI, ENV_REDIS_URL, ENV_SCOPES, ENV_SERVER_SIDE_SESSIONS, ENV_SESSION_SECRET, Identity,
    IdentitySource, LOGIN_TIMEOUT_SECONDS, LoginParams, LoginStart, LoginVerdict, LogoutOutcome,
    MAX_APP_DATA_BYTES, MAX_APP_DATA_DEPTH, MAX_PENDING_LOGINS, MAX_SESSIONS_PER_USER, MIN_SECRET_BYTES,
    PendingLogin, REQUEST_HEADERS, RequestInfo, Requirements, SESSION_OPTIONS, SessionConfig, SessionEngine,
    check as check_requirements, error_body, safe_return_to,
};
pub use token::claims::Claims;
pub use webhook::{WEBHOOK_TOLERANCE_SECONDS, WebhookKind, sign_webhook, verify_payload_at};
