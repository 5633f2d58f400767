//! The axum example against the local provider with 5-second access tokens:
//! login → protected page → transparent refresh → logout, and the 401/403 paths.

use std::time::Duration;

use scalekit_auth::{ScalekitAuth, SessionConfig, SessionEngine};
use scalekit_auth_e2e::{Browser, Idp};

const SECRET: &str = "axum-example-test-secret-0123456789abcdef";

struct App {
    url: String,
    idp: Idp,
}

async fn start() -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let callback = format!("{url}/auth/callback");
    let idp = Idp::spawn_with(5, &[&callback], &[&format!("{url}/")]).await;
    let config = SessionConfig::new(&callback, [SECRET])
        .post_logout_redirect_uri(format!("{url}/"))
        .refresh_window_seconds(2);
    let engine = SessionEngine::new(ScalekitAuth::new(idp.config()).unwrap(), config).unwrap();
    tokio::spawn(
        async move { axum::serve(listener, scalekit_auth_example_axum::app(engine).unwrap()).await },
    );
    App { url, idp }
}

const HTML: (&str, &str) = ("accept", "text/html");
const JSON: (&str, &str) = ("accept", "application/json");

/// Logs `username` in through the app's own routes and the provider's login page.
async fn log_in(app: &App, browser: &mut Browser, username: &str, path: &str) {
    let page = browser.get(&format!("{}{path}", app.url), &[HTML]).await;
    assert_eq!(page.status, 302);
    let login = page.location.unwrap();
    assert!(login.starts_with("/auth/login?return_to="), "{login}");
    let page = browser.get(&format!("{}{login}", app.url), &[HTML]).await;
    assert_eq!(page.status, 302);
    let callback = app.idp.browse(&page.location.unwrap(), username, username).await;
    let page = browser.get(&callback, &[HTML]).await;
    assert_eq!(page.status, 302, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some(path));
    assert!(browser.cookie_names().contains(&"skauth_session".to_string()));
}

fn exp_of(body: &str) -> i64 {
    body.split("<span id=exp>")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .and_then(|n| n.parse().ok())
        .expect("exp on the page")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_protected_page_refresh_and_logout() {
    let app = start().await;
    let mut browser = Browser::new();
    log_in(&app, &mut browser, "admin", "/dashboard").await;

    let page = browser.get(&format!("{}/dashboard", app.url), &[HTML]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("admin@example.com") && page.body.contains("Roles: admin"), "{}", page.body);
    let first_exp = exp_of(&page.body);

    // Wait into the refresh window of the 5-second token: the next request refreshes
    // transparently and sets a new session cookie.
    app.idp.reset_counts().await;
    // The window is the last quarter of its life (1 s of 5 s): wait 4.2 s.
    tokio::time::sleep(Duration::from_millis(4200)).await;
    let page = browser.get(&format!("{}/dashboard", app.url), &[HTML]).await;
    assert_eq!(page.status, 200);
    assert!(page.set_cookies.iter().any(|c| c.starts_with("skauth_session=")));
    assert!(exp_of(&page.body) > first_exp);
    assert_eq!(app.idp.count("/oauth/token").await, 1);

    let page = browser.get(&format!("{}/admin", app.url), &[HTML]).await;
    assert_eq!(page.status, 200);
    let page = browser.get(&format!("{}/api/me", app.url), &[JSON]).await;
    assert_eq!(page.status, 200);
    let me: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(me["user"]["id"], "usr_admin");
    assert_eq!(me["source"], "session");

    // Logout clears the session and goes through the provider back to the app.
    let page = browser.get(&format!("{}/auth/logout", app.url), &[HTML]).await;
    assert_eq!(page.status, 302);
    assert!(!browser.cookie_names().contains(&"skauth_session".to_string()));
    let landed = app.idp.browse(&page.location.unwrap(), "admin", "admin").await;
    assert!(landed.starts_with(&format!("{}/?state=", app.url)), "{landed}");
    let page = browser.get(&format!("{}/dashboard", app.url), &[HTML]).await;
    assert_eq!(page.status, 302, "logged out");
}

#[tokio::test]
async fn api_and_role_errors_are_json_and_a_tampered_cookie_logs_out() {
    let app = start().await;
    let mut anonymous = Browser::new();
    let page = anonymous.get(&format!("{}/api/me", app.url), &[JSON]).await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("\"error\":\"session_missing\""), "{}", page.body);

    // A machine token works as a bearer token on the API.
    let token = ScalekitAuth::new(app.idp.config()).unwrap().client_credentials_token().await.unwrap();
    let bearer = format!("Bearer {}", token.access_token);
    let page = anonymous.get(&format!("{}/api/me", app.url), &[("authorization", &bearer)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("\"source\":\"bearer\""));
    let page =
        anonymous.get(&format!("{}/api/me", app.url), &[("authorization", "Bearer not.a.token")]).await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("token_"));

    let mut viewer = Browser::new();
    log_in(&app, &mut viewer, "viewer", "/dashboard").await;
    let page = viewer.get(&format!("{}/admin", app.url), &[HTML]).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("insufficient_scope"));

    // Tamper with the session cookie: the user is logged out and sent to log in.
    let (_, value) = viewer.jar.iter_mut().find(|(n, _)| n == "skauth_session").unwrap();
    value.replace_range(10..11, if &value[10..11] == "A" { "B" } else { "A" });
    let page = viewer.get(&format!("{}/dashboard", app.url), &[HTML]).await;
    assert_eq!(page.status, 302);
    assert!(page.location.unwrap().starts_with("/auth/login"));
    assert!(page.set_cookies.iter().any(|c| c.starts_with("skauth_session=;") && c.contains("Max-Age=0")));
}

/// The hardening seen from outside: abandoned logins, scripts, cross-site logout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_logins_scripts_and_cross_site_logout() {
    let app = start().await;
    // 30 logins started and never finished leave the Cookie header small.
    let mut browser = Browser::new();
    for _ in 0..30 {
        let page = browser.get(&format!("{}/auth/login?return_to=%2Fdashboard", app.url), &[HTML]).await;
        assert_eq!(page.status, 302);
    }
    let logins = browser.cookie_names().iter().filter(|n| n.starts_with("skauth_login_")).count();
    assert_eq!(logins, scalekit_auth::MAX_PENDING_LOGINS);
    assert!(browser.cookie_header().len() < 4096, "{} bytes", browser.cookie_header().len());
    // A script without a session gets 401 JSON, not a redirect, and cannot start a login.
    let fetch = [("accept", "*/*"), ("sec-fetch-mode", "cors"), ("sec-fetch-site", "same-origin")];
    let page = Browser::new().get(&format!("{}/dashboard", app.url), &fetch).await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("session_missing"), "{}", page.body);
    let page = Browser::new().get(&format!("{}/auth/login", app.url), &fetch).await;
    assert_eq!(page.status, 400);
    assert!(page.set_cookies.is_empty());
    // A link on another site does not log the user out.
    let mut user = Browser::new();
    log_in(&app, &mut user, "jane", "/dashboard").await;
    let cross = [HTML, ("sec-fetch-mode", "navigate"), ("sec-fetch-site", "cross-site")];
    let page = user.get(&format!("{}/auth/logout", app.url), &cross).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"method="post""#), "{}", page.body);
    assert!(page.set_cookies.is_empty());
    assert_eq!(user.get(&format!("{}/dashboard", app.url), &[HTML]).await.status, 200, "still logged in");
    // The app's own logout ends the session.
    let own = [HTML, ("sec-fetch-mode", "navigate"), ("sec-fetch-site", "same-origin")];
    let page = user.get(&format!("{}/auth/logout", app.url), &own).await;
    assert_eq!(page.status, 302);
    assert_eq!(user.get(&format!("{}/dashboard", app.url), &[HTML]).await.status, 302, "logged out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idp_initiated_login_lands_on_the_relay_state() {
    let app = start().await;
    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (relay, landing) in [("/admin", "/admin"), ("//evil.example/x", "/")] {
        let mut start = url::Url::parse(&format!("{}/sso/idp-initiated", app.idp.url)).unwrap();
        start
            .query_pairs_mut()
            .append_pair("initiate_login_uri", &format!("{}/auth/login", app.url))
            .append_pair("connection_id", "conn_local")
            .append_pair("relay_state", relay);
        // The provider sends the user to the app's login route with a token of its own.
        let from_idp = no_redirects.get(start.as_str()).send().await.unwrap();
        assert_eq!(from_idp.status(), 302);
        let login_url = from_idp.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            login_url.starts_with(&format!("{}/auth/login?idp_initiated_login=", app.url)),
            "{login_url}"
        );

        let mut browser = Browser::new();
        let login = browser.get(&login_url, &[HTML]).await;
        assert_eq!(login.status, 302, "{}", login.body);
        let authorize = login.location.unwrap();
        assert!(authorize.contains("connection_id=conn_local"), "{authorize}");
        let callback = app.idp.browse(&authorize, "admin", &format!("axum-idp-initiated-{landing}")).await;
        let landed = browser.get(&callback, &[HTML]).await;
        assert_eq!(landed.status, 302, "{}", landed.body);
        assert_eq!(landed.location.as_deref(), Some(landing));
    }
}
