//! Several instances of an app sharing one Redis (a real `redis-server`, started here on
//! a free loopback port): one refresh at the provider for the whole cluster, logouts
//! reaching every instance, and Redis failing and coming back.
#![cfg(feature = "redis")]

mod support;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use scalekit_auth::{BACKCHANNEL_LOGOUT_EVENT, SessionConfig, SessionEngine};
use serde_json::json;
use support::session::{CALLBACK, Fixture, SECRET, fixture_with, logged_in};
use support::{CLIENT_ID, NOW};

/// A `redis-server` of this test alone, stopped when dropped.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// A `redis-server` with `extra` arguments (`--maxmemory-policy volatile-lru`, ...).
    fn start_with(extra: &[&str]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(extra)
            .stdout(Stdio::null())
            .spawn()
            .expect(
                "redis-server must be installed (Debian package redis-server; scripts/test.sh installs it)",
            );
        let redis = Redis { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Runs a command with `redis-cli` and returns its answer.
    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli").args(["-p", &self.port.to_string()]).args(args).output().unwrap();
        assert!(out.status.success(), "redis-cli {args:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the server: a Redis that hangs.
    fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.signal("-CONT");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fixture's engine plus a second instance of the same app (same provider, secret,
/// clock and Redis), as behind a load balancer.
async fn two_instances(redis: &Redis, server_side: bool) -> (Fixture, Arc<SessionEngine>) {
    let configure =
        |c: SessionConfig| c.redis_url(redis.url()).server_side_sessions(server_side).store_timeout_ms(300);
    let f = fixture_with(configure).await;
    let second = SessionEngine::new(
        f.provider.client(&f.clock),
        configure(SessionConfig::new(CALLBACK, [SECRET]).post_logout_redirect_uri("http://localhost:3000/")),
    )
    .unwrap();
    (f, Arc::new(second))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_requests_on_two_instances_cause_one_refresh() {
    let redis = Redis::start();
    let (f, second) = two_instances(&redis, false).await;
    assert_eq!(second.store_kind(), "redis");
    let jar = logged_in(&f).await;
    let body = f.provider.login_response("unused", Some("rt-2"));
    f.provider.answer_tokens_after(body, Duration::from_millis(300)).await;
    f.clock.advance(250); // inside the refresh window
    let first = Arc::new(f.engine);
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let engine = if i % 2 == 0 { first.clone() } else { second.clone() };
            let header = jar.header();
            tokio::spawn(async move { engine.authenticate(Some(&header), None).await })
        })
        .collect();
    for task in tasks {
        let outcome = task.await.unwrap();
        assert_eq!(outcome.result.unwrap().user.id, "usr_123");
        assert!(
            outcome.set_cookies.iter().any(|c| c.starts_with("skauth_session=")),
            "each gets the new tokens"
        );
    }
    let requests = f.provider.token_requests().await;
    assert_eq!(requests.len(), 1, "one refresh grant for both instances");
    assert_eq!(requests[0]["refresh_token"], "rt-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_instance_ends_the_server_side_session_on_the_other() {
    let redis = Redis::start();
    let (f, second) = two_instances(&redis, true).await;
    let jar = logged_in(&f).await;
    let header = jar.header();
    assert!(
        second.authenticate(Some(&header), None).await.result.is_ok(),
        "the other instance knows the session"
    );
    f.engine.logout(Some(&header)).await;
    assert_eq!(second.authenticate(Some(&header), None).await.result.unwrap_err().code(), "session_expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backchannel_logout_received_by_one_instance_is_honoured_by_both() {
    let redis = Redis::start();
    let (f, second) = two_instances(&redis, false).await;
    let jar = logged_in(&f).await;
    let claims = json!({
        "iss": f.provider.url(), "aud": CLIENT_ID, "iat": NOW, "exp": NOW + 120, "jti": "lt-redis",
        "sid": "ses_1", "events": { BACKCHANNEL_LOGOUT_EVENT: {} },
    });
    let token = f.provider.signer.sign(&claims);
    let decision = second.handle_backchannel_logout("POST", &format!("logout_token={token}")).await;
    assert_eq!(decision.status(), 200, "{:?}", decision.error);
    for engine in [&f.engine, &*second] {
        assert_eq!(
            engine.authenticate(Some(&jar.header()), None).await.result.unwrap_err().code(),
            "session_expired"
        );
    }
    // The replay goes to the other instance: still refused.
    let replay = f.engine.handle_backchannel_logout("POST", &format!("logout_token={token}")).await;
    assert_eq!(replay.error.unwrap().code(), "token_replayed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_redis_gives_store_unavailable_in_bounded_time_and_recovers() {
    let redis = Redis::start();
    let (f, _) = two_instances(&redis, true).await;
    let server_jar = logged_in(&f).await;
    // A cookie session of an app using the same Redis.
    let f2 = fixture_with(|c| c.redis_url(redis.url()).store_timeout_ms(300)).await;
    let jar2 = logged_in(&f2).await;

    redis.signal("-STOP");
    let started = Instant::now();
    let outcome = f.engine.authenticate(Some(&server_jar.header()), None).await;
    let err = outcome.result.unwrap_err();
    assert_eq!((err.code(), err.http_status()), ("store_unavailable", 503));
    assert!(outcome.set_cookies.is_empty(), "the cookie is kept: the session may be fine");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by the store timeout, took {:?}",
        started.elapsed()
    );
    // A cookie session with a valid access token does not need Redis.
    let outcome = f2.engine.authenticate(Some(&jar2.header()), None).await;
    assert_eq!(outcome.result.unwrap().user.id, "usr_123");

    redis.signal("-CONT");
    tokio::time::sleep(Duration::from_millis(1100)).await; // past the fail-fast second
    let outcome = f.engine.authenticate(Some(&server_jar.header()), None).await;
    assert_eq!(outcome.result.unwrap().user.id, "usr_123", "the server-side session is back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_redis_refuses_fast_and_a_bad_url_is_a_configuration_error() {
    let redis = Redis::start();
    let url = redis.url();
    let (f, _) = two_instances(&redis, true).await;
    let jar = logged_in(&f).await;
    drop(redis); // stopped: connections are refused
    let outcome = f.engine.authenticate(Some(&jar.header()), None).await;
    assert_eq!(outcome.result.unwrap_err().code(), "store_unavailable");
    let bad = SessionConfig::new(CALLBACK, [SECRET]).redis_url("http://127.0.0.1:6379");
    let err = SessionEngine::new(f.provider.client(&f.clock), bad).unwrap_err();
    assert_eq!(err.code(), "invalid_config");
    assert!(!url.is_empty());
}

/// The `tracing` lines this thread's code logs while `run` runs.
async fn logged_lines<F: Future<Output = ()>>(run: impl FnOnce() -> F) -> Vec<String> {
    let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    let subscriber = scalekit_auth::EventLines::new(|| true, move |_, line| sink.lock().unwrap().push(line));
    let _guard = tracing::subscriber::set_default(subscriber);
    run().await;
    lines.lock().unwrap().clone()
}

#[tokio::test]
async fn a_redis_that_may_evict_keys_is_named_at_first_use() {
    // The last: a managed Redis that renamed CONFIG away, read through INFO instead.
    let cases = [("volatile-lru", true, false), ("allkeys-lru", true, false), ("noeviction", false, false)];
    for (policy, warned, no_config) in cases.into_iter().chain([("volatile-lru", true, true)]) {
        let mut args = vec!["--maxmemory-policy", policy];
        if no_config {
            args.extend(["--rename-command", "CONFIG", ""]);
        }
        let redis = Redis::start_with(&args);
        let f = fixture_with(|c| c.redis_url(redis.url()).store_timeout_ms(1000)).await;
        let jar = logged_in(&f).await;
        let lines = logged_lines(|| async {
            for _ in 0..3 {
                f.engine.authenticate(Some(&jar.header()), None).await.result.unwrap();
            }
            // The check runs in a task of its own, after the first answered command.
            tokio::time::sleep(Duration::from_millis(300)).await;
        })
        .await;
        let warnings: Vec<_> = lines.iter().filter(|l| l.contains("maxmemory-policy")).collect();
        assert_eq!(warnings.len(), usize::from(warned), "{policy}: {lines:?}");
        if warned {
            assert!(warnings[0].contains(policy) && warnings[0].contains("noeviction"), "{}", warnings[0]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_answered_after_a_logout_does_not_bring_the_cookie_session_back() {
    let redis = Redis::start();
    let (f, second) = two_instances(&redis, false).await;
    let jar = logged_in(&f).await;
    // The provider holds the refresh while the user logs out on the other instance.
    let body = f.provider.login_response("unused", Some("rt-2"));
    f.provider.answer_tokens_after(body, Duration::from_millis(800)).await;
    f.clock.advance(250); // inside the refresh window
    let first = Arc::new(f.engine);
    let header = jar.header();
    let refreshing = tokio::spawn({
        let (first, header) = (first.clone(), header.clone());
        async move { first.authenticate(Some(&header), None).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logout = second.logout(Some(&header)).await;
    assert!(logout.store_error.is_none());
    let mut browser = jar.clone();
    browser.apply(&logout.set_cookies);
    assert!(browser.header().is_empty(), "logged out");
    // The refreshed cookie arrives last and puts a session back in the browser...
    let refreshed = refreshing.await.unwrap();
    assert!(refreshed.set_cookies.iter().any(|c| c.starts_with("skauth_session=")));
    browser.apply(&refreshed.set_cookies);
    // ...which no instance accepts.
    for engine in [&*first, &*second] {
        let outcome = engine.authenticate(Some(&browser.header()), None).await;
        assert_eq!(outcome.result.unwrap_err().code(), "session_expired");
        assert!(outcome.set_cookies.iter().any(|c| c.contains("Max-Age=0")), "and it is cleared");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_whose_store_fails_still_ends_what_it_can_and_says_so() {
    let redis = Redis::start();
    let (f, _) = two_instances(&redis, true).await;
    let jar = logged_in(&f).await;
    let header = jar.header();
    // An instance whose Redis user may delete but not read: loading the record for its ID
    // token fails, and the record is deleted by the id the cookie names all the same.
    redis.cli(&["ACL", "SETUSER", "writer", "on", ">pw", "~*", "+@all", "-get", "-mget"]);
    let url = format!("redis://writer:pw@127.0.0.1:{}/0", redis.port);
    let config = SessionConfig::new(CALLBACK, [SECRET]).redis_url(url).server_side_sessions(true);
    let writer = SessionEngine::new(f.provider.client(&f.clock), config.store_timeout_ms(300)).unwrap();
    let logout = writer.logout(Some(&header)).await;
    assert_eq!(logout.store_error.as_ref().map(|e| e.code()), Some("store_unavailable"));
    assert!(!logout.redirect_url.contains("id_token_hint"), "no hint without the record");
    assert!(logout.set_cookies.iter().any(|c| c.contains("Max-Age=0")), "the browser is logged out");
    let copied = f.engine.authenticate(Some(&header), None).await;
    assert_eq!(copied.result.unwrap_err().code(), "session_expired", "the record is gone");
    // The decision names the failure for the app's logs; the browser still goes on.
    let jar = logged_in(&f).await;
    let header = jar.header();
    let request = scalekit_auth::RequestInfo::new("POST", "/auth/logout").cookie(Some(&header));
    let page = writer.handle_logout(&request).await;
    assert_eq!(page.status(), 302);
    assert_eq!(page.error.map(|e| e.code()), Some("store_unavailable"));
    // And with Redis hanging, nothing can be deleted, but the logout still answers.
    let jar = logged_in(&f).await;
    redis.signal("-STOP");
    let started = Instant::now();
    let logout = f.engine.logout(Some(&jar.header())).await;
    assert_eq!(logout.store_error.map(|e| e.code()), Some("store_unavailable"));
    assert!(logout.set_cookies.iter().any(|c| c.contains("Max-Age=0")));
    assert!(started.elapsed() < Duration::from_secs(3), "bounded: {:?}", started.elapsed());
    redis.signal("-CONT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_logout_token_is_remembered_while_it_could_validate_and_taken_once() {
    let redis = Redis::start();
    let (f, second) = two_instances(&redis, false).await;
    let claims = json!({
        "iss": f.provider.url(), "aud": CLIENT_ID, "iat": NOW, "exp": NOW + 3600, "jti": "lt-long",
        "sid": "ses_9", "events": { BACKCHANNEL_LOGOUT_EVENT: {} },
    });
    let body = format!("logout_token={}", f.provider.signer.sign(&claims));
    // Delivered twice at once to two instances: taken by exactly one.
    let (a, b) = tokio::join!(f.engine.backchannel_logout(&body), second.backchannel_logout(&body));
    let codes: Vec<_> = [a, b].into_iter().map(|r| r.err().map(|e| e.code())).collect();
    assert!(codes.contains(&None) && codes.contains(&Some("token_replayed")), "{codes:?}");
    // Kept until exp plus the 60-second leeway, not less.
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"lt-long");
    let key: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let ttl: i64 = redis.cli(&["PTTL", &format!("skauth:logout-jti:{key}")]).parse().unwrap();
    assert!(ttl > 3_600_000 && ttl <= 3_660_000, "{ttl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_keeps_at_most_the_newest_server_side_sessions_in_redis() {
    let redis = Redis::start();
    let (f, second) = two_instances(&redis, true).await;
    let mut jars = Vec::new();
    for _ in 0..=scalekit_auth::MAX_SESSIONS_PER_USER {
        jars.push(logged_in(&f).await);
    }
    let oldest = second.authenticate(Some(&jars[0].header()), None).await;
    assert_eq!(oldest.result.unwrap_err().code(), "session_expired");
    for jar in &jars[1..] {
        second.authenticate(Some(&jar.header()), None).await.result.unwrap();
    }
    let keys = redis.cli(&["--scan", "--pattern", "skauth:session:*"]);
    assert_eq!(keys.lines().count(), scalekit_auth::MAX_SESSIONS_PER_USER);
}
