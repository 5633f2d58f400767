//! What a framework adapter does with a request, decided once here for every framework:
//! continue with an identity, redirect, or answer with an error page or JSON. The adapter
//! only reads the request into [`RequestInfo`] and writes the [`Decision`] out.

use serde_json::json;

use super::cookies::CookieSameSite;
use super::engine::{Access, Identity, LoginParams, LoginVerdict, PendingLogin, SessionEngine};
use super::pages;
use super::redact::{cookie_names, url_without_query};
use super::return_to::safe_return_to;
use crate::error::Error;
use crate::query::build_url;

/// The parts of a request the engine reads.
///
/// ```
/// use scalekit_auth::RequestInfo;
/// let headers = [("accept", "text/html"), ("sec-fetch-mode", "navigate"), ("sec-fetch-site", "none")];
/// let info = RequestInfo::from_headers("GET", "/dashboard", |name| {
///     headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
/// });
/// assert!(info.is_navigation());
/// assert!(info.is_same_site_or_typed());
/// ```
#[derive(Clone, Copy, Default)]
pub struct RequestInfo<'a> {
    /// The HTTP method (`GET` when empty).
    pub method: &'a str,
    /// Path and query of the request (`/dashboard?tab=1`), for the return-to.
    pub path_and_query: &'a str,
    /// The `Cookie` header.
    pub cookie: Option<&'a str>,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `Accept` header.
    pub accept: Option<&'a str>,
    /// The `Sec-Fetch-Mode` header (`navigate` for a page load).
    pub sec_fetch_mode: Option<&'a str>,
    /// The `Sec-Fetch-Site` header (`same-origin`, `same-site`, `cross-site`, `none`).
    pub sec_fetch_site: Option<&'a str>,
    /// The `Sec-Purpose` header, or the older `Purpose` (`prefetch`,
    /// `prefetch;prerender`): a browser fetching a page ahead of a navigation.
    pub purpose: Option<&'a str>,
}

impl std::fmt::Debug for RequestInfo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The cookie holds the sealed session and the header a bearer token.
        f.debug_struct("RequestInfo")
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field("cookie", &self.cookie.map(|_| "[redacted]"))
            .field("authorization", &self.authorization.map(|_| "[redacted]"))
            .field("accept", &self.accept)
            .field("sec_fetch_mode", &self.sec_fetch_mode)
            .field("sec_fetch_site", &self.sec_fetch_site)
            .field("purpose", &self.purpose)
            .finish()
    }
}

/// The request headers the engine reads, lower-case.
pub const REQUEST_HEADERS: &[&str] =
    &["cookie", "authorization", "accept", "sec-fetch-mode", "sec-fetch-site", "sec-purpose", "purpose"];

impl<'a> RequestInfo<'a> {
    /// A request with no headers.
    pub fn new(method: &'a str, path_and_query: &'a str) -> Self {
        RequestInfo { method, path_and_query, ..Default::default() }
    }

    /// Reads every header the engine uses through `header`, called with each lower-case
    /// name of [`REQUEST_HEADERS`]: adapters need not know which ones matter.
    pub fn from_headers(
        method: &'a str,
        path_and_query: &'a str,
        header: impl Fn(&str) -> Option<&'a str>,
    ) -> Self {
        RequestInfo {
            method,
            path_and_query,
            cookie: header("cookie"),
            authorization: header("authorization"),
            accept: header("accept"),
            sec_fetch_mode: header("sec-fetch-mode"),
            sec_fetch_site: header("sec-fetch-site"),
            purpose: header("sec-purpose").or_else(|| header("purpose")),
        }
    }

    /// Sets the `Cookie` header.
    pub fn cookie(mut self, cookie: Option<&'a str>) -> Self {
        self.cookie = cookie;
        self
    }

    /// Whether a person's browser is loading a page, the only kind of request that is
    /// sent to log in: `Sec-Fetch-Mode: navigate`, or, from a browser without Fetch
    /// Metadata, an `Accept` that names `text/html`. `fetch()` sends `Accept: */*`, and a
    /// bearer token marks an API client.
    pub fn is_navigation(&self) -> bool {
        if self.authorization.is_some_and(|a| a.trim_start().to_ascii_lowercase().starts_with("bearer")) {
            return false;
        }
        match self.sec_fetch_mode {
            Some(mode) => mode.trim().eq_ignore_ascii_case("navigate"),
            None => self.accept.is_some_and(|a| a.to_ascii_lowercase().contains("text/html")),
        }
    }

    /// Whether the request came from this site itself or was typed in the address bar
    /// (`Sec-Fetch-Site` `same-origin` or `none`); a browser that sends no Fetch Metadata
    /// cannot tell, and counts as such.
    pub fn is_same_site_or_typed(&self) -> bool {
        match self.sec_fetch_site.map(str::trim) {
            None => true,
            Some(site) => site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none"),
        }
    }

    /// Whether the browser is fetching the page ahead of time (a prefetch or prerender):
    /// such a request never starts a login, since the person may never go there.
    ///
    /// ```
    /// let info = scalekit_auth::RequestInfo { purpose: Some("prefetch;prerender"), ..Default::default() };
    /// assert!(info.is_prefetch());
    /// ```
    pub fn is_prefetch(&self) -> bool {
        self.purpose.is_some_and(|p| p.to_ascii_lowercase().contains("prefetch"))
    }

    fn query(&self) -> &str {
        self.path_and_query.split_once('?').map_or("", |(_, q)| q)
    }

    fn path(&self) -> &str {
        self.path_and_query.split(['?', '#']).next().unwrap_or("/")
    }
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
const HTML: &str = "text/html; charset=utf-8";
/// The policy of the engine's HTML pages: nothing but their own markup and form.
const PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

impl SessionEngine {
    /// An error answer: an HTML page for a browser loading a page (with a link to sign
    /// in again when `retry` is given), JSON for everyone else.
    fn refuse(
        &self,
        err: Error,
        request: &RequestInfo<'_>,
        retry: Option<String>,
        set_cookies: Vec<String>,
    ) -> Decision {
        let status = err.http_status();
        let action = if request.is_navigation() {
            Action::Respond { status, content_type: HTML, body: pages::error_page(&err, retry.as_deref()) }
        } else {
            Action::Respond { status, content_type: JSON, body: error_body(&err) }
        };
        Decision { action, set_cookies, error: Some(err), retry_path: retry, challenge: None }
    }

    /// The answer to a prefetch that would have started a login: 401 JSON, with
    /// `Cache-Control: no-store` and no cookie (not even the clearing of a dead session),
    /// so nothing is kept or started for a page the person may never open.
    fn refuse_prefetch(&self, err: Error) -> Decision {
        let action = Action::Respond { status: 401, content_type: JSON, body: error_body(&err) };
        Decision { action, set_cookies: Vec::new(), error: Some(err), retry_path: None, challenge: None }
    }

    fn login_link(&self, return_to: &str) -> String {
        build_url(&self.config.login_path, [("return_to", Some(return_to))])
    }

    /// For a protected route: continue with the identity; otherwise a browser loading a
    /// page is sent to log in (returning here afterwards) and every other caller gets
    /// 401 JSON. Routes with `requirements` answer 403 when the identity lacks them.
    pub async fn require_auth(&self, request: &RequestInfo<'_>, requirements: &Requirements) -> Decision {
        self.decide(request, Some(requirements), Access::ReadWrite).await
    }

    /// For a route that works with or without a user: continue either way (a bearer
    /// token that fails validation still answers 401).
    pub async fn optional_auth(&self, request: &RequestInfo<'_>) -> Decision {
        self.decide(request, None, Access::ReadWrite).await
    }

    /// [`SessionEngine::require_auth`] (with `requirements`) or
    /// [`SessionEngine::optional_auth`] (without) that never refreshes and never sets a
    /// cookie: for pages rendered behind a proxy that is the one place where sessions are
    /// refreshed (see [`SessionEngine::authenticate_read_only`]).
    pub async fn peek_auth(
        &self,
        request: &RequestInfo<'_>,
        requirements: Option<&Requirements>,
    ) -> Decision {
        self.decide(request, requirements, Access::ReadOnly).await
    }

    async fn decide(
        &self,
        request: &RequestInfo<'_>,
        requirements: Option<&Requirements>,
        access: Access,
    ) -> Decision {
        let outcome = self.authenticate_in(request.cookie, request.authorization, access).await;
        let Some(requirements) = requirements else {
            return match outcome.result {
                Ok(identity) => {
                    Decision::new(Action::Continue(Some(Box::new(identity))), outcome.set_cookies)
                }
                Err(err) if request.authorization.is_some() && err.code().starts_with("token_") => {
                    self.refuse(err, request, None, outcome.set_cookies)
                }
                Err(err) => {
                    let mut decision = Decision::new(Action::Continue(None), outcome.set_cookies);
                    decision.error = Some(err);
                    decision
                }
            };
        };
        match outcome.result {
            Ok(identity) => match check(&identity, requirements) {
                Ok(()) => Decision::new(Action::Continue(Some(Box::new(identity))), outcome.set_cookies),
                Err(err) => self.refuse(err, request, None, outcome.set_cookies),
            },
            Err(err) if !request.is_navigation() || !is_login_fixable(&err) => {
                self.refuse(err, request, None, outcome.set_cookies)
            }
            Err(err) if request.is_prefetch() => self.refuse_prefetch(err),
            Err(err) => {
                let mut decision = Decision::new(
                    Action::Redirect(self.login_link(request.path_and_query)),
                    outcome.set_cookies,
                );
                decision.error = Some(err);
                decision
            }
        }
    }

    /// The login route (`signup` for the sign-up route): redirect to the provider. Only
    /// a page navigation starts a login: a script's request would only pile up
    /// login-transaction cookies, so it gets 400 JSON.
    pub async fn handle_login(&self, request: &RequestInfo<'_>, signup: bool) -> Decision {
        if !request.is_navigation() {
            let err = Error::invalid_argument(
                "a login starts with a page navigation (Sec-Fetch-Mode: navigate or Accept: text/html); \
                 API callers get 401 from protected routes instead",
            );
            return self.refuse(err, request, None, Vec::new());
        }
        if request.is_prefetch() {
            return self.refuse_prefetch(Error::SessionMissing);
        }
        match self.begin_login(&LoginParams::from_query(request.query(), signup), request.cookie).await {
            Ok(start) => Decision::new(Action::Redirect(start.redirect_url), start.set_cookies),
            Err(err) => self.refuse(err, request, None, Vec::new()),
        }
    }

    /// The callback route: open the session and go back where the user was. A failed
    /// login shows a browser a short page with a way to try again.
    pub async fn handle_callback(&self, request: &RequestInfo<'_>) -> Decision {
        let pending = self.begin_callback(request).await;
        self.finish_callback(request, pending, LoginVerdict::Allow).await
    }

    /// The callback route in two steps, for apps that look at a login before its
    /// session opens (an after-callback hook): the checks and the code exchange. Pass
    /// the result to [`SessionEngine::finish_callback`] with the app's verdict.
    ///
    /// ```no_run
    /// # async fn run(engine: scalekit_auth::SessionEngine, request: scalekit_auth::RequestInfo<'_>) {
    /// use scalekit_auth::LoginVerdict;
    /// let pending = engine.begin_callback(&request).await;
    /// let verdict = match &pending.result {
    ///     Ok(login) if login.user.organization_id.as_deref() != Some("org_acme") => {
    ///         LoginVerdict::Deny("Only Acme accounts can sign in here.".into())
    ///     }
    ///     Ok(login) => LoginVerdict::AllowWith(serde_json::json!({"plan": "pro", "user": login.user.id})),
    ///     Err(_) => LoginVerdict::Allow, // the failure is answered as usual
    /// };
    /// let decision = engine.finish_callback(&request, pending, verdict).await;
    /// # let _ = decision;
    /// # }
    /// ```
    pub async fn begin_callback(&self, request: &RequestInfo<'_>) -> PendingLogin {
        self.exchange_callback(request.query(), request.cookie).await
    }

    /// Opens the session of `pending` (unless the verdict denies it) and answers as
    /// [`SessionEngine::handle_callback`] does.
    pub async fn finish_callback(
        &self,
        request: &RequestInfo<'_>,
        pending: PendingLogin,
        verdict: LoginVerdict,
    ) -> Decision {
        let outcome = self.open_pending(pending, verdict).await;
        match outcome.result {
            // A `SameSite=Strict` session cookie is not sent on a redirect that continues
            // the provider's cross-site navigation: the app would see no session and start
            // a login again, forever. A page that moves on by itself makes the next
            // navigation start from this site, where the cookie goes along.
            Ok(_) if self.config.same_site == CookieSameSite::Strict => {
                let body = pages::continue_to(&outcome.redirect_to);
                Decision::new(Action::Respond { status: 200, content_type: HTML, body }, outcome.set_cookies)
            }
            Ok(_) => Decision::new(Action::Redirect(outcome.redirect_to), outcome.set_cookies),
            Err(err) => {
                if let Some(to) = self.already_signed_in(request, &err).await {
                    return Decision::new(Action::Redirect(to), outcome.set_cookies);
                }
                let retry = self.login_link(&outcome.redirect_to);
                self.refuse(err, request, Some(retry), outcome.set_cookies)
            }
        }
    }

    /// A callback URL visited again (the back button after logging in) by a browser
    /// that is signed in: where that login was headed (`/` when this instance does not
    /// remember it), instead of an error page. Without a valid session it stays an error.
    async fn already_signed_in(&self, request: &RequestInfo<'_>, err: &Error) -> Option<String> {
        if !matches!(err, Error::CallbackReplayed | Error::StateMismatch(_)) {
            return None;
        }
        self.authenticate_in(request.cookie, None, Access::ReadOnly).await.result.ok()?;
        let state = url::form_urlencoded::parse(request.query().as_bytes())
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        Some(self.used_state_return_to(&state).unwrap_or_else(|| "/".to_owned()))
    }

    /// The logout route: clear the session and redirect to the provider's logout. A
    /// request from another site (a link or form elsewhere) changes nothing: a browser
    /// gets a page with a button that posts the logout from this site, an API caller 403.
    pub async fn handle_logout(&self, request: &RequestInfo<'_>) -> Decision {
        if !request.is_same_site_or_typed() {
            let err = Error::CrossSiteRequest("logout");
            if request.is_navigation() {
                // The form posts back to this route, as a same-site path only.
                let body = pages::logout_confirmation(&safe_return_to(request.path()));
                let action = Action::Respond { status: 200, content_type: HTML, body };
                return Decision {
                    action,
                    set_cookies: Vec::new(),
                    error: Some(err),
                    retry_path: None,
                    challenge: None,
                };
            }
            return self.refuse(err, request, None, Vec::new());
        }
        let outcome = self.logout(request.cookie).await;
        let mut decision = Decision::new(Action::Redirect(outcome.redirect_url), outcome.set_cookies);
        // The browser is logged out either way; the app hears that the store was not.
        decision.error = outcome.store_error;
        decision
    }
}

impl SessionEngine {
    /// The back-channel logout route (`POST /auth/backchannel-logout`, called by the
    /// provider, never by a browser; form body `logout_token=...`). Answers 200 once the
    /// sessions it names are ended, 400 JSON (`invalid_request`, with the code) for a
    /// bad or replayed token, 503 when the store is down (so the provider retries), 405
    /// for another method. It sets no cookie: it is not the user's request.
    pub async fn handle_backchannel_logout(&self, method: &str, form_body: &str) -> Decision {
        let respond = |status: u16, body: String, error: Option<Error>| Decision {
            action: Action::Respond { status, content_type: JSON, body },
            set_cookies: Vec::new(),
            error,
            retry_path: None,
            challenge: None,
        };
        if !method.eq_ignore_ascii_case("POST") {
            let err = Error::invalid_argument("back-channel logout takes a POST");
            return respond(405, error_body(&err), Some(err));
        }
        match self.backchannel_logout(form_body).await {
            Ok(_) => respond(200, "{}".into(), None),
            Err(err) => {
                // OpenID Back-Channel Logout §2.8: 400 with an OAuth error body.
                let status = if err.http_status() >= 500 { err.http_status() } else { 400 };
                let body = json!({
                    "error": "invalid_request",
                    "error_description": err.public_message(),
                    "code": err.code(),
                })
                .to_string();
                respond(status, body, Some(err))
            }
        }
    }
}

/// Whether logging in again can cure the error (not a broken configuration or outage).
fn is_login_fixable(err: &Error) -> bool {
    matches!(err.http_status(), 401)
}

/// Checks an identity against a route's requirements (403 `insufficient_scope`).
pub fn check(identity: &Identity, requirements: &Requirements) -> Result<(), Error> {
    identity.claims.require_roles(&requirements.roles)?;
    identity.claims.require_permissions(&requirements.permissions)?;
    identity.claims.require_scopes(&requirements.scopes)
}
