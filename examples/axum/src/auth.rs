//! The axum adapter: reads a request into the engine's `RequestInfo` and writes its
//! `Decision` out. Every rule (cookies, refresh, redirects, status codes) lives in the
//! engine; nothing here decides.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scalekit_auth::{Action, Decision, Identity, RequestInfo, Requirements, SessionEngine};

/// The engine, shared by every handler.
pub type Engine = Arc<SessionEngine>;

fn request_info<'a>(method: &'a str, path_and_query: &'a str, headers: &'a HeaderMap) -> RequestInfo<'a> {
    RequestInfo::from_headers(method, path_and_query, |name| headers.get(name).and_then(|v| v.to_str().ok()))
}

fn path_and_query(request: &Request) -> String {
    request.uri().path_and_query().map_or("/", |pq| pq.as_str()).to_owned()
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

/// A decision that ends the request (a redirect, an error page or JSON) as a response.
fn respond(decision: Decision) -> Response {
    if let Some(err) = &decision.error
        && decision.status() >= 500
    {
        eprintln!("auth: {} ({err})", err.code());
    }
    let status = StatusCode::from_u16(decision.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = decision.headers();
    let body = match decision.action {
        Action::Respond { body, .. } => body,
        _ => String::new(),
    };
    let mut response = (status, body).into_response();
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(HeaderName::from_static(name), value);
        }
    }
    with_cookies(response, &decision.set_cookies)
}

/// Runs the route when the decision is to continue, with the identity in the request
/// extensions; any other decision answers directly.
async fn continue_or_respond(decision: Decision, mut request: Request, next: Next) -> Response {
    match decision.action {
        Action::Continue(identity) => {
            if let Some(identity) = identity {
                request.extensions_mut().insert(Arc::new(*identity));
            }
            let response = next.run(request).await;
            with_cookies(response, &decision.set_cookies)
        }
        _ => respond(decision),
    }
}

/// Middleware for routes that need a user with `requirements`.
pub async fn require(
    State((engine, requirements)): State<(Engine, Arc<Requirements>)>,
    request: Request,
    next: Next,
) -> Response {
    let pq = path_and_query(&request);
    let info = request_info(request.method().as_str(), &pq, request.headers());
    let decision = engine.require_auth(&info, &requirements).await;
    continue_or_respond(decision, request, next).await
}

/// Middleware for routes that work with or without a user.
pub async fn optional(State(engine): State<Engine>, request: Request, next: Next) -> Response {
    let pq = path_and_query(&request);
    let info = request_info(request.method().as_str(), &pq, request.headers());
    let decision = engine.optional_auth(&info).await;
    continue_or_respond(decision, request, next).await
}

/// GET /auth/login
pub async fn login(State(engine): State<Engine>, request: Request<Body>) -> Response {
    let pq = path_and_query(&request);
    respond(
        engine.handle_login(&request_info(request.method().as_str(), &pq, request.headers()), false).await,
    )
}

/// GET /auth/signup
pub async fn signup(State(engine): State<Engine>, request: Request<Body>) -> Response {
    let pq = path_and_query(&request);
    respond(engine.handle_login(&request_info(request.method().as_str(), &pq, request.headers()), true).await)
}

/// GET /auth/callback
pub async fn callback(State(engine): State<Engine>, request: Request<Body>) -> Response {
    let pq = path_and_query(&request);
    respond(engine.handle_callback(&request_info(request.method().as_str(), &pq, request.headers())).await)
}

/// GET or POST /auth/logout
pub async fn logout(State(engine): State<Engine>, request: Request<Body>) -> Response {
    let pq = path_and_query(&request);
    respond(engine.handle_logout(&request_info(request.method().as_str(), &pq, request.headers())).await)
}

/// The identity a middleware stored, for handlers.
pub fn identity(request: &Request) -> Option<Arc<Identity>> {
    request.extensions().get::<Arc<Identity>>().cloned()
}

/// The provider's back-channel logout: a form POST with `logout_token`.
pub async fn backchannel_logout(State(engine): State<Engine>, body: String) -> Response {
    respond(engine.handle_backchannel_logout("POST", &body).await)
}
