//! `test-connection` and `doctor` through the built binary, against a private local
//! OpenID provider (tests/idp, started by `scalekit-auth-e2e`).

mod common;

use common::{TempDir, good_env, run, with};
use scalekit_auth_e2e::{Idp, POST_LOGOUT_URI, REDIRECT_URI};

async fn provider() -> Idp {
    Idp::spawn_with(300, &[REDIRECT_URI], &[POST_LOGOUT_URI]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_good_configuration_passes_every_step() {
    let mut idp = provider().await;
    let dir = TempDir::new();
    let env = good_env(&idp.url, REDIRECT_URI, POST_LOGOUT_URI);
    let out = run(&dir, &env, &["doctor", "--json", "--timeout", "5"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let json = out.json();
    assert_eq!(json["command"], "doctor");
    assert_eq!(json["ok"], true);
    for step in json["steps"].as_array().unwrap() {
        // The only warning: a plain-http loopback callback means cookies without Secure.
        let expected = if step["name"] == "cookies" { "warning" } else { "ok" };
        assert_eq!(step["status"], expected, "{step}");
    }
    for name in
        ["configuration", "discovery", "jwks", "client_credentials", "authorization_url", "logout_url"]
    {
        assert_eq!(out.status(name), "ok", "{name}");
    }
    let discovery = out.step("discovery")["message"].as_str().unwrap().to_owned();
    assert!(discovery.contains(&format!("issuer {}", idp.url)), "{discovery}");
    let jwks = out.step("jwks")["message"].as_str().unwrap().to_owned();
    assert!(jwks.contains("usable key") && jwks.contains("RS256"), "{jwks}");
    let authorize = out.step("authorization_url")["message"].as_str().unwrap().to_owned();
    assert!(
        authorize
            .starts_with(&format!("{}/oauth/authorize?response_type=code&client_id=skc_e2e_client", idp.url))
    );
    assert!(authorize.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A7999%2Fcallback"), "{authorize}");
    let logout = out.step("logout_url")["message"].as_str().unwrap().to_owned();
    assert!(logout.contains("post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A7999%2F"), "{logout}");

    let text = run(&dir, &env, &["test-connection"]);
    assert_eq!(text.code, 0, "{}", text.stdout);
    assert!(text.stdout.contains("✓ client_credentials: "), "{}", text.stdout);
    assert!(
        text.stdout.ends_with("test-connection: ok (6 ok, 0 warnings, 0 errors, 0 skipped)\n"),
        "{}",
        text.stdout
    );
    idp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_wrong_client_secret_fails_client_credentials_with_a_hint() {
    let mut idp = provider().await;
    let dir = TempDir::new();
    let env =
        with(good_env(&idp.url, REDIRECT_URI, POST_LOGOUT_URI), "SCALEKIT_CLIENT_SECRET", "wrong-secret");
    let out = run(&dir, &env, &["test-connection", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(out.status("discovery"), "ok");
    let step = out.step("client_credentials");
    assert_eq!(step["status"], "error");
    assert!(step["message"].as_str().unwrap().contains("invalid_client"), "{step}");
    let fix = step["fix"].as_str().unwrap();
    assert!(fix.contains("SCALEKIT_CLIENT_ID") && fix.contains("SCALEKIT_CLIENT_SECRET"), "{fix}");
    idp.stop().await;
}

#[test]
fn an_unreachable_environment_fails_discovery_naming_the_url() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let environment = format!("http://127.0.0.1:{port}");
    let dir = TempDir::new();
    let env = good_env(&environment, REDIRECT_URI, POST_LOGOUT_URI);
    let out = run(&dir, &env, &["test-connection", "--json", "--timeout", "3"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let step = out.step("discovery");
    assert_eq!(step["status"], "error");
    assert!(
        step["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{environment}/.well-known/openid-configuration"))
    );
    let fix = step["fix"].as_str().unwrap();
    assert!(fix.contains("SCALEKIT_ENVIRONMENT_URL") && fix.contains(&environment), "{fix}");
    assert_eq!(out.status("jwks"), "skipped");
    assert_eq!(out.status("client_credentials"), "skipped");
    // The URLs need no network.
    assert_eq!(out.status("authorization_url"), "ok");
}

#[test]
fn a_silent_provider_times_out_within_the_timeout() {
    // Connections are accepted by the kernel but never answered.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let environment = format!("http://{}", silent.local_addr().unwrap());
    let dir = TempDir::new();
    let env = good_env(&environment, REDIRECT_URI, POST_LOGOUT_URI);
    let started = std::time::Instant::now();
    let out = run(&dir, &env, &["test-connection", "--json", "--timeout", "1"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "took {:?}", started.elapsed());
    assert_eq!(out.code, 1, "{}", out.stdout);
    let step = out.step("discovery");
    assert_eq!(step["status"], "error");
    assert!(step["message"].as_str().unwrap().contains("within 1s"), "{step}");
    assert!(step["fix"].as_str().unwrap().contains("--timeout"), "{step}");
    assert!(out.step("configuration")["message"].as_str().unwrap().contains("1 s timeout"));
    drop(silent);
}
