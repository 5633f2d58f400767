//! The session engine against an in-process provider: login transactions, callbacks,
//! sealed cookies, lifetimes, refresh, bearer tokens, logout and adapter decisions.

mod support;

use std::time::Duration;

use scalekit_auth::testing::ManualClock;
use scalekit_auth::{
    Action, LoginParams, RequestInfo, Requirements, ScalekitAuth, SessionConfig, SessionEngine,
};
use serde_json::json;
use support::session::{
    CALLBACK, Fixture, Jar, OLD_SECRET, SECRET, fixture, fixture_with, logged_in, query_param, start_login,
};
use support::{NOW, Provider, patched};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn begin_login_sets_a_login_cookie_and_a_pkce_url() {
    let f = fixture().await;
    let start = f
        .engine
        .begin_login(&LoginParams::from_query("return_to=%2Fx&organization_id=org_9", false), None)
        .await
        .unwrap();
    let url = &start.redirect_url;
    assert!(url.starts_with(&format!("{}/oauth/authorize?", f.provider.url())));
    for param in ["state", "nonce", "code_challenge"] {
        assert_eq!(query_param(url, param).len(), 43, "{param}");
    }
    assert_eq!(query_param(url, "code_challenge_method"), "S256");
    assert_eq!(query_param(url, "scope"), "openid profile email offline_access");
    assert_eq!(query_param(url, "organization_id"), "org_9");
    assert_eq!(query_param(url, "redirect_uri"), CALLBACK);
    let cookie = &start.set_cookies[0];
    assert!(cookie.starts_with("skauth_login_"));
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=600"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http on localhost");
    let signup = f.engine.begin_login(&LoginParams::from_query("", true), None).await.unwrap();
    assert_eq!(query_param(&signup.redirect_url, "prompt"), "create");
}

#[tokio::test]
async fn a_completed_login_opens_a_session() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    assert_eq!(jar.names(), ["skauth_session"], "the login cookie is cleared, the session set");
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    let identity = outcome.result.unwrap();
    assert_eq!(identity.user.email.as_deref(), Some("jane@acme.com"));
    assert_eq!(identity.claims.roles, ["admin"]);
    assert!(outcome.set_cookies.is_empty(), "no rewrite on an ordinary request");
}

#[tokio::test]
async fn logins_started_in_two_tabs_both_complete() {
    let f = fixture().await;
    let mut jar = Jar::default();
    let first = f.engine.begin_login(&LoginParams::default(), None).await.unwrap();
    let second = f.engine.begin_login(&LoginParams::default(), None).await.unwrap();
    jar.apply(&first.set_cookies);
    jar.apply(&second.set_cookies);
    assert_eq!(jar.names().len(), 2);
    for start in [&second, &first] {
        let nonce = query_param(&start.redirect_url, "nonce");
        f.provider.reset().await;
        f.provider.mount_discovery().await;
        f.provider.serve_keys(&[&f.provider.signer], Duration::ZERO).await;
        f.provider.token_answers(200, f.provider.login_response(&nonce, None)).await;
        let state = query_param(&start.redirect_url, "state");
        let outcome = f.engine.complete_login(&format!("code=c&state={state}"), Some(&jar.header())).await;
        outcome.result.unwrap();
        jar.apply(&outcome.set_cookies);
    }
}

#[tokio::test]
async fn bad_callbacks_never_open_a_session() {
    let f = fixture().await;
    let mut jar = Jar::default();
    let state = start_login(&f, &mut jar, "/").await;
    let cookie = jar.header();
    let cases = [
        ("code=c", "state_mismatch"),
        ("code=c&state=someone-elses-state", "state_mismatch"),
        ("error=access_denied&error_description=User+cancelled", "authorization_denied"),
        (&format!("code=c&state={state}&iss=https%3A%2F%2Fevil.example") as &str, "callback_invalid_issuer"),
        (&format!("state={state}"), "authorization_denied"),
    ];
    for (query, code) in cases {
        let outcome = f.engine.complete_login(query, Some(&cookie)).await;
        assert_eq!(outcome.result.unwrap_err().code(), code, "{query}");
        assert!(outcome.set_cookies.iter().all(|c| !c.starts_with("skauth_session=")), "{query}");
    }
    // No cookie at all.
    let outcome = f.engine.complete_login(&format!("code=c&state={state}x"), None).await;
    assert_eq!(outcome.result.unwrap_err().code(), "state_mismatch");
}

#[tokio::test]
async fn an_expired_login_and_a_replayed_callback_are_refused() {
    let f = fixture().await;
    let mut jar = Jar::default();
    let state = start_login(&f, &mut jar, "/").await;
    f.clock.advance(601);
    let outcome = f.engine.complete_login(&format!("code=c&state={state}"), Some(&jar.header())).await;
    assert_eq!(outcome.result.unwrap_err().code(), "login_expired");

    let f = fixture().await;
    let mut jar = Jar::default();
    let state = start_login(&f, &mut jar, "/").await;
    let query = format!("code=c&state={state}");
    let stolen_cookie = jar.header();
    f.engine.complete_login(&query, Some(&stolen_cookie)).await.result.unwrap();
    // The same callback again, with or without the login cookie.
    let again = f.engine.complete_login(&query, Some(&stolen_cookie)).await;
    assert_eq!(again.result.unwrap_err().code(), "callback_replayed");
    let again = f.engine.complete_login(&query, None).await;
    assert_eq!(again.result.unwrap_err().code(), "callback_replayed");
    assert_eq!(f.provider.token_requests().await.len(), 1, "the code was exchanged once");
}

#[tokio::test]
async fn a_tampered_session_cookie_is_rejected_and_cleared() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    let value = jar.0[0].1.clone();
    for i in (0..value.len()).step_by(3) {
        let mut bytes = value.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let header = format!("skauth_session={}", String::from_utf8(bytes).unwrap());
        let outcome = f.engine.authenticate(Some(&header), None).await;
        assert_eq!(outcome.result.unwrap_err().code(), "session_invalid", "byte {i}");
        assert!(outcome.set_cookies[0].contains("Max-Age=0"));
    }
    for header in ["skauth_session=", "skauth_session=%%%", "skauth_session.0=abc", "junk", ""] {
        let code = f.engine.authenticate(Some(header), None).await.result.unwrap_err().code();
        assert!(matches!(code, "session_invalid" | "session_missing"), "{header}: {code}");
    }
}

#[tokio::test]
async fn a_session_sealed_under_an_old_secret_opens_after_rotation() {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let before =
        SessionEngine::new(provider.client(&clock), SessionConfig::new(CALLBACK, [OLD_SECRET])).unwrap();
    let f = Fixture { provider, clock: clock.clone(), engine: before };
    let jar = logged_in(&f).await;
    let rotated =
        SessionEngine::new(f.provider.client(&clock), SessionConfig::new(CALLBACK, [SECRET, OLD_SECRET]))
            .unwrap();
    assert!(rotated.authenticate(Some(&jar.header()), None).await.result.is_ok());
    let retired =
        SessionEngine::new(f.provider.client(&clock), SessionConfig::new(CALLBACK, [SECRET])).unwrap();
    assert_eq!(
        retired.authenticate(Some(&jar.header()), None).await.result.unwrap_err().code(),
        "session_invalid"
    );
}

#[tokio::test]
async fn idle_and_absolute_lifetimes_end_the_session() {
    let f = fixture_with(|c| c.idle_timeout_seconds(100).absolute_lifetime_seconds(250)).await;
    let mut jar = logged_in(&f).await;
    f.clock.advance(60);
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    assert!(outcome.result.is_ok());
    assert!(!outcome.set_cookies.is_empty(), "the idle clock moved: cookie rewritten");
    jar.apply(&outcome.set_cookies);
    f.clock.advance(99);
    assert!(f.engine.authenticate(Some(&jar.header()), None).await.result.is_ok(), "active sessions live on");
    f.clock.advance(100);
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    let err = outcome.result.unwrap_err();
    assert_eq!(err.code(), "session_expired");
    assert!(err.to_string().contains("absolute") || err.to_string().contains("idle"));
    assert!(outcome.set_cookies[0].contains("Max-Age=0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_near_expiry_share_one_refresh() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    // The next token response is the refresh.
    let body = f.provider.login_response("unused", Some("rt-2"));
    f.provider.reset().await;
    f.provider.mount_discovery().await;
    f.provider.serve_keys(&[&f.provider.signer], Duration::ZERO).await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body).set_delay(Duration::from_millis(200)))
        .mount(&f.provider.server)
        .await;
    f.clock.advance(250); // 50 s before expiry: inside the refresh window
    let engine = std::sync::Arc::new(f.engine);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (engine, header) = (engine.clone(), jar.header());
            tokio::spawn(async move { engine.authenticate(Some(&header), None).await })
        })
        .collect();
    for task in tasks {
        let outcome = task.await.unwrap();
        outcome.result.unwrap();
        assert!(outcome.set_cookies.iter().any(|c| c.starts_with("skauth_session=")));
    }
    // A straggler with the old cookie reuses the result instead of replaying the token.
    assert!(engine.authenticate(Some(&jar.header()), None).await.result.is_ok());
    let requests = f.provider.token_requests().await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["refresh_token"], "rt-1");
}

#[tokio::test]
async fn a_refused_refresh_ends_the_session_but_an_outage_does_not() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    f.clock.advance(250);
    // Outage while the access token is still valid: stay logged in, keep the cookie.
    f.provider.reset().await;
    f.provider.mount_discovery().await;
    f.provider.serve_keys(&[&f.provider.signer], Duration::ZERO).await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&f.provider.server)
        .await;
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    assert!(outcome.result.is_ok());
    assert!(outcome.set_cookies.iter().all(|c| !c.contains("Max-Age=0")));
    // Outage after expiry: not authenticated, but the session is kept for later.
    f.clock.advance(120);
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    assert_eq!(outcome.result.unwrap_err().code(), "provider_unavailable");
    assert!(outcome.set_cookies.is_empty());
    // The provider refuses the refresh token: logged out cleanly.
    f.provider.reset().await;
    f.provider.mount_discovery().await;
    f.provider.token_answers(400, json!({"error": "invalid_grant"})).await;
    f.clock.advance(31); // past the reuse window of the refresh cache
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    let err = outcome.result.unwrap_err();
    assert_eq!(err.code(), "session_expired");
    assert!(err.to_string().contains("invalid_grant"));
    assert!(outcome.set_cookies.iter().any(|c| c.starts_with("skauth_session=;") && c.contains("Max-Age=0")));
}

#[tokio::test]
async fn bearer_tokens_are_validated_alone() {
    let f = fixture().await;
    let token = f.provider.signer.sign(&f.provider.claims());
    let outcome =
        f.engine.authenticate(Some("skauth_session=garbage"), Some(&format!("Bearer {token}"))).await;
    let identity = outcome.result.unwrap();
    assert_eq!(identity.source, scalekit_auth::IdentitySource::Bearer);
    assert!(outcome.set_cookies.is_empty(), "bearer requests never touch cookies");
    let expired = f.provider.signer.sign(&patched(&f.provider.claims(), json!({"exp": NOW - 3600})));
    let outcome = f.engine.authenticate(None, Some(&format!("bearer {expired}"))).await;
    assert_eq!(outcome.result.unwrap_err().code(), "token_expired");
    assert_eq!(
        f.engine.authenticate(None, Some("Bearer   ")).await.result.unwrap_err().code(),
        "token_malformed"
    );
    // Another scheme is not ours: the cookie decides.
    assert_eq!(
        f.engine.authenticate(None, Some("Basic dTpw")).await.result.unwrap_err().code(),
        "session_missing"
    );
}

#[tokio::test]
async fn logout_clears_every_cookie_and_returns_the_provider_logout_url() {
    let f = fixture().await;
    let mut jar = logged_in(&f).await;
    jar.0.push(("skauth_session.3".into(), "stale".into()));
    let outcome = f.engine.logout(Some(&jar.header())).await;
    let url = &outcome.redirect_url;
    assert!(url.starts_with(&format!("{}/oidc/logout?id_token_hint=ey", f.provider.url())), "{url}");
    assert_eq!(query_param(url, "post_logout_redirect_uri"), "http://localhost:3000/");
    assert_eq!(query_param(url, "state").len(), 43);
    jar.apply(&outcome.set_cookies);
    assert!(jar.names().is_empty(), "{:?}", jar.names());
    // Without a session, logout still works.
    assert!(f.engine.logout(None).await.redirect_url.contains("/oidc/logout"));
}

#[tokio::test]
async fn large_sessions_are_chunked_under_4096_bytes() {
    let f = fixture().await;
    let mut jar = Jar::default();
    let start = f.engine.begin_login(&LoginParams::default(), None).await.unwrap();
    jar.apply(&start.set_cookies);
    let nonce = query_param(&start.redirect_url, "nonce");
    let mut body = f.provider.login_response(&nonce, Some("rt"));
    let big = "p".repeat(9000);
    body["access_token"] =
        json!(f.provider.signer.sign(&patched(&f.provider.claims(), json!({"permissions": [big]}))));
    let id = patched(&f.provider.claims(), json!({"nonce": nonce}));
    body["id_token"] = json!(f.provider.signer.sign(&id));
    f.provider.token_answers(200, body).await;
    let state = query_param(&start.redirect_url, "state");
    let outcome = f.engine.complete_login(&format!("code=c&state={state}"), Some(&jar.header())).await;
    outcome.result.unwrap();
    assert!(outcome.set_cookies.iter().all(|c| c.len() <= 4096));
    jar.apply(&outcome.set_cookies);
    assert!(jar.names().contains(&"skauth_session.2"), "{:?}", jar.names());
    let identity = f.engine.authenticate(Some(&jar.header()), None).await.result.unwrap();
    assert_eq!(identity.claims.permissions[0].len(), 9000);
    // Chunks out of order are rejected.
    let mut swapped = jar.clone();
    let (a, b) = (
        swapped.0.iter().position(|(n, _)| n == "skauth_session.0").unwrap(),
        swapped.0.iter().position(|(n, _)| n == "skauth_session.1").unwrap(),
    );
    let tmp = swapped.0[a].1.clone();
    swapped.0[a].1 = swapped.0[b].1.clone();
    swapped.0[b].1 = tmp;
    assert_eq!(
        f.engine.authenticate(Some(&swapped.header()), None).await.result.unwrap_err().code(),
        "session_invalid"
    );
    // A missing chunk too.
    let mut missing = jar.clone();
    missing.0.retain(|(n, _)| n != "skauth_session.1");
    assert_eq!(
        f.engine.authenticate(Some(&missing.header()), None).await.result.unwrap_err().code(),
        "session_invalid"
    );
}

#[tokio::test]
async fn decisions_redirect_browsers_and_answer_apis_with_json() {
    let f = fixture().await;
    let page =
        RequestInfo { path_and_query: "/dashboard?tab=2", accept: Some("text/html"), ..Default::default() };
    let decision = f.engine.require_auth(&page, &Requirements::default()).await;
    match decision.action {
        Action::Redirect(location) => assert_eq!(location, "/auth/login?return_to=%2Fdashboard%3Ftab%3D2"),
        other => panic!("{other:?}"),
    }
    let api =
        RequestInfo { path_and_query: "/api/me", accept: Some("application/json"), ..Default::default() };
    match f.engine.require_auth(&api, &Requirements::default()).await.action {
        Action::Respond { status, body, content_type } => {
            assert_eq!((status, content_type), (401, "application/json"));
            assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["error"], "session_missing");
        }
        other => panic!("{other:?}"),
    }
    let jar = logged_in(&f).await;
    let header = jar.header();
    let admin_page = RequestInfo { path_and_query: "/admin", cookie: Some(&header), ..Default::default() };
    let needs_owner = Requirements { roles: vec!["owner".into()], ..Default::default() };
    let decision = f.engine.require_auth(&admin_page, &needs_owner).await;
    assert!(decision.error.as_ref().unwrap().to_string().contains("owner"), "the details go to logs");
    match decision.action {
        Action::Respond { status, body, .. } => {
            assert_eq!(status, 403);
            assert!(body.contains("insufficient_scope"));
        }
        other => panic!("{other:?}"),
    }
    let needs_admin = Requirements { roles: vec!["admin".into()], ..Default::default() };
    assert!(matches!(
        f.engine.require_auth(&admin_page, &needs_admin).await.action,
        Action::Continue(Some(_))
    ));
    let anonymous = RequestInfo { path_and_query: "/", ..Default::default() };
    assert!(matches!(f.engine.optional_auth(&anonymous).await.action, Action::Continue(None)));
}

#[tokio::test]
async fn idp_initiated_login_becomes_a_normal_login_with_its_hints() {
    let f = fixture().await;
    let token = f.provider.signer.sign(&json!({
        "iss": f.provider.url(), "aud": [support::CLIENT_ID], "exp": NOW + 60,
        "connection_id": "conn_7", "organization_id": "org_7", "login_hint": "a@b.co", "relay_state": "/welcome",
    }));
    let request = RequestInfo {
        path_and_query: &format!("/auth/login?idp_initiated_login={token}"),
        sec_fetch_mode: Some("navigate"),
        ..Default::default()
    };
    let decision = f.engine.handle_login(&request, false).await;
    let Action::Redirect(url) = decision.action else { panic!("{:?}", decision.action) };
    assert_eq!(query_param(&url, "connection_id"), "conn_7");
    assert_eq!(query_param(&url, "organization_id"), "org_7");
    assert_eq!(query_param(&url, "login_hint"), "a@b.co");
    assert_eq!(query_param(&url, "state").len(), 43, "the state stays random");
    let forged = scalekit_auth::testing::TestSigner::new(scalekit_auth::Algorithm::RS256, "key-1")
        .sign(&json!({"iss": f.provider.url(), "exp": NOW + 60}));
    let request = RequestInfo {
        path_and_query: &format!("/auth/login?idp_initiated_login={forged}"),
        sec_fetch_mode: Some("navigate"),
        ..Default::default()
    };
    match f.engine.handle_login(&request, false).await.action {
        Action::Respond { status, .. } => assert_eq!(status, 401),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn invalid_session_configuration_is_reported() {
    let provider = Provider::start().await;
    let auth: ScalekitAuth = provider.client(&ManualClock::at(NOW));
    let err = SessionEngine::new(auth, SessionConfig::new(CALLBACK, ["too-short"])).unwrap_err();
    assert_eq!(err.code(), "invalid_config");
}

#[tokio::test]
async fn a_reused_refresh_result_never_hands_out_an_expired_access_token() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    // The refresh returns an access token that lives 20 s only.
    let mut body = f.provider.login_response("unused", Some("rt-2"));
    body["access_token"] =
        json!(f.provider.signer.sign(&patched(&f.provider.claims(), json!({"exp": NOW + 270}))));
    body["id_token"] = serde_json::Value::Null;
    f.provider.reset().await;
    f.provider.mount_discovery().await;
    f.provider.serve_keys(&[&f.provider.signer], Duration::ZERO).await;
    f.provider.token_answers(200, body).await;
    f.clock.advance(250);
    assert!(f.engine.authenticate(Some(&jar.header()), None).await.result.is_ok());
    // 25 s later a request still carrying the old cookie: the remembered result's token
    // has expired, so it is not reused; the old refresh token goes to the provider again.
    f.provider.reset().await;
    f.provider.mount_discovery().await;
    f.provider.serve_keys(&[&f.provider.signer], Duration::ZERO).await;
    f.provider.token_answers(400, json!({"error": "invalid_grant"})).await;
    f.clock.advance(25);
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    assert_eq!(f.provider.token_requests().await[0]["refresh_token"], "rt-1");
    // Refused, but that cookie's own access token is still valid: it serves until it
    // expires, and the rewritten cookie holds no refresh token to try again with.
    assert!(outcome.result.is_ok());
    let mut jar = jar;
    jar.apply(&outcome.set_cookies);
    f.clock.advance(20);
    assert!(f.engine.authenticate(Some(&jar.header()), None).await.result.is_ok());
    assert_eq!(f.provider.token_requests().await.len(), 1, "no second refusal asked for");
    f.clock.advance(60);
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    assert_eq!(outcome.result.unwrap_err().code(), "session_expired");
    assert_eq!(f.provider.token_requests().await.len(), 1);
}
