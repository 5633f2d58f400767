//! The session engine against the local provider with 5-second access tokens.

use std::sync::Arc;
use std::time::Duration;

use scalekit_auth::{LoginParams, ScalekitAuth, SessionConfig, SessionEngine};
use scalekit_auth_e2e::{Idp, POST_LOGOUT_URI, REDIRECT_URI};

const SECRET: &str = "e2e-session-secret-0123456789-abcdefgh";

/// Logs in through the engine and the provider; returns the browser's `Cookie` header.
async fn logged_in(idp: &Idp, engine: &SessionEngine, browser: &str) -> String {
    let start = engine.begin_login(&LoginParams::default(), None).await.unwrap();
    let (code, state) = idp.login(&start.redirect_url, "jane", browser).await;
    let login_cookie = start.set_cookies[0].split(';').next().unwrap().to_owned();
    let outcome = engine.complete_login(&format!("code={code}&state={state}"), Some(&login_cookie)).await;
    outcome.result.unwrap();
    outcome
        .set_cookies
        .iter()
        .filter(|c| !c.contains("Max-Age=0"))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

fn engine(idp: &Idp) -> SessionEngine {
    let config = SessionConfig::new(REDIRECT_URI, [SECRET])
        .post_logout_redirect_uri(POST_LOGOUT_URI)
        .refresh_window_seconds(1);
    SessionEngine::new(ScalekitAuth::new(idp.config()).unwrap(), config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_requests_with_an_expired_token_cause_one_refresh() {
    let idp = Idp::spawn(5).await;
    let engine = Arc::new(engine(&idp));
    let cookie = logged_in(&idp, &engine, "concurrent").await;
    tokio::time::sleep(Duration::from_millis(5500)).await; // the access token has expired
    idp.reset_counts().await;

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (engine, cookie) = (engine.clone(), cookie.clone());
            tokio::spawn(async move { engine.authenticate(Some(&cookie), None).await })
        })
        .collect();
    let mut refreshed_tokens = Vec::new();
    for task in tasks {
        let outcome = task.await.unwrap();
        let identity = outcome.result.expect("every request succeeds");
        assert_eq!(identity.user.id, "usr_jane");
        refreshed_tokens.push(identity.access_token().to_owned());
    }
    assert_eq!(idp.count("/oauth/token").await, 1, "exactly one refresh at the provider");
    refreshed_tokens.dedup();
    assert_eq!(refreshed_tokens.len(), 1, "all requests got the same new token");
}

#[tokio::test]
async fn a_revoked_refresh_token_logs_the_user_out_cleanly() {
    let idp = Idp::spawn(5).await;
    let engine = engine(&idp);
    let cookie = logged_in(&idp, &engine, "revoked").await;
    assert!(engine.authenticate(Some(&cookie), None).await.result.is_ok());

    // The refresh token is revoked at the provider (e.g. the user logged out elsewhere).
    let refresh_token = {
        // Refresh once to learn the current refresh token through a fresh login's result.
        let auth = ScalekitAuth::new(idp.config()).unwrap();
        let login = auth
            .create_login(
                REDIRECT_URI,
                &scalekit_auth::AuthorizationUrlOptions {
                    scopes: Some(["openid", "offline_access"].map(String::from).to_vec()),
                    ..Default::default()
                },
            )
            .unwrap();
        let (code, _) = idp.login(&login.url, "jane", "revoked").await;
        let options = scalekit_auth::AuthenticateOptions {
            code_verifier: Some(login.code_verifier),
            nonce: Some(login.nonce),
        };
        auth.authenticate_with_code(&code, REDIRECT_URI, &options).await.unwrap().refresh_token.unwrap()
    };
    idp.revoke(&refresh_token).await;
    // Revoking one refresh token of the grant ends the whole grant at oidc-provider,
    // including the refresh token inside the session cookie.
    tokio::time::sleep(Duration::from_millis(5500)).await;
    let outcome = engine.authenticate(Some(&cookie), None).await;
    let err = outcome.result.unwrap_err();
    assert_eq!(err.code(), "session_expired", "{err}");
    assert!(err.to_string().contains("invalid_grant"), "{err}");
    assert!(outcome.set_cookies.iter().any(|c| c.starts_with("skauth_session=;") && c.contains("Max-Age=0")));
}

#[tokio::test]
async fn logout_revokes_the_refresh_token_without_waiting_long_for_the_provider() {
    let idp = Idp::spawn(5).await;
    let engine = engine(&idp);
    // Another instance with the same secret but a memory of its own: it knows nothing of
    // the logout, so only the provider can stop it from refreshing the old cookie.
    let elsewhere = self::engine(&idp);
    let cookie = logged_in(&idp, &engine, "revoke-at-logout").await;
    let kept = logged_in(&idp, &engine, "slow-provider").await;

    let logout = engine.logout(Some(&cookie)).await;
    assert!(logout.store_error.is_none());
    tokio::time::sleep(Duration::from_millis(5500)).await; // the access token has expired
    let outcome = elsewhere.authenticate(Some(&cookie), None).await;
    let err = outcome.result.unwrap_err();
    assert_eq!(err.code(), "session_expired", "{err}");
    assert!(err.to_string().contains("invalid_grant"), "the provider refused the revoked grant: {err}");

    // A provider that answers slowly does not hold up the logout.
    idp.faults(0, 5000).await;
    let started = std::time::Instant::now();
    let logout = engine.logout(Some(&kept)).await;
    assert!(started.elapsed() < Duration::from_millis(3000), "waited {:?}", started.elapsed());
    assert!(logout.redirect_url.starts_with(&idp.url), "{}", logout.redirect_url);
    idp.faults(0, 0).await;
}

#[tokio::test]
async fn the_app_ends_every_session_of_a_user_and_a_later_login_works() {
    let idp = Idp::spawn(300).await;
    let engine = engine(&idp);
    let laptop = logged_in(&idp, &engine, "laptop").await;
    let phone = logged_in(&idp, &engine, "phone").await;
    assert!(engine.authenticate(Some(&laptop), None).await.result.is_ok());

    engine.end_sessions_for("usr_jane").await.unwrap();
    for cookie in [&laptop, &phone] {
        let outcome = engine.authenticate(Some(cookie), None).await;
        assert_eq!(outcome.result.unwrap_err().code(), "session_expired");
        assert!(outcome.set_cookies.iter().any(|c| c.contains("Max-Age=0")), "the cookie is cleared");
    }
    assert_eq!(engine.end_sessions_for("").await.unwrap_err().code(), "invalid_argument");

    // A login right after (in the same second too) opens a session that stays.
    let again = logged_in(&idp, &engine, "laptop-again").await;
    assert!(engine.authenticate(Some(&again), None).await.result.is_ok());
}

#[tokio::test]
async fn a_login_with_max_age_asks_the_provider_and_checks_auth_time() {
    let idp = Idp::spawn(300).await;
    let engine = engine(&idp);
    let params = scalekit_auth::LoginParams::from_query("return_to=%2Fadmin&max_age=0", false);
    let start = engine.begin_login(&params, None).await.unwrap();
    assert!(start.redirect_url.contains("&max_age=0"), "{}", start.redirect_url);
    let (code, state) = idp.login(&start.redirect_url, "jane", "max-age").await;
    let login_cookie = start.set_cookies[0].split(';').next().unwrap().to_owned();
    let outcome = engine.complete_login(&format!("code={code}&state={state}"), Some(&login_cookie)).await;
    let result = outcome.result.expect("a fresh login satisfies max_age");
    assert_eq!(result.id, "usr_jane");
    assert_eq!(outcome.redirect_to, "/admin");
}
