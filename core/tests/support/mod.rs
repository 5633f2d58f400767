//! An in-process provider on 127.0.0.1 serving discovery and a JWKS, counting requests.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod session;

use std::time::Duration;

use scalekit_auth::testing::{ManualClock, TestSigner, jwks_json};
use scalekit_auth::{Algorithm, Config, ScalekitAuth};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const CLIENT_ID: &str = "skc_test_client";
pub const NOW: i64 = 1_800_000_000;

pub struct Provider {
    pub server: MockServer,
    pub signer: TestSigner,
}

impl Provider {
    /// A provider with discovery and one RS256 key.
    pub async fn start() -> Self {
        Self::with_signer(TestSigner::new(Algorithm::RS256, "key-1")).await
    }

    pub async fn with_signer(signer: TestSigner) -> Self {
        let server = MockServer::start().await;
        let provider = Provider { server, signer };
        provider.mount_discovery().await;
        provider.serve_keys(&[&provider.signer], Duration::ZERO).await;
        provider
    }

    pub fn url(&self) -> String {
        self.server.uri()
    }

    pub async fn mount_discovery(&self) {
        let uri = self.url();
        Mock::given(method("GET"))
            .and(path("/.well-known/openid-configuration"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "issuer": uri,
                "authorization_endpoint": format!("{uri}/oauth/authorize"),
                "token_endpoint": format!("{uri}/oauth/token"),
                "jwks_uri": format!("{uri}/keys"),
                "end_session_endpoint": format!("{uri}/oidc/logout"),
            })))
            .mount(&self.server)
            .await;
    }

    /// Serves a JWKS with these keys, each answer after `delay`.
    pub async fn serve_keys(&self, signers: &[&TestSigner], delay: Duration) {
        self.serve_jwks_body(jwks_json(signers), delay).await;
    }

    pub async fn serve_jwks_body(&self, body: String, delay: Duration) {
        Mock::given(method("GET"))
            .and(path("/keys"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json").set_delay(delay))
            .mount(&self.server)
            .await;
    }

    /// Replaces everything the provider serves.
    pub async fn reset(&self) {
        self.server.reset().await;
    }

    /// How many requests reached `p`.
    pub async fn hits(&self, p: &str) -> usize {
        self.server.received_requests().await.unwrap_or_default().iter().filter(|r| r.url.path() == p).count()
    }

    /// Claims of a valid access token for [`CLIENT_ID`] at [`NOW`].
    pub fn claims(&self) -> Value {
        json!({
            "iss": self.url(),
            "sub": "usr_123",
            "aud": [CLIENT_ID],
            "exp": NOW + 300,
            "iat": NOW,
            "nbf": NOW,
            "jti": "tkn_1",
            "sid": "ses_1",
            "oid": "org_1",
            "client_id": CLIENT_ID,
            "roles": ["admin"],
            "permissions": ["read:all"],
            "scope": "openid profile",
        })
    }

    pub fn config(&self, clock: &ManualClock) -> Config {
        Config::new(self.url(), CLIENT_ID, "secret").clock(clock.clone())
    }

    pub fn client(&self, clock: &ManualClock) -> ScalekitAuth {
        ScalekitAuth::new(self.config(clock)).expect("valid config")
    }
}

/// `base` with the claims of `patch` set (a null value removes the claim).
pub fn patched(base: &Value, patch: Value) -> Value {
    let mut out = base.clone();
    for (k, v) in patch.as_object().expect("object patch") {
        if v.is_null() {
            out.as_object_mut().unwrap().remove(k);
        } else {
            out[k] = v.clone();
        }
    }
    out
}

/// The left half of SHA-256 of `token`, base64url: an RS256 ID token's `at_hash`.
pub fn at_hash(token: &str) -> String {
    use base64::Engine as _;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
}

impl Provider {
    /// Answers POST /oauth/token with `status` and a JSON body.
    pub async fn token_answers(&self, status: u16, body: Value) {
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&self.server)
            .await;
    }

    /// Serves discovery and keys anew, and answers every token request with `body`
    /// after `delay` (a provider holding a refresh).
    pub async fn answer_tokens_after(&self, body: Value, delay: Duration) {
        self.reset().await;
        self.mount_discovery().await;
        self.serve_keys(&[&self.signer], Duration::ZERO).await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body).set_delay(delay))
            .mount(&self.server)
            .await;
    }

    /// The form bodies POSTed to /oauth/token, decoded.
    pub async fn token_requests(&self) -> Vec<std::collections::HashMap<String, String>> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path() == "/oauth/token")
            .map(|r| url::form_urlencoded::parse(&r.body).into_owned().collect())
            .collect()
    }

    /// A token response for a login: signed ID token (with `nonce` and `at_hash`) and
    /// access token.
    pub fn login_response(&self, nonce: &str, refresh_token: Option<&str>) -> Value {
        self.login_response_at(nonce, refresh_token, NOW)
    }

    /// The token response of a login whose tokens the provider issued at `iat`.
    pub fn login_response_at(&self, nonce: &str, refresh_token: Option<&str>, iat: i64) -> Value {
        let claims = patched(&self.claims(), json!({"iat": iat, "nbf": iat, "exp": iat + 300}));
        let access = self.signer.sign(&claims);
        let id = self.signer.sign(&patched(
            &claims,
            json!({
                "nonce": nonce, "at_hash": at_hash(&access), "azp": CLIENT_ID,
                "email": "jane@acme.com", "email_verified": true, "name": "Jane Doe",
                "given_name": "Jane", "family_name": "Doe", "preferred_username": "jane",
                "amr": ["conn_42"], "roles": null, "permissions": null, "scope": null,
            }),
        ));
        let mut body =
            json!({"access_token": access, "id_token": id, "expires_in": 300, "token_type": "Bearer"});
        if let Some(rt) = refresh_token {
            body["refresh_token"] = json!(rt);
        }
        body
    }
}
