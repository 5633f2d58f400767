//! Test support for end-to-end runs against the local OpenID provider in `tests/idp`:
//! attach to the provider the test command started, or spawn a private one, and drive
//! logins through its scripted browser.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use scalekit_auth::{Config, ScalekitAuth};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The app callback registered at the provider for these tests.
pub const REDIRECT_URI: &str = "http://127.0.0.1:7999/callback";
/// The post-logout URL registered at the provider for these tests.
pub const POST_LOGOUT_URI: &str = "http://127.0.0.1:7999/";
const CLIENT_ID: &str = "skc_e2e_client";
const CLIENT_SECRET: &str = "e2e-client-secret";

/// A running local provider.
pub struct Idp {
    /// Its issuer URL.
    pub url: String,
    client_id: String,
    client_secret: String,
    http: reqwest::Client,
    child: Option<Child>,
}

impl Idp {
    /// The provider the test command started (`SCALEKIT_E2E_IDP_URL`), or a private one.
    pub async fn shared_or_spawn() -> Idp {
        match std::env::var("SCALEKIT_E2E_IDP_URL") {
            Ok(url) if !url.is_empty() => Idp {
                url,
                client_id: std::env::var("SCALEKIT_CLIENT_ID")
                    .expect("SCALEKIT_CLIENT_ID for the shared provider"),
                client_secret: std::env::var("SCALEKIT_CLIENT_SECRET")
                    .expect("SCALEKIT_CLIENT_SECRET for the shared provider"),
                http: reqwest::Client::new(),
                child: None,
            },
            _ => Idp::spawn(300).await,
        }
    }

    /// Starts a private provider on a free port, stopped when dropped.
    pub async fn spawn(access_token_ttl: u64) -> Idp {
        Idp::spawn_with(access_token_ttl, &[REDIRECT_URI], &[POST_LOGOUT_URI]).await
    }

    /// Like [`Idp::spawn`], registering the given app URLs.
    pub async fn spawn_with(access_token_ttl: u64, redirect_uris: &[&str], post_logout_uris: &[&str]) -> Idp {
        let dir = idp_dir();
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "tests/idp has no node_modules: run `npm ci --prefix tests/idp` (scripts/test.sh does)"
        );
        let mut child = Command::new("node")
            .arg(dir.join("server.mjs"))
            .env("IDP_PORT", "0")
            .env("IDP_TEST_MODE", "1")
            .env("IDP_ACCESS_TOKEN_TTL", access_token_ttl.to_string())
            .env("SCALEKIT_CLIENT_ID", CLIENT_ID)
            .env("SCALEKIT_CLIENT_SECRET", CLIENT_SECRET)
            .env("IDP_REDIRECT_URIS", redirect_uris.join(","))
            .env("IDP_POST_LOGOUT_REDIRECT_URIS", post_logout_uris.join(","))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        // Generous: node loads oidc-provider and makes an RSA key while other tests
        // compete for the same two cores.
        let url = tokio::time::timeout(Duration::from_secs(90), async {
            while let Some(line) = lines.next_line().await.expect("provider output") {
                if let Some(url) = line.split("listening on ").nth(1) {
                    return url.trim().to_owned();
                }
            }
            panic!("the local provider exited before listening");
        })
        .await
        .expect("the local provider listens within 90 s");
        // Keep draining stdout so the provider never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Idp {
            url,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            http: reqwest::Client::new(),
            child: Some(child),
        }
    }

    /// A client configuration for this provider.
    pub fn config(&self) -> Config {
        Config::new(&self.url, &self.client_id, &self.client_secret)
    }

    /// A client of this provider with default options.
    pub fn client(&self) -> ScalekitAuth {
        ScalekitAuth::new(self.config()).expect("valid configuration")
    }

    /// Stops a private provider (the process exits; its port closes).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("provider stops");
        }
    }

    async fn test_route(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("test route answers");
        let bytes = response.bytes().await.expect("test route body");
        serde_json::from_slice(&bytes).expect("test route JSON")
    }

    /// Follows `url` in the scripted browser `browser`, logging in as `username`, and
    /// returns where the provider finally sent it.
    pub async fn browse(&self, url: &str, username: &str, browser: &str) -> String {
        let out = self
            .test_route("/__test/browse", json!({"url": url, "username": username, "browser": browser}))
            .await;
        out["url"].as_str().unwrap_or_else(|| panic!("browse stopped: {out}")).to_owned()
    }

    /// Logs in at `authorization_url` and returns the `code` and `state` of the callback.
    pub async fn login(&self, authorization_url: &str, username: &str, browser: &str) -> (String, String) {
        let callback = self.browse(authorization_url, username, browser).await;
        assert!(callback.starts_with(REDIRECT_URI), "unexpected callback {callback}");
        let parsed = url::Url::parse(&callback).expect("callback URL");
        let param = |name: &str| {
            parsed.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).unwrap_or_default()
        };
        (param("code"), param("state"))
    }

    /// Rotates the signing key; the old key stays published when `keep_old`.
    pub async fn rotate_keys(&self, keep_old: bool) -> Vec<String> {
        let out = self.test_route("/__test/rotate-keys", json!({ "keep_old": keep_old })).await;
        out["kids"]
            .as_array()
            .expect("kids")
            .iter()
            .map(|k| k.as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// How many requests reached each provider path since the last reset.
    pub async fn counts(&self) -> Value {
        let response = self.http.get(format!("{}/__test/counts", self.url)).send().await.expect("counts");
        serde_json::from_slice(&response.bytes().await.expect("counts body")).expect("counts JSON")
    }

    /// Requests to `path` since the last reset.
    pub async fn count(&self, path: &str) -> u64 {
        self.counts().await[path].as_u64().unwrap_or(0)
    }

    /// Starts counting from zero.
    pub async fn reset_counts(&self) {
        self.test_route("/__test/counts/reset", json!({})).await;
    }

    /// Revokes a refresh token at the provider (RFC 7009).
    pub async fn revoke(&self, token: &str) {
        let form = [("token", token), ("client_id", &self.client_id), ("client_secret", &self.client_secret)];
        let status = self
            .http
            .post(format!("{}/token/revocation", self.url))
            .form(&form)
            .send()
            .await
            .expect("revocation")
            .status();
        assert!(status.is_success(), "revocation answered {status}");
    }

    /// Makes every provider answer `status` (0 to stop) after `delay_ms`.
    pub async fn faults(&self, status: u16, delay_ms: u64) {
        self.test_route("/__test/faults", json!({ "status": status, "delay_ms": delay_ms })).await;
    }
}

fn idp_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../idp")
}

/// A browser for an app under test: no automatic redirects, a cookie jar.
#[derive(Default)]
pub struct Browser {
    http: reqwest::Client,
    /// The cookies held, in order.
    pub jar: Vec<(String, String)>,
}

/// One response seen by [`Browser`].
#[derive(Debug)]
pub struct Page {
    /// HTTP status.
    pub status: u16,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The `Set-Cookie` headers.
    pub set_cookies: Vec<String>,
    /// The body.
    pub body: String,
}

impl Browser {
    /// A browser with an empty jar.
    pub fn new() -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            jar: Vec::new(),
        }
    }

    /// GETs `url` with the jar's cookies and `headers`, and stores what the response sets.
    pub async fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self.http.get(url);
        if !self.jar.is_empty() {
            request = request.header("cookie", self.cookie_header());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the app answers");
        let status = response.status().as_u16();
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for line in &set_cookies {
            let (pair, attrs) = line.split_once(';').unwrap_or((line, ""));
            let Some((name, value)) = pair.split_once('=') else { continue };
            self.jar.retain(|(n, _)| n != name);
            if !attrs.contains("Max-Age=0") {
                self.jar.push((name.to_owned(), value.to_owned()));
            }
        }
        let body = response.text().await.unwrap_or_default();
        Page { status, location, set_cookies, body }
    }

    /// The `Cookie` header the jar sends.
    pub fn cookie_header(&self) -> String {
        self.jar.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    /// The names of the cookies held.
    pub fn cookie_names(&self) -> Vec<String> {
        self.jar.iter().map(|(n, _)| n.clone()).collect()
    }
}
