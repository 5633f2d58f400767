//! Token parsing and verification: any bytes as a compact JWS against a fixed key set,
//! as a payload signed by that key (so claim parsing runs behind a valid signature), and
//! as a key set. Never a panic; a forged signature never verifies.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use scalekit_auth::testing::TestSigner;
use scalekit_auth::{Algorithm, Claims, JwkSet};

static SIGNER: LazyLock<TestSigner> = LazyLock::new(|| TestSigner::new(Algorithm::ES256, "fuzz-key"));
static KEYS: LazyLock<JwkSet> =
    LazyLock::new(|| JwkSet::from_json(SIGNER.jwks_json().as_bytes()).expect("the signer's JWKS parses"));

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => {
            if let Ok(token) = std::str::from_utf8(rest) {
                // Only the signer could make a token that verifies.
                if let Ok(payload) = KEYS.verify_jws(token) {
                    let _ = Claims::from_json(&payload);
                }
            }
        }
        1 => {
            let token = SIGNER.sign_raw(br#"{"alg":"ES256","kid":"fuzz-key"}"#, rest);
            let payload = KEYS.verify_jws(&token).expect("a token of the signer verifies");
            assert_eq!(payload, rest);
            if let Ok(claims) = Claims::from_json(&payload) {
                let _ = (claims.raw(), claims.require_roles(&["admin"]), claims.has_scopes(&["read"]));
            }
        }
        _ => {
            let _ = JwkSet::from_json(rest).map(|set| set.key_ids());
        }
    }
});
