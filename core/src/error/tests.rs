//! The error table's invariants.

use super::*;

#[test]
fn all_codes_lists_every_code_once_in_order() {
    let codes: Vec<&str> = Error::samples().iter().map(Error::code).collect();
    assert_eq!(codes, Error::ALL_CODES);
}

#[test]
fn public_messages_carry_no_details() {
    let detailed = [
        Error::TokenInvalidIssuer {
            expected: vec!["https://acme.scalekit.com".into()],
            found: "https://x.example".into(),
        },
        Error::TokenInvalidAudience {
            expected: vec!["skc_secret_client".into()],
            found: vec!["aud_x".into()],
        },
        Error::ProviderUnreachable {
            url: "https://acme.scalekit.com/oauth/token".into(),
            reason: "tcp connect error".into(),
        },
        Error::AuthorizationDenied { error: "access_denied".into(), description: Some("<script>".into()) },
        Error::InsufficientScope { kind: "role", missing: vec!["owner".into()] },
    ];
    for err in detailed {
        let public = err.public_message();
        for detail in ["acme", "x.example", "skc_", "aud_x", "tcp", "<script>", "owner", "access_denied"] {
            assert!(!public.contains(detail), "{} shows {detail}", err.code());
        }
    }
    for err in Error::samples() {
        assert!(!err.public_message().is_empty());
    }
}

#[test]
fn an_outage_is_not_a_refusal() {
    let outage =
        |status, error: &str| Error::ProviderError { error: error.into(), description: None, status };
    assert!(outage(503, "temporarily_unavailable").is_provider_outage());
    assert_eq!(outage(503, "temporarily_unavailable").http_status(), 503);
    assert!(outage(400, "temporarily_unavailable").is_provider_outage());
    assert!(outage(500, "invalid_grant").is_provider_outage());
    assert!(!outage(400, "invalid_grant").is_provider_outage());
    assert!(outage(429, "too_many_requests").is_provider_outage());
    assert!(outage(408, "timeout").is_provider_outage());
    assert!(!outage(401, "invalid_client").is_provider_outage());
    assert_eq!(outage(400, "invalid_grant").http_status(), 401);
    assert!(Error::ProviderTimeout { url: String::new(), seconds: 1 }.is_provider_outage());
    assert!(!Error::SessionMissing.is_provider_outage());
}

#[test]
fn codes_are_snake_case_and_statuses_are_http_errors() {
    for e in Error::samples() {
        assert!(e.code().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", e.code());
        assert!((400..600).contains(&e.http_status()), "{}", e.code());
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn every_error_has_a_family_and_every_family_a_distinct_name() {
    let mut names: Vec<&str> = ErrorFamily::ALL.iter().map(|f| f.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ErrorFamily::ALL.len());
    for e in Error::samples() {
        assert!(ErrorFamily::ALL.contains(&e.family()), "{}", e.code());
    }
    for family in ErrorFamily::ALL {
        assert!(Error::samples().iter().any(|e| e.family() == *family), "no error of {}", family.name());
    }
    assert_eq!(Error::LoginDenied(String::new()).family(), ErrorFamily::LoginDenied);
    assert_eq!(Error::TokenExpired { exp: 0, now: 0, leeway: 0 }.family(), ErrorFamily::TokenExpired);
}
