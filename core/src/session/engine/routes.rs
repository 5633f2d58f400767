//! The engine's answers to the app's routes and protected requests: the login, signup,
//! callback, logout and back-channel logout routes, and `require_auth`/`optional_auth`.

use crate::decision::{Action, Decision, HTML, JSON, Requirements, check, error_body};
use crate::error::Error;
use crate::query::build_url;
use crate::request::RequestInfo;
use crate::session::cookies::CookieSameSite;
use crate::session::pages;
use crate::session::return_to::safe_return_to;
use serde_json::json;

use super::{Access, LoginParams, LoginVerdict, PendingLogin, SessionEngine};

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

    /// The answer to a prefetch that failed authentication: JSON with the error's status
    /// (401 where a page load would have been sent to log in), `Cache-Control: no-store`
    /// and no cookie (not even the clearing of a dead session), so nothing is kept or
    /// started for a page the person may never open.
    fn refuse_prefetch(&self, err: Error) -> Decision {
        let action =
            Action::Respond { status: err.http_status(), content_type: JSON, body: error_body(&err) };
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

    /// [`SessionEngine::require_auth`] when it can answer without waiting (a session or
    /// token checked with cached keys, in the process's own store); `None` otherwise, and
    /// always with a shared store, which every decision waits for. Lets a binding answer
    /// most requests without crossing into its async runtime. Call it inside a tokio
    /// runtime context: the attempt may touch timers before it gives up.
    pub fn try_require_auth(
        &self,
        request: &RequestInfo<'_>,
        requirements: &Requirements,
    ) -> Option<Decision> {
        use futures_util::FutureExt;
        if self.records.store.is_shared() {
            return None;
        }
        self.require_auth(request, requirements).now_or_never()
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
            Err(err) if request.is_prefetch() => self.refuse_prefetch(err),
            Err(err) if !request.is_navigation() || !is_login_fixable(&err) => {
                self.refuse(err, request, None, outcome.set_cookies)
            }
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
        // Whatever else it looks like: a prefetch starts nothing.
        if request.is_prefetch() {
            return self.refuse_prefetch(Error::SessionMissing);
        }
        if !request.is_navigation() {
            let err = Error::invalid_argument(
                "a login starts with a page navigation (Sec-Fetch-Mode: navigate or Accept: text/html); \
                 API callers get 401 from protected routes instead",
            );
            return self.refuse(err, request, None, Vec::new());
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
