//! A session engine in front of the in-process provider, and a browser's cookie jar.

use std::time::Duration;

use scalekit_auth::testing::ManualClock;
use scalekit_auth::{LoginParams, SessionConfig, SessionEngine};

use super::{NOW, Provider};

pub const CALLBACK: &str = "http://localhost:3000/auth/callback";
pub const SECRET: &str = "test-session-secret-0123456789-abcdef";
pub const OLD_SECRET: &str = "older-session-secret-0123456789-abcdef";

pub struct Fixture {
    pub provider: Provider,
    pub clock: ManualClock,
    pub engine: SessionEngine,
}

pub async fn fixture() -> Fixture {
    fixture_with(|c| c).await
}

pub async fn fixture_with(adjust: impl FnOnce(SessionConfig) -> SessionConfig) -> Fixture {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let config =
        adjust(SessionConfig::new(CALLBACK, [SECRET]).post_logout_redirect_uri("http://localhost:3000/"));
    let engine = SessionEngine::new(provider.client(&clock), config).unwrap();
    Fixture { provider, clock, engine }
}

/// A browser's cookie jar, fed with `Set-Cookie` values.
#[derive(Default, Clone)]
pub struct Jar(pub Vec<(String, String)>);

impl Jar {
    pub fn apply(&mut self, set_cookies: &[String]) {
        for line in set_cookies {
            let (pair, attrs) = line.split_once(';').unwrap_or((line, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.0.retain(|(n, _)| n != name);
            if !attrs.contains("Max-Age=0") {
                self.0.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    pub fn header(&self) -> String {
        self.0.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|(n, _)| n.as_str()).collect()
    }
}

pub fn query_param(url: &str, name: &str) -> String {
    let parsed = url::Url::parse(url).unwrap();
    parsed.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// Begins a login and answers the token endpoint for it; returns the state.
pub async fn start_login(f: &Fixture, jar: &mut Jar, return_to: &str) -> String {
    start_login_at(f, jar, return_to, NOW).await
}

/// [`start_login`] with tokens the provider issues at `iat` (its own clock).
pub async fn start_login_at(f: &Fixture, jar: &mut Jar, return_to: &str, iat: i64) -> String {
    let start = f
        .engine
        .begin_login(
            &LoginParams { return_to: Some(return_to.into()), ..Default::default() },
            Some(&jar.header()),
        )
        .await
        .unwrap();
    jar.apply(&start.set_cookies);
    let nonce = query_param(&start.redirect_url, "nonce");
    f.provider.reset().await;
    f.provider.mount_discovery().await;
    f.provider.serve_keys(&[&f.provider.signer], Duration::ZERO).await;
    f.provider.token_answers(200, f.provider.login_response_at(&nonce, Some("rt-1"), iat)).await;
    query_param(&start.redirect_url, "state")
}

/// A logged-in browser.
pub async fn logged_in(f: &Fixture) -> Jar {
    logged_in_at(f, NOW).await
}

/// A browser logged in with tokens the provider issued at `iat` (its own clock).
pub async fn logged_in_at(f: &Fixture, iat: i64) -> Jar {
    let mut jar = Jar::default();
    let state = start_login_at(f, &mut jar, "/reports", iat).await;
    let outcome = f.engine.complete_login(&format!("code=c1&state={state}"), Some(&jar.header())).await;
    assert_eq!(outcome.redirect_to, "/reports");
    outcome.result.unwrap();
    jar.apply(&outcome.set_cookies);
    jar
}
