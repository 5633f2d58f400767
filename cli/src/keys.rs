//! The `jwks` step: downloads the provider's key set once and describes it (usable
//! keys with their algorithms, keys the core skips and why). The core's key cache only
//! fetches when a token is validated, so this one request is made here.

use std::time::Duration;

use scalekit_auth::JwkSet;

use crate::report::Step;

const NAME: &str = "jwks";
/// Key sets are a few kilobytes; refuse to buffer more than this.
const MAX_BYTES: usize = 1024 * 1024;

/// Fetches `jwks_uri` within `timeout` and reports what it holds.
pub async fn check(jwks_uri: &str, timeout: Duration) -> Step {
    let body = match fetch(jwks_uri, timeout).await {
        Ok(body) => body,
        Err(message) => {
            let fix = format!(
                "check that {jwks_uri} is reachable from this machine and SCALEKIT_ENVIRONMENT_URL is right"
            );
            return Step::error(NAME, message, fix);
        }
    };
    let set = match JwkSet::from_json(&body) {
        Ok(set) => set,
        Err(e) => {
            return Step::error(NAME, e.to_string(), "the environment's key set is broken: contact Scalekit");
        }
    };
    let raw: Vec<serde_json::Value> = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|doc| doc.get("keys").and_then(|k| k.as_array()).cloned())
        .unwrap_or_default();
    let usable = raw.len().saturating_sub(set.skipped().len());
    let described: Vec<String> =
        set.key_ids().iter().map(|kid| format!("{kid} ({})", algorithm_of(&raw, kid))).collect();
    let skipped: Vec<String> = set
        .skipped()
        .iter()
        .map(|s| format!("{} ({})", s.kid.as_deref().unwrap_or("no kid"), s.reason))
        .collect();
    let skipped_text =
        if skipped.is_empty() { String::new() } else { format!("; skipped: {}", skipped.join(", ")) };
    if set.is_empty() {
        return Step::error(
            NAME,
            format!("{jwks_uri} has no usable signing key{skipped_text}"),
            "tokens cannot be verified: check the environment's signing keys in the Scalekit dashboard",
        );
    }
    let plural = if usable == 1 { "" } else { "s" };
    Step::ok(
        NAME,
        format!("{usable} usable key{plural} at {jwks_uri}: {}{skipped_text}", described.join(", ")),
    )
}

async fn fetch(url: &str, timeout: Duration) -> Result<Vec<u8>, String> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            format!("{url} did not answer within {}s", timeout.as_secs())
        } else {
            format!("cannot fetch {url}: {}", chain(&e))
        }
    };
    let response = client.get(url).header("accept", "application/json").send().await.map_err(failed)?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{url} answered HTTP {status}"));
    }
    let body = response.bytes().await.map_err(failed)?;
    if body.len() > MAX_BYTES {
        return Err(format!("{url} sent more than {MAX_BYTES} bytes"));
    }
    Ok(body.to_vec())
}

/// The key's `alg`, or its type and curve when it names none.
fn algorithm_of(raw: &[serde_json::Value], kid: &str) -> String {
    let key = raw.iter().find(|k| k.get("kid").and_then(|v| v.as_str()) == Some(kid));
    let field = |name: &str| key.and_then(|k| k.get(name)).and_then(|v| v.as_str()).map(str::to_owned);
    field("alg").or_else(|| field("crv")).or_else(|| field("kty")).unwrap_or_else(|| "unknown".into())
}

/// The error and its sources in one line ("error sending request" alone says little).
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
