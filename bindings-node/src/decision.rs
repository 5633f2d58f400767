//! What every path answers about a request: who made it (`Identity`) and what the
//! adapter does with it (`Decision`), as plain JavaScript objects (camelCase).

use std::collections::BTreeMap;

use napi_derive::napi;
use serde_json::Value;

use crate::claims::Json;
use crate::exchange::User;

#[napi(object, object_from_js = false)]
pub struct Identity {
    pub user: User,
    #[napi(ts_type = "any")]
    pub claims: Json,
    /// `session` or `bearer`.
    pub source: String,
    pub access_token: String,
    /// What the app's after-callback hook kept in the session, or null.
    #[napi(ts_type = "any")]
    pub app_data: Option<Json>,
}

impl Identity {
    /// The identity of `claims` (its user read from them), for tests.
    pub(crate) fn from_parts(
        claims: &scalekit_auth::Claims,
        source: scalekit_auth::IdentitySource,
        access_token: &str,
    ) -> Self {
        Identity {
            user: User::from(&scalekit_auth::User::from_claims(claims)),
            claims: Json::claims(claims),
            source: match source {
                scalekit_auth::IdentitySource::Bearer => "bearer".into(),
                _ => "session".into(),
            },
            access_token: access_token.to_owned(),
            app_data: None,
        }
    }
}

impl From<scalekit_auth::Identity> for Identity {
    fn from(i: scalekit_auth::Identity) -> Self {
        Identity {
            user: User::from(&i.user),
            claims: Json::claims(&i.claims),
            source: match i.source {
                scalekit_auth::IdentitySource::Bearer => "bearer".into(),
                _ => "session".into(),
            },
            access_token: i.access_token().to_owned(),
            app_data: i.app_data.as_ref().map(Json::value),
        }
    }
}

/// An identity as one JSON object: the `Identity` fields, with the claims as
/// `Claims::to_json` wrote them (built once per remembered token).
fn identity_json(i: &scalekit_auth::Identity) -> String {
    let claims = i.claims.to_json();
    let token = i.access_token();
    let mut out = String::with_capacity(claims.len() + token.len() + 256);
    out.push_str(r#"{"user":"#);
    out.push_str(&serde_json::to_string(&User::from(&i.user)).unwrap_or_else(|_| "{}".into()));
    out.push_str(r#","claims":"#);
    out.push_str(claims);
    out.push_str(match i.source {
        scalekit_auth::IdentitySource::Bearer => r#","source":"bearer","accessToken":"#,
        _ => r#","source":"session","accessToken":"#,
    });
    out.push_str(&Value::from(token).to_string());
    if let Some(app_data) = &i.app_data {
        out.push_str(r#","appData":"#);
        out.push_str(&app_data.to_string());
    }
    out.push('}');
    out
}

/// What the adapter does: `continue` (run the route with `identity`), `redirect` or
/// `respond`. In every case it sends `setCookies`; to redirect or respond it answers with
/// `status`, every header of `headers` and `body` (none for a redirect).
#[napi(object, object_from_js = false)]
pub struct Decision {
    /// `continue`, `redirect` or `respond`.
    #[napi(ts_type = "'continue' | 'redirect' | 'respond'")]
    pub kind: String,
    /// The HTTP status (200 to continue, 302 to redirect).
    pub status: u32,
    /// The headers to answer with besides `Set-Cookie`, by lower-case name: `location` or
    /// `content-type`, `cache-control: no-store`, `x-content-type-options: nosniff`.
    /// Empty to continue.
    pub headers: BTreeMap<String, String>,
    /// The redirect target (also in `headers`).
    pub location: Option<String>,
    /// The body: an HTML page or JSON, as `headers['content-type']` says.
    pub body: Option<String>,
    /// `Set-Cookie` values, sent whatever the kind.
    pub set_cookies: Vec<String>,
    /// Who made the request, to continue with, as JSON text (`user`, `claims`,
    /// `source`, `accessToken`, `appData`): the adapters read it through `identityOf`,
    /// which parses each distinct identity once instead of building it on every request.
    pub identity_json: Option<String>,
    /// The code of the error behind this decision (a refusal, a redirect to log in, or an
    /// optional route continuing without a user).
    pub error_code: Option<String>,
    /// The HTTP status the error maps to.
    pub error_status: Option<u32>,
    /// The error's full message, for logs only: it may name the configured issuer,
    /// provider URLs or transport errors, which the body never does.
    pub error_detail: Option<String>,
    /// The error's text for a page the user reads: a denied login's reason, the public
    /// message otherwise.
    pub error_message: Option<String>,
    /// The error's short public text, the same for every error of its code.
    pub error_public_message: Option<String>,
    /// A denied login's reason, as the app's hook gave it.
    pub error_reason: Option<String>,
    /// Whether the answer refuses the request for an error (status 400 or more): what
    /// the app's `onError` may replace. Not a redirect to log in.
    pub is_refusal: bool,
    /// For a failed login: the app path that starts it again, for an error page of the
    /// app's own.
    pub retry_path: Option<String>,
}

impl From<scalekit_auth::Decision> for Decision {
    fn from(d: scalekit_auth::Decision) -> Self {
        let status = u32::from(d.status());
        let headers = d.headers().into_iter().map(|(name, value)| (name.to_owned(), value)).collect();
        let retry_path = d.retry_path.clone();
        let is_refusal = d.is_refusal();
        let error = d.error.as_ref();
        let error_code = error.map(|e| e.code().to_owned());
        let error_status = error.map(|e| u32::from(e.http_status()));
        let error_detail = error.map(ToString::to_string);
        let error_message = error.map(|e| e.user_message().to_owned());
        let error_public_message = error.map(|e| e.public_message().to_owned());
        let error_reason = match error {
            Some(scalekit_auth::Error::LoginDenied(reason)) => Some(reason.clone()),
            _ => None,
        };
        let (kind, location, body, identity) = match d.action {
            scalekit_auth::Action::Continue(identity) => {
                ("continue", None, None, identity.map(|i| identity_json(&i)))
            }
            scalekit_auth::Action::Redirect(location) => ("redirect", Some(location), None, None),
            scalekit_auth::Action::Respond { body, .. } => ("respond", None, Some(body), None),
            // A kind of answer this binding does not know yet: its status and headers
            // still come from the core, without a body.
            _ => ("respond", None, None, None),
        };
        Decision {
            kind: kind.into(),
            status,
            headers,
            location,
            body,
            set_cookies: d.set_cookies,
            identity_json: identity,
            error_code,
            error_status,
            error_detail,
            error_message,
            error_public_message,
            error_reason,
            is_refusal,
            retry_path,
        }
    }
}
