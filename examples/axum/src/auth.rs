//! The axum adapter: reads a request into the engine's `RequestInfo` and writes its
//! `Decision` out. Every rule (cookies, refresh, redirects, status codes) lives in the
//! engine; nothing here decides.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scalekit_auth::{Action, Decision, Identity, RequestInfo, Requirements, SessionEngine};

/// The engine, shared by every handler.
pub type Engine = Arc<SessionEngine>;

fn header(headers: &HeaderMap, name: axum::http::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn request_info<'a>(path_and_query: &'a str, headers: &'a HeaderMap) -> RequestInfo<'a> {
    RequestInfo {
        path_and_query,
        cookie: header(headers, COOKIE),
        authorization: header(headers, AUTHORIZATION),
        accept: header(headers, ACCEPT),
    }
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

/// A decision that ends the request (redirect or JSON answer) as a response.
fn respond(decision: Decision) -> Response {
    let response = match decision.action {
        Action::Redirect(location) => (StatusCode::FOUND, [(LOCATION, location)]).into_response(),
        Action::Respond { status, body } => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [(CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
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
    let decision = engine.require_auth(&request_info(&pq, request.headers()), &requirements).await;
    continue_or_respond(decision, request, next).await
}

/// Middleware for routes that work with or without a user.
pub async fn optional(State(engine): State<Engine>, request: Request, next: Next) -> Response {
    let pq = path_and_query(&request);
    let decision = engine.optional_auth(&request_info(&pq, request.headers())).await;
    continue_or_respond(decision, request, next).await
}

/// GET /auth/login
pub async fn login(State(engine): State<Engine>, request: Request<Body>) -> Response {
    let pq = path_and_query(&request);
    respond(engine.handle_login(&request_info(&pq, request.headers()), false).await)
}

/// GET /auth/signup
pub async fn signup(State(engine): State<Engine>, request: Request<Body>) -> Response {
    let pq = path_and_query(&request);
    respond(engine.handle_login(&request_info(&pq, request.headers()), true).await)
}

/// GET /auth/callback
pub async fn callback(State(engine): State<Engine>, request: Request<Body>) -> Response {
    let pq = path_and_query(&request);
    respond(engine.handle_callback(&request_info(&pq, request.headers())).await)
}

/// GET /auth/logout
pub async fn logout(State(engine): State<Engine>, request: Request<Body>) -> Response {
    let pq = path_and_query(&request);
    respond(engine.handle_logout(&request_info(&pq, request.headers())))
}

/// The identity a middleware stored, for handlers.
pub fn identity(request: &Request) -> Option<Arc<Identity>> {
    request.extensions().get::<Arc<Identity>>().cloned()
}
