//! The two-step callback: the app sees the user and tokens before the session opens,
//! may refuse the login, or keep its own data in the session.

mod support;

use scalekit_auth::{Action, LoginVerdict, MAX_APP_DATA_BYTES, MAX_APP_DATA_DEPTH, RequestInfo};
use serde_json::json;
use support::session::{Jar, fixture, fixture_with, start_login};

const NAVIGATE: &str = "text/html,application/xhtml+xml";

fn callback<'a>(path: &'a str, cookie: &'a str) -> RequestInfo<'a> {
    RequestInfo {
        method: "GET",
        path_and_query: path,
        cookie: Some(cookie),
        accept: Some(NAVIGATE),
        sec_fetch_mode: Some("navigate"),
        ..Default::default()
    }
}

#[tokio::test]
async fn app_data_kept_at_login_comes_back_on_every_request_and_survives_a_refresh() {
    let f = fixture().await;
    let mut jar = Jar::default();
    let state = start_login(&f, &mut jar, "/reports").await;
    let (path, cookie) = (format!("/auth/callback?code=c&state={state}"), jar.header());
    let pending = f.engine.begin_callback(&callback(&path, &cookie)).await;
    let login = pending.result.as_ref().unwrap();
    assert_eq!(login.user.email.as_deref(), Some("jane@acme.com"));
    assert_eq!(login.access_token_claims.roles, ["admin"]);
    let verdict = LoginVerdict::AllowWith(json!({"plan": "plan-pro-42", "seats": 3}));
    let decision = f.engine.finish_callback(&callback(&path, &cookie), pending, verdict).await;
    assert_eq!(decision.status(), 302);
    assert!(!decision.is_refusal());
    assert!(matches!(&decision.action, Action::Redirect(to) if to == "/reports"));
    jar.apply(&decision.set_cookies);

    let identity = f.engine.authenticate(Some(&jar.header()), None).await.result.unwrap();
    assert_eq!(identity.app_data, Some(json!({"plan": "plan-pro-42", "seats": 3})));
    assert!(!format!("{identity:?}").contains("plan-pro-42"), "app data stays out of Debug");

    // Near expiry the session is refreshed; the app data goes on.
    f.clock.advance(290);
    f.provider.token_answers(200, f.provider.login_response("", Some("rt-2"))).await;
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    assert!(!outcome.set_cookies.is_empty(), "refreshed");
    assert_eq!(outcome.result.unwrap().app_data, Some(json!({"plan": "plan-pro-42", "seats": 3})));
}

#[tokio::test]
async fn a_denied_login_opens_no_session_and_shows_the_reason() {
    let f = fixture().await;
    let mut jar = Jar::default();
    let state = start_login(&f, &mut jar, "/").await;
    let (path, cookie) = (format!("/auth/callback?code=c&state={state}"), jar.header());
    let request = callback(&path, &cookie);
    let pending = f.engine.begin_callback(&request).await;
    let verdict = LoginVerdict::Deny("Only <Acme> accounts can sign in here.".into());
    let decision = f.engine.finish_callback(&request, pending, verdict).await;
    assert_eq!(decision.status(), 403);
    assert!(decision.is_refusal());
    assert_eq!(decision.error.as_ref().map(|e| e.code()), Some("login_denied"));
    assert_eq!(decision.retry_path.as_deref(), Some("/auth/login?return_to=%2F"));
    let Action::Respond { body, .. } = &decision.action else { panic!("{decision:?}") };
    assert!(body.contains("Only &lt;Acme&gt; accounts can sign in here."), "{body}");
    jar.apply(&decision.set_cookies);
    assert!(jar.names().is_empty(), "the login cookie is cleared and no session set: {:?}", jar.names());
}

#[tokio::test]
async fn a_failed_login_stays_failed_whatever_the_verdict_and_app_data_is_bounded() {
    let f = fixture().await;
    let mut jar = Jar::default();
    start_login(&f, &mut jar, "/").await;
    let cookie = jar.header();
    let request = callback("/auth/callback?code=c&state=forged", &cookie);
    let pending = f.engine.begin_callback(&request).await;
    assert_eq!(pending.result.as_ref().unwrap_err().code(), "state_mismatch");
    let decision = f.engine.finish_callback(&request, pending, LoginVerdict::AllowWith(json!({}))).await;
    assert_eq!(decision.error.as_ref().map(|e| e.code()), Some("state_mismatch"));

    let state = start_login(&f, &mut jar, "/").await;
    let (path, cookie) = (format!("/auth/callback?code=c&state={state}"), jar.header());
    let request = callback(&path, &cookie);
    let pending = f.engine.begin_callback(&request).await;
    let huge = LoginVerdict::AllowWith(json!({"blob": "x".repeat(MAX_APP_DATA_BYTES)}));
    let decision = f.engine.finish_callback(&request, pending, huge).await;
    assert_eq!(decision.error.as_ref().map(|e| e.code()), Some("invalid_config"));
    assert_eq!(decision.status(), 500, "an app bug, not the user's");
    assert!(decision.error.unwrap().to_string().contains("database"));
}

#[tokio::test]
async fn app_data_nested_deeper_than_the_session_reader_allows_is_refused_at_login() {
    let f = fixture().await;
    let mut jar = Jar::default();
    let nested = |levels: usize| (0..levels).fold(json!(1), |inner, _| json!([inner]));

    let state = start_login(&f, &mut jar, "/").await;
    let (path, cookie) = (format!("/auth/callback?code=c&state={state}"), jar.header());
    let request = callback(&path, &cookie);
    let pending = f.engine.begin_callback(&request).await;
    let deep = LoginVerdict::AllowWith(nested(MAX_APP_DATA_DEPTH + 1));
    let decision = f.engine.finish_callback(&request, pending, deep).await;
    assert_eq!(decision.error.as_ref().map(|e| e.code()), Some("invalid_config"));
    assert!(decision.error.unwrap().to_string().contains("levels deep"));

    let state = start_login(&f, &mut jar, "/").await;
    let (path, cookie) = (format!("/auth/callback?code=c&state={state}"), jar.header());
    let request = callback(&path, &cookie);
    let pending = f.engine.begin_callback(&request).await;
    let decision = f
        .engine
        .finish_callback(&request, pending, LoginVerdict::AllowWith(nested(MAX_APP_DATA_DEPTH)))
        .await;
    assert!(decision.error.is_none(), "{:?}", decision.error);
    jar.apply(&decision.set_cookies);
    let identity =
        f.engine.authenticate(Some(&jar.header()), None).await.result.expect("the session reads back");
    assert_eq!(identity.app_data, Some(nested(MAX_APP_DATA_DEPTH)));
}

#[tokio::test]
async fn with_strict_cookies_the_callback_lands_through_a_same_site_page() {
    // A redirect would continue the provider's cross-site navigation, on which a Strict
    // cookie is not sent: the app would start a login again and again.
    let f = fixture_with(|c| c.same_site(scalekit_auth::CookieSameSite::Strict)).await;
    let mut jar = Jar::default();
    let state = start_login(&f, &mut jar, "/reports?tab=1&x=2").await;
    let (path, cookie) = (format!("/auth/callback?code=c&state={state}"), jar.header());
    let decision = f.engine.handle_callback(&callback(&path, &cookie)).await;
    assert_eq!(decision.status(), 200);
    let Action::Respond { body, .. } = &decision.action else { panic!("{:?}", decision.action) };
    assert!(body.contains(r#"<meta http-equiv="refresh" content="0;url=/reports?tab=1&amp;x=2">"#), "{body}");
    assert!(decision.set_cookies.iter().any(|c| c.contains("SameSite=Strict")), "{:?}", decision.set_cookies);
    let policy = decision.headers().into_iter().find(|(n, _)| *n == "content-security-policy");
    assert!(policy.is_some_and(|(_, v)| v.contains("default-src 'none'")));
}

#[tokio::test]
async fn an_app_with_sessions_of_its_own_gets_the_verified_user_and_no_session_opens() {
    let f = fixture().await;
    let mut jar = Jar::default();
    let state = start_login(&f, &mut jar, "/welcome").await;
    let (path, cookie) = (format!("/auth/callback?code=c&state={state}"), jar.header());
    let request = callback(&path, &cookie);
    let pending = f.engine.begin_callback(&request).await;
    assert_eq!(pending.result.as_ref().unwrap().user.email.as_deref(), Some("jane@acme.com"));
    let decision = f.engine.finish_callback(&request, pending, LoginVerdict::WithoutSession).await;
    assert!(decision.error.is_none(), "{:?}", decision.error);
    assert!(matches!(&decision.action, Action::Redirect(to) if to == "/welcome"));
    jar.apply(&decision.set_cookies);
    assert!(jar.names().is_empty(), "the login cookie is cleared and no session set: {:?}", jar.names());
    let after = f.engine.authenticate(Some(&jar.header()), None).await;
    assert_eq!(after.result.unwrap_err().code(), "session_missing");
}
