//! A client-credentials (machine-to-machine) token.

use napi_derive::napi;

#[napi(object)]
pub struct ClientToken {
    pub access_token: String,
    pub expires_in: Option<u32>,
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
    pub token_type: Option<String>,
}

impl From<scalekit_auth::ClientToken> for ClientToken {
    fn from(t: scalekit_auth::ClientToken) -> Self {
        ClientToken {
            access_token: t.access_token,
            expires_in: t.expires_in.map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
            expires_at: t.expires_at,
            scopes: t.scopes,
            token_type: t.token_type,
        }
    }
}
