//! Opening the session cookie: any `Cookie` header (chunks included) through the
//! session engine's authentication and logout. No forged cookie ever opens.
#![no_main]

#[path = "engine.rs"]
mod engine;

use engine::ENGINE;
use futures_util::FutureExt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    let outcome = ENGINE.authenticate(Some(header), None).now_or_never().expect("refused without I/O");
    assert!(outcome.result.is_err(), "a forged cookie opened a session");
    let _ = ENGINE.logout(Some(header));
});
