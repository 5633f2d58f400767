//! The core against a real OpenID provider (oidc-provider, set up like Scalekit):
//! login with PKCE, refresh and replay, logout, client credentials, key rotation and
//! outages.

use std::time::Duration;

use scalekit_auth::{AuthenticateOptions, AuthorizationUrlOptions, LogoutUrlOptions, ScalekitAuth};
use scalekit_auth_e2e::{Idp, POST_LOGOUT_URI, REDIRECT_URI};

fn offline() -> AuthorizationUrlOptions {
    AuthorizationUrlOptions {
        scopes: Some(["openid", "profile", "email", "offline_access"].map(String::from).to_vec()),
        ..Default::default()
    }
}

/// A full login: PKCE, state and nonce, code exchange, both tokens validated.
async fn log_in(
    idp: &Idp,
    client: &ScalekitAuth,
    username: &str,
    browser: &str,
) -> scalekit_auth::AuthResult {
    let login = client.create_login(REDIRECT_URI, &offline()).unwrap();
    let (code, state) = idp.login(&login.url, username, browser).await;
    assert_eq!(state, login.state, "the provider returns our state");
    let options = AuthenticateOptions { code_verifier: Some(login.code_verifier), nonce: Some(login.nonce) };
    client.authenticate_with_code(&code, REDIRECT_URI, &options).await.unwrap()
}

#[tokio::test]
async fn login_with_pkce_state_and_nonce_yields_validated_tokens() {
    let idp = Idp::shared_or_spawn().await;
    let client = idp.client();
    let result = log_in(&idp, &client, "admin", "login-test").await;

    assert_eq!(result.user.id, "usr_admin");
    assert_eq!(result.user.email.as_deref(), Some("admin@example.com"));
    assert_eq!(result.user.organization_id.as_deref(), Some("org_local"));
    assert_eq!(result.user.connection_id.as_deref(), Some("conn_local"));
    assert!(result.refresh_token.is_some(), "offline_access yields a refresh token");
    let access = &result.access_token_claims;
    assert_eq!(access.aud, [client.config().client_id()]);
    assert_eq!(access.roles, ["admin"]);
    assert!(access.permissions.contains(&"users:write".to_string()));
    assert!(access.scopes.contains(&"offline_access".to_string()));
    assert!(access.sid.is_some());
    // Both tokens validate again on their own.
    client.validate_access_token(&result.access_token).await.unwrap();
    let id_token = result.id_token.as_deref().unwrap();
    client.validate_id_token(id_token, None).await.unwrap();
}

#[tokio::test]
async fn a_wrong_pkce_verifier_or_a_reused_code_is_refused_by_the_provider() {
    let idp = Idp::shared_or_spawn().await;
    let client = idp.client();
    let login = client.create_login(REDIRECT_URI, &offline()).unwrap();
    let (code, _) = idp.login(&login.url, "jane", "pkce-test").await;
    let wrong = AuthenticateOptions { code_verifier: Some("x".repeat(43)), nonce: Some(login.nonce.clone()) };
    let err = client.authenticate_with_code(&code, REDIRECT_URI, &wrong).await.unwrap_err();
    assert_eq!(err.code(), "provider_error");
    assert!(matches!(err, scalekit_auth::Error::ProviderError { ref error, .. } if error == "invalid_grant"));
}

#[tokio::test]
async fn refresh_rotates_and_a_replayed_refresh_token_fails() {
    let idp = Idp::shared_or_spawn().await;
    let client = idp.client();
    let first = log_in(&idp, &client, "viewer", "refresh-test").await;
    let old = first.refresh_token.clone().unwrap();

    let refreshed = client.refresh_access_token(&old).await.unwrap();
    let new = refreshed.refresh_token.clone().unwrap();
    assert_ne!(new, old, "refresh tokens rotate");
    assert_ne!(refreshed.access_token, first.access_token);
    assert_eq!(refreshed.access_token_claims.roles, ["viewer"]);
    assert_eq!(refreshed.user.id, "usr_viewer");

    let err = client.refresh_access_token(&old).await.unwrap_err();
    match err {
        scalekit_auth::Error::ProviderError { error, status, .. } => {
            assert_eq!(error, "invalid_grant");
            assert_eq!(status, 400);
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }
}

#[tokio::test]
async fn logout_redirects_to_the_post_logout_uri_with_the_state() {
    let idp = Idp::shared_or_spawn().await;
    let client = idp.client();
    let result = log_in(&idp, &client, "jane", "logout-test").await;
    let url = client.logout_url(&LogoutUrlOptions {
        id_token_hint: result.id_token.clone(),
        post_logout_redirect_uri: Some(POST_LOGOUT_URI.into()),
        state: Some("bye-123".into()),
    });
    let landed = idp.browse(&url, "jane", "logout-test").await;
    assert_eq!(landed, format!("{POST_LOGOUT_URI}?state=bye-123"));
}

#[tokio::test]
async fn client_credentials_token_is_obtained_and_validates() {
    let idp = Idp::shared_or_spawn().await;
    let client = idp.client();
    let token = client.client_credentials_token().await.unwrap();
    assert!(token.expires_at.is_some());
    let claims = client.validate_access_token(&token.access_token).await.unwrap();
    assert_eq!(claims.sub, client.config().client_id());
    // Cached: the same token comes back.
    assert_eq!(client.client_credentials_token().await.unwrap().access_token, token.access_token);
}

#[tokio::test]
async fn a_running_client_picks_up_a_rotated_key() {
    let idp = Idp::spawn(300).await;
    let client = ScalekitAuth::new(idp.config().jwks_refetch_cooldown_seconds(1)).unwrap();
    let before = log_in(&idp, &client, "jane", "rotation").await;
    let kids = idp.rotate_keys(true).await;
    assert_eq!(kids.len(), 2);

    // Let the refetch cooldown pass, then a token signed with the new key validates.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let after = log_in(&idp, &client, "jane", "rotation").await;
    assert_ne!(before.access_token, after.access_token);
    assert_eq!(client.jwks_status().key_ids, kids);
    // The old key is still published, so earlier tokens still validate.
    client.validate_access_token(&before.access_token).await.unwrap();

    // Once the old key is withdrawn and the cache expires, its tokens no longer validate.
    idp.rotate_keys(false).await;
    let strict = ScalekitAuth::new(idp.config()).unwrap();
    let err = strict.validate_access_token(&before.access_token).await.unwrap_err();
    assert_eq!(err.code(), "token_key_not_found");
}

#[tokio::test]
async fn a_stopped_provider_gives_typed_errors_while_known_keys_keep_validating() {
    let mut idp = Idp::spawn(300).await;
    let client =
        ScalekitAuth::new(idp.config().jwks_cache_ttl_seconds(1).jwks_refetch_cooldown_seconds(1)).unwrap();
    let result = log_in(&idp, &client, "jane", "outage").await;

    // Slow first: a provider that answers after the timeout is a timeout.
    let impatient = ScalekitAuth::new(idp.config().http_timeout_seconds(1)).unwrap();
    idp.faults(0, 2500).await;
    assert_eq!(impatient.refresh_access_token("rt").await.unwrap_err().code(), "provider_timeout");
    // Failing: 503 everywhere.
    idp.faults(503, 0).await;
    assert_eq!(client.refresh_access_token("rt").await.unwrap_err().code(), "provider_unavailable");
    idp.faults(0, 0).await;

    idp.stop().await;
    tokio::time::sleep(Duration::from_millis(1100)).await; // past the TTL and cooldown
    let claims = client.validate_access_token(&result.access_token).await.unwrap();
    assert_eq!(claims.sub, "usr_jane");
    let status = client.jwks_status();
    assert_eq!(status.last_error.map(|e| e.code()), Some("provider_unreachable"));

    let err = client.refresh_access_token(result.refresh_token.as_deref().unwrap()).await.unwrap_err();
    assert_eq!(err.code(), "provider_unreachable");
    let cold = ScalekitAuth::new(idp.config()).unwrap();
    assert_eq!(
        cold.validate_access_token(&result.access_token).await.unwrap_err().code(),
        "jwks_unavailable"
    );
}
