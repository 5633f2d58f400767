//! The session configuration's checks.

use super::*;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn secure_follows_the_callback_scheme() {
    assert!(!SessionConfig::new("http://localhost:3000/cb", [SECRET]).validate().unwrap());
    assert!(SessionConfig::new("https://app.example/cb", [SECRET]).validate().unwrap());
    assert!(
        SessionConfig::new("http://127.0.0.1:3000/cb", [SECRET]).secure_cookies(true).validate().unwrap()
    );
    assert!(SessionConfig::new("http://app.example/cb", [SECRET]).validate().is_err());
}

#[test]
fn short_secrets_and_bad_values_are_configuration_errors() {
    let err = SessionConfig::new("https://app.example/cb", [SECRET, "short"]).validate().unwrap_err();
    assert_eq!(err.code(), "invalid_config");
    assert!(err.to_string().contains("#2") && err.to_string().contains(ENV_SESSION_SECRET));
    assert!(SessionConfig::new("https://app.example/cb", Vec::<String>::new()).validate().is_err());
    assert!(SessionConfig::new("https://app.example/cb", [SECRET]).scopes(["email"]).validate().is_err());
    assert!(SessionConfig::new("https://app.example/cb", [SECRET]).cookie_name("a b").validate().is_err());
    assert!(SessionConfig::new("not a url", [SECRET]).validate().is_err());
}

#[test]
fn from_lookup_reads_lists() {
    let config = SessionConfig::from_lookup(|name| match name {
        ENV_REDIRECT_URI => Some("http://localhost:3000/auth/callback".into()),
        ENV_SESSION_SECRET => Some(format!("{SECRET}, {SECRET}-old")),
        ENV_SCOPES => Some("openid email,offline_access".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(config.secrets.len(), 2);
    assert_eq!(config.scopes, ["openid", "email", "offline_access"]);
    assert!(!format!("{config:?}").contains(SECRET));
    let shared = SessionConfig::from_lookup(|name| match name {
        ENV_REDIRECT_URI => Some("http://localhost:3000/auth/callback".into()),
        ENV_SESSION_SECRET => Some(SECRET.into()),
        ENV_REDIS_URL => Some("redis://:hunter2-password@127.0.0.1:6379/0".into()),
        ENV_SERVER_SIDE_SESSIONS => Some("true".into()),
        _ => None,
    })
    .unwrap();
    assert!(shared.server_side_sessions && shared.redis_url.is_some());
    assert!(!format!("{shared:?}").contains("hunter2"), "the Redis password stays out of logs");
    let bad_flag = SessionConfig::from_lookup(|name| match name {
        ENV_REDIRECT_URI => Some("http://localhost:3000/auth/callback".into()),
        ENV_SESSION_SECRET => Some(SECRET.into()),
        ENV_SERVER_SIDE_SESSIONS => Some("maybe".into()),
        _ => None,
    });
    assert!(bad_flag.unwrap_err().to_string().contains(ENV_SERVER_SIDE_SESSIONS));
    let missing = SessionConfig::from_lookup(|_| None).unwrap_err();
    assert!(missing.to_string().contains(ENV_REDIRECT_URI));
}
