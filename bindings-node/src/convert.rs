//! Core results as plain JavaScript objects (camelCase), claims as JSON objects.

use napi_derive::napi;
use serde_json::{Map, Value};

/// Claims as one object: every claim of the token, with `aud`, `roles`, `permissions`,
/// `amr` as arrays and `scopes` merged from `scope` and `scopes`.
pub(crate) fn claims(c: &scalekit_auth::Claims) -> Value {
    let mut out: Map<String, Value> = c.raw().clone();
    let list = |v: &[String]| Value::from(v.to_vec());
    out.insert("aud".into(), list(&c.aud));
    out.insert("roles".into(), list(&c.roles));
    out.insert("permissions".into(), list(&c.permissions));
    out.insert("scopes".into(), list(&c.scopes));
    out.insert("amr".into(), list(&c.amr));
    Value::Object(out)
}

#[napi(object)]
pub struct User {
    pub id: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub username: Option<String>,
    pub picture: Option<String>,
    pub locale: Option<String>,
    pub organization_id: Option<String>,
    pub connection_id: Option<String>,
}

impl From<&scalekit_auth::User> for User {
    fn from(u: &scalekit_auth::User) -> Self {
        User {
            id: u.id.clone(),
            email: u.email.clone(),
            email_verified: u.email_verified,
            name: u.name.clone(),
            given_name: u.given_name.clone(),
            family_name: u.family_name.clone(),
            username: u.username.clone(),
            picture: u.picture.clone(),
            locale: u.locale.clone(),
            organization_id: u.organization_id.clone(),
            connection_id: u.connection_id.clone(),
        }
    }
}

#[napi(object)]
pub struct AuthResult {
    pub user: User,
    pub id_token: Option<String>,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: Option<u32>,
    pub token_type: Option<String>,
    pub access_token_claims: Value,
    pub id_token_claims: Option<Value>,
}

impl From<scalekit_auth::AuthResult> for AuthResult {
    fn from(r: scalekit_auth::AuthResult) -> Self {
        AuthResult {
            user: User::from(&r.user),
            access_token_claims: claims(&r.access_token_claims),
            id_token_claims: r.id_token_claims.as_ref().map(claims),
            id_token: r.id_token,
            access_token: r.access_token,
            refresh_token: r.refresh_token,
            expires_in: r.expires_in.map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
            token_type: r.token_type,
        }
    }
}

#[napi(object)]
pub struct LoginRequest {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub code_verifier: String,
}

#[napi(object)]
pub struct ClientToken {
    pub access_token: String,
    pub expires_in: Option<u32>,
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
    pub token_type: Option<String>,
}

#[napi(object)]
pub struct IdpInitiatedLoginClaims {
    pub connection_id: Option<String>,
    pub organization_id: Option<String>,
    pub login_hint: Option<String>,
    pub relay_state: Option<String>,
}

#[napi(object)]
pub struct Identity {
    pub user: User,
    pub claims: Value,
    /// `session` or `bearer`.
    pub source: String,
    pub access_token: String,
}

impl From<scalekit_auth::Identity> for Identity {
    fn from(i: scalekit_auth::Identity) -> Self {
        Identity {
            user: User::from(&i.user),
            claims: claims(&i.claims),
            source: match i.source {
                scalekit_auth::IdentitySource::Bearer => "bearer".into(),
                _ => "session".into(),
            },
            access_token: i.access_token().to_owned(),
        }
    }
}

#[napi(object)]
pub struct Decision {
    /// `continue`, `redirect` or `respond`.
    pub kind: String,
    pub location: Option<String>,
    pub status: u32,
    pub body: Option<String>,
    pub set_cookies: Vec<String>,
    pub identity: Option<Identity>,
}

impl From<scalekit_auth::Decision> for Decision {
    fn from(d: scalekit_auth::Decision) -> Self {
        let set_cookies = d.set_cookies;
        let (kind, location, status, body, identity) = match d.action {
            scalekit_auth::Action::Continue(identity) => {
                ("continue", None, 200, None, identity.map(|i| Identity::from(*i)))
            }
            scalekit_auth::Action::Redirect(location) => ("redirect", Some(location), 302, None, None),
            scalekit_auth::Action::Respond { status, body } => {
                ("respond", None, u32::from(status), Some(body), None)
            }
            _ => (
                "respond",
                None,
                500,
                Some(r#"{"error":"internal","message":"unknown decision"}"#.into()),
                None,
            ),
        };
        Decision { kind: kind.into(), location, status, body, set_cookies, identity }
    }
}
