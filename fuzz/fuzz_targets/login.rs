//! The login and callback query parsers, return-to checks, and the engine's login and
//! callback routes with any query. A return-to never leaves the site.
#![no_main]

#[path = "engine.rs"]
mod engine;

use engine::ENGINE;
use futures_util::FutureExt;
use libfuzzer_sys::fuzz_target;
use scalekit_auth::{Action, LoginParams, RequestInfo, safe_return_to};

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    let safe = safe_return_to(query);
    assert!(safe.starts_with('/') && !safe.starts_with("//") && !safe.contains('\\'), "{safe:?}");
    let _ = LoginParams::from_query(query, false);
    let path = format!("/auth/login?{query}");
    let request = RequestInfo {
        method: "GET",
        path_and_query: &path,
        sec_fetch_mode: Some("navigate"),
        ..Default::default()
    };
    // An IdP-initiated login would fetch keys: such a future stays pending and is dropped.
    if let Some(decision) = ENGINE.handle_login(&request, false).now_or_never()
        && let Action::Redirect(url) = &decision.action
    {
        assert!(url.starts_with("http://127.0.0.1:9/oauth/authorize?"), "{url}");
    }
    let callback = ENGINE.complete_login(query, None).now_or_never();
    if let Some(outcome) = callback {
        assert!(outcome.result.is_err(), "a callback without a login cookie succeeded");
        let safe = &outcome.redirect_to;
        assert!(safe.starts_with('/') && !safe.starts_with("//"), "{safe:?}");
    }
});
