//! Bearer-only authorization, for API services that take access tokens and have no
//! browser sessions: no redirect URI, no session secret, no cookies.

use super::engine::bearer_token;
use crate::client::ScalekitAuth;
use crate::decision::{Action, Decision, Identity, IdentitySource, JSON, Requirements, check, error_body};
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
        self.authorize_bearer_for(authorization, requirements, None).await
    }

    /// [`ScalekitAuth::authorize_bearer`], with the challenge of a protected resource
    /// (RFC 9728 §5.1) when `resource_metadata` names its metadata document: every
    /// refusal points there, and a missing scope is named in `scope`.
    pub(crate) async fn authorize_bearer_for(
        &self,
        authorization: Option<&str>,
        requirements: &Requirements,
        resource_metadata: Option<&str>,
    ) -> Decision {
        let refuse = |err| refuse(err, requirements, resource_metadata);
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

/// A JSON refusal with its RFC 6750 challenge: no error when no token came (the client
/// did not try), `invalid_token` or `insufficient_scope` otherwise; a protected
/// resource's challenge also names the scopes it needs and its metadata (RFC 9728).
fn refuse(err: Error, requirements: &Requirements, resource_metadata: Option<&str>) -> Decision {
    let status = err.http_status();
    let mut params = Vec::new();
    // A protected resource names the scopes a call needs, so a client asks for them at once.
    let scope = (resource_metadata.is_some() && !requirements.scopes.is_empty())
        .then(|| format!("scope=\"{}\"", quoted(&requirements.scopes.join(" "))));
    match (&err, status) {
        (Error::TokenMissing, _) => params.extend(scope),
        (_, 403) => {
            params.push(r#"error="insufficient_scope""#.to_owned());
            params.extend(scope);
        }
        (_, 401) => {
            params.push(r#"error="invalid_token""#.to_owned());
            params.extend(scope);
        }
        _ => {}
    }
    if let Some(url) = resource_metadata {
        params.push(format!("resource_metadata=\"{}\"", quoted(url)));
    }
    let challenge =
        if params.is_empty() { "Bearer".to_owned() } else { format!("Bearer {}", params.join(", ")) };
    let body = error_body(&err);
    let mut decision = Decision::new(Action::Respond { status, content_type: JSON, body }, Vec::new());
    decision.error = Some(err);
    decision.challenge = Some(challenge);
    decision
}

/// A value for a quoted-string parameter: quotes and backslashes escaped, controls dropped.
fn quoted(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| if c == '"' || c == '\\' { vec!['\\', c] } else { vec![c] })
        .collect()
}
