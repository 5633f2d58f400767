//! Reading claims: required ones present, times as numbers, wrong types named, typed
//! fields and extras, and the JSON form.

use super::*;

fn parse(json: &str) -> Result<Claims> {
    Claims::from_json(json.as_bytes())
}

#[test]
fn required_claims_must_be_present() {
    assert_eq!(parse(r#"{"iss":"i","exp":1}"#).unwrap_err(), Error::TokenMissingClaim("sub"));
    assert_eq!(parse(r#"{"sub":"s","exp":1}"#).unwrap_err(), Error::TokenMissingClaim("iss"));
    assert_eq!(parse(r#"{"sub":"s","iss":"i"}"#).unwrap_err(), Error::TokenMissingClaim("exp"));
}

#[test]
fn time_claims_must_be_numbers() {
    for bad in [r#""2000000000""#, "true", "[1]", "1e300"] {
        let json = format!(r#"{{"sub":"s","iss":"i","exp":{bad}}}"#);
        assert_eq!(parse(&json).unwrap_err().code(), "token_invalid_claim", "{bad}");
    }
    assert_eq!(parse(r#"{"sub":"s","iss":"i","exp":1.9}"#).unwrap().exp, 1);
}

#[test]
fn wrong_types_name_the_claim() {
    let err = parse(r#"{"sub":"s","iss":"i","exp":1,"aud":[1]}"#).unwrap_err();
    assert_eq!(err, Error::invalid_claim("aud", "must be a string or an array of strings"));
    let err = parse(r#"{"sub":5,"iss":"i","exp":1}"#).unwrap_err();
    assert_eq!(err.code(), "token_invalid_claim");
    assert!(parse("[1,2]").is_err());
    assert!(parse("not json").is_err());
}

#[test]
fn typed_fields_and_extras() {
    let c = parse(
        r#"{"sub":"usr_1","iss":"i","exp":10,"aud":["a","b"],"roles":["admin"],"permissions":"read",
            "email_verified":"true","oid":"org_1","nonce":null,"custom":{"x":1}}"#,
    )
    .unwrap();
    assert_eq!(c.aud, ["a", "b"]);
    assert_eq!(c.roles, ["admin"]);
    assert_eq!(c.permissions, ["read"]);
    assert_eq!(c.email_verified, Some(true));
    assert_eq!(c.oid.as_deref(), Some("org_1"));
    assert_eq!(c.nonce, None);
    let extra: Vec<_> = c.extra().map(|(k, _)| k.as_str()).collect();
    assert_eq!(extra, ["custom"]);
    assert!(c.has_scopes::<&str>(&[]));
    assert!(!c.has_scopes(&["read"]));
    assert!(c.require_roles(&["admin"]).is_ok());
    assert_eq!(
        c.require_permissions(&["read", "write"]).unwrap_err(),
        Error::InsufficientScope { kind: "permission", missing: vec!["write".into()] }
    );
}

#[test]
fn json_form_normalizes_lists_and_keeps_every_other_claim_as_signed() {
    let c = parse(
        r#"{"sub":"usr_1","iss":"i","exp":10,"aud":"a","scope":"read write","scopes":["admin"],
            "roles":"admin","__proto__":{"polluted":true},"big":12345678901234567890123,"amr":null}"#,
    )
    .unwrap();
    let json: Value = serde_json::from_str(c.to_json()).unwrap();
    assert_eq!(json["aud"], serde_json::json!(["a"]));
    assert_eq!(json["roles"], serde_json::json!(["admin"]));
    assert_eq!(json["permissions"], serde_json::json!([]));
    assert_eq!(json["amr"], serde_json::json!([]));
    assert_eq!(json["scopes"], serde_json::json!(["read", "write", "admin"]));
    assert_eq!(json["scope"], "read write");
    assert_eq!(json["__proto__"], serde_json::json!({"polluted": true}));
    // Digits beyond what a float holds are handed on as signed, not rounded here.
    assert!(c.to_json().contains("12345678901234567890123"));
    // A list claim spelled with an escape is still that claim, normalized.
    let escaped = parse(r#"{"sub":"s","iss":"i","exp":1,"\u0061ud":"a","x":1,"x":2,"k\"ey":[1]}"#).unwrap();
    let json: Value = serde_json::from_str(escaped.to_json()).unwrap();
    assert_eq!(json["aud"], serde_json::json!(["a"]));
    assert_eq!(json["x"], 2, "the last of a repeated name, as a map of the payload reads it");
    assert_eq!(json["k\"ey"], serde_json::json!([1]));
    // Clones (what the memory of verified tokens hands out) share the built form,
    // which comes from the payload: a holder changing its clone changes nothing else.
    let mut clone = c.clone();
    clone.roles.push("owner".into());
    let shared: Value = serde_json::from_str(clone.to_json()).unwrap();
    assert_eq!(shared["roles"], serde_json::json!(["admin"]));
    assert!(std::ptr::eq(clone.to_json(), c.to_json()));
}
