//! Code exchange, refresh, client credentials and IdP-initiated login against an
//! in-process token endpoint, happy paths and every error path.

mod support;

use std::time::Duration;

use scalekit_auth::testing::{ManualClock, TestSigner};
use scalekit_auth::{Algorithm, AuthenticateOptions, Config, ScalekitAuth};
use serde_json::json;
use support::{CLIENT_ID, NOW, Provider, patched};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const REDIRECT: &str = "http://localhost:3000/auth/callback";
const SECRET: &str = "secret";

async fn setup() -> (Provider, ManualClock, ScalekitAuth) {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let client = provider.client(&clock);
    (provider, clock, client)
}

fn with_nonce(nonce: &str) -> AuthenticateOptions {
    AuthenticateOptions { code_verifier: Some("verifier-123".into()), nonce: Some(nonce.into()) }
}

#[tokio::test]
async fn code_exchange_validates_both_tokens_and_types_the_user() {
    let (provider, _clock, client) = setup().await;
    provider.token_answers(200, provider.login_response("n-1", Some("rt-1"))).await;
    let result = client.authenticate_with_code("code-1", REDIRECT, &with_nonce("n-1")).await.unwrap();

    assert_eq!(result.user.id, "usr_123");
    assert_eq!(result.user.email.as_deref(), Some("jane@acme.com"));
    assert_eq!(result.user.email_verified, Some(true));
    assert_eq!(result.user.username.as_deref(), Some("jane"));
    assert_eq!(result.user.organization_id.as_deref(), Some("org_1"));
    assert_eq!(result.user.connection_id.as_deref(), Some("conn_42"));
    assert_eq!(result.refresh_token.as_deref(), Some("rt-1"));
    assert_eq!(result.expires_in, Some(300));
    assert_eq!(result.access_token_claims.roles, ["admin"]);

    // client_secret_post, with the PKCE verifier.
    let sent = &provider.token_requests().await[0];
    assert_eq!(sent["grant_type"], "authorization_code");
    assert_eq!(sent["code"], "code-1");
    assert_eq!(sent["redirect_uri"], REDIRECT);
    assert_eq!(sent["client_id"], CLIENT_ID);
    assert_eq!(sent["client_secret"], SECRET);
    assert_eq!(sent["code_verifier"], "verifier-123");
    // Tokens never show in Debug output.
    let debug = format!("{result:?}");
    assert!(!debug.contains(&result.access_token) && !debug.contains("rt-1"), "{debug}");
}

#[tokio::test]
async fn a_missing_refresh_token_or_amr_is_normal() {
    let (provider, _clock, client) = setup().await;
    let mut body = provider.login_response("n", None);
    let id = provider.signer.sign(&patched(&provider.claims(), json!({"nonce": "n"})));
    body["id_token"] = json!(id);
    provider.token_answers(200, body).await;
    let result = client.authenticate_with_code("c", REDIRECT, &with_nonce("n")).await.unwrap();
    assert_eq!(result.refresh_token, None);
    assert_eq!(result.user.connection_id, None);
}

#[tokio::test]
async fn id_token_problems_fail_the_login() {
    let (provider, _clock, client) = setup().await;
    // Wrong nonce.
    provider.token_answers(200, provider.login_response("other", None)).await;
    let err = client.authenticate_with_code("c", REDIRECT, &with_nonce("n")).await.unwrap_err();
    assert_eq!(err.code(), "token_invalid_nonce");

    // at_hash of another access token.
    provider.reset().await;
    provider.mount_discovery().await;
    provider.serve_keys(&[&provider.signer], Duration::ZERO).await;
    let mut body = provider.login_response("n", None);
    body["access_token"] = json!(provider.signer.sign(&patched(&provider.claims(), json!({"jti": "other"}))));
    provider.token_answers(200, body).await;
    let err = client.authenticate_with_code("c", REDIRECT, &with_nonce("n")).await.unwrap_err();
    assert_eq!(err.code(), "token_invalid_claim");
    assert!(err.to_string().contains("at_hash"));
}

#[tokio::test]
async fn an_id_token_signed_by_someone_else_fails_the_login() {
    let (provider, _clock, client) = setup().await;
    let mut body = provider.login_response("n", None);
    let forger = TestSigner::new(Algorithm::RS256, "key-1");
    body["id_token"] = json!(forger.sign(&patched(&provider.claims(), json!({"nonce": "n"}))));
    provider.token_answers(200, body).await;
    let err = client.authenticate_with_code("c", REDIRECT, &with_nonce("n")).await.unwrap_err();
    assert_eq!(err.code(), "token_signature_invalid");
}

#[tokio::test]
async fn a_response_without_id_token_is_a_provider_error() {
    let (provider, _clock, client) = setup().await;
    provider.token_answers(200, json!({"access_token": provider.signer.sign(&provider.claims())})).await;
    let err = client.authenticate_with_code("c", REDIRECT, &with_nonce("n")).await.unwrap_err();
    assert_eq!(err.code(), "provider_invalid_response");
    assert!(err.to_string().contains("openid"));
}

#[tokio::test]
async fn oauth_error_bodies_become_provider_errors() {
    let (provider, _clock, client) = setup().await;
    provider
        .token_answers(400, json!({"error": "invalid_grant", "error_description": "code already used"}))
        .await;
    let err = client.authenticate_with_code("c", REDIRECT, &with_nonce("n")).await.unwrap_err();
    assert_eq!(
        err,
        scalekit_auth::Error::ProviderError {
            error: "invalid_grant".into(),
            description: Some("code already used".into()),
            status: 400
        }
    );
    assert_eq!(err.http_status(), 401);
    assert!(!err.to_string().contains(SECRET));

    provider.reset().await;
    provider.mount_discovery().await;
    provider.token_answers(401, json!({"error": "invalid_client"})).await;
    let err = client.refresh_access_token("rt").await.unwrap_err();
    assert!(
        matches!(err, scalekit_auth::Error::ProviderError { ref error, status: 401, .. } if error == "invalid_client")
    );
}

#[tokio::test]
async fn transport_failures_each_have_their_own_code() {
    let (provider, _clock, client) = setup().await;
    // 5xx with an HTML body.
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>"))
        .mount(&provider.server)
        .await;
    let err = client.refresh_access_token("rt").await.unwrap_err();
    assert_eq!(err.code(), "provider_unavailable");

    // 200 that is not JSON.
    provider.reset().await;
    provider.mount_discovery().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>login</html>"))
        .mount(&provider.server)
        .await;
    assert_eq!(client.refresh_access_token("rt").await.unwrap_err().code(), "provider_invalid_response");

    // Too slow.
    provider.reset().await;
    provider.mount_discovery().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})).set_delay(Duration::from_secs(3)))
        .mount(&provider.server)
        .await;
    let slow = ScalekitAuth::new(provider.config(&ManualClock::at(NOW)).http_timeout_seconds(1)).unwrap();
    let err = slow.refresh_access_token("rt").await.unwrap_err();
    assert_eq!(err.code(), "provider_timeout");

    // Nobody listening.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let gone = ScalekitAuth::new(Config::new(url, CLIENT_ID, SECRET)).unwrap();
    let err = gone.authenticate_with_code("c", REDIRECT, &Default::default()).await.unwrap_err();
    assert_eq!(err.code(), "provider_unreachable");
    assert!(!format!("{err} {err:?}").contains(SECRET));
}

#[tokio::test]
async fn bad_arguments_are_refused_before_any_request() {
    let (provider, _clock, client) = setup().await;
    assert_eq!(
        client.authenticate_with_code("", REDIRECT, &Default::default()).await.unwrap_err().code(),
        "invalid_argument"
    );
    assert_eq!(
        client.authenticate_with_code("c", "/cb", &Default::default()).await.unwrap_err().code(),
        "invalid_argument"
    );
    assert_eq!(client.refresh_access_token(" ").await.unwrap_err().code(), "invalid_argument");
    let no_secret = ScalekitAuth::new(Config::new(provider.url(), CLIENT_ID, "")).unwrap();
    assert_eq!(no_secret.refresh_access_token("rt").await.unwrap_err().code(), "invalid_config");
    assert!(provider.token_requests().await.is_empty());
}

#[tokio::test]
async fn refresh_returns_the_same_shape_with_new_tokens() {
    let (provider, _clock, client) = setup().await;
    let mut body = provider.login_response("ignored-on-refresh", Some("rt-2"));
    body["expires_in"] = json!(600);
    provider.token_answers(200, body).await;
    let result = client.refresh_access_token("rt-1").await.unwrap();
    assert_eq!(result.refresh_token.as_deref(), Some("rt-2"));
    assert_eq!(result.expires_in, Some(600));
    assert!(result.id_token.is_some());
    assert_eq!(result.user.email.as_deref(), Some("jane@acme.com"));
    let sent = &provider.token_requests().await[0];
    assert_eq!(sent["grant_type"], "refresh_token");
    assert_eq!(sent["refresh_token"], "rt-1");
    assert_eq!(sent["client_secret"], SECRET);
}

#[tokio::test]
async fn refresh_without_id_token_keeps_the_old_refresh_token_and_reads_the_user_from_the_access_token() {
    let (provider, _clock, client) = setup().await;
    provider
        .token_answers(
            200,
            json!({"access_token": provider.signer.sign(&provider.claims()), "expires_in": 60}),
        )
        .await;
    let result = client.refresh_access_token("rt-1").await.unwrap();
    assert_eq!(result.refresh_token.as_deref(), Some("rt-1"));
    assert_eq!(result.id_token, None);
    assert_eq!(result.user.id, "usr_123");
    assert_eq!(result.user.organization_id.as_deref(), Some("org_1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_are_cached_and_shared() {
    let (provider, clock, client) = setup().await;
    let m2m = provider.signer.sign(&patched(&provider.claims(), json!({"sub": CLIENT_ID})));
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": m2m, "expires_in": 300, "token_type": "Bearer", "scope": "read write"}))
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&provider.server)
        .await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.client_credentials_token().await })
        })
        .collect();
    for task in tasks {
        let token = task.await.unwrap().unwrap();
        assert_eq!(token.scopes, ["read", "write"]);
        assert_eq!(token.expires_at, Some(NOW + 300));
    }
    assert_eq!(provider.token_requests().await.len(), 1);
    assert_eq!(provider.token_requests().await[0]["grant_type"], "client_credentials");

    // Still cached until 60 s before expiry, then fetched again.
    clock.advance(239);
    client.client_credentials_token().await.unwrap();
    assert_eq!(provider.token_requests().await.len(), 1);
    clock.advance(1);
    client.client_credentials_token().await.unwrap();
    assert_eq!(provider.token_requests().await.len(), 2);

    // The M2M token validates, and scopes can be required of it.
    let claims = client.validate_access_token(&m2m).await.unwrap();
    assert!(claims.require_scopes(&["openid"]).is_ok());
    let err = claims.require_scopes(&["openid", "admin"]).unwrap_err();
    assert_eq!(err.code(), "insufficient_scope");
    assert_eq!(err.http_status(), 403);
}

#[tokio::test]
async fn a_failed_client_credentials_request_is_not_cached() {
    let (provider, _clock, client) = setup().await;
    provider.token_answers(401, json!({"error": "invalid_client"})).await;
    assert_eq!(client.client_credentials_token().await.unwrap_err().code(), "provider_error");
    assert_eq!(client.client_credentials_token().await.unwrap_err().code(), "provider_error");
    assert_eq!(provider.token_requests().await.len(), 2);
}

#[tokio::test]
async fn idp_initiated_login_tokens_are_validated() {
    let (provider, _clock, client) = setup().await;
    let claims = json!({
        "iss": provider.url(), "aud": [CLIENT_ID], "exp": NOW + 60, "iat": NOW,
        "connection_id": "conn_1", "organization_id": "org_1", "login_hint": "jane@acme.com",
        "relay_state": "/reports",
    });
    let hints = client.idp_initiated_login_claims(&provider.signer.sign(&claims)).await.unwrap();
    assert_eq!(hints.connection_id.as_deref(), Some("conn_1"));
    assert_eq!(hints.organization_id.as_deref(), Some("org_1"));
    assert_eq!(hints.login_hint.as_deref(), Some("jane@acme.com"));
    let options = hints.authorization_options();
    assert_eq!(options.state.as_deref(), Some("/reports"));
    let url = client.authorization_url(REDIRECT, &options).unwrap();
    assert!(url.contains("connection_id=conn_1") && url.contains("login_hint=jane%40acme.com"));

    let without_aud = patched(&claims, json!({"aud": null}));
    assert!(client.idp_initiated_login_claims(&provider.signer.sign(&without_aud)).await.is_ok());
    for (patch, code) in [
        (json!({"exp": NOW - 120}), "token_expired"),
        (json!({"iss": "https://evil.example"}), "token_invalid_issuer"),
        (json!({"aud": ["someone-else"]}), "token_invalid_audience"),
        (json!({"exp": null}), "token_missing_claim"),
        (json!({"connection_id": 7}), "token_invalid_claim"),
    ] {
        let token = provider.signer.sign(&patched(&claims, patch.clone()));
        let err = client.idp_initiated_login_claims(&token).await.unwrap_err();
        assert_eq!(err.code(), code, "{patch}");
    }
    let forged = TestSigner::new(Algorithm::RS256, "key-1").sign(&claims);
    assert_eq!(
        client.idp_initiated_login_claims(&forged).await.unwrap_err().code(),
        "token_signature_invalid"
    );
}

/// OpenID Core §12.2: a refreshed ID token speaks of the same user as the tokens beside it.
#[tokio::test]
async fn a_refresh_whose_id_token_names_another_user_is_refused() {
    let (provider, _clock, client) = setup().await;
    let access = provider.signer.sign(&provider.claims());
    let id = provider.signer.sign(&patched(
        &provider.claims(),
        json!({"sub": "usr_other", "azp": CLIENT_ID, "at_hash": support::at_hash(&access)}),
    ));
    provider.token_answers(200, json!({"access_token": access, "id_token": id})).await;
    let err = client.refresh_access_token("rt-1").await.unwrap_err();
    assert_eq!(err.code(), "token_invalid_claim");
    assert!(err.to_string().contains("sub"));
}

/// OpenID Discovery §4.3: the document's issuer is the URL it was fetched from (or the
/// configured issuer); anything else is a misrouted or hostile answer.
#[tokio::test]
async fn a_discovery_document_naming_another_issuer_is_refused() {
    let provider = Provider::start().await;
    provider.reset().await;
    let uri = provider.url();
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": "https://evil.example", "jwks_uri": format!("{uri}/keys"),
        })))
        .mount(&provider.server)
        .await;
    provider.serve_keys(&[&provider.signer], Duration::ZERO).await;
    let clock = ManualClock::at(NOW);
    let client = provider.client(&clock);
    let err = client.provider_metadata().await.unwrap_err();
    assert_eq!(err.code(), "provider_invalid_response");
    assert!(err.to_string().contains("evil.example"));
    // Configured as the issuer, it is accepted, and so are its tokens.
    let configured = ScalekitAuth::new(provider.config(&clock).issuer(["https://evil.example/"])).unwrap();
    assert_eq!(configured.provider_metadata().await.unwrap().issuer, "https://evil.example");
    let token = provider.signer.sign(&patched(&provider.claims(), json!({"iss": "https://evil.example/"})));
    configured.validate_access_token(&token).await.unwrap();
}
