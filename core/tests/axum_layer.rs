//! The axum integration, driven with `tower::ServiceExt::oneshot` and test session
//! cookies: the layer, the extractors (next to a body extractor), refusals and routes.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use scalekit_auth::axum::{AuthLayer, routes};
use scalekit_auth::testing::{LocalProvider, TestSession};
use scalekit_auth::{Algorithm, Identity, Requirements, ScalekitAuth, SessionConfig, SessionEngine};
use tower::ServiceExt;

const SECRET: &str = "axum-test-session-secret-0123456789";

async fn app(provider: &LocalProvider) -> (Router, Arc<SessionEngine>) {
    let auth = ScalekitAuth::new(provider.config()).unwrap();
    let config = SessionConfig::new("http://localhost:3000/auth/callback", [SECRET]);
    let engine = Arc::new(SessionEngine::new(auth, config).unwrap());
    let admin = Requirements { roles: vec!["admin".into()], ..Default::default() };
    let router = Router::new()
        .route("/me", get(|me: Identity| async move { me.user.id }))
        .route_layer(AuthLayer::require(engine.clone(), Requirements::default()))
        .merge(
            Router::new()
                .route(
                    "/admin/notes",
                    post(|me: Identity, body: String| async move { format!("{}: {body}", me.user.id) }),
                )
                .route_layer(AuthLayer::require(engine.clone(), admin)),
        )
        .merge(
            Router::new()
                .route(
                    "/",
                    get(|me: Option<Identity>| async move { me.map_or("anonymous".into(), |m| m.user.id) }),
                )
                .route("/strict", get(|me: Identity| async move { me.user.id }))
                .route_layer(AuthLayer::optional(engine.clone())),
        )
        .route("/unguarded", get(|me: Identity| async move { me.user.id }))
        .merge(routes(&engine).unwrap());
    (router, engine)
}

async fn call(router: &Router, request: Request<Body>) -> (StatusCode, String, axum::http::HeaderMap) {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    (parts.status, String::from_utf8(to_bytes(body, 1 << 20).await.unwrap().to_vec()).unwrap(), parts.headers)
}

fn get_with(path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn handlers_take_the_identity_and_keep_their_body_extractors() {
    let provider = LocalProvider::start("skc_axum", "secret", Algorithm::ES256).await.unwrap();
    let (router, engine) = app(&provider).await;
    let admin = engine
        .test_session_cookie(provider.signer(), &TestSession::new("usr_ada").roles(["admin"]))
        .await
        .unwrap();
    let viewer = engine
        .test_session_cookie(provider.signer(), &TestSession::new("usr_bob").roles(["viewer"]))
        .await
        .unwrap();

    assert_eq!(call(&router, get_with("/me", &[("cookie", &admin)])).await.1, "usr_ada");
    let note = Request::post("/admin/notes").header("cookie", &admin).body(Body::from("hello")).unwrap();
    assert_eq!(call(&router, note).await.1, "usr_ada: hello");
    let refused = Request::post("/admin/notes").header("cookie", &viewer).body(Body::from("x")).unwrap();
    let (status, body, _) = call(&router, refused).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("insufficient_scope"), "{body}");

    assert_eq!(call(&router, get_with("/", &[])).await.1, "anonymous");
    assert_eq!(call(&router, get_with("/", &[("cookie", &viewer)])).await.1, "usr_bob");
    let (status, body, _) = call(&router, get_with("/strict", &[])).await;
    assert_eq!((status, body.contains("session_missing")), (StatusCode::UNAUTHORIZED, true));
    let (status, body, _) = call(&router, get_with("/unguarded", &[("cookie", &admin)])).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("invalid_config"), "a wiring mistake is a configuration error: {body}");
}

#[tokio::test]
async fn refusals_redirect_pages_and_answer_apis_and_the_routes_are_served() {
    let provider = LocalProvider::start("skc_axum", "secret", Algorithm::ES256).await.unwrap();
    let (router, _) = app(&provider).await;
    let page = [("accept", "text/html"), ("sec-fetch-mode", "navigate")];
    let (status, _, headers) = call(&router, get_with("/me", &page)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers["location"], "/auth/login?return_to=%2Fme");
    let (status, body, _) = call(&router, get_with("/me", &[("accept", "application/json")])).await;
    assert_eq!((status, body.contains("session_missing")), (StatusCode::UNAUTHORIZED, true));

    let (status, _, headers) = call(&router, get_with("/auth/login?organization_id=org_1", &page)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(headers["location"].to_str().unwrap().contains("organization_id=org_1"));
    assert!(headers.get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("skauth_login_")));
    let (status, body, _) = call(&router, get_with("/auth/callback?code=c&state=s", &page)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Try again"));
    let big = Request::post("/auth/backchannel-logout").body(Body::from("x".repeat(70_000))).unwrap();
    assert_eq!(call(&router, big).await.0, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn routes_refuse_a_redirect_uri_they_do_not_serve() {
    let provider = LocalProvider::start("skc_axum", "secret", Algorithm::ES256).await.unwrap();
    let auth = ScalekitAuth::new(provider.config()).unwrap();
    let config = SessionConfig::new("http://localhost:3000/oauth/cb", [SECRET]);
    let engine = Arc::new(SessionEngine::new(auth, config).unwrap());
    let err = routes::<()>(&engine).unwrap_err();
    assert_eq!(err.code(), "invalid_config");
    assert!(err.to_string().contains("/oauth/cb") && err.to_string().contains("/auth/callback"), "{err}");
}

#[tokio::test]
async fn a_protected_resource_lets_in_its_own_tokens_and_serves_its_metadata() {
    use scalekit_auth::axum::{ResourceLayer, resource_metadata_routes};
    use scalekit_auth::{ResourceServer, ResourceServerConfig};

    let provider = LocalProvider::start("skc_app", "secret", Algorithm::ES256).await.unwrap();
    let config = ResourceServerConfig::new(provider.url(), "res_1", "http://localhost:8931/mcp");
    let server = Arc::new(ResourceServer::new(config).unwrap());
    let notes = Requirements { scopes: vec!["notes:write".into()], ..Default::default() };
    let router: Router = Router::new()
        .route("/mcp", post(|me: Identity, body: String| async move { format!("{}: {body}", me.user.id) }))
        .route_layer(ResourceLayer::new(server.clone(), notes))
        .merge(resource_metadata_routes(&server));

    let (status, body, _) = call(&router, get_with("/.well-known/oauth-protected-resource/mcp", &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&format!("{}/resources/res_1", provider.url())), "{body}");
    assert_eq!(call(&router, get_with("/.well-known/oauth-protected-resource", &[])).await.0, StatusCode::OK);

    let unauthenticated = Request::post("/mcp").body(Body::from("x")).unwrap();
    let (status, _, headers) = call(&router, unauthenticated).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers["www-authenticate"].to_str().unwrap().contains("resource_metadata="));

    let issuer = format!("{}/resources/res_1", provider.url());
    let token = |scopes: &[&str]| {
        provider.mint(&serde_json::json!({"iss": issuer, "aud": ["res_1"], "scopes": scopes}), 300)
    };
    let post_with = |token: String| {
        Request::post("/mcp")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from("hello"))
            .unwrap()
    };
    let (status, _, headers) = call(&router, post_with(token(&["notes:read"]))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(headers["www-authenticate"].to_str().unwrap().contains(r#"scope="notes:write""#));
    assert_eq!(call(&router, post_with(token(&["notes:write"]))).await.1, "usr_test: hello");
    let app_token = provider.mint(&serde_json::json!({}), 300);
    assert_eq!(call(&router, post_with(app_token)).await.0, StatusCode::UNAUTHORIZED);
}
