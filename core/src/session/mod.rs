//! The session engine: sealed session cookies, login transactions, refresh and logout,
//! computed from a request's cookies and headers without doing any I/O of its own
//! beyond calls to the provider through [`crate::ScalekitAuth`].
//!
//! Framework adapters read a request into [`RequestInfo`] (`crate::request`), call one of
//! [`SessionEngine::require_auth`], [`SessionEngine::optional_auth`],
//! [`SessionEngine::handle_login`], [`SessionEngine::handle_callback`] or
//! [`SessionEngine::handle_logout`], and write the returned [`Decision`] (`crate::decision`,
//! shared with the bearer-token and resource-server paths) out.

mod bearer;
mod config;
pub(crate) mod cookies;
pub(crate) mod data;
mod engine;
mod keys;
mod options;
pub(crate) mod pages;
pub(crate) mod records;
pub(crate) mod redact;
mod refresh;
pub(crate) mod return_to;
mod seal;

pub use crate::decision::{Action, Decision, Identity, IdentitySource, Requirements, check, error_body};
pub use crate::request::{REQUEST_HEADERS, RequestInfo};
#[cfg(feature = "axum")]
pub(crate) use config::serves_path;
pub use config::{
    ENV_POST_LOGOUT_REDIRECT_URI, ENV_REDIRECT_URI, ENV_REDIS_URL, ENV_SCOPES, ENV_SERVER_SIDE_SESSIONS,
    ENV_SESSION_SECRET, MIN_SECRET_BYTES, SessionConfig,
};
pub use cookies::CookieSameSite;
pub use engine::{
    AuthOutcome, CallbackOutcome, LOGIN_TIMEOUT_SECONDS, LoginParams, LoginStart, LoginVerdict,
    LogoutOutcome, MAX_APP_DATA_BYTES, MAX_APP_DATA_DEPTH, MAX_PENDING_LOGINS, PendingLogin, SessionEngine,
};
pub use options::SESSION_OPTIONS;
pub use records::MAX_SESSIONS_PER_USER;
pub use return_to::safe_return_to;
