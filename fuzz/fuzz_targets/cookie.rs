//! Opening the session cookie: any `Cookie` header (chunks included) through the
//! session engine's authentication and logout. No forged cookie ever opens.
#![no_main]

use std::sync::LazyLock;

use futures_util::FutureExt;
use libfuzzer_sys::fuzz_target;
use scalekit_auth::{Config, ScalekitAuth, SessionConfig, SessionEngine};

static ENGINE: LazyLock<SessionEngine> = LazyLock::new(|| {
    // Nothing listens on port 9: a request that reached the provider would fail, but a
    // forged cookie must be refused before that.
    let auth = ScalekitAuth::new(Config::new("http://127.0.0.1:9", "skc_fuzz", "secret")).unwrap();
    let config =
        SessionConfig::new("http://localhost:3000/auth/callback", ["fuzz-session-secret-0123456789abcdef"]);
    SessionEngine::new(auth, config).unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    let outcome = ENGINE.authenticate(Some(header), None).now_or_never().expect("refused without I/O");
    assert!(outcome.result.is_err(), "a forged cookie opened a session");
    let _ = ENGINE.logout(Some(header));
});
