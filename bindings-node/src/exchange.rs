//! The result of a login or refresh: its user and its validated tokens.

use napi_derive::napi;

use crate::claims::Json;

#[napi(object)]
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
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

#[napi(object, object_from_js = false)]
pub struct AuthResult {
    pub user: User,
    pub id_token: Option<String>,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: Option<u32>,
    pub token_type: Option<String>,
    #[napi(ts_type = "any")]
    pub access_token_claims: Json,
    #[napi(ts_type = "any")]
    pub id_token_claims: Option<Json>,
}

impl From<scalekit_auth::AuthResult> for AuthResult {
    fn from(r: scalekit_auth::AuthResult) -> Self {
        AuthResult {
            user: User::from(&r.user),
            access_token_claims: Json::claims(&r.access_token_claims),
            id_token_claims: r.id_token_claims.as_ref().map(Json::claims),
            id_token: r.id_token,
            access_token: r.access_token,
            refresh_token: r.refresh_token,
            expires_in: r.expires_in.map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
            token_type: r.token_type,
        }
    }
}
