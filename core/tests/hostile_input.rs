//! Arbitrary input to every parser that takes outside data: typed errors, never a panic.

use proptest::prelude::*;
use scalekit_auth::{Claims, JwkSet, LoginParams, safe_return_to};

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_tokens_are_refused_with_token_codes(token in ".{0,600}") {
        let keys = JwkSet::from_json(br#"{"keys":[]}"#).unwrap();
        let err = keys.verify_jws(&token).unwrap_err();
        prop_assert!(err.code().starts_with("token_"));
    }

    #[test]
    fn tokens_made_of_base64url_parts_are_refused(a in "[A-Za-z0-9_-]{0,80}", b in "[A-Za-z0-9_-]{0,80}", c in "[A-Za-z0-9_-]{0,80}") {
        let keys = JwkSet::from_json(br#"{"keys":[]}"#).unwrap();
        let token = format!("{a}.{b}.{c}");
        prop_assert!(keys.verify_jws(&token).is_err());
    }

    #[test]
    fn arbitrary_payloads_never_panic(payload in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Claims::from_json(&payload);
    }

    #[test]
    fn json_shaped_payloads_never_panic(sub in any::<String>(), exp in any::<i64>(), aud in any::<Vec<String>>()) {
        let payload = serde_json::json!({"sub": sub, "iss": "i", "exp": exp, "aud": aud}).to_string();
        let claims = Claims::from_json(payload.as_bytes()).unwrap();
        prop_assert_eq!(claims.exp, exp);
    }

    #[test]
    fn arbitrary_key_sets_never_panic(body in ".{0,400}") {
        let _ = JwkSet::from_json(body.as_bytes());
        let _ = JwkSet::from_json(format!(r#"{{"keys":[{body}]}}"#).as_bytes());
    }

    #[test]
    fn return_to_is_always_a_local_path(input in ".{0,200}") {
        let out = safe_return_to(&input);
        prop_assert!(out.starts_with('/') && !out.starts_with("//") && !out.contains('\\'));
    }

    #[test]
    fn login_queries_never_panic(query in ".{0,300}") {
        let _ = LoginParams::from_query(&query, false);
    }
}
