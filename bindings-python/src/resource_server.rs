//! `_native.ResourceServer`: an OAuth protected resource (an MCP server): its metadata,
//! and the decision for each call's `Authorization` header.

use pyo3::prelude::*;
use scalekit_auth::{Requirements, ResourceServerConfig};

use crate::decision::Decision;
use crate::error::to_py_err;
use crate::json::to_py;
use crate::runtime::try_now;

#[pyclass(module = "scalekit_auth._native", frozen)]
pub struct ResourceServer {
    inner: scalekit_auth::ResourceServer,
}

fn build(
    config: ResourceServerConfig,
    scopes_supported: Option<Vec<String>>,
    leeway_seconds: Option<u64>,
    http_timeout_seconds: Option<u64>,
) -> PyResult<ResourceServer> {
    let mut config = config.scopes_supported(scopes_supported.unwrap_or_default());
    if let Some(seconds) = leeway_seconds {
        config = config.leeway_seconds(seconds);
    }
    if let Some(seconds) = http_timeout_seconds {
        config = config.http_timeout_seconds(seconds);
    }
    Ok(ResourceServer { inner: scalekit_auth::ResourceServer::new(config).map_err(to_py_err)? })
}

#[pymethods]
impl ResourceServer {
    #[new]
    #[pyo3(signature = (environment_url, resource_id, resource_url, *, scopes_supported=None, leeway_seconds=None, http_timeout_seconds=None))]
    fn new(
        environment_url: String,
        resource_id: String,
        resource_url: String,
        scopes_supported: Option<Vec<String>>,
        leeway_seconds: Option<u64>,
        http_timeout_seconds: Option<u64>,
    ) -> PyResult<Self> {
        let config = ResourceServerConfig::new(environment_url, resource_id, resource_url);
        build(config, scopes_supported, leeway_seconds, http_timeout_seconds)
    }

    /// From `SCALEKIT_ENVIRONMENT_URL`, `SCALEKIT_RESOURCE_ID` and `MCP_SERVER_URL`.
    #[staticmethod]
    #[pyo3(signature = (*, scopes_supported=None, leeway_seconds=None, http_timeout_seconds=None))]
    fn from_env(
        scopes_supported: Option<Vec<String>>,
        leeway_seconds: Option<u64>,
        http_timeout_seconds: Option<u64>,
    ) -> PyResult<Self> {
        let config = ResourceServerConfig::from_env().map_err(to_py_err)?;
        build(config, scopes_supported, leeway_seconds, http_timeout_seconds)
    }

    #[getter]
    fn resource_url(&self) -> &str {
        self.inner.resource_url()
    }

    #[getter]
    fn authorization_server(&self) -> &str {
        self.inner.authorization_server()
    }

    #[getter]
    fn metadata_url(&self) -> &str {
        self.inner.metadata_url()
    }

    #[getter]
    fn metadata_path(&self) -> &str {
        self.inner.metadata_path()
    }

    /// The protected resource metadata document (RFC 9728), as a dict.
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.metadata())
    }

    /// The decision for a call, if it can be made without waiting for the network (keys
    /// cached); `None` otherwise (then await `authorize`).
    #[pyo3(signature = (authorization, scopes=vec![]))]
    fn try_authorize(
        &self,
        py: Python<'_>,
        authorization: Option<String>,
        scopes: Vec<String>,
    ) -> PyResult<Option<Decision>> {
        let requirements = Requirements { scopes, ..Default::default() };
        match try_now(py, || self.inner.authorize(authorization.as_deref(), &requirements)) {
            Some(d) => Decision::new(py, d).map(Some),
            None => Ok(None),
        }
    }

    /// The decision for a call with this `Authorization` header: continue with the
    /// caller's identity, or 401/403 JSON whose `WWW-Authenticate` challenge names the
    /// metadata (and the missing scopes).
    #[pyo3(signature = (authorization, scopes=vec![]))]
    fn authorize<'py>(
        &self,
        py: Python<'py>,
        authorization: Option<String>,
        scopes: Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let requirements = Requirements { scopes, ..Default::default() };
        let inner = self.inner.clone();
        crate::runtime::future_into_py(py, async move {
            let d = inner.authorize(authorization.as_deref(), &requirements).await;
            crate::gate::attach_or_err(|py| Decision::new(py, d))
        })
    }

    fn __repr__(&self) -> String {
        format!("ResourceServer(resource_url={:?})", self.inner.resource_url())
    }
}

/// The scopes an MCP call with `body` needs: `scopes` for every call, those of
/// `tool_scopes` for each tool it calls, every tool's when `body` is not readable
/// JSON-RPC (`None`: a call without a body).
#[pyfunction]
#[pyo3(signature = (scopes, tool_scopes, body=None))]
pub(crate) fn _mcp_required_scopes(
    scopes: Vec<String>,
    tool_scopes: std::collections::BTreeMap<String, Vec<String>>,
    body: Option<&[u8]>,
) -> Vec<String> {
    scalekit_auth::ToolScopes::new(scopes, tool_scopes).required(body)
}
