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
            .env("IDP_REDIRECT_URIS", REDIRECT_URI)
            .env("IDP_POST_LOGOUT_REDIRECT_URIS", POST_LOGOUT_URI)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let url = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("provider output") {
                if let Some(url) = line.split("listening on ").nth(1) {
                    return url.trim().to_owned();
                }
            }
            panic!("the local provider exited before listening");
        })
        .await
        .expect("the local provider listens within 30 s");
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

    /// Makes every provider answer `status` (0 to stop) after `delay_ms`.
    pub async fn faults(&self, status: u16, delay_ms: u64) {
        self.test_route("/__test/faults", json!({ "status": status, "delay_ms": delay_ms })).await;
    }
}

fn idp_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../idp")
}
