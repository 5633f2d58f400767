//! Server-side sessions and back-channel logout, in one process's memory; the Redis
//! part (several instances, one refresh, outages) is in `redis_store.rs`.

mod support;

use std::time::Duration;

use scalekit_auth::{BACKCHANNEL_LOGOUT_EVENT, MAX_SESSIONS_PER_USER, RequestInfo};
use serde_json::{Value, json};
use support::session::{Fixture, fixture, fixture_with, logged_in, logged_in_at};
use support::{CLIENT_ID, NOW, patched};

/// A logout token for the fixture's user, with `patch` applied.
fn logout_token(f: &Fixture, patch: Value) -> String {
    let claims = json!({
        "iss": f.provider.url(), "aud": CLIENT_ID, "iat": NOW, "exp": NOW + 120,
        "jti": "lt-1", "sub": "usr_123", "sid": "ses_1",
        "events": { BACKCHANNEL_LOGOUT_EVENT: {} },
    });
    let header = json!({"alg": "RS256", "kid": f.provider.signer.kid(), "typ": "logout+jwt"});
    f.provider.signer.sign_with_header(&header, &patched(&claims, patch))
}

fn form(token: &str) -> String {
    format!("logout_token={token}")
}

#[tokio::test]
async fn a_server_side_session_cookie_holds_only_an_id_and_logout_kills_copies() {
    let f = fixture_with(|c| c.server_side_sessions(true)).await;
    let jar = logged_in(&f).await;
    let cookie = jar.header();
    assert!(cookie.len() < 200, "the cookie names the session, it does not carry tokens: {cookie}");
    let outcome = f.engine.authenticate(Some(&cookie), None).await;
    assert_eq!(outcome.result.unwrap().user.id, "usr_123");
    assert!(outcome.set_cookies.is_empty());

    let logout = f.engine.logout(Some(&cookie)).await;
    assert!(logout.redirect_url.contains("id_token_hint="), "the ID token came from the store");
    // A copy of the cookie taken before the logout is dead at once.
    let copied = f.engine.authenticate(Some(&cookie), None).await;
    assert_eq!(copied.result.unwrap_err().code(), "session_expired");
    assert!(copied.set_cookies[0].contains("Max-Age=0"), "and it is cleared");
}

#[tokio::test]
async fn a_server_side_session_refresh_keeps_the_cookie_and_stores_new_tokens() {
    let f = fixture_with(|c| c.server_side_sessions(true)).await;
    let jar = logged_in(&f).await;
    // Each refresh answers with the next refresh token; returns the one it was sent.
    let refresh = |next: &'static str| {
        let f = &f;
        let header = jar.header();
        async move {
            f.provider.reset().await;
            f.provider.mount_discovery().await;
            f.provider.serve_keys(&[&f.provider.signer], Duration::ZERO).await;
            f.provider.token_answers(200, f.provider.login_response("unused", Some(next))).await;
            let outcome = f.engine.authenticate(Some(&header), None).await;
            outcome.result.unwrap();
            assert!(outcome.set_cookies.is_empty(), "the tokens changed in the store, not in the cookie");
            f.provider.token_requests().await[0]["refresh_token"].clone()
        }
    };
    f.clock.advance(250); // inside the refresh window
    let first = refresh("rt-2").await;
    f.clock.advance(31); // past the reuse window: only the stored rt-2 can be used now
    let second = refresh("rt-3").await;
    let used = [first, second];
    assert_eq!(used, ["rt-1", "rt-2"], "the second refresh used the rotated token from the store");
}

#[tokio::test]
async fn backchannel_logout_by_sid_ends_cookie_sessions_and_refuses_replays() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    f.engine.authenticate(Some(&jar.header()), None).await.result.unwrap();

    let token = logout_token(&f, json!({}));
    let decision = f.engine.handle_backchannel_logout("POST", &form(&token)).await;
    assert_eq!(decision.status(), 200, "{:?}", decision.error);
    assert!(decision.set_cookies.is_empty());
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    let err = outcome.result.unwrap_err();
    assert_eq!(err.code(), "session_expired");
    assert!(err.to_string().contains("logged out at the provider"), "{err}");

    let replay = f.engine.handle_backchannel_logout("POST", &form(&token)).await;
    assert_eq!(replay.status(), 400);
    assert_eq!(replay.error.unwrap().code(), "token_replayed");
}

#[tokio::test]
async fn backchannel_logout_by_sub_ends_the_users_earlier_sessions_only() {
    let f = fixture_with(|c| c.server_side_sessions(true)).await;
    let before = logged_in(&f).await;
    let token = logout_token(&f, json!({"sid": null, "jti": "lt-sub"}));
    f.engine.backchannel_logout(&form(&token)).await.unwrap();
    assert_eq!(
        f.engine.authenticate(Some(&before.header()), None).await.result.unwrap_err().code(),
        "session_expired"
    );
    // A login after the logout is a new session (tokens the provider issued after it).
    f.clock.advance(5);
    let after = logged_in_at(&f, NOW + 5).await;
    f.engine.authenticate(Some(&after.header()), None).await.result.unwrap();
    // An older logout arriving late (a provider's retry) does not undo the newer one.
    let older = logout_token(&f, json!({"sid": null, "jti": "lt-old", "iat": NOW - 10}));
    f.engine.backchannel_logout(&form(&older)).await.unwrap();
    assert!(f.engine.authenticate(Some(&after.header()), None).await.result.is_ok());
    let code = f.engine.authenticate(Some(&before.header()), None).await.result.unwrap_err().code();
    assert_eq!(code, "session_expired", "the first session stays ended");
    // A newer one ends the later session too.
    let newer = logout_token(&f, json!({"sid": null, "jti": "lt-new", "iat": NOW + 10}));
    f.engine.backchannel_logout(&form(&newer)).await.unwrap();
    assert!(f.engine.authenticate(Some(&after.header()), None).await.result.is_err());
}

#[tokio::test]
async fn bad_logout_tokens_are_refused_with_their_codes() {
    let f = fixture().await;
    let cases: Vec<(String, &str)> = vec![
        ("logout_token=".into(), "invalid_argument"),
        ("other=1".into(), "invalid_argument"),
        (form("not-a-jwt"), "token_malformed"),
        (form(&logout_token(&f, json!({"aud": "another-client"}))), "token_invalid_audience"),
        (form(&logout_token(&f, json!({"iss": "https://evil.example"}))), "token_invalid_issuer"),
        (form(&logout_token(&f, json!({"exp": NOW - 600}))), "token_expired"),
        (form(&logout_token(&f, json!({"events": null}))), "token_missing_claim"),
        (form(&logout_token(&f, json!({"nonce": "n"}))), "token_invalid_claim"),
        (form(&logout_token(&f, json!({"sid": null, "sub": null}))), "token_missing_claim"),
        (form(&logout_token(&f, json!({"jti": null}))), "token_missing_claim"),
    ];
    for (body, code) in cases {
        let decision = f.engine.handle_backchannel_logout("POST", &body).await;
        assert_eq!(decision.status(), 400, "{body}");
        assert_eq!(decision.error.as_ref().map(|e| e.code()), Some(code), "{body}");
    }
    // An access token is refused by its header, or without one by its missing events.
    let header = json!({"alg": "RS256", "kid": f.provider.signer.kid(), "typ": "at+jwt"});
    let typed =
        f.provider.signer.sign_with_header(&header, &patched(&f.provider.claims(), json!({"events": {}})));
    let decision = f.engine.handle_backchannel_logout("POST", &form(&typed)).await;
    assert_eq!(decision.error.unwrap().code(), "token_wrong_type");
    let access = f.provider.signer.sign(&f.provider.claims());
    let decision = f.engine.handle_backchannel_logout("POST", &form(&access)).await;
    assert_eq!(decision.error.unwrap().code(), "token_missing_claim");
    // And a logout token is never an ID token, nor an access token.
    let logout = logout_token(&f, json!({"sub": null}));
    assert_eq!(
        f.engine.auth().validate_id_token(&logout, None).await.unwrap_err().code(),
        "token_wrong_type"
    );
    assert_eq!(f.engine.auth().validate_access_token(&logout).await.unwrap_err().code(), "token_wrong_type");
    assert_eq!(f.engine.handle_backchannel_logout("GET", "").await.status(), 405);
    // A valid token still works after all that.
    let ok = f.engine.handle_backchannel_logout("POST", &form(&logout_token(&f, json!({})))).await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn read_only_requests_see_a_backchannel_logout_too() {
    let f = fixture().await;
    let jar = logged_in(&f).await;
    f.engine.backchannel_logout(&form(&logout_token(&f, json!({})))).await.unwrap();
    let header = jar.header();
    let request = RequestInfo { cookie: Some(&header), ..RequestInfo::new("GET", "/api") };
    let decision = f.engine.peek_auth(&request, Some(&Default::default())).await;
    assert_eq!(decision.status(), 401);
}

#[tokio::test]
async fn a_user_logout_is_judged_by_the_providers_clock_not_the_apps() {
    // The app's clock runs 30 s ahead of the provider's (within the validation leeway).
    let f = fixture().await;
    f.clock.advance(30);
    let jar = logged_in_at(&f, NOW).await;
    // The provider ends every session of the user 5 s after this login, by its clock: the
    // session began before that, whatever the app's clock said when it opened it.
    let token = logout_token(&f, json!({"sid": null, "jti": "lt-skew", "iat": NOW + 5}));
    f.engine.backchannel_logout(&form(&token)).await.unwrap();
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    assert_eq!(outcome.result.unwrap_err().code(), "session_expired");
    // A login the provider answered after the logout is not touched by it.
    let later = logged_in_at(&f, NOW + 6).await;
    f.engine.authenticate(Some(&later.header()), None).await.result.unwrap();
}

#[tokio::test]
async fn one_user_keeps_at_most_the_newest_server_side_sessions() {
    let f = fixture_with(|c| c.server_side_sessions(true)).await;
    let mut jars = Vec::new();
    for _ in 0..=MAX_SESSIONS_PER_USER {
        jars.push(logged_in(&f).await);
    }
    // The oldest ended when the newest began; the others are all still alive.
    let oldest = f.engine.authenticate(Some(&jars[0].header()), None).await;
    assert_eq!(oldest.result.unwrap_err().code(), "session_expired");
    for jar in &jars[1..] {
        f.engine.authenticate(Some(&jar.header()), None).await.result.unwrap();
    }
    // A logged-out session leaves room: the next login ends nobody.
    let logout = f.engine.logout(Some(&jars[1].header())).await;
    assert!(logout.store_error.is_none());
    jars.push(logged_in(&f).await);
    f.engine.authenticate(Some(&jars[2].header()), None).await.result.unwrap();
}

#[tokio::test]
async fn a_replayed_logout_token_is_refused_even_when_both_arrive_at_once() {
    let f = fixture().await;
    let body = form(&logout_token(&f, json!({"jti": "lt-twice"})));
    let (a, b) = tokio::join!(f.engine.backchannel_logout(&body), f.engine.backchannel_logout(&body));
    let codes: Vec<_> = [a, b].into_iter().map(|r| r.err().map(|e| e.code())).collect();
    assert!(codes.contains(&None) && codes.contains(&Some("token_replayed")), "{codes:?}");
}
