//! What a framework adapter does with a request, decided once in the core for every
//! framework: continue with an identity, redirect, or answer with an error page or JSON.
//! The session engine, the bearer-token path and the resource server all answer with a
//! [`Decision`]; the adapter only reads the request into [`crate::RequestInfo`] and writes
//! the decision out.

use serde::Serialize;
use serde_json::json;

use crate::error::Error;
use crate::exchange::User;
use crate::session::redact::cookie_names;
use crate::session::redact::url_without_query;
use crate::token::claims::Claims;

/// Who made a request, once authenticated.
#[derive(Clone, Serialize)]
#[non_exhaustive]
pub struct Identity {
    /// The user (from the ID token of the login, or from a bearer token's claims).
    pub user: User,
    /// The validated access-token claims (roles, permissions, scopes, organization).
    pub claims: Claims,
    /// Whether the request came with a session cookie or a bearer token.
    pub source: IdentitySource,
    /// What the app's after-callback hook kept in the session at login (`None` for a
    /// bearer token, or when the hook kept nothing).
    pub app_data: Option<serde_json::Value>,
    #[serde(skip)]
    pub(crate) access_token: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The access token is a bearer credential: never in logs.
        f.debug_struct("Identity")
            .field("user", &self.user)
            .field("claims", &self.claims)
            .field("source", &self.source)
            .field("app_data", &self.app_data.as_ref().map(|_| "[app data]"))
            .finish_non_exhaustive()
    }
}

impl Identity {
    pub(crate) fn new(user: User, claims: Claims, source: IdentitySource, access_token: String) -> Self {
        Identity { user, claims, source, app_data: None, access_token }
    }

    /// The access token, to call APIs on the user's behalf.
    pub fn access_token(&self) -> &str {
        &self.access_token
    }
}

/// How a request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentitySource {
    /// The sealed session cookie.
    Session,
    /// An `Authorization: Bearer` header.
    Bearer,
}

/// What the adapter must do.
#[non_exhaustive]
pub enum Action {
    /// Run the route with this identity (`None` on optional-auth routes without a user).
    Continue(Option<Box<Identity>>),
    /// Answer 302 with this `Location`.
    Redirect(String),
    /// Answer with this status, content type and body (an error page for browsers,
    /// JSON `{"error": code, "message": text}` for API callers).
    Respond {
        /// HTTP status.
        status: u16,
        /// `Content-Type` of the body.
        content_type: &'static str,
        /// The body.
        body: String,
    },
}

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Continue(identity) => f.debug_tuple("Continue").field(identity).finish(),
            // A logout URL carries the ID token, a login URL the state: no query in logs.
            Action::Redirect(location) => {
                f.debug_tuple("Redirect").field(&url_without_query(location)).finish()
            }
            Action::Respond { status, content_type, .. } => f
                .debug_struct("Respond")
                .field("status", status)
                .field("content_type", content_type)
                .finish_non_exhaustive(),
        }
    }
}

/// An [`Action`] and the `Set-Cookie` values to send with the response, whatever it is.
#[non_exhaustive]
pub struct Decision {
    /// What to do.
    pub action: Action,
    /// `Set-Cookie` header values.
    pub set_cookies: Vec<String>,
    /// The error behind a refusal, with the details meant for logs (its `Display`); the
    /// response itself only carries its code and a short message.
    pub error: Option<Error>,
    /// For a failed login: the app path that starts it again (returning where the
    /// user was headed), for an error page of the app's own.
    pub retry_path: Option<String>,
    /// The `WWW-Authenticate` challenge of a bearer-only refusal (RFC 6750 §3).
    pub(crate) challenge: Option<String>,
}

impl std::fmt::Debug for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decision")
            .field("action", &self.action)
            .field("set_cookies", &cookie_names(&self.set_cookies))
            .field("error", &self.error.as_ref().map(Error::code))
            .finish()
    }
}

impl Decision {
    pub(crate) fn new(action: Action, set_cookies: Vec<String>) -> Self {
        Decision { action, set_cookies, error: None, retry_path: None, challenge: None }
    }

    /// Whether this answer refuses the request for an error (status 400 or more): the
    /// answers an app may replace with an error page of its own. Not a redirect to log in,
    /// nor the page that confirms a logout started on another site.
    ///
    /// ```
    /// fn answer(decision: &scalekit_auth::Decision) -> &'static str {
    ///     if decision.is_refusal() { "the app's own error page" } else { "the engine's answer" }
    /// }
    /// ```
    pub fn is_refusal(&self) -> bool {
        self.error.is_some() && matches!(self.action, Action::Respond { .. }) && self.status() >= 400
    }

    /// The status of the answer: 200 to continue, 302 for a redirect.
    pub fn status(&self) -> u16 {
        match &self.action {
            Action::Continue(_) => 200,
            Action::Redirect(_) => 302,
            Action::Respond { status, .. } => *status,
        }
    }

    /// Every header of an answer the engine writes (a redirect or a response), besides
    /// `Set-Cookie`: `Location` or `Content-Type`, `Cache-Control: no-store` (these
    /// answers are per user) and `X-Content-Type-Options: nosniff`. Empty to continue.
    /// HTML pages also get a `Content-Security-Policy` that allows no script, style or
    /// framing.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let first = match &self.action {
            Action::Continue(_) => return Vec::new(),
            Action::Redirect(location) => ("location", location.clone()),
            Action::Respond { content_type, .. } => ("content-type", (*content_type).to_owned()),
        };
        let mut headers =
            vec![first, ("cache-control", "no-store".into()), ("x-content-type-options", "nosniff".into())];
        if matches!(self.action, Action::Respond { content_type: HTML, .. }) {
            // No form-action: the logout form's answer redirects to the provider, and
            // browsers apply form-action to that redirect too.
            headers.push(("content-security-policy", PAGE_POLICY.into()));
        }
        if let Some(challenge) = &self.challenge {
            headers.push(("www-authenticate", challenge.clone()));
        }
        headers
    }
}

/// Roles, permissions and scopes a route requires (all of each list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    /// Required roles.
    pub roles: Vec<String>,
    /// Required permissions.
    pub permissions: Vec<String>,
    /// Required scopes.
    pub scopes: Vec<String>,
}

/// The JSON body of an error answer: the stable code and the short public message,
/// never the details of [`Error`]'s `Display` (those are for logs).
pub fn error_body(err: &Error) -> String {
    json!({"error": err.code(), "message": err.public_message()}).to_string()
}

/// The content type of JSON answers.
pub(crate) const JSON: &str = "application/json";
/// The content type of HTML pages.
pub(crate) const HTML: &str = "text/html; charset=utf-8";
/// The policy of the engine's HTML pages: nothing but their own markup and form.
pub(crate) const PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Checks an identity against a route's requirements (403 `insufficient_scope`).
pub fn check(identity: &Identity, requirements: &Requirements) -> Result<(), Error> {
    identity.claims.require_roles(&requirements.roles)?;
    identity.claims.require_permissions(&requirements.permissions)?;
    identity.claims.require_scopes(&requirements.scopes)
}
