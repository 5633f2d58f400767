//! The protected-resource side of the axum integration: a tower [`ResourceLayer`] that
//! lets in only tokens minted for an MCP server (or any OAuth protected resource), and
//! [`resource_metadata_routes`] serving its RFC 9728 metadata.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::Request;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use futures_util::future::BoxFuture;
use tower_layer::Layer;
use tower_service::Service;

use super::{Authenticated, json_response, respond};
use crate::resource_server::{RESOURCE_METADATA_PATH, ResourceServer};
use crate::session::{Action, Requirements};

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

impl<S> Layer<S> for ResourceLayer {
    type Service = ResourceService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ResourceService { inner, layer: self.clone() }
    }
}

/// The service of a [`ResourceLayer`].
#[derive(Clone, Debug)]
pub struct ResourceService<S> {
    inner: S,
    layer: ResourceLayer,
}

impl<S> Service<Request> for ResourceService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        let (mut parts, body) = request.into_parts();
        Box::pin(async move {
            let authorization = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
            let decision = layer.server.authorize(authorization, &layer.requirements).await;
            match decision.action {
                Action::Continue(identity) => {
                    parts.extensions.insert(Authenticated(identity.map(|i| *i)));
                    inner.call(Request::from_parts(parts, body)).await
                }
                _ => Ok(respond(decision)),
            }
        })
    }
}

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
