//! What the engine answers: identities, login starts, callback and logout outcomes.

use crate::decision::Identity;
use crate::error::{Error, Result};
use crate::exchange::{AuthResult, User};
use crate::session::cookies::RequestCookies;
use crate::session::redact::{cookie_names, url_without_query};

/// The outcome of [`SessionEngine::authenticate`]: the identity or why there is none,
/// and the `Set-Cookie` values to send in either case (a refreshed session, or the
/// clearing of a dead one).
#[non_exhaustive]
pub struct AuthOutcome {
    /// The identity, or the error that denies it.
    pub result: Result<Identity>,
    /// `Set-Cookie` header values to add to the response.
    pub set_cookies: Vec<String>,
}

impl std::fmt::Debug for AuthOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthOutcome")
            .field("result", &self.result)
            .field("set_cookies", &cookie_names(&self.set_cookies))
            .finish()
    }
}

/// The parameters of a login request (the query of the app's login route).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LoginParams {
    /// Where to go after login (kept only if it is a same-site path).
    pub return_to: Option<String>,
    /// Open the sign-up form (`prompt=create`).
    pub signup: bool,
    /// `login`, `select_account`, ... passed to the provider.
    pub prompt: Option<String>,
    /// Route to an organization's identity provider.
    pub organization_id: Option<String>,
    /// Route to a specific connection.
    pub connection_id: Option<String>,
    /// Prefill the email.
    pub login_hint: Option<String>,
    /// Route by email domain.
    pub domain_hint: Option<String>,
    /// Social provider.
    pub provider: Option<String>,
    /// The token of an IdP-initiated login.
    pub idp_initiated_login: Option<String>,
    /// Ask the provider to authenticate again when its login is older than this many
    /// seconds (OpenID `max_age`; the callback checks the new ID token's `auth_time`).
    pub max_age: Option<u64>,
    /// Authentication context classes to ask for (OpenID `acr_values`).
    pub acr_values: Option<String>,
}

impl std::fmt::Debug for LoginParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginParams")
            .field("return_to", &self.return_to)
            .field("signup", &self.signup)
            .field("prompt", &self.prompt)
            .field("organization_id", &self.organization_id)
            .field("connection_id", &self.connection_id)
            .field("login_hint", &self.login_hint)
            .field("domain_hint", &self.domain_hint)
            .field("provider", &self.provider)
            .field("idp_initiated_login", &self.idp_initiated_login.as_ref().map(|_| "[redacted]"))
            .field("max_age", &self.max_age)
            .field("acr_values", &self.acr_values)
            .finish()
    }
}

impl LoginParams {
    /// Reads the parameters from a login route's query string.
    ///
    /// ```
    /// let p = scalekit_auth::LoginParams::from_query("return_to=%2Freports&organization_id=org_1", false);
    /// assert_eq!(p.return_to.as_deref(), Some("/reports"));
    /// assert_eq!(p.organization_id.as_deref(), Some("org_1"));
    /// let fresh = scalekit_auth::LoginParams::from_query("max_age=300&acr_values=urn%3Amfa", false);
    /// assert_eq!((fresh.max_age, fresh.acr_values.as_deref()), (Some(300), Some("urn:mfa")));
    /// // Not a whole number of seconds: ignored (and logged), never read as another value.
    /// assert_eq!(scalekit_auth::LoginParams::from_query("max_age=-1", false).max_age, None);
    /// assert_eq!(scalekit_auth::LoginParams::from_query("max_age=1e3", false).max_age, None);
    /// ```
    pub fn from_query(query: &str, signup: bool) -> Self {
        let mut params = LoginParams { signup, ..Default::default() };
        for (key, value) in url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            let value = Some(value.into_owned()).filter(|v| !v.is_empty());
            match key.as_ref() {
                "return_to" => params.return_to = value,
                "prompt" => params.prompt = value,
                "organization_id" => params.organization_id = value,
                "connection_id" => params.connection_id = value,
                "login_hint" => params.login_hint = value,
                "domain_hint" => params.domain_hint = value,
                "provider" => params.provider = value,
                "idp_initiated_login" => params.idp_initiated_login = value,
                "max_age" => {
                    params.max_age = value.as_deref().and_then(|v| match v.trim().parse::<u32>() {
                        Ok(seconds) => Some(u64::from(seconds)),
                        Err(_) => {
                            tracing::warn!(max_age = ?v, "the login route's max_age is no whole number of seconds; ignored");
                            None
                        }
                    })
                }
                "acr_values" => params.acr_values = value,
                _ => {}
            }
        }
        params
    }
}

/// Where to send the browser to log in, and the login-transaction cookie to set.
#[derive(Clone)]
#[non_exhaustive]
pub struct LoginStart {
    /// The provider's authorization URL.
    pub redirect_url: String,
    /// `Set-Cookie` values (the login transaction, and the clearing of older ones past
    /// the limit of [`MAX_PENDING_LOGINS`]).
    pub set_cookies: Vec<String>,
}

impl std::fmt::Debug for LoginStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginStart")
            .field("redirect_url", &url_without_query(&self.redirect_url))
            .field("set_cookies", &cookie_names(&self.set_cookies))
            .finish()
    }
}

/// The outcome of a callback: the user (or why the login failed), where to go next and
/// the cookies to set (the session, and the clearing of the login transaction).
#[non_exhaustive]
pub struct CallbackOutcome {
    /// The logged-in user, or the error that ended the login.
    pub result: Result<User>,
    /// The return-to path of the login (`/` when unknown).
    pub redirect_to: String,
    /// `Set-Cookie` values.
    pub set_cookies: Vec<String>,
}

impl std::fmt::Debug for CallbackOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackOutcome")
            .field("result", &self.result)
            .field("redirect_to", &self.redirect_to)
            .field("set_cookies", &cookie_names(&self.set_cookies))
            .finish()
    }
}

/// A login whose code was exchanged and tokens validated, waiting for the app's verdict
/// before its session opens ([`SessionEngine::begin_callback`]).
#[non_exhaustive]
pub struct PendingLogin {
    /// The validated tokens and user, or why the login already failed.
    pub result: Result<AuthResult>,
    pub(super) redirect_to: String,
    pub(super) set_cookies: Vec<String>,
    pub(super) cookies: RequestCookies,
}

impl PendingLogin {
    /// Where the login was headed (its safe return-to path), for an app that answers the
    /// callback itself ([`LoginVerdict::WithoutSession`]).
    pub fn return_to(&self) -> &str {
        &self.redirect_to
    }
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLogin")
            .field("result", &self.result.as_ref().map(|r| &r.user))
            .field("redirect_to", &self.redirect_to)
            .finish_non_exhaustive()
    }
}

/// What the app decides about a login ([`SessionEngine::finish_callback`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LoginVerdict {
    /// Open the session.
    Allow,
    /// Open the session, keeping this JSON in it ([`Identity::app_data`] on every request;
    /// at most [`MAX_APP_DATA_BYTES`]).
    AllowWith(serde_json::Value),
    /// Refuse the login (`login_denied`, 403); the reason is shown to the user.
    Deny(String),
    /// Accept the login without a session of the engine's: the app, which keeps its own
    /// sessions and uses Scalekit for enterprise sign-in only (Modular SSO), creates one
    /// from the verified user. The login transaction is cleared, no session cookie set.
    WithoutSession,
}

impl LoginVerdict {
    /// The verdict of an after-callback hook's answer, as every binding reads it: a
    /// denial (its reason) wins; then an app that keeps its own sessions
    /// (`open_session` false); then app data to keep (JSON `null` keeps none).
    ///
    /// ```
    /// use scalekit_auth::LoginVerdict;
    /// assert_eq!(LoginVerdict::from_hook(None, None, true), LoginVerdict::Allow);
    /// assert_eq!(LoginVerdict::from_hook(None, Some(serde_json::Value::Null), true), LoginVerdict::Allow);
    /// let plan = serde_json::json!({"plan": "pro"});
    /// assert_eq!(LoginVerdict::from_hook(None, Some(plan.clone()), true), LoginVerdict::AllowWith(plan));
    /// assert_eq!(LoginVerdict::from_hook(None, None, false), LoginVerdict::WithoutSession);
    /// assert_eq!(LoginVerdict::from_hook(Some("No.".into()), None, false), LoginVerdict::Deny("No.".into()));
    /// ```
    pub fn from_hook(deny: Option<String>, app_data: Option<serde_json::Value>, open_session: bool) -> Self {
        match (deny, app_data.filter(|d| !d.is_null())) {
            (Some(reason), _) => LoginVerdict::Deny(reason),
            (None, _) if !open_session => LoginVerdict::WithoutSession,
            (None, Some(data)) => LoginVerdict::AllowWith(data),
            (None, None) => LoginVerdict::Allow,
        }
    }
}

/// Where to send the browser to finish logging out, and the cookies that end the session.
#[derive(Clone)]
#[non_exhaustive]
pub struct LogoutOutcome {
    /// The provider's logout URL (with `id_token_hint`, `post_logout_redirect_uri`, `state`).
    pub redirect_url: String,
    /// `Set-Cookie` values that clear every session cookie.
    pub set_cookies: Vec<String>,
    /// The store failed while ending the session (a server-side record not deleted, or a
    /// logged-out mark not written): the browser's cookies are cleared all the same, and
    /// a server-side record expires with its idle timeout.
    pub store_error: Option<Error>,
}

impl std::fmt::Debug for LogoutOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL carries the ID token as `id_token_hint`.
        f.debug_struct("LogoutOutcome")
            .field("redirect_url", &url_without_query(&self.redirect_url))
            .field("set_cookies", &cookie_names(&self.set_cookies))
            .field("store_error", &self.store_error.as_ref().map(Error::code))
            .finish()
    }
}
