//! `login` through the built binary against a private local OpenID provider: the
//! provider's scripted browser signs in at the URL the command prints and lands on the
//! command's callback server; the failures stop at the right step with the right hint.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use common::{Run, TempDir, command, good_env, run};
use scalekit_auth_e2e::{Idp, POST_LOGOUT_URI, REDIRECT_URI};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The message of step `name`.
fn message(out: &Run, name: &str) -> String {
    out.step(name)["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_signs_in_through_the_browser_validates_the_tokens_and_refreshes() {
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let mut idp = Idp::spawn_with(300, &[&redirect], &[POST_LOGOUT_URI]).await;
    let dir = TempDir::new();
    let env = good_env(&idp.url, &redirect, POST_LOGOUT_URI);
    let mut child = command(&dir, &env, &["login", "--json", "--no-browser", "--wait", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");

    // The URL to open is an indented line of its own on stderr.
    let stderr = child.stderr.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let url = loop {
        let line =
            received.recv_timeout(Duration::from_secs(30)).expect("the command prints the URL to open");
        if line.trim_start().starts_with("http") {
            break line.trim().to_owned();
        }
    };
    assert!(url.starts_with(&format!("{}/oauth/authorize?", idp.url)), "{url}");
    assert!(url.contains("code_challenge_method=S256") && !url.contains("prompt=create"), "{url}");

    // A page of another site (or a stale tab) hitting the callback first changes nothing.
    let forged = reqwest::get(format!("{redirect}?error=access_denied&error_description=x&state=forged"))
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    assert_eq!(reqwest::get(format!("{redirect}?code=stolen")).await.unwrap().status(), 400);

    let callback = idp.browse(&url, "admin", "cli-login").await;
    assert!(callback.starts_with(&format!("{redirect}?")), "{callback}");
    let page = reqwest::get(&callback).await.expect("the command's callback server answers");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("the terminal says whether the sign-in succeeded"));

    let (status, stdout) = tokio::task::spawn_blocking(move || {
        let mut stdout = String::new();
        child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
        (child.wait().unwrap(), stdout)
    })
    .await
    .unwrap();
    let out = Run { code: status.code().unwrap(), stdout, stderr: String::new() };
    assert_eq!(out.code, 0, "{}", out.stdout);
    let steps = out.json()["steps"].as_array().unwrap().clone();
    assert_eq!(steps.len(), 10, "{}", out.stdout);
    assert!(steps.iter().all(|s| s["status"] == "ok"), "{}", out.stdout);
    assert!(message(&out, "token_exchange").contains("a refresh token"));
    assert!(message(&out, "id_token").contains("user usr_admin"), "{}", message(&out, "id_token"));
    let claims = message(&out, "access_token");
    assert!(claims.contains("roles admin") && claims.contains("organization org_"), "{claims}");
    assert!(message(&out, "refresh").contains("rotated"), "{}", message(&out, "refresh"));
    let logout = message(&out, "logout_url");
    assert!(logout.contains("id_token_hint=<ID token>") && !logout.contains("eyJ"), "{logout}");
    assert!(!out.stdout.contains("eyJ"), "no token in the report");
    assert_eq!(idp.count("/oauth/token").await, 2, "one exchange, one refresh");
    idp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn an_unregistered_redirect_uri_is_caught_before_anyone_opens_a_browser() {
    let mut idp = Idp::spawn_with(300, &[REDIRECT_URI], &[POST_LOGOUT_URI]).await;
    let dir = TempDir::new();
    let other = format!("http://127.0.0.1:{}/callback", free_port());
    let env = good_env(&idp.url, &other, POST_LOGOUT_URI);
    let out = run(&dir, &env, &["login", "--json", "--no-browser", "--wait", "60"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(out.status("authorization_request"), "error");
    assert!(message(&out, "authorization_request").contains("HTTP 400"), "{}", out.stdout);
    let fix = out.step("authorization_request")["fix"].as_str().unwrap().to_owned();
    assert!(fix.contains(&format!("register {other}")), "{fix}");
    assert_eq!(out.status("callback"), "skipped");
    assert!(!out.stderr.contains("Open this URL"), "no URL to open: {}", out.stderr);

    // A redirect URI this command cannot listen on.
    let remote =
        run(&dir, &env, &["login", "--json", "--redirect-uri", "https://app.example.com/auth/callback"]);
    assert_eq!(remote.code, 1);
    assert_eq!(remote.status("redirect_uri"), "error");
    assert!(message(&remote, "redirect_uri").contains("not a loopback http address"));
    idp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_taken_port_and_a_browser_that_never_comes_back_are_explained() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let redirect = format!("http://127.0.0.1:{}/callback", taken.local_addr().unwrap().port());
    let free = format!("http://127.0.0.1:{}/auth/callback", free_port());
    let mut idp = Idp::spawn_with(300, &[&redirect, &free], &[POST_LOGOUT_URI]).await;
    let dir = TempDir::new();
    let env = good_env(&idp.url, &redirect, POST_LOGOUT_URI);

    let out = run(&dir, &env, &["login", "--json", "--no-browser"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.status("callback_server"), "error");
    assert!(message(&out, "callback_server").contains("is in use"), "{}", out.stdout);
    assert!(out.step("callback_server")["fix"].as_str().unwrap().contains("--redirect-uri"));
    drop(taken);

    let out = run(&dir, &env, &["login", "--no-browser", "--signup", "--wait", "1", "--redirect-uri", &free]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("sign-up form") && out.stderr.contains("prompt=create"), "{}", out.stderr);
    assert!(out.stdout.contains("✗ callback: no callback reached"), "{}", out.stdout);
    assert!(out.stdout.contains("- token_exchange: needs the steps before it"), "{}", out.stdout);
    idp.stop().await;
}
