//! The example's pages: a home page, a protected dashboard, an admin page gated on a
//! role, and a JSON API that also takes bearer tokens.

use axum::Json;
use axum::response::Html;
use scalekit_auth::Identity;
use serde_json::{Value, json};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn layout(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=utf-8><title>{title}</title>\
         <style>body{{font-family:system-ui;max-width:42rem;margin:3rem auto}}nav a{{margin-right:1rem}}</style>\
         </head><body><nav><a href=/>Home</a><a href=/dashboard>Dashboard</a><a href=/admin>Admin</a>\
         <a href=/api/me>API</a></nav><h1>{title}</h1>{body}</body></html>"
    ))
}

pub async fn home(me: Option<Identity>) -> Html<String> {
    match me {
        Some(me) => layout(
            "scalekit-auth on axum",
            &format!(
                "<p>Signed in as <b>{}</b>.</p><form method=post action=/auth/logout><button type=submit>Log out</button></form>",
                escape(me.user.email.as_deref().unwrap_or(&me.user.id))
            ),
        ),
        None => layout(
            "scalekit-auth on axum",
            "<p>You are not signed in.</p><p><a href=/auth/login>Log in</a> or <a href=/auth/signup>sign up</a></p>",
        ),
    }
}

pub async fn dashboard(me: Identity) -> Html<String> {
    let claims = &me.claims;
    layout(
        "Dashboard",
        &format!(
            "<p>Hello <b>{}</b> ({})</p><ul><li>Organization: {}</li><li>Roles: {}</li><li>Permissions: {}</li>\
             <li>Access token expires at: <span id=exp>{}</span></li></ul><form method=post action=/auth/logout><button type=submit>Log out</button></form>",
            escape(me.user.name.as_deref().unwrap_or("")),
            escape(me.user.email.as_deref().unwrap_or(&me.user.id)),
            escape(claims.oid.as_deref().unwrap_or("-")),
            escape(&claims.roles.join(", ")),
            escape(&claims.permissions.join(", ")),
            claims.exp,
        ),
    )
}

pub async fn admin(me: Identity) -> Html<String> {
    layout("Admin", &format!("<p>Welcome, administrator {}.</p>", escape(&me.user.id)))
}

pub async fn api_me(me: Identity) -> Json<Value> {
    Json(json!({"user": me.user, "claims": me.claims.raw(), "source": me.source}))
}
