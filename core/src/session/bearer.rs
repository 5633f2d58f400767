//! Bearer-only authorization, for API services that take access tokens and have no
//! browser sessions: no redirect URI, no session secret, no cookies.

use super::decision::{Action, Decision, JSON, Requirements, check, error_body};
use super::engine::{Identity, IdentitySource, bearer_token};
use crate::client::ScalekitAuth;
use crate::error::Error;
use crate::exchange::User;

impl ScalekitAuth {
    /// The decision for an API route that takes `Authorization: Bearer` tokens only:
    /// continue with the identity, or answer 401 (no or bad token) or 403 (a valid token
    /// without the `requirements`) as JSON with a `WWW-Authenticate` challenge
    /// (RFC 6750 §3). Cookies are never read.
    ///
    /// ```no_run
    /// # async fn run(auth: scalekit_auth::ScalekitAuth) {
    /// use scalekit_auth::{Action, Requirements};
    /// let scopes = Requirements { scopes: vec!["reports:read".into()], ..Default::default() };
    /// let decision = auth.authorize_bearer(Some("Bearer eyJ..."), &scopes).await;
    /// match decision.action {
    ///     Action::Continue(Some(identity)) => println!("token of {}", identity.user.id),
    ///     _ => println!("answer {} with {:?}", decision.status(), decision.headers()),
    /// }
    /// # }
    /// ```
    pub async fn authorize_bearer(
        &self,
        authorization: Option<&str>,
        requirements: &Requirements,
    ) -> Decision {
        let token = match bearer_token(authorization) {
            Some(Ok(token)) => token,
            Some(Err(err)) => return refuse(err),
            None => return refuse(Error::TokenMissing),
        };
        match self.validate_access_token(token).await {
            Ok(claims) => {
                let identity = Identity::new(
                    User::from_claims(&claims),
                    claims,
                    IdentitySource::Bearer,
                    token.to_owned(),
                );
                match check(&identity, requirements) {
                    Ok(()) => Decision::new(Action::Continue(Some(Box::new(identity))), Vec::new()),
                    Err(err) => refuse(err),
                }
            }
            Err(err) => refuse(err),
        }
    }
}

/// A JSON refusal with its RFC 6750 challenge: no parameters when no token came (the
/// client did not try), `invalid_token` or `insufficient_scope` otherwise.
fn refuse(err: Error) -> Decision {
    let status = err.http_status();
    let challenge = match (&err, status) {
        (Error::TokenMissing, _) => "Bearer".to_owned(),
        (_, 403) => r#"Bearer error="insufficient_scope""#.to_owned(),
        (_, 401) => r#"Bearer error="invalid_token""#.to_owned(),
        _ => "Bearer".to_owned(),
    };
    let body = error_body(&err);
    let mut decision = Decision::new(Action::Respond { status, content_type: JSON, body }, Vec::new());
    decision.error = Some(err);
    decision.challenge = Some(challenge);
    decision
}
