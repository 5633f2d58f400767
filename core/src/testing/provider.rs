//! A provider on 127.0.0.1 that serves a discovery document and its JWKS, mints tokens
//! its clients accept and answers client-credentials token requests: enough to test an
//! app's protected routes, and its machine-to-machine calls, without Scalekit.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::TestSigner;
use crate::algorithm::Algorithm;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;

/// Serves `/.well-known/openid-configuration`, `/keys` and `/oauth/token` (the
/// client-credentials grant, for its own client: credentials in the form or HTTP Basic)
/// on a free loopback port until stopped or dropped.
///
/// ```
/// # #[tokio::main] async fn main() -> std::io::Result<()> {
/// use scalekit_auth::{Algorithm, ScalekitAuth, testing::LocalProvider};
/// let provider = LocalProvider::start("skc_test", "secret", Algorithm::RS256).await?;
/// let auth = ScalekitAuth::new(provider.config()).unwrap();
/// let token = provider.mint(&serde_json::json!({"sub": "usr_1", "roles": ["admin"]}), 300);
/// assert_eq!(auth.validate_access_token(&token).await.unwrap().roles, ["admin"]);
/// # Ok(()) }
/// ```
pub struct LocalProvider {
    state: Arc<State>,
    server: JoinHandle<()>,
}

/// What the server answers with.
struct State {
    signer: TestSigner,
    client_id: String,
    client_secret: String,
    url: String,
    discovery: String,
    jwks: String,
}

impl std::fmt::Debug for LocalProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalProvider")
            .field("url", &self.state.url)
            .field("client_id", &self.state.client_id)
            .finish()
    }
}

impl LocalProvider {
    /// Starts serving (call inside a tokio runtime; the server runs as a task on it).
    pub async fn start(client_id: &str, client_secret: &str, alg: Algorithm) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let signer = TestSigner::new(alg, "local-test-key");
        let discovery = json!({
            "issuer": url,
            "authorization_endpoint": format!("{url}/oauth/authorize"),
            "token_endpoint": format!("{url}/oauth/token"),
            "jwks_uri": format!("{url}/keys"),
            "end_session_endpoint": format!("{url}/oidc/logout"),
        });
        let state = Arc::new(State {
            jwks: signer.jwks_json(),
            signer,
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            url,
            discovery: discovery.to_string(),
        });
        let shared = Arc::clone(&state);
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                // A client that stops sending mid-request only holds its own task, and not
                // for long.
                let request = answer(stream, Arc::clone(&shared));
                tokio::spawn(tokio::time::timeout(std::time::Duration::from_secs(10), request));
            }
        });
        Ok(LocalProvider { state, server })
    }

    /// The environment URL (and issuer).
    pub fn url(&self) -> &str {
        &self.state.url
    }

    /// The client id tokens are minted for.
    pub fn client_id(&self) -> &str {
        &self.state.client_id
    }

    /// The client secret to configure clients with.
    pub fn client_secret(&self) -> &str {
        &self.state.client_secret
    }

    /// The signing key.
    pub fn signer(&self) -> &TestSigner {
        &self.state.signer
    }

    /// A client configuration for this provider.
    pub fn config(&self) -> Config {
        let s = &self.state;
        Config::new(&s.url, &s.client_id, &s.client_secret)
    }

    /// A signed access token valid for `expires_in` seconds: `iss`, `aud`, `client_id`,
    /// `sub` (`usr_test`), `oid` (`org_test`), `iat`, `nbf` and `exp` by default; each
    /// member of `claims` adds or replaces one, and a `null` member removes it.
    pub fn mint(&self, claims: &Value, expires_in: i64) -> String {
        self.state.mint(claims, expires_in)
    }

    /// Stops serving (also done on drop).
    pub fn stop(&self) {
        self.server.abort();
    }
}

impl State {
    fn mint(&self, claims: &Value, expires_in: i64) -> String {
        let now = SystemClock.now_seconds();
        let mut payload = json!({
            "iss": self.url, "sub": "usr_test", "aud": [self.client_id], "client_id": self.client_id,
            "oid": "org_test", "iat": now, "nbf": now, "exp": now + expires_in,
        });
        if let (Some(out), Some(overrides)) = (payload.as_object_mut(), claims.as_object()) {
            for (name, value) in overrides {
                if value.is_null() {
                    out.remove(name);
                } else {
                    out.insert(name.clone(), value.clone());
                }
            }
        }
        self.signer.sign(&payload)
    }

    /// The answer to a token request: a machine token for this provider's own client.
    fn client_credentials(&self, head: &str, body: &[u8]) -> (&'static str, String) {
        let form: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(body).into_owned().collect();
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return ("400 Bad Request", json!({"error": "unsupported_grant_type"}).to_string());
        }
        let basic = head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            let encoded = value.trim().strip_prefix("Basic ")?;
            name.eq_ignore_ascii_case("authorization").then(|| basic_credentials(encoded)).flatten()
        });
        let (id, secret) = match basic {
            Some(pair) => pair,
            None => (
                form.get("client_id").cloned().unwrap_or_default(),
                form.get("client_secret").cloned().unwrap_or_default(),
            ),
        };
        if id != self.client_id || secret != self.client_secret {
            return ("401 Unauthorized", json!({"error": "invalid_client"}).to_string());
        }
        let scope = form.get("scope").cloned().unwrap_or_default();
        let claims = json!({"sub": id, "oid": null, "scope": scope});
        let body = json!({
            "access_token": self.mint(&claims, 300), "token_type": "Bearer", "expires_in": 300, "scope": scope,
        });
        ("200 OK", body.to_string())
    }
}

/// `id:secret` from a Basic credential (RFC 6749 §2.3.1 form-encodes each part).
fn basic_credentials(encoded: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape =
        |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    Some((unescape(id), unescape(secret)))
}

impl Drop for LocalProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The most a request may send (head and body): these are small test requests.
const MAX_REQUEST: usize = 16 * 1024;

/// Answers one HTTP/1.1 request and closes the connection.
async fn answer(mut stream: TcpStream, state: Arc<State>) {
    let mut request = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    let head_end = loop {
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buf).await {
            Ok(n) if n > 0 && request.len() < MAX_REQUEST => request.extend_from_slice(&buf[..n]),
            _ => return,
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case("content-length")))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_REQUEST);
    while request.len() < head_end + length {
        match stream.read(&mut buf).await {
            Ok(n) if n > 0 => request.extend_from_slice(&buf[..n]),
            _ => return,
        }
    }
    let body = &request[head_end..(head_end + length).min(request.len())];
    let mut words = head.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, body) = match (method, path) {
        ("GET", "/.well-known/openid-configuration") => ("200 OK", state.discovery.clone()),
        ("GET", "/keys") => ("200 OK", state.jwks.clone()),
        ("POST", "/oauth/token") => state.client_credentials(&head, body),
        _ => ("404 Not Found", "{}".to_owned()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
