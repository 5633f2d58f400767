//! The axum app of the framework benchmark (bench/frameworks.mjs): one small JSON
//! endpoint, unprotected and protected by `AuthLayer`. Settings from the SCALEKIT_*
//! variables, port from PORT; one runtime thread, as the other frameworks get one core.
//!
//! `GET /public` (no authentication), `GET /session` (session cookie), `GET /bearer`
//! (`Authorization: Bearer`; the same layer takes both).

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use scalekit_auth::axum::AuthLayer;
use scalekit_auth::{Identity, Requirements, SessionEngine};
use serde_json::{Value, json};

async fn public() -> Json<Value> {
    Json(json!({"ok": true, "user": null}))
}

async fn signed_in(identity: Identity) -> Json<Value> {
    Json(json!({"ok": true, "user": identity.user.id}))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let engine = Arc::new(SessionEngine::from_env()?);
        let required = || AuthLayer::require(engine.clone(), Requirements::default());
        let app = Router::new()
            .route("/public", get(public))
            .route("/session", get(signed_in).route_layer(required()))
            .route("/bearer", get(signed_in).route_layer(required()));
        let port: u16 = std::env::var("PORT")?.parse()?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        axum::serve(listener, app).await?;
        Ok(())
    })
}
