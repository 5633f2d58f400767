//! An axum app on scalekit-auth: `/auth/login`, `/auth/signup`, `/auth/callback`,
//! `/auth/logout`, a home page, a protected `/dashboard`, an `/admin` page that needs
//! the `admin` role, and `/api/me`, a JSON API that also accepts bearer tokens.

pub mod auth;
pub mod pages;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use scalekit_auth::{Requirements, SessionEngine};

/// The app's router.
pub fn app(engine: SessionEngine) -> Router {
    let engine: auth::Engine = Arc::new(engine);
    let require = |requirements: Requirements| {
        from_fn_with_state((engine.clone(), Arc::new(requirements)), auth::require)
    };
    let admin = Requirements { roles: vec!["admin".into()], ..Default::default() };
    Router::new()
        .route("/", get(pages::home).layer(from_fn_with_state(engine.clone(), auth::optional)))
        .route("/dashboard", get(pages::dashboard).layer(require(Requirements::default())))
        .route("/admin", get(pages::admin).layer(require(admin)))
        .route("/api/me", get(pages::api_me).layer(require(Requirements::default())))
        .route("/auth/login", get(auth::login))
        .route("/auth/signup", get(auth::signup))
        .route("/auth/callback", get(auth::callback))
        .route("/auth/logout", get(auth::logout).post(auth::logout))
        .route(
            "/auth/backchannel-logout",
            // A logout token is a few kilobytes; the provider has no reason to send more.
            axum::routing::post(auth::backchannel_logout)
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024)),
        )
        .with_state(engine)
}
