//! axum integration (the `axum` feature): a tower [`AuthLayer`] that runs the session
//! engine before a route, [`Identity`] and `Option<Identity>` extractors for handlers
//! (which keep their body extractors), and [`routes`] serving login, signup, callback,
//! logout and back-channel logout. Every rule lives in the engine; this module only
//! moves requests in and decisions out.
//!
//! ```no_run
//! # async fn run() -> scalekit_auth::Result<()> {
//! use std::sync::Arc;
//! use axum::{Router, routing::{get, post}};
//! use scalekit_auth::axum::{AuthLayer, routes};
//! use scalekit_auth::{Identity, Requirements, SessionEngine};
//!
//! let engine = Arc::new(SessionEngine::from_env()?);
//! let admin = Requirements { roles: vec!["admin".into()], ..Default::default() };
//! let app: Router = Router::new()
//!     .route("/dashboard", get(|me: Identity| async move { format!("hello {}", me.user.id) }))
//!     .route_layer(AuthLayer::require(engine.clone(), Requirements::default()))
//!     .merge(
//!         Router::new()
//!             // The body extractor still works: the layer reads only the head.
//!             .route("/admin/notes", post(|me: Identity, note: String| async move {
//!                 format!("{} wrote {note}", me.user.id)
//!             }))
//!             .route_layer(AuthLayer::require(engine.clone(), admin)),
//!     )
//!     .route("/", get(|me: Option<Identity>| async move { format!("{:?}", me.map(|m| m.user.id)) }))
//!     .layer(AuthLayer::optional(engine.clone()))
//!     .merge(routes(&engine)?);
//! # let _ = app; Ok(()) }
//! ```

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::future::BoxFuture;
use tower_layer::Layer;
use tower_service::Service;

use crate::error::{Error, Result};
use crate::session::{Action, Decision, Identity, RequestInfo, Requirements, SessionEngine, error_body};

mod resource;
pub use resource::{ResourceLayer, ResourceService, resource_metadata_routes};

/// The most a back-channel logout body may hold: a logout token is a few kilobytes.
const MAX_BACKCHANNEL_BODY: usize = 64 * 1024;

/// A tower layer that authenticates each request with the session engine before the
/// route runs: the [`Identity`] goes into the request's extensions (read by the
/// extractors), refreshed-session cookies onto the response, and a refused request is
/// answered by the engine (a redirect to log in for a page load, 401/403 JSON or an
/// error page otherwise).
#[derive(Clone)]
pub struct AuthLayer {
    engine: Arc<SessionEngine>,
    requirements: Option<Arc<Requirements>>,
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLayer").field("requirements", &self.requirements).finish_non_exhaustive()
    }
}

impl AuthLayer {
    /// Routes that need a signed-in user meeting `requirements`
    /// (`Requirements::default()` for any user).
    pub fn require(engine: Arc<SessionEngine>, requirements: Requirements) -> Self {
        AuthLayer { engine, requirements: Some(Arc::new(requirements)) }
    }

    /// Routes that work with or without a user: `Option<Identity>` tells them apart (a
    /// bad bearer token still gets 401).
    pub fn optional(engine: Arc<SessionEngine>) -> Self {
        AuthLayer { engine, requirements: None }
    }
}

impl Guard for AuthLayer {
    async fn decide(&self, parts: &Parts) -> Decision {
        let info = parts_info(parts);
        match &self.requirements {
            Some(requirements) => self.engine.require_auth(&info.info(), requirements).await,
            None => self.engine.optional_auth(&info.info()).await,
        }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService { inner, guard: self.clone() }
    }
}

/// The service of an [`AuthLayer`].
pub type AuthService<S> = GuardService<S, AuthLayer>;

/// What a layer asks before the route runs: the decision for the request's head.
pub trait Guard: Clone + Send + Sync + 'static {
    /// Decides the request: continue (with the identity the extractors read) or answer.
    fn decide(&self, parts: &Parts) -> impl std::future::Future<Output = Decision> + Send;
}

/// The service of a guard layer ([`AuthLayer`], [`ResourceLayer`]): the guard decides
/// from the request's head while the body waits, untouched; a request that continues
/// reaches the route with its identity and leaves with the decision's cookies.
#[derive(Clone)]
pub struct GuardService<S, G> {
    inner: S,
    guard: G,
}

impl<S, G: std::fmt::Debug> std::fmt::Debug for GuardService<S, G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardService").field("guard", &self.guard).finish_non_exhaustive()
    }
}

/// The identity stored by a guard layer for this request, once it ran.
#[derive(Clone)]
struct Authenticated(Option<Identity>);

impl<S, G> Service<Request> for GuardService<S, G>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    G: Guard,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, std::result::Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The clone that was polled ready serves this request (tower's usual dance).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let guard = self.guard.clone();
        let (mut parts, body) = request.into_parts();
        Box::pin(async move {
            let decision = guard.decide(&parts).await;
            let set_cookies = decision.set_cookies.clone();
            match decision.action {
                Action::Continue(identity) => {
                    parts.extensions.insert(Authenticated(identity.map(|i| *i)));
                    let response = inner.call(Request::from_parts(parts, body)).await?;
                    Ok(with_cookies(response, &set_cookies))
                }
                _ => Ok(respond(decision)),
            }
        })
    }
}

/// Why an [`Identity`] could not be extracted: no user on a route behind
/// [`AuthLayer::optional`] (401 JSON), or no [`AuthLayer`] at all (500, a wiring error).
#[derive(Debug)]
pub struct IdentityRejection(Option<Error>);

impl IntoResponse for IdentityRejection {
    fn into_response(self) -> Response {
        match self.0 {
            Some(err) => {
                let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
                json_response(status, error_body(&err))
            }
            None => json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                error_body(&Error::InvalidConfig(
                    "an Identity extractor runs on a route without scalekit_auth::axum::AuthLayer".into(),
                )),
            ),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = IdentityRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> std::result::Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(identity))) => Ok(identity.clone()),
            Some(Authenticated(None)) => Err(IdentityRejection(Some(Error::SessionMissing))),
            None => Err(IdentityRejection(None)),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Identity {
    type Rejection = IdentityRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> std::result::Result<Option<Self>, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(identity)) => Ok(identity.clone()),
            None => Err(IdentityRejection(None)),
        }
    }
}

/// The auth routes under the prefix of the engine's login path (`/auth` by default):
/// `GET login`, `GET signup`, `GET callback`, `GET`/`POST logout` and `POST
/// backchannel-logout` (bodies over 64 KiB refused). Fails with `invalid_config` when
/// the redirect URI does not end with the callback path served here.
pub fn routes<S: Clone + Send + Sync + 'static>(engine: &Arc<SessionEngine>) -> Result<Router<S>> {
    let login_path = engine.config().login_path.clone();
    let prefix = login_path.strip_suffix("/login").unwrap_or("/auth").to_owned();
    let callback = format!("{prefix}/callback");
    let redirect = url::Url::parse(&engine.config().redirect_uri)
        .map_err(|e| Error::InvalidConfig(format!("the redirect URI is not a URL ({e})")))?;
    if !crate::session::serves_path(redirect.path(), &callback) {
        return Err(Error::InvalidConfig(format!(
            "the redirect URI {:?} has the path {:?}, but the app serves its callback at {callback:?}; \
             change the redirect URI (and the one registered in Scalekit) or the login path so they agree",
            engine.config().redirect_uri,
            redirect.path()
        )));
    }
    let with = |f: fn(Arc<SessionEngine>, Parts) -> BoxFuture<'static, Decision>| {
        let engine = Arc::clone(engine);
        move |request: Request| {
            let engine = Arc::clone(&engine);
            let (parts, _body) = request.into_parts();
            async move { respond(f(engine, parts).await) }
        }
    };
    let backchannel = {
        let engine = Arc::clone(engine);
        move |body: String| async move { respond(engine.handle_backchannel_logout("POST", &body).await) }
    };
    Ok(Router::new()
        .route(
            &format!("{prefix}/login"),
            get(with(|e, r| Box::pin(async move { login(&e, &r, false).await }))),
        )
        .route(
            &format!("{prefix}/signup"),
            get(with(|e, r| Box::pin(async move { login(&e, &r, true).await }))),
        )
        .route(
            &callback,
            get(with(|e, r| Box::pin(async move { e.handle_callback(&parts_info(&r).info()).await }))),
        )
        .route(
            &format!("{prefix}/logout"),
            get(with(|e, r| Box::pin(async move { logout(&e, &r).await })))
                .post(with(|e, r| Box::pin(async move { logout(&e, &r).await }))),
        )
        .route(
            &format!("{prefix}/backchannel-logout"),
            post(backchannel).layer(DefaultBodyLimit::max(MAX_BACKCHANNEL_BODY)),
        ))
}

async fn login(engine: &SessionEngine, parts: &Parts, signup: bool) -> Decision {
    engine.handle_login(&parts_info(parts).info(), signup).await
}

async fn logout(engine: &SessionEngine, parts: &Parts) -> Decision {
    engine.handle_logout(&parts_info(parts).info()).await
}

/// What the engine reads of a request head.
struct Head<'a> {
    method: &'a str,
    path_and_query: &'a str,
    headers: &'a HeaderMap,
}

impl Head<'_> {
    fn info(&self) -> RequestInfo<'_> {
        RequestInfo::from_headers(self.method, self.path_and_query, |name| {
            self.headers.get(name).and_then(|v| v.to_str().ok())
        })
    }
}

fn parts_info(parts: &Parts) -> Head<'_> {
    Head {
        method: parts.method.as_str(),
        path_and_query: parts.uri.path_and_query().map_or("/", |pq| pq.as_str()),
        headers: &parts.headers,
    }
}

/// Appends the decision's cookies to a response.
fn with_cookies(mut response: Response, set_cookies: &[String]) -> Response {
    for cookie in set_cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A decision that ends the request (a redirect, an error page or JSON) as a response.
fn respond(decision: Decision) -> Response {
    let status = StatusCode::from_u16(decision.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = decision.headers();
    let body = match decision.action {
        Action::Respond { body, .. } => Body::from(body),
        _ => Body::empty(),
    };
    let mut response = (status, body).into_response();
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(HeaderName::from_static(name), value);
        }
    }
    with_cookies(response, &decision.set_cookies)
}
