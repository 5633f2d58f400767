//! A provider on 127.0.0.1 that serves a discovery document and its JWKS, and mints
//! tokens its clients accept: enough to test an app's protected routes without Scalekit.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::TestSigner;
use crate::algorithm::Algorithm;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;

/// Serves `/.well-known/openid-configuration` and `/keys` on a free loopback port until
/// stopped or dropped.
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
    signer: TestSigner,
    client_id: String,
    client_secret: String,
    url: String,
    server: JoinHandle<()>,
}

impl std::fmt::Debug for LocalProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalProvider").field("url", &self.url).field("client_id", &self.client_id).finish()
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
        let documents = Arc::new((discovery.to_string(), signer.jwks_json()));
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, Arc::clone(&documents)));
            }
        });
        Ok(LocalProvider {
            signer,
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            url,
            server,
        })
    }

    /// The environment URL (and issuer).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The client id tokens are minted for.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client secret to configure clients with.
    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// The signing key.
    pub fn signer(&self) -> &TestSigner {
        &self.signer
    }

    /// A client configuration for this provider.
    pub fn config(&self) -> Config {
        Config::new(&self.url, &self.client_id, &self.client_secret)
    }

    /// A signed access token valid for `expires_in` seconds: `iss`, `aud`, `client_id`,
    /// `sub` (`usr_test`), `oid` (`org_test`), `iat`, `nbf` and `exp` by default; each
    /// member of `claims` adds or replaces one, and a `null` member removes it.
    pub fn mint(&self, claims: &Value, expires_in: i64) -> String {
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

    /// Stops serving (also done on drop).
    pub fn stop(&self) {
        self.server.abort();
    }
}

impl Drop for LocalProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Answers one HTTP/1.1 request and closes the connection.
async fn answer(mut stream: TcpStream, documents: Arc<(String, String)>) {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let path = text.split_whitespace().nth(1).unwrap_or("");
    let (status, body) = match path {
        "/.well-known/openid-configuration" => ("200 OK", documents.0.as_str()),
        "/keys" => ("200 OK", documents.1.as_str()),
        _ => ("404 Not Found", "{}"),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
