//! The testing kit (signed-in test sessions and identities) and the cookie options.

use scalekit_auth::testing::{LocalProvider, TestSession, TestSigner};
use scalekit_auth::{
    Action, Algorithm, CookieSameSite, RequestInfo, Requirements, ScalekitAuth, SessionConfig, SessionEngine,
};

const CALLBACK: &str = "http://localhost:3000/auth/callback";
const SECRET: &str = "test-session-secret-0123456789-abcdef";

async fn app(provider: &LocalProvider, adjust: impl FnOnce(SessionConfig) -> SessionConfig) -> SessionEngine {
    let auth = ScalekitAuth::new(provider.config()).unwrap();
    SessionEngine::new(auth, adjust(SessionConfig::new(CALLBACK, [SECRET]))).unwrap()
}

fn api_request(cookie: &str) -> RequestInfo<'_> {
    RequestInfo { method: "GET", path_and_query: "/admin", cookie: Some(cookie), ..Default::default() }
}

#[tokio::test]
async fn a_test_session_cookie_signs_the_app_in_with_the_chosen_grants() {
    let provider = LocalProvider::start("skc_app", "secret", Algorithm::ES256).await.unwrap();
    let engine = app(&provider, |c| c).await;
    let session = TestSession::new("usr_ada")
        .email("ada@example.com")
        .name("Ada")
        .roles(["admin"])
        .permissions(["reports:read"])
        .organization("org_acme");
    let cookie = engine.test_session_cookie(provider.signer(), &session).await.unwrap();
    assert!(cookie.starts_with("skauth_session="), "{cookie}");

    let identity = engine.authenticate(Some(&cookie), None).await.result.unwrap();
    assert_eq!(identity.user.id, "usr_ada");
    assert_eq!(identity.user.email.as_deref(), Some("ada@example.com"));
    assert_eq!(identity.user.organization_id.as_deref(), Some("org_acme"));
    assert_eq!(identity.claims.aud, ["skc_app"]);
    assert_eq!(identity.claims.iss, provider.url());

    let admin = Requirements { roles: vec!["admin".into()], ..Default::default() };
    let decision = engine.require_auth(&api_request(&cookie), &admin).await;
    assert!(matches!(decision.action, Action::Continue(Some(_))), "{decision:?}");
    let owner = Requirements { roles: vec!["owner".into()], ..Default::default() };
    assert_eq!(engine.require_auth(&api_request(&cookie), &owner).await.status(), 403);
}

#[tokio::test]
async fn a_test_session_is_refused_where_a_real_one_would_be() {
    let provider = LocalProvider::start("skc_app", "secret", Algorithm::RS256).await.unwrap();
    let engine = app(&provider, |c| c).await;

    let expired = TestSession::new("usr_1").expires_in_seconds(-120);
    let cookie = engine.test_session_cookie(provider.signer(), &expired).await.unwrap();
    let err = engine.authenticate(Some(&cookie), None).await.result.unwrap_err();
    assert_eq!(err.code(), "session_expired");

    // Signed by a key the app does not trust.
    let stranger = TestSigner::new(Algorithm::RS256, "local-test-key");
    let cookie = engine.test_session_cookie(&stranger, &TestSession::default()).await.unwrap();
    let err = engine.authenticate(Some(&cookie), None).await.result.unwrap_err();
    assert_eq!(err.code(), "token_signature_invalid");

    // Sealed for another app (another session secret).
    let other = SessionEngine::new(
        ScalekitAuth::new(provider.config()).unwrap(),
        SessionConfig::new(CALLBACK, ["another-secret-0123456789-0123456789"]),
    )
    .unwrap();
    let cookie = other.test_session_cookie(provider.signer(), &TestSession::default()).await.unwrap();
    assert_eq!(engine.authenticate(Some(&cookie), None).await.result.unwrap_err().code(), "session_invalid");

    // A token for another audience.
    let foreign = TestSession::default().claim("aud", serde_json::json!(["skc_other"]));
    let cookie = engine.test_session_cookie(provider.signer(), &foreign).await.unwrap();
    let err = engine.authenticate(Some(&cookie), None).await.result.unwrap_err();
    assert_eq!(err.code(), "token_invalid_audience");
}

#[tokio::test]
async fn server_side_test_sessions_live_in_the_store() {
    let provider = LocalProvider::start("skc_app", "secret", Algorithm::ES256).await.unwrap();
    let engine = app(&provider, |c| c.server_side_sessions(true)).await;
    let cookie = engine.test_session_cookie(provider.signer(), &TestSession::new("usr_2")).await.unwrap();
    assert!(cookie.len() < 200, "the cookie names the session only: {cookie}");
    assert_eq!(engine.authenticate(Some(&cookie), None).await.result.unwrap().user.id, "usr_2");
    engine.logout(Some(&cookie)).await;
    assert!(engine.authenticate(Some(&cookie), None).await.result.is_err(), "logout deleted it");
}

#[test]
fn identities_are_built_for_unit_tests() {
    let identity = TestSession::new("usr_3").permissions(["a", "b"]).scopes(["read"]).identity();
    assert_eq!(identity.user.id, "usr_3");
    assert_eq!(identity.claims.permissions, ["a", "b"]);
    assert_eq!(identity.claims.scopes, ["read"]);
    assert_eq!(identity.user.organization_id, None);
    assert!(!format!("{identity:?}").contains("test-access-token"), "the token stays out of Debug");
}

#[tokio::test]
async fn cookie_domain_and_same_site_shape_the_session_cookie_only() {
    let provider = LocalProvider::start("skc_app", "secret", Algorithm::ES256).await.unwrap();
    let auth = ScalekitAuth::new(provider.config()).unwrap();
    let config = SessionConfig::new("https://app.example.com/auth/callback", [SECRET])
        .cookie_domain(".Example.com")
        .same_site(CookieSameSite::Strict);
    let engine = SessionEngine::new(auth, config).unwrap();
    assert_eq!(engine.session_cookie_name(), "__Secure-skauth_session");
    let cookie = engine.test_session_cookie(provider.signer(), &TestSession::default()).await.unwrap();
    let logout = engine.logout(Some(&cookie)).await;
    let cleared = logout.set_cookies.iter().find(|c| c.starts_with("__Secure-skauth_session=")).unwrap();
    assert!(cleared.contains("Domain=example.com") && cleared.contains("SameSite=Strict"), "{cleared}");

    let start = engine.begin_login(&Default::default(), None).await.unwrap();
    let login = &start.set_cookies[0];
    assert!(login.starts_with("__Host-skauth_login_"), "{login}");
    assert!(
        login.contains("SameSite=Lax") && !login.contains("Domain"),
        "the callback must carry it: {login}"
    );
}

#[test]
fn cookie_options_and_the_callback_path_are_checked_at_startup() {
    let build = |config: SessionConfig| {
        SessionEngine::new(
            ScalekitAuth::new(scalekit_auth::Config::new("https://a.example.com", "c", "s")).unwrap(),
            config,
        )
    };
    let base = || SessionConfig::new("https://app.example.com/auth/callback", [SECRET]);
    let err = build(base().cookie_domain("other.com")).unwrap_err();
    assert!(err.to_string().contains("does not cover"), "{err}");
    assert!(build(base().cookie_domain("exa mple.com")).is_err());
    assert!(build(base().cookie_domain("app.example.com")).is_ok());
    let insecure = SessionConfig::new(CALLBACK, [SECRET]).same_site(CookieSameSite::None);
    assert!(build(insecure).unwrap_err().to_string().contains("SameSite=None"));
    assert!(build(base().same_site(CookieSameSite::None)).is_ok());

    let err = build(base().callback_path("/login/callback")).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("/auth/callback") && message.contains("/login/callback"), "{message}");
    assert!(build(base().callback_path("/auth/callback")).is_ok());
    // An app mounted under a path prefix serves the callback below it.
    let mounted = SessionConfig::new("https://app.example.com/shop/auth/callback", [SECRET]);
    assert!(build(mounted.clone().callback_path("/auth/callback")).is_ok());
    assert!(build(mounted.callback_path("auth/callback")).is_ok(), "a path without its leading slash");
    let alike = SessionConfig::new("https://app.example.com/myauth/callback", [SECRET]);
    assert!(build(alike.callback_path("auth/callback")).is_err(), "a segment that merely ends alike");
}

#[tokio::test]
async fn the_local_provider_issues_machine_tokens_to_its_own_client_only() {
    let provider = LocalProvider::start("skc_m2m", "m2m-secret", Algorithm::RS256).await.unwrap();
    let auth = ScalekitAuth::new(provider.config()).unwrap();
    let token = auth.client_credentials_token().await.unwrap();
    assert_eq!(token.expires_in, Some(300));
    let claims = auth.validate_access_token(&token.access_token).await.unwrap();
    assert_eq!(claims.sub, "skc_m2m");
    assert_eq!(claims.oid, None);

    let wrong =
        ScalekitAuth::new(scalekit_auth::Config::new(provider.url(), "skc_m2m", "not-the-secret")).unwrap();
    assert_eq!(wrong.client_credentials_token().await.unwrap_err().code(), "provider_error");
    let stranger =
        ScalekitAuth::new(scalekit_auth::Config::new(provider.url(), "skc_other", "m2m-secret")).unwrap();
    assert!(stranger.client_credentials_token().await.is_err());
}
