//! What a framework adapter does with a request, decided once here for every framework:
//! continue with an identity, redirect, or answer with a JSON error. The adapter only
//! reads the request into [`RequestInfo`] and writes the [`Decision`] out.

use serde_json::json;

use super::engine::{Identity, LoginParams, SessionEngine};
use crate::error::Error;
use crate::query::build_url;

/// The parts of a request the engine reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestInfo<'a> {
    /// Path and query of the request (`/dashboard?tab=1`), for the return-to.
    pub path_and_query: &'a str,
    /// The `Cookie` header.
    pub cookie: Option<&'a str>,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `Accept` header.
    pub accept: Option<&'a str>,
}

impl RequestInfo<'_> {
    /// API callers (a bearer token, or JSON preferred over HTML) get 401/403 JSON;
    /// browsers get redirects.
    pub fn wants_json(&self) -> bool {
        if self.authorization.is_some_and(|a| a.trim_start().to_ascii_lowercase().starts_with("bearer")) {
            return true;
        }
        let accept = self.accept.unwrap_or("").to_ascii_lowercase();
        accept.contains("application/json") && !accept.contains("text/html")
    }

    fn query(&self) -> &str {
        self.path_and_query.split_once('?').map_or("", |(_, q)| q)
    }
}

/// What the adapter must do.
#[derive(Debug)]
#[non_exhaustive]
pub enum Action {
    /// Run the route with this identity (`None` on optional-auth routes without a user).
    Continue(Option<Box<Identity>>),
    /// Answer 302 with this `Location`.
    Redirect(String),
    /// Answer with this status and JSON body.
    Respond {
        /// HTTP status.
        status: u16,
        /// JSON body: `{"error": code, "message": text}`.
        body: String,
    },
}

/// An [`Action`] and the `Set-Cookie` values to send with the response, whatever it is.
#[derive(Debug)]
#[non_exhaustive]
pub struct Decision {
    /// What to do.
    pub action: Action,
    /// `Set-Cookie` header values.
    pub set_cookies: Vec<String>,
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

/// The JSON body of an error answer.
pub fn error_body(err: &Error) -> String {
    json!({"error": err.code(), "message": err.to_string()}).to_string()
}

fn respond(err: &Error, set_cookies: Vec<String>) -> Decision {
    Decision { action: Action::Respond { status: err.http_status(), body: error_body(err) }, set_cookies }
}

impl SessionEngine {
    /// For a protected route: continue with the identity; otherwise a browser is sent to
    /// log in (returning here afterwards) and an API caller gets 401 JSON. Routes with
    /// `requirements` answer 403 JSON when the identity lacks them.
    pub async fn require_auth(&self, request: &RequestInfo<'_>, requirements: &Requirements) -> Decision {
        let outcome = self.authenticate(request.cookie, request.authorization).await;
        match outcome.result {
            Ok(identity) => match check(&identity, requirements) {
                Ok(()) => Decision {
                    action: Action::Continue(Some(Box::new(identity))),
                    set_cookies: outcome.set_cookies,
                },
                Err(err) => respond(&err, outcome.set_cookies),
            },
            Err(err) if request.wants_json() || !is_login_fixable(&err) => respond(&err, outcome.set_cookies),
            Err(_) => {
                let location =
                    build_url(&self.config.login_path, [("return_to", Some(request.path_and_query))]);
                Decision { action: Action::Redirect(location), set_cookies: outcome.set_cookies }
            }
        }
    }

    /// For a route that works with or without a user: continue either way (a bearer
    /// token that fails validation still answers 401).
    pub async fn optional_auth(&self, request: &RequestInfo<'_>) -> Decision {
        let outcome = self.authenticate(request.cookie, request.authorization).await;
        match outcome.result {
            Ok(identity) => Decision {
                action: Action::Continue(Some(Box::new(identity))),
                set_cookies: outcome.set_cookies,
            },
            Err(err) if request.authorization.is_some() && err.code().starts_with("token_") => {
                respond(&err, outcome.set_cookies)
            }
            Err(_) => Decision { action: Action::Continue(None), set_cookies: outcome.set_cookies },
        }
    }

    /// The login route (`signup` for the sign-up route): redirect to the provider.
    pub async fn handle_login(&self, request: &RequestInfo<'_>, signup: bool) -> Decision {
        match self.begin_login(&LoginParams::from_query(request.query(), signup)).await {
            Ok(start) => {
                Decision { action: Action::Redirect(start.redirect_url), set_cookies: start.set_cookies }
            }
            Err(err) => respond(&err, Vec::new()),
        }
    }

    /// The callback route: open the session and go back where the user was.
    pub async fn handle_callback(&self, request: &RequestInfo<'_>) -> Decision {
        let outcome = self.complete_login(request.query(), request.cookie).await;
        match outcome.result {
            Ok(_) => {
                Decision { action: Action::Redirect(outcome.redirect_to), set_cookies: outcome.set_cookies }
            }
            Err(err) => respond(&err, outcome.set_cookies),
        }
    }

    /// The logout route: clear the session and redirect to the provider's logout.
    pub fn handle_logout(&self, request: &RequestInfo<'_>) -> Decision {
        let outcome = self.logout(request.cookie);
        Decision { action: Action::Redirect(outcome.redirect_url), set_cookies: outcome.set_cookies }
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
