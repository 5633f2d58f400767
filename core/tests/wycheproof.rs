//! Wycheproof's JSON Web Signature vectors (tests/vectors/wycheproof, from
//! C2SP/wycheproof, Apache-2.0) run through the JWS layer of token validation.
//!
//! Groups run: every group with an asymmetric public key (RSA PKCS#1 and PSS, ECDSA
//! P-256, keys marked for encryption). Groups skipped, with the reason printed:
//! - HMAC groups (no public key): provider tokens are never HMAC-signed; an `oct` key in
//!   a JWKS is ignored, so such tokens are always rejected.
//! - P-521 (ES512) groups: outside the algorithms this library accepts (DESIGN.md).
//!
//! One deliberate difference from Wycheproof's verdicts: when the JWK declares an `alg`,
//! a token with another `alg` is rejected (DESIGN.md: "a JWK's own alg, when present,
//! must match the token's"); Wycheproof's RFC 7520 groups accept a PS384 token with a
//! key published as PS256. Those cases are expected to be rejected here.

use scalekit_auth::JwkSet;
use serde_json::Value;

const VECTORS: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/wycheproof/json_web_signature_test.json");

fn header_alg(jws: &str) -> Option<String> {
    use base64::Engine as _;
    let header = jws.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.get("alg")?.as_str().map(str::to_owned)
}

#[test]
fn wycheproof_json_web_signature_vectors() {
    let text = std::fs::read_to_string(VECTORS).expect("vectors file");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let (mut ran, mut skipped, mut failures) = (0usize, Vec::new(), Vec::new());

    for group in doc["testGroups"].as_array().unwrap() {
        let comment = group["comment"].as_str().unwrap_or("");
        let tests = group["tests"].as_array().unwrap();
        let Some(public) = group.get("public") else {
            skipped.push(format!("{comment} ({} cases): symmetric key, HMAC is never accepted", tests.len()));
            continue;
        };
        if public.get("crv").and_then(Value::as_str) == Some("P-521") {
            skipped
                .push(format!("{comment} ({} cases): P-521/ES512 is not an accepted algorithm", tests.len()));
            continue;
        }
        let set = JwkSet::from_json(serde_json::json!({ "keys": [public] }).to_string().as_bytes()).unwrap();
        let key_alg = public.get("alg").and_then(Value::as_str);
        for case in tests {
            let jws = case["jws"].as_str().unwrap_or("");
            let mut expected = case["result"].as_str().unwrap();
            let alg_differs = key_alg.is_some() && header_alg(jws).as_deref() != key_alg;
            if expected == "valid" && alg_differs {
                expected = "invalid"; // the documented stricter rule above
            }
            let outcome = set.verify_jws(jws);
            let ok = match expected {
                "valid" => outcome.is_ok(),
                "invalid" => outcome.is_err(),
                _ => true, // "acceptable": either verdict is allowed
            };
            if !ok {
                failures.push(format!(
                    "tc {} ({comment}, {}): expected {expected}, got {outcome:?}",
                    case["tcId"], case["comment"]
                ));
            }
            ran += 1;
        }
    }
    eprintln!("wycheproof JWS: ran {ran} cases; skipped groups:\n  {}", skipped.join("\n  "));
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(ran >= 350, "only {ran} cases ran");
}
