//! An axum app on scalekit-auth: `/auth/login`, `/auth/signup`, `/auth/callback`,
//! `/auth/logout`, a home page, a protected `/dashboard`, an `/admin` page that needs
//! the `admin` role, and `/api/me`, a JSON API that also accepts bearer tokens.
//!
//! Authentication comes from `scalekit_auth::axum`: `AuthLayer` decides before each
//! route, handlers take `Identity` (or `Option<Identity>`) like any other extractor.

pub mod pages;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use scalekit_auth::axum::{AuthLayer, routes};
use scalekit_auth::{Requirements, SessionEngine};

/// The app's router; fails when the redirect URI does not match the callback route.
pub fn app(engine: SessionEngine) -> scalekit_auth::Result<Router> {
    let engine = Arc::new(engine);
    let signed_in = || AuthLayer::require(engine.clone(), Requirements::default());
    let admin = Requirements { roles: vec!["admin".into()], ..Default::default() };
    Ok(Router::new()
        .route("/", get(pages::home).route_layer(AuthLayer::optional(engine.clone())))
        .route("/dashboard", get(pages::dashboard).route_layer(signed_in()))
        .route("/admin", get(pages::admin).route_layer(AuthLayer::require(engine.clone(), admin)))
        .route("/api/me", get(pages::api_me).route_layer(signed_in()))
        .merge(routes(&engine)?))
}
