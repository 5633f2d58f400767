//! Tests of this app as its developers write them: no Scalekit account, no browser, no
//! port. A local provider signs the tokens, `test_session_cookie` seals a session with the
//! app's own secret, and `tower::ServiceExt::oneshot` sends one request through the router.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use scalekit_auth::testing::{LocalProvider, TestSession};
use scalekit_auth::{Algorithm, ScalekitAuth, SessionConfig, SessionEngine};
use tower::ServiceExt;

const SECRET: &str = "example-tests-session-secret-0123456789";

async fn get(app: &Router, path: &str, headers: &[(&str, &str)]) -> (StatusCode, String) {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn admins_see_the_admin_page_viewers_are_refused_and_strangers_sent_to_log_in() {
    let provider = LocalProvider::start("skc_example", "secret", Algorithm::RS256).await.unwrap();
    let config = SessionConfig::new("http://localhost:3000/auth/callback", [SECRET]);
    let engine = SessionEngine::new(ScalekitAuth::new(provider.config()).unwrap(), config).unwrap();
    let admin = TestSession::new("usr_ada").name("Ada").roles(["admin"]);
    let admin = engine.test_session_cookie(provider.signer(), &admin).await.unwrap();
    let viewer = TestSession::new("usr_bob").roles(["viewer"]);
    let viewer = engine.test_session_cookie(provider.signer(), &viewer).await.unwrap();
    let app = scalekit_auth_example_axum::app(engine).unwrap();

    let (status, body) = get(&app, "/admin", &[("cookie", &admin)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("administrator usr_ada"), "{body}");

    let (status, body) = get(&app, "/admin", &[("cookie", &viewer), ("accept", "application/json")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("insufficient_scope"), "{body}");

    let (status, body) = get(&app, "/api/me", &[("cookie", &viewer)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"usr_bob\""), "{body}");

    let (status, body) = get(&app, "/api/me", &[]).await;
    assert_eq!((status, body.contains("session_missing")), (StatusCode::UNAUTHORIZED, true));
}
