//! The session engine against hostile or unlucky conditions: abandoned logins piling up
//! cookies, scripts mistaken for browsers, cross-site logout, cookie prefixes, provider
//! outages and refusals, short token lifetimes, a refresh that changes the user, error
//! pages that must not reflect input, and `Debug` output that must not leak tokens.

mod support;

use std::time::Duration;

use scalekit_auth::{Action, LoginParams, MAX_PENDING_LOGINS, RequestInfo, Requirements, SessionConfig};
use serde_json::json;
use support::session::{Jar, fixture, fixture_with, logged_in, query_param, start_login};
use support::{NOW, patched};

/// A page load typed into the address bar.
fn navigation(path_and_query: &str) -> RequestInfo<'_> {
    RequestInfo {
        method: "GET",
        path_and_query,
        accept: Some("text/html,application/xhtml+xml"),
        sec_fetch_mode: Some("navigate"),
        sec_fetch_site: Some("none"),
        ..Default::default()
    }
}

/// A script's `fetch()` from the app's own page.
fn fetch(path_and_query: &str) -> RequestInfo<'_> {
    RequestInfo {
        method: "GET",
        path_and_query,
        accept: Some("*/*"),
        sec_fetch_mode: Some("cors"),
        sec_fetch_site: Some("same-origin"),
        ..Default::default()
    }
}

fn login_cookies(jar: &Jar) -> usize {
    jar.names().iter().filter(|n| n.contains("skauth_login_")).count()
}

#[tokio::test]
async fn abandoned_logins_never_hold_more_than_three_transactions() {
    let f = fixture().await;
    let mut jar = Jar::default();
    let mut states = Vec::new();
    for i in 0..30 {
        let header = jar.header();
        let request = navigation("/auth/login?return_to=%2Freports").cookie(Some(&header));
        let decision = f.engine.handle_login(&request, false).await;
        let Action::Redirect(url) = &decision.action else { panic!("{:?}", decision.action) };
        states.push(query_param(url, "state"));
        jar.apply(&decision.set_cookies);
        assert!(login_cookies(&jar) <= MAX_PENDING_LOGINS, "after {} logins: {:?}", i + 1, jar.names());
        f.clock.advance(1);
    }
    assert_eq!(login_cookies(&jar), MAX_PENDING_LOGINS);
    assert!(jar.header().len() < 4096, "Cookie header of {} bytes", jar.header().len());
    // The newest login completes; the oldest ones are gone.
    let oldest = f.engine.complete_login(&format!("code=c&state={}", states[0]), Some(&jar.header())).await;
    assert_eq!(oldest.result.unwrap_err().code(), "state_mismatch");
    let nonce_of_newest = {
        // The provider must answer for the newest login's nonce.
        let header = jar.header();
        let start = f.engine.begin_login(&LoginParams::default(), Some(&header)).await.unwrap();
        jar.apply(&start.set_cookies);
        (query_param(&start.redirect_url, "state"), query_param(&start.redirect_url, "nonce"))
    };
    f.provider.token_answers(200, f.provider.login_response(&nonce_of_newest.1, Some("rt"))).await;
    let newest =
        f.engine.complete_login(&format!("code=c&state={}", nonce_of_newest.0), Some(&jar.header())).await;
    assert_eq!(newest.redirect_to, "/");
    newest.result.unwrap();
}

#[tokio::test]
async fn a_long_return_to_is_not_stored() {
    let f = fixture().await;
    let mut jar = Jar::default();
    let long = format!("/{}", "a".repeat(600));
    let state = start_login(&f, &mut jar, &long).await;
    let outcome = f.engine.complete_login(&format!("code=c&state={state}"), Some(&jar.header())).await;
    assert_eq!(outcome.redirect_to, "/");
    let mut jar = Jar::default();
    let state = start_login(&f, &mut jar, "/a/..//evil.example").await;
    let outcome = f.engine.complete_login(&format!("code=c&state={state}"), Some(&jar.header())).await;
    assert_eq!(outcome.redirect_to, "/");
}

#[tokio::test]
async fn scripts_get_401_json_and_never_start_a_login() {
    let f = fixture().await;
    let decision = f.engine.require_auth(&fetch("/api/reports"), &Requirements::default()).await;
    match &decision.action {
        Action::Respond { status, content_type, body } => {
            assert_eq!((*status, *content_type), (401, "application/json"));
            assert!(body.contains("session_missing"));
        }
        other => panic!("{other:?}"),
    }
    // Without Fetch Metadata, an Accept of */* (fetch's default) is no navigation either.
    let old_fetch = RequestInfo { path_and_query: "/reports", accept: Some("*/*"), ..Default::default() };
    assert_eq!(f.engine.require_auth(&old_fetch, &Requirements::default()).await.status(), 401);
    // A navigation without Accept is still a navigation.
    let nav =
        RequestInfo { path_and_query: "/reports", sec_fetch_mode: Some("navigate"), ..Default::default() };
    assert!(matches!(
        f.engine.require_auth(&nav, &Requirements::default()).await.action,
        Action::Redirect(_)
    ));
    // A script reaching the login route gets no login cookie.
    let decision = f.engine.handle_login(&fetch("/auth/login"), false).await;
    assert_eq!(decision.status(), 400);
    assert!(decision.set_cookies.is_empty());
}

#[tokio::test]
async fn a_logout_from_another_site_changes_nothing() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    let header = jar.header();
    let cross_site =
        RequestInfo { sec_fetch_site: Some("cross-site"), ..navigation("/auth/logout?x=%22%3E%3Cscript%3E") }
            .cookie(Some(&header));
    let decision = f.engine.handle_logout(&cross_site).await;
    assert!(decision.set_cookies.is_empty(), "no cookie is cleared");
    match &decision.action {
        Action::Respond { status, content_type, body } => {
            assert_eq!((*status, *content_type), (200, "text/html; charset=utf-8"));
            assert!(body.contains(r#"<form method="post" action="/auth/logout">"#), "{body}");
            assert!(!body.contains("<script>"));
        }
        other => panic!("{other:?}"),
    }
    assert!(f.engine.authenticate(Some(&header), None).await.result.is_ok(), "still logged in");
    // A script on another site gets 403.
    let api =
        RequestInfo { sec_fetch_site: Some("cross-site"), ..fetch("/auth/logout") }.cookie(Some(&header));
    let decision = f.engine.handle_logout(&api).await;
    assert_eq!(decision.status(), 403);
    assert_eq!(decision.error.unwrap().code(), "cross_site_request");
    // The app's own button (same-origin POST) and a typed URL (none) log out.
    for site in ["same-origin", "none"] {
        let own = RequestInfo { method: "POST", sec_fetch_site: Some(site), ..navigation("/auth/logout") }
            .cookie(Some(&header));
        let decision = f.engine.handle_logout(&own).await;
        assert!(matches!(decision.action, Action::Redirect(_)), "{site}");
        let mut after = jar.clone();
        after.apply(&decision.set_cookies);
        assert!(after.names().is_empty(), "{site}: {:?}", after.names());
    }
}

#[tokio::test]
async fn secure_cookies_carry_the_host_prefix() {
    let f = fixture_with(|c| c.secure_cookies(true)).await;
    assert_eq!(f.engine.session_cookie_name(), "__Host-skauth_session");
    let start = f.engine.begin_login(&LoginParams::default(), None).await.unwrap();
    let cookie = &start.set_cookies[0];
    assert!(cookie.starts_with("__Host-skauth_login_"), "{cookie}");
    assert!(cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"));
    // Plain-http localhost keeps plain names (a browser drops __Host- cookies without Secure).
    let plain = fixture_with(|c: SessionConfig| c).await;
    assert_eq!(plain.engine.session_cookie_name(), "skauth_session");
}

async fn serve_token_error(f: &support::session::Fixture, status: u16, body: serde_json::Value) {
    f.provider.reset().await;
    f.provider.mount_discovery().await;
    f.provider.serve_keys(&[&f.provider.signer], Duration::ZERO).await;
    f.provider.token_answers(status, body).await;
}

#[tokio::test]
async fn an_outage_with_an_oauth_error_body_keeps_the_session() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    f.clock.advance(250); // inside the refresh window, the access token still valid
    serve_token_error(&f, 503, json!({"error": "temporarily_unavailable"})).await;
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    assert!(outcome.result.is_ok());
    assert!(outcome.set_cookies.iter().all(|c| !c.contains("Max-Age=0")));
    // After expiry the outage is reported as such (503), and the session is kept.
    f.clock.advance(31 + 120);
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    let err = outcome.result.unwrap_err();
    assert_eq!((err.code(), err.http_status()), ("provider_error", 503));
    assert!(outcome.set_cookies.is_empty());
    // `temporarily_unavailable` answered with 400 is an outage too, and so is a 429.
    for (status, error) in [(400, "temporarily_unavailable"), (429, "too_many_requests")] {
        let f = fixture().await;
        let jar = logged_in(&f).await;
        f.clock.advance(250);
        serve_token_error(&f, status, json!({ "error": error })).await;
        let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
        assert!(outcome.result.is_ok(), "{status} {error}");
        assert!(outcome.set_cookies.is_empty(), "{status} {error}: the refresh token is kept");
    }
}

#[tokio::test]
async fn after_an_outage_requests_do_not_wait_for_the_provider_again_at_once() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    f.clock.advance(250);
    serve_token_error(&f, 503, json!({})).await;
    assert!(f.engine.authenticate(Some(&jar.header()), None).await.result.is_ok());
    for _ in 0..5 {
        assert!(f.engine.authenticate(Some(&jar.header()), None).await.result.is_ok());
    }
    assert_eq!(f.provider.token_requests().await.len(), 1, "one attempt per outage window");
    f.clock.advance(5);
    assert!(f.engine.authenticate(Some(&jar.header()), None).await.result.is_ok());
    assert_eq!(f.provider.token_requests().await.len(), 2, "tried again after the window");
}

#[tokio::test]
async fn cookies_of_the_unprefixed_name_are_cleared_once_prefixes_are_used() {
    let f = fixture_with(|c| c.secure_cookies(true)).await;
    let outcome =
        f.engine.authenticate(Some("skauth_session=old; skauth_session.1=old; other=1"), None).await;
    assert_eq!(outcome.result.unwrap_err().code(), "session_missing");
    let cleared: Vec<&str> = outcome.set_cookies.iter().map(|c| c.split('=').next().unwrap()).collect();
    assert_eq!(cleared, ["skauth_session", "skauth_session.1"]);
    assert!(outcome.set_cookies.iter().all(|c| c.contains("Max-Age=0")));
}

#[tokio::test]
async fn a_short_lived_token_is_refreshed_once_near_its_end() {
    let f = fixture().await;
    let mut jar = Jar::default();
    let start = f.engine.begin_login(&LoginParams::default(), None).await.unwrap();
    jar.apply(&start.set_cookies);
    let (state, nonce) =
        (query_param(&start.redirect_url, "state"), query_param(&start.redirect_url, "nonce"));
    // The provider issues 16-second access tokens.
    let access = f.provider.signer.sign(&patched(&f.provider.claims(), json!({"exp": NOW + 16})));
    let id = f.provider.signer.sign(&patched(
        &f.provider.claims(),
        json!({"nonce": nonce, "at_hash": support::at_hash(&access), "azp": support::CLIENT_ID}),
    ));
    let body = json!({"access_token": access, "id_token": id, "refresh_token": "rt-1", "expires_in": 16});
    serve_token_error(&f, 200, body).await;
    let outcome = f.engine.complete_login(&format!("code=c&state={state}"), Some(&jar.header())).await;
    outcome.result.unwrap();
    jar.apply(&outcome.set_cookies);
    let before = f.provider.token_requests().await.len();
    // For most of its life the token is used as it is.
    for _ in 0..10 {
        f.clock.advance(1);
        assert!(f.engine.authenticate(Some(&jar.header()), None).await.result.is_ok());
    }
    assert_eq!(f.provider.token_requests().await.len(), before, "no refresh in the first 10 s of 16");
    f.clock.advance(3); // 3 s before expiry: within a quarter of its lifetime (4 s)
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    outcome.result.unwrap();
    assert_eq!(f.provider.token_requests().await.len(), before + 1);
}

#[tokio::test]
async fn a_refresh_that_names_another_user_ends_the_session() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    let mut body = f.provider.login_response("unused", Some("rt-2"));
    body["access_token"] =
        json!(f.provider.signer.sign(&patched(&f.provider.claims(), json!({"sub": "usr_other"}))));
    body["id_token"] = serde_json::Value::Null;
    serve_token_error(&f, 200, body).await;
    f.clock.advance(250);
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    let err = outcome.result.unwrap_err();
    assert_eq!(err.code(), "token_invalid_claim");
    assert!(err.to_string().contains("sub"));
    assert!(outcome.set_cookies.iter().any(|c| c.contains("Max-Age=0")));
}

#[tokio::test]
async fn a_failed_callback_shows_a_page_that_reflects_nothing() {
    let f = fixture().await;
    let query =
        "/auth/callback?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state=s";
    let decision = f.engine.handle_callback(&navigation(query)).await;
    assert_eq!(decision.status(), 401);
    let headers = decision.headers();
    assert!(headers.contains(&("x-content-type-options", "nosniff".to_owned())), "{headers:?}");
    assert!(headers.contains(&("content-type", "text/html; charset=utf-8".to_owned())));
    assert!(
        headers.iter().any(|(n, v)| *n == "content-security-policy" && v.contains("frame-ancestors 'none'"))
    );
    let Action::Respond { body, .. } = &decision.action else { panic!() };
    assert!(!body.contains("<script>") && !body.contains("alert"), "{body}");
    assert!(body.contains(r#"href="/auth/login?return_to=%2F""#), "{body}");
    // The description is kept for logs.
    assert!(decision.error.unwrap().to_string().contains("alert(1)"));
    // An API caller gets the code and a short message as JSON, without provider details.
    let decision = f.engine.handle_callback(&fetch(query)).await;
    let Action::Respond { body, content_type, .. } = &decision.action else { panic!() };
    assert_eq!(*content_type, "application/json");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["error"], "authorization_denied");
    assert!(!body.contains("alert"));
    // A redirect carries the same protective headers.
    let redirect = f.engine.handle_login(&navigation("/auth/login"), false).await;
    let names: Vec<_> = redirect.headers().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["location", "cache-control", "x-content-type-options"]);
}

#[tokio::test]
async fn error_bodies_never_show_issuers_audiences_or_urls() {
    let f = fixture().await;
    let wrong_issuer =
        f.provider.signer.sign(&patched(&f.provider.claims(), json!({"iss": "https://evil.example"})));
    let header = format!("Bearer {wrong_issuer}");
    let request = RequestInfo { authorization: Some(&header), ..fetch("/api") };
    let decision = f.engine.require_auth(&request, &Requirements::default()).await;
    let Action::Respond { body, .. } = &decision.action else { panic!() };
    assert!(body.contains("token_invalid_issuer"));
    for secret in [f.provider.url().as_str(), "evil.example", support::CLIENT_ID] {
        assert!(!body.contains(secret), "{secret} in {body}");
    }
    // An outage: no provider URL or transport error either.
    let jar = logged_in(&f).await;
    f.clock.advance(400);
    serve_token_error(&f, 502, json!({})).await;
    let cookie = jar.header();
    let decision =
        f.engine.require_auth(&fetch("/api").cookie(Some(&cookie)), &Requirements::default()).await;
    let Action::Respond { body, .. } = &decision.action else { panic!("{:?}", decision.action) };
    assert!(!body.contains("127.0.0.1") && !body.contains("http"), "{body}");
}

#[tokio::test]
async fn an_id_token_is_no_bearer_token() {
    let f = fixture().await;
    let id_token = f
        .provider
        .signer
        .sign(&patched(&f.provider.claims(), json!({"nonce": "n", "azp": support::CLIENT_ID})));
    let outcome = f.engine.authenticate(None, Some(&format!("Bearer {id_token}"))).await;
    assert_eq!(outcome.result.unwrap_err().code(), "token_wrong_type");
}

#[tokio::test]
async fn debug_output_never_shows_tokens_or_sealed_cookies() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    let header = jar.header();
    let sealed = jar.0.iter().map(|(_, v)| v.clone()).next().unwrap();
    let outcome = f.engine.authenticate(Some(&header), None).await;
    let identity = outcome.result.as_ref().unwrap();
    let token = identity.access_token().to_owned();
    let decision =
        f.engine.require_auth(&navigation("/").cookie(Some(&header)), &Requirements::default()).await;
    let logout = f.engine.logout(Some(&header)).await;
    let id_token = query_param(&logout.redirect_url, "id_token_hint");
    let start = f.engine.begin_login(&LoginParams::default(), None).await.unwrap();
    let state = query_param(&start.redirect_url, "state");
    let options = scalekit_auth::AuthenticateOptions {
        code_verifier: Some("verifier-123".into()),
        nonce: Some("nonce-456".into()),
    };
    let logout_options =
        scalekit_auth::LogoutUrlOptions { id_token_hint: Some(id_token.clone()), ..Default::default() };
    let printed =
        format!("{identity:?} {outcome:?} {decision:?} {logout:?} {start:?} {options:?} {logout_options:?}");
    for secret in
        [token.as_str(), id_token.as_str(), sealed.as_str(), state.as_str(), "verifier-123", "nonce-456"]
    {
        assert!(!printed.contains(secret), "a secret of {} bytes is in the Debug output", secret.len());
    }
    assert!(printed.contains("usr_123"), "the user stays visible: {printed}");
}

#[tokio::test]
async fn a_read_only_check_never_refreshes_nor_writes_cookies() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    let header = jar.header();
    let before = f.provider.token_requests().await.len();
    f.clock.advance(250); // inside the refresh window: served as it is
    let outcome = f.engine.authenticate_read_only(Some(&header), None).await;
    assert_eq!(outcome.result.unwrap().user.id, "usr_123");
    assert!(outcome.set_cookies.is_empty());
    let page = navigation("/dashboard").cookie(Some(&header));
    let decision = f.engine.peek_auth(&page, Some(&Requirements::default())).await;
    assert!(matches!(decision.action, Action::Continue(Some(_))));
    assert!(decision.set_cookies.is_empty());
    f.clock.advance(51); // past exp: refused, not refreshed, nothing cleared
    let outcome = f.engine.authenticate_read_only(Some(&header), None).await;
    assert_eq!(outcome.result.unwrap_err().code(), "session_expired");
    assert!(outcome.set_cookies.is_empty());
    let decision = f.engine.peek_auth(&page, Some(&Requirements::default())).await;
    assert!(matches!(decision.action, Action::Redirect(_)), "{:?}", decision.action);
    assert!(matches!(f.engine.peek_auth(&page, None).await.action, Action::Continue(None)));
    let api = fetch("/api").cookie(Some(&header));
    assert_eq!(f.engine.peek_auth(&api, Some(&Requirements::default())).await.status(), 401);
    assert_eq!(f.provider.token_requests().await.len(), before, "no refresh was attempted");
}

/// A browser fetching a page ahead of time (speculation rules, `<link rel=prefetch>`).
fn prefetch<'a>(path_and_query: &'a str, purpose: &'a str) -> RequestInfo<'a> {
    RequestInfo { purpose: Some(purpose), ..navigation(path_and_query) }
}

#[tokio::test]
async fn a_prefetch_never_starts_a_login_nor_writes_a_cookie() {
    let f = fixture().await;
    for purpose in ["prefetch", "prefetch;prerender", "Prefetch"] {
        // A protected page: 401 instead of a redirect to log in.
        let page = f.engine.require_auth(&prefetch("/reports", purpose), &Requirements::default()).await;
        assert_eq!(page.status(), 401, "{purpose}");
        assert!(page.set_cookies.is_empty());
        assert!(page.headers().contains(&("cache-control", "no-store".to_owned())));
        // A dead session cookie is not even cleared by a prefetch.
        let dead = prefetch("/reports", purpose).cookie(Some("skauth_session=garbage"));
        let page = f.engine.require_auth(&dead, &Requirements::default()).await;
        assert_eq!((page.status(), page.set_cookies.len()), (401, 0), "{purpose}");
        // The login route itself: nothing started, no login cookie.
        let login =
            f.engine.handle_login(&prefetch("/auth/login?return_to=%2Freports", purpose), false).await;
        assert_eq!((login.status(), login.set_cookies.len()), (401, 0), "{purpose}");
    }
    // A prefetch that does not look like a page load (`<link rel=prefetch>`, `Accept: */*`)
    // is answered alike: 401 from both routes, and no clearing of a dead cookie either.
    let bare =
        RequestInfo { purpose: Some("prefetch"), ..fetch("/reports") }.cookie(Some("skauth_session=garbage"));
    let page = f.engine.require_auth(&bare, &Requirements::default()).await;
    assert_eq!((page.status(), page.set_cookies.len()), (401, 0));
    let bare = RequestInfo { purpose: Some("prefetch"), ..fetch("/auth/login") };
    let login = f.engine.handle_login(&bare, false).await;
    assert_eq!((login.status(), login.set_cookies.len()), (401, 0));
    // The navigation that follows starts the login as always.
    let page = f.engine.require_auth(&navigation("/reports"), &Requirements::default()).await;
    assert!(matches!(page.action, Action::Redirect(_)));
    let login = f.engine.handle_login(&navigation("/auth/login?return_to=%2Freports"), false).await;
    assert!(matches!(login.action, Action::Redirect(_)));
    assert_eq!(login.set_cookies.len(), 1);
    // The headers through which adapters pass it.
    let headers = [("sec-purpose", "prefetch")];
    let info =
        RequestInfo::from_headers("GET", "/", |n| headers.iter().find(|(k, _)| *k == n).map(|(_, v)| *v));
    assert!(info.is_prefetch());
    let legacy = [("purpose", "prefetch")];
    let info =
        RequestInfo::from_headers("GET", "/", |n| legacy.iter().find(|(k, _)| *k == n).map(|(_, v)| *v));
    assert!(info.is_prefetch());
    assert!(
        scalekit_auth::REQUEST_HEADERS.contains(&"sec-purpose")
            && scalekit_auth::REQUEST_HEADERS.contains(&"purpose")
    );
}

#[tokio::test]
async fn the_back_button_onto_a_used_callback_lands_where_the_login_was_headed() {
    let f = fixture().await;
    let mut jar = Jar::default();
    let state = start_login(&f, &mut jar, "/reports").await;
    let callback = format!("/auth/callback?code=c1&state={state}");
    let first = f.engine.handle_callback(&navigation(&callback).cookie(Some(&jar.header()))).await;
    assert!(matches!(&first.action, Action::Redirect(to) if to == "/reports"));
    jar.apply(&first.set_cookies);
    // Back onto the callback URL, signed in: the return-to, not an error page.
    let header = jar.header();
    let again = f.engine.handle_callback(&navigation(&callback).cookie(Some(&header))).await;
    assert!(matches!(&again.action, Action::Redirect(to) if to == "/reports"), "{:?}", again.action);
    // Another instance, which does not remember the login: the home page.
    let other = scalekit_auth::SessionEngine::new(
        f.provider.client(&f.clock),
        SessionConfig::new(support::session::CALLBACK, [support::session::SECRET]),
    )
    .unwrap();
    let elsewhere = other.handle_callback(&navigation(&callback).cookie(Some(&header))).await;
    assert!(matches!(&elsewhere.action, Action::Redirect(to) if to == "/"), "{:?}", elsewhere.action);
    // Without a session the error page stays.
    let anonymous = f.engine.handle_callback(&navigation(&callback)).await;
    assert_eq!(anonymous.status(), 400);
    assert_eq!(anonymous.error.unwrap().code(), "callback_replayed");
    assert_eq!(f.provider.token_requests().await.len(), 1, "the code was exchanged once");
}

#[tokio::test]
async fn one_refresh_token_timing_out_does_not_pause_the_other_sessions_refreshes() {
    use wiremock::matchers::{body_string_contains, method, path};
    use wiremock::{Mock, ResponseTemplate};

    let f = fixture().await;
    // Two users' sessions, each with a refresh token of its own.
    let mut sessions = Vec::new();
    for rt in ["rt-slow", "rt-fast"] {
        let mut jar = Jar::default();
        let start = f.engine.begin_login(&LoginParams::default(), None).await.unwrap();
        jar.apply(&start.set_cookies);
        let nonce = query_param(&start.redirect_url, "nonce");
        serve_token_error(&f, 200, f.provider.login_response(&nonce, Some(rt))).await;
        let state = query_param(&start.redirect_url, "state");
        let outcome = f.engine.complete_login(&format!("code=c&state={state}"), Some(&jar.header())).await;
        outcome.result.unwrap();
        jar.apply(&outcome.set_cookies);
        sessions.push(jar);
    }
    // An engine of the same app whose requests to the provider time out after 1 s; the
    // provider hangs on one refresh token only.
    let auth = scalekit_auth::ScalekitAuth::new(f.provider.config(&f.clock).http_timeout_seconds(1)).unwrap();
    let engine = scalekit_auth::SessionEngine::new(
        auth,
        SessionConfig::new(support::session::CALLBACK, [support::session::SECRET]),
    )
    .unwrap();
    f.provider.reset().await;
    f.provider.mount_discovery().await;
    f.provider.serve_keys(&[&f.provider.signer], Duration::ZERO).await;
    let fresh = f.provider.login_response("unused", Some("rt-fast-2"));
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=rt-slow"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&fresh).set_delay(Duration::from_secs(3)))
        .mount(&f.provider.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=rt-fast"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&fresh))
        .mount(&f.provider.server)
        .await;
    f.clock.advance(250); // both inside the refresh window, their tokens still valid
    let slow = engine.authenticate(Some(&sessions[0].header()), None).await;
    assert!(slow.result.is_ok(), "a timed-out refresh keeps a session whose token is valid");
    assert!(slow.set_cookies.is_empty(), "nothing was refreshed");
    // The same second, another session's refresh goes to the provider and succeeds.
    let fast = engine.authenticate(Some(&sessions[1].header()), None).await;
    fast.result.unwrap();
    assert!(!fast.set_cookies.is_empty(), "the other session was refreshed");
    // The slow token itself waits out its back-off instead of hanging every request.
    let started = std::time::Instant::now();
    assert!(engine.authenticate(Some(&sessions[0].header()), None).await.result.is_ok());
    assert!(started.elapsed() < Duration::from_millis(500), "backed off: {:?}", started.elapsed());
}
