//! The one place that talks HTTP to the provider, and turns every transport failure
//! into a typed [`Error`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::{Client, Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// Responses larger than this are refused: discovery, JWKS and token responses are a
/// few kilobytes, and a hostile or broken server must not make us buffer gigabytes.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// A reqwest client with the configured timeout and no redirects: provider endpoints
/// answer directly, and following a redirect could send a request somewhere unexpected.
///
/// One connection pool per process: a child forked after the parent made requests gets
/// a new pool, as the parent's connections are driven by tasks of a runtime the child
/// does not run (and share their sockets with the parent).
#[derive(Debug, Clone)]
pub(crate) struct HttpClient {
    pool: Arc<Mutex<(u32, Client)>>,
    timeout: Duration,
}

impl HttpClient {
    pub(crate) fn new(timeout: Duration) -> Result<Self> {
        let client = build_client(timeout)?;
        Ok(HttpClient { pool: Arc::new(Mutex::new((std::process::id(), client))), timeout })
    }

    /// This process's client.
    fn client(&self) -> Result<Client> {
        let pid = std::process::id();
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.0 != pid {
            // The parent's client is left alone: dropping its pool would touch tasks
            // and sockets that belong to the parent.
            let inherited = std::mem::replace(&mut *pool, (pid, build_client(self.timeout)?));
            std::mem::forget(inherited);
        }
        Ok(pool.1.clone())
    }

    /// GETs `url` and parses a JSON body. `Ok(None)` when the server answers 404, so
    /// callers can fall back to defaults.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<Option<T>> {
        match self.get_bytes(url).await? {
            Some(body) => parse_json(url, &body).map(Some),
            None => Ok(None),
        }
    }

    /// GETs `url` and returns the body of a 2xx answer; `Ok(None)` on 404.
    pub(crate) async fn get_bytes(&self, url: &str) -> Result<Option<Vec<u8>>> {
        let response = self
            .client()?
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| self.transport_error(url, &e))?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if status.is_server_error() {
            return Err(Error::ProviderUnavailable { url: strip_query(url), status: status.as_u16() });
        }
        if !status.is_success() {
            return Err(Error::ProviderInvalidResponse {
                url: strip_query(url),
                reason: format!("HTTP {status}"),
            });
        }
        self.read_body(url, response).await.map(Some)
    }

    /// POSTs a form and parses the JSON answer. An OAuth error body (RFC 6749 §5.2)
    /// becomes [`Error::ProviderError`].
    pub(crate) async fn post_form<T: DeserializeOwned>(&self, url: &str, form: &[(&str, &str)]) -> Result<T> {
        let body = self.post_form_body(url, form).await?;
        parse_json(url, &body)
    }

    /// POSTs a form whose successful answer carries nothing to read (RFC 7009
    /// revocation answers 200 with an empty body).
    pub(crate) async fn post_form_without_answer(&self, url: &str, form: &[(&str, &str)]) -> Result<()> {
        self.post_form_body(url, form).await.map(drop)
    }

    /// The body of a successful answer to a form POST; the error of any other.
    async fn post_form_body(&self, url: &str, form: &[(&str, &str)]) -> Result<Vec<u8>> {
        let response = self
            .client()?
            .post(url)
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .map_err(|e| self.transport_error(url, &e))?;
        let status = response.status();
        let body = self.read_body(url, response).await?;
        if status.is_success() {
            return Ok(body);
        }
        if let Ok(oauth) = serde_json::from_slice::<OAuthErrorBody>(&body) {
            return Err(Error::ProviderError {
                error: oauth.error,
                description: oauth.error_description,
                status: status.as_u16(),
            });
        }
        if status.is_server_error() {
            return Err(Error::ProviderUnavailable { url: strip_query(url), status: status.as_u16() });
        }
        Err(Error::ProviderInvalidResponse {
            url: strip_query(url),
            reason: format!("HTTP {status} without an OAuth error body"),
        })
    }

    async fn read_body(&self, url: &str, mut response: Response) -> Result<Vec<u8>> {
        if response.content_length().is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
            return Err(too_large(url));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport_error(url, &e))? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(too_large(url));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn transport_error(&self, url: &str, error: &reqwest::Error) -> Error {
        let url = strip_query(url);
        if error.is_timeout() {
            return Error::ProviderTimeout { url, seconds: self.timeout.as_secs() };
        }
        if error.is_decode() || error.is_body() {
            return Error::ProviderInvalidResponse { url, reason: describe(error) };
        }
        Error::ProviderUnreachable { url, reason: describe(error) }
    }
}

#[derive(serde::Deserialize)]
struct OAuthErrorBody {
    error: String,
    error_description: Option<String>,
}

fn parse_json<T: DeserializeOwned>(url: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::ProviderInvalidResponse {
        url: strip_query(url),
        reason: format!("body is not the expected JSON ({e})"),
    })
}

fn too_large(url: &str) -> Error {
    Error::ProviderInvalidResponse {
        url: strip_query(url),
        reason: format!("response is larger than {MAX_RESPONSE_BYTES} bytes"),
    }
}

/// The error chain in one line: reqwest's top-level message alone ("error sending
/// request") does not say whether the connection was refused or TLS failed.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// URLs go into error messages; a query string could carry a secret, so drop it.
pub(crate) fn strip_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_owned()
}

fn build_client(timeout: Duration) -> Result<Client> {
    Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("scalekit-auth-rs/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::InvalidConfig(format!("cannot build the HTTP client: {e}")))
}
