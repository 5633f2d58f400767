//! The session engine the cookie and login targets share: its provider is a closed port
//! on 127.0.0.1, so any input that would reach it fails, and none should.

use std::sync::LazyLock;

use scalekit_auth::{Config, ScalekitAuth, SessionConfig, SessionEngine};

pub static ENGINE: LazyLock<SessionEngine> = LazyLock::new(|| {
    let auth = ScalekitAuth::new(Config::new("http://127.0.0.1:9", "skc_fuzz", "secret")).unwrap();
    let config =
        SessionConfig::new("http://localhost:3000/auth/callback", ["fuzz-session-secret-0123456789abcdef"]);
    SessionEngine::new(auth, config).unwrap()
});
