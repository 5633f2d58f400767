//! The protected-resource side of the axum integration: a tower [`ResourceLayer`] that
//! lets in only tokens minted for an MCP server (or any OAuth protected resource), and
//! [`resource_metadata_routes`] serving its RFC 9728 metadata.

use std::sync::Arc;

use axum::Router;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::routing::get;
use tower_layer::Layer;

use super::{Guard, GuardService, json_response};
use crate::resource_server::{RESOURCE_METADATA_PATH, ResourceServer};
use crate::session::{Decision, Requirements};

/// A tower layer for the routes of a protected resource: a call with a token minted for
/// `server` (and the `requirements`' scopes) reaches the route with its [`crate::Identity`]
/// (the same extractors as [`super::AuthLayer`]); any other gets 401/403 JSON with a
/// challenge naming the metadata.
///
/// ```no_run
/// # fn run() -> scalekit_auth::Result<()> {
/// use std::sync::Arc;
/// use axum::{Router, routing::post};
/// use scalekit_auth::axum::{ResourceLayer, resource_metadata_routes};
/// use scalekit_auth::{Identity, Requirements, ResourceServer, ResourceServerConfig};
///
/// let server = Arc::new(ResourceServer::new(ResourceServerConfig::from_env()?)?);
/// let app: Router = Router::new()
///     .route("/mcp", post(|me: Identity, body: String| async move { format!("{}: {body}", me.user.id) }))
///     .route_layer(ResourceLayer::new(server.clone(), Requirements::default()))
///     .merge(resource_metadata_routes(&server));
/// # let _ = app; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ResourceLayer {
    server: Arc<ResourceServer>,
    requirements: Arc<Requirements>,
}

impl ResourceLayer {
    /// Routes that need a token for `server` carrying the `requirements`' scopes (and
    /// roles or permissions, if named).
    pub fn new(server: Arc<ResourceServer>, requirements: Requirements) -> Self {
        ResourceLayer { server, requirements: Arc::new(requirements) }
    }
}

impl Guard for ResourceLayer {
    async fn decide(&self, parts: &Parts) -> Decision {
        let authorization = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        self.server.authorize(authorization, &self.requirements).await
    }
}

impl<S> Layer<S> for ResourceLayer {
    type Service = ResourceService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService { inner, guard: self.clone() }
    }
}

/// The service of a [`ResourceLayer`].
pub type ResourceService<S> = GuardService<S, ResourceLayer>;

/// The metadata document of `server` at its RFC 9728 path and at
/// `/.well-known/oauth-protected-resource`, readable from any origin.
pub fn resource_metadata_routes<S: Clone + Send + Sync + 'static>(server: &ResourceServer) -> Router<S> {
    let document = server.metadata().to_string();
    let serve = move || {
        let document = document.clone();
        async move {
            let mut response = json_response(StatusCode::OK, document);
            let headers = response.headers_mut();
            headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
            headers.insert("cache-control", HeaderValue::from_static("max-age=300"));
            response
        }
    };
    let mut router = Router::new().route(RESOURCE_METADATA_PATH, get(serve.clone()));
    if server.metadata_path() != RESOURCE_METADATA_PATH {
        router = router.route(server.metadata_path(), get(serve));
    }
    router
}
