//! An OAuth protected resource (RFC 9728), as an MCP server is: it publishes metadata
//! naming its authorization server, answers unauthenticated calls with a challenge that
//! points there, and accepts only access tokens minted for itself.
//!
//! With Scalekit the authorization server of a resource is
//! `{environment}/resources/{resource_id}`, and its tokens carry the resource id or URL
//! in `aud`. Tokens of the environment's apps (their client id as audience) and of other
//! resources are refused.

use serde_json::{Value, json};
use url::Url;

use crate::client::ScalekitAuth;
use crate::config::{Config, ENV_ENVIRONMENT_URL, is_loopback, parse_environment_url};
use crate::error::{Error, Result};
use crate::session::{Decision, Requirements};

/// Environment variable holding the resource's id in Scalekit (`res_...`).
pub const ENV_RESOURCE_ID: &str = "SCALEKIT_RESOURCE_ID";
/// Environment variable holding the public URL of the protected endpoint (e.g.
/// `https://mcp.example.com/mcp`): the resource identifier clients ask tokens for.
pub const ENV_RESOURCE_URL: &str = "MCP_SERVER_URL";
/// The well-known path of protected resource metadata (RFC 9728 §3).
pub const RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// How a [`ResourceServer`] is set up.
///
/// ```
/// use scalekit_auth::ResourceServerConfig;
/// let config = ResourceServerConfig::new("https://acme.scalekit.com", "res_123", "https://mcp.example.com/mcp")
///     .scopes_supported(["todo:read", "todo:write"]);
/// # let _ = config;
/// ```
#[derive(Debug, Clone)]
pub struct ResourceServerConfig {
    environment_url: String,
    resource_id: String,
    resource_url: String,
    scopes_supported: Vec<String>,
    leeway_seconds: Option<u64>,
    http_timeout_seconds: Option<u64>,
}

impl ResourceServerConfig {
    /// The resource `resource_id` of the environment, served at `resource_url`.
    pub fn new(
        environment_url: impl Into<String>,
        resource_id: impl Into<String>,
        resource_url: impl Into<String>,
    ) -> Self {
        ResourceServerConfig {
            environment_url: environment_url.into(),
            resource_id: resource_id.into(),
            resource_url: resource_url.into(),
            scopes_supported: Vec::new(),
            leeway_seconds: None,
            http_timeout_seconds: None,
        }
    }

    /// Reads `SCALEKIT_ENVIRONMENT_URL`, `SCALEKIT_RESOURCE_ID` and `MCP_SERVER_URL`; a
    /// missing one is an `invalid_config` error naming it. No client secret is needed.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`ResourceServerConfig::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str, what: &str| match lookup(name) {
            Some(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
            _ => Err(Error::InvalidConfig(format!("{name} is not set; set it to {what}"))),
        };
        Ok(ResourceServerConfig::new(
            get(ENV_ENVIRONMENT_URL, "your environment's URL, e.g. https://yourapp.scalekit.com")?,
            get(ENV_RESOURCE_ID, "the resource id shown in the Scalekit dashboard (MCP servers)")?,
            get(
                ENV_RESOURCE_URL,
                "the public URL of the protected endpoint, e.g. https://mcp.example.com/mcp",
            )?,
        ))
    }

    /// Scopes published in the metadata (`scopes_supported`), for clients to ask for.
    pub fn scopes_supported<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes_supported = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Clock skew tolerated on the token's times (default 60 s).
    pub fn leeway_seconds(mut self, seconds: u64) -> Self {
        self.leeway_seconds = Some(seconds);
        self
    }

    /// Time limit of each request to the environment (keys, discovery; default 10 s).
    pub fn http_timeout_seconds(mut self, seconds: u64) -> Self {
        self.http_timeout_seconds = Some(seconds);
        self
    }
}

/// A protected resource of a Scalekit environment: its metadata document, its challenge,
/// and the validation of the tokens minted for it.
///
/// ```no_run
/// # async fn run() -> scalekit_auth::Result<()> {
/// use scalekit_auth::{Action, Requirements, ResourceServer, ResourceServerConfig};
/// let server = ResourceServer::new(ResourceServerConfig::from_env()?)?;
/// // GET {server.metadata_path()} answers server.metadata() as JSON.
/// let needs = Requirements { scopes: vec!["todo:write".into()], ..Default::default() };
/// let decision = server.authorize(Some("Bearer eyJ..."), &needs).await;
/// match decision.action {
///     Action::Continue(Some(identity)) => println!("called by {}", identity.user.id),
///     _ => println!("answer {} with {:?}", decision.status(), decision.headers()),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ResourceServer {
    auth: ScalekitAuth,
    resource_url: String,
    authorization_server: String,
    metadata_url: String,
    metadata_path: String,
    scopes_supported: Vec<String>,
}

impl ResourceServer {
    /// Checks `config` and builds the validator (no network call).
    pub fn new(config: ResourceServerConfig) -> Result<Self> {
        let environment = parse_environment_url(&config.environment_url)?;
        let environment = environment.as_str().trim_end_matches('/').to_owned();
        let resource_id = config.resource_id.trim().to_owned();
        if resource_id.is_empty()
            || resource_id.contains(['/', '?', '#'])
            || resource_id.contains(char::is_whitespace)
        {
            return Err(Error::InvalidConfig(format!(
                "{ENV_RESOURCE_ID} {resource_id:?} is not a resource id (e.g. res_123 from the Scalekit dashboard)"
            )));
        }
        let resource = resource_url(&config.resource_url)?;
        let authorization_server = format!("{environment}/resources/{resource_id}");
        let resource_url = resource.as_str().to_owned();
        let mut metadata = resource.clone();
        // RFC 9728 §3.1: the well-known path goes between the host and the resource's
        // path, which keeps its own form; a resource at the root adds nothing.
        let path = if resource.path() == "/" { "" } else { resource.path() };
        let metadata_path = format!("{RESOURCE_METADATA_PATH}{path}");
        metadata.set_path(&metadata_path);
        let mut client = Config::new(environment.clone(), resource_id.clone(), String::new())
            .issuer([authorization_server.clone(), environment])
            .audience([resource_id, resource_url.clone()]);
        if let Some(seconds) = config.leeway_seconds {
            client = client.leeway_seconds(seconds);
        }
        if let Some(seconds) = config.http_timeout_seconds {
            client = client.http_timeout_seconds(seconds);
        }
        client.resource_server = true;
        Ok(ResourceServer {
            auth: ScalekitAuth::new(client)?,
            resource_url,
            authorization_server,
            metadata_url: metadata.to_string(),
            metadata_path,
            scopes_supported: config.scopes_supported,
        })
    }

    /// The resource identifier: the public URL of the protected endpoint.
    pub fn resource_url(&self) -> &str {
        &self.resource_url
    }

    /// The issuer clients get tokens from: `{environment}/resources/{resource_id}`.
    pub fn authorization_server(&self) -> &str {
        &self.authorization_server
    }

    /// Where the metadata document is served, as RFC 9728 §3.1 forms it from the
    /// resource URL (`https://mcp.example.com/.well-known/oauth-protected-resource/mcp`).
    pub fn metadata_url(&self) -> &str {
        &self.metadata_url
    }

    /// The path of [`ResourceServer::metadata_url`]; serve the document at
    /// [`RESOURCE_METADATA_PATH`] as well, where clients of older drafts look.
    pub fn metadata_path(&self) -> &str {
        &self.metadata_path
    }

    /// The protected resource metadata (RFC 9728 §2), to answer as JSON.
    pub fn metadata(&self) -> Value {
        let mut doc = json!({
            "resource": self.resource_url,
            "authorization_servers": [self.authorization_server],
            "bearer_methods_supported": ["header"],
        });
        if !self.scopes_supported.is_empty() {
            doc["scopes_supported"] = json!(self.scopes_supported);
        }
        doc
    }

    /// The decision for a call with this `Authorization` header: continue with the
    /// caller's identity, or 401 (no token, or one not minted for this resource) or 403
    /// (a valid token without the `requirements`), each with a challenge naming the
    /// metadata document (and the missing scopes).
    pub async fn authorize(&self, authorization: Option<&str>, requirements: &Requirements) -> Decision {
        self.auth.authorize_bearer_for(authorization, requirements, Some(&self.metadata_url)).await
    }

    /// The validating client (its key cache, `jwks_status`).
    pub fn client(&self) -> &ScalekitAuth {
        &self.auth
    }
}

/// The answer (204, these headers) to a CORS preflight of a protected resource: `OPTIONS`
/// with `Origin` and `Access-Control-Request-Method`. Adapters answer it themselves and
/// never pass it on, since a preflight carries no token. Tokens travel in a header, never
/// a cookie, so any origin may call with its own.
pub const PREFLIGHT_HEADERS: &[(&str, &str)] = &[
    ("access-control-allow-origin", "*"),
    ("access-control-allow-methods", "GET, POST, DELETE, OPTIONS"),
    (
        "access-control-allow-headers",
        "authorization, content-type, accept, mcp-protocol-version, mcp-session-id, last-event-id",
    ),
    ("access-control-expose-headers", "WWW-Authenticate, Mcp-Session-Id"),
    ("access-control-max-age", "600"),
];

/// The scopes the calls of an MCP server need: some for every call, more for a
/// `tools/call` of a named tool. Every adapter reads a call's body through it, so a body
/// that is not readable JSON-RPC is judged alike everywhere: it needs every tool scope (a
/// more lenient parser downstream might still find a tool call in it).
///
/// ```
/// use scalekit_auth::ToolScopes;
/// let scopes = ToolScopes::new(["notes:read"], [("add_note", vec!["notes:write"])]);
/// let call = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add_note"}}"#;
/// assert_eq!(scopes.required(Some(call)), ["notes:read", "notes:write"]);
/// assert_eq!(scopes.required(Some(b"not json")), ["notes:read", "notes:write"]);
/// assert_eq!(scopes.required(None), ["notes:read"]);
/// assert_eq!(scopes.required(Some(b"")), ["notes:read"]);
/// assert_eq!(scopes.required(Some(b" ")), ["notes:read", "notes:write"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ToolScopes {
    every_call: Vec<String>,
    tools: std::collections::BTreeMap<String, Vec<String>>,
}

impl ToolScopes {
    /// `every_call` for each call; `tools` adds the scopes of each named tool.
    pub fn new<S, T, N, V>(
        every_call: impl IntoIterator<Item = S>,
        tools: impl IntoIterator<Item = (N, V)>,
    ) -> Self
    where
        S: Into<String>,
        N: Into<String>,
        V: IntoIterator<Item = T>,
        T: Into<String>,
    {
        ToolScopes {
            every_call: every_call.into_iter().map(Into::into).collect(),
            tools: tools
                .into_iter()
                .map(|(n, v)| (n.into(), v.into_iter().map(Into::into).collect()))
                .collect(),
        }
    }

    /// Whether some tool needs scopes of its own (then a call's body must be read).
    pub fn has_tool_scopes(&self) -> bool {
        self.tools.values().any(|s| !s.is_empty())
    }

    /// Every scope named, each once, for `scopes_supported`.
    pub fn all(&self) -> Vec<String> {
        let mut all = self.every_call.clone();
        for scope in self.tools.values().flatten() {
            if !all.contains(scope) {
                all.push(scope.clone());
            }
        }
        all
    }

    /// The scopes a call with this body needs (`None` or an empty body: a call without
    /// one, e.g. a GET; no parser finds a tool call in zero bytes).
    pub fn required(&self, body: Option<&[u8]>) -> Vec<String> {
        let mut needed = self.every_call.clone();
        let Some(body) = body.filter(|b| !b.is_empty()) else { return needed };
        let tools = called_tools(body).unwrap_or_else(|| self.tools.keys().cloned().collect());
        for scope in tools.iter().filter_map(|t| self.tools.get(t)).flatten() {
            if !needed.contains(scope) {
                needed.push(scope.clone());
            }
        }
        needed
    }
}

/// The tools a JSON-RPC message (or batch) calls; `None` when the body is not one.
fn called_tools(body: &[u8]) -> Option<Vec<String>> {
    let parsed: Value = serde_json::from_slice(body).ok()?;
    let messages = match &parsed {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![&parsed],
        _ => return None,
    };
    let mut names = Vec::new();
    for message in messages {
        if message.get("method").and_then(Value::as_str) != Some("tools/call") {
            continue;
        }
        names.push(message.get("params")?.get("name")?.as_str()?.to_owned());
    }
    Some(names)
}

/// The resource URL: absolute, https unless loopback, without query or fragment.
fn resource_url(raw: &str) -> Result<Url> {
    let invalid = |why: &str| {
        Error::InvalidConfig(format!(
            "{ENV_RESOURCE_URL} {raw:?} {why}; give the public URL of the protected endpoint, e.g. \
             https://mcp.example.com/mcp"
        ))
    };
    let url = Url::parse(raw.trim()).map_err(|_| invalid("is not an absolute URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        _ => return Err(invalid("must use https (http only on loopback)")),
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(invalid("must not have a query, fragment or credentials"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests;
