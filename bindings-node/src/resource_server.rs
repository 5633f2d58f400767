//! `NativeResourceServer`: an OAuth protected resource (an MCP server): its metadata,
//! and the decision for each call's `Authorization` header.

use futures_util::FutureExt;
use napi::bindgen_prelude::within_runtime_if_available;
use napi_derive::napi;
use scalekit_auth::{Requirements, ResourceServerConfig};

use crate::claims::Json;
use crate::decision::Decision;
use crate::error::{to_napi, whole};

/// Options of a resource server.
#[napi(object)]
#[derive(Default)]
pub struct ResourceServerOptions {
    /// Scopes published in the metadata, for clients to ask for.
    pub scopes_supported: Option<Vec<String>>,
    pub leeway_seconds: Option<i64>,
    pub http_timeout_seconds: Option<i64>,
}

fn build(
    config: ResourceServerConfig,
    options: Option<ResourceServerOptions>,
) -> napi::Result<NativeResourceServer> {
    let options = options.unwrap_or_default();
    let mut config = config.scopes_supported(options.scopes_supported.unwrap_or_default());
    if let Some(seconds) = options.leeway_seconds {
        config = config.leeway_seconds(whole(seconds, "leeway_seconds")?);
    }
    if let Some(seconds) = options.http_timeout_seconds {
        config = config.http_timeout_seconds(whole(seconds, "http_timeout_seconds")?);
    }
    Ok(NativeResourceServer { inner: scalekit_auth::ResourceServer::new(config).map_err(to_napi)? })
}

#[napi]
pub struct NativeResourceServer {
    inner: scalekit_auth::ResourceServer,
}

#[napi]
impl NativeResourceServer {
    #[napi(constructor)]
    pub fn new(
        environment_url: String,
        resource_id: String,
        resource_url: String,
        options: Option<ResourceServerOptions>,
    ) -> napi::Result<Self> {
        build(ResourceServerConfig::new(environment_url, resource_id, resource_url), options)
    }

    /// From `SCALEKIT_ENVIRONMENT_URL`, `SCALEKIT_RESOURCE_ID` and `MCP_SERVER_URL`.
    #[napi(factory)]
    pub fn from_env(options: Option<ResourceServerOptions>) -> napi::Result<Self> {
        build(ResourceServerConfig::from_env().map_err(to_napi)?, options)
    }

    #[napi(getter)]
    pub fn resource_url(&self) -> String {
        self.inner.resource_url().to_owned()
    }

    #[napi(getter)]
    pub fn authorization_server(&self) -> String {
        self.inner.authorization_server().to_owned()
    }

    #[napi(getter)]
    pub fn metadata_url(&self) -> String {
        self.inner.metadata_url().to_owned()
    }

    #[napi(getter)]
    pub fn metadata_path(&self) -> String {
        self.inner.metadata_path().to_owned()
    }

    /// The protected resource metadata document (RFC 9728).
    #[napi(ts_return_type = "Record<string, unknown>")]
    pub fn metadata(&self) -> Json {
        Json::value(&self.inner.metadata())
    }

    /// The decision for a call when it needs no wait (keys cached); `null` otherwise.
    #[napi]
    pub fn try_authorize(
        &self,
        authorization: Option<String>,
        scopes: Option<Vec<String>>,
    ) -> Option<Decision> {
        let requirements = Requirements { scopes: scopes.unwrap_or_default(), ..Default::default() };
        within_runtime_if_available(|| {
            self.inner.authorize(authorization.as_deref(), &requirements).now_or_never()
        })
        .map(Decision::from)
    }

    /// The decision for a call: continue with the caller's identity, or 401/403 JSON
    /// whose `WWW-Authenticate` challenge names the metadata (and the missing scopes).
    #[napi]
    pub async fn authorize(&self, authorization: Option<String>, scopes: Option<Vec<String>>) -> Decision {
        let requirements = Requirements { scopes: scopes.unwrap_or_default(), ..Default::default() };
        let inner = self.inner.clone();
        Decision::from(inner.authorize(authorization.as_deref(), &requirements).await)
    }
}
