//! Runs the example: configuration from the `SCALEKIT_*` variables, port from `PORT`.

use scalekit_auth::SessionEngine;

#[tokio::main]
async fn main() {
    let app = match SessionEngine::from_env().and_then(scalekit_auth_example_axum::app) {
        Ok(app) => app,
        Err(err) => {
            eprintln!("configuration error ({}): {err}", err.code());
            std::process::exit(2);
        }
    };
    let port = std::env::var("PORT").ok().and_then(|p| p.parse::<u16>().ok()).unwrap_or(3000);
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {err}");
            std::process::exit(1);
        }
    };
    println!("axum example listening on http://localhost:{port}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(err) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
        eprintln!("server error: {err}");
        std::process::exit(1);
    }
}
