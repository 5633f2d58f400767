//! A started login: its URL and the secrets kept until the callback.

use napi_derive::napi;

#[napi(object)]
pub struct LoginRequest {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub code_verifier: String,
}

impl From<scalekit_auth::LoginRequest> for LoginRequest {
    fn from(l: scalekit_auth::LoginRequest) -> Self {
        LoginRequest { url: l.url, state: l.state, nonce: l.nonce, code_verifier: l.code_verifier }
    }
}
