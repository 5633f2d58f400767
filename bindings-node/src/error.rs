//! Core errors cross into JavaScript as `{code, message, publicMessage, status, ...}` in
//! the error's reason; the JS facade turns them into `Error` subclasses with `.code`.
//! `message` is the full text for logs; `publicMessage` is what a client may be told.

use scalekit_auth::Error;
use serde_json::json;

/// A napi error whose reason is the JSON of the core error.
pub(crate) fn to_napi(err: Error) -> napi::Error {
    let mut detail = json!({
        "code": err.code(),
        "family": err.family().name(),
        "message": err.to_string(),
        "publicMessage": err.public_message(),
        "status": err.http_status(),
    });
    if let Error::ProviderError { error, description, .. }
    | Error::AuthorizationDenied { error, description } = &err
    {
        detail["oauthError"] = json!(error);
        detail["description"] = json!(description);
    }
    napi::Error::new(napi::Status::GenericFailure, detail.to_string())
}

/// A JavaScript caller's mistake (bad argument type or shape).
pub(crate) fn invalid_argument(message: impl Into<String>) -> napi::Error {
    to_napi(Error::InvalidArgument(message.into()))
}

/// A count or a number of seconds from JavaScript: a whole number, not negative.
pub(crate) fn whole(value: i64, option: &str) -> napi::Result<u64> {
    u64::try_from(value).map_err(|_| {
        invalid_argument(format!("{} must be a whole number of at least 0, not {value}", camel(option)))
    })
}

/// An option's name as JavaScript spells it: `idle_timeout_seconds` → `idleTimeoutSeconds`.
pub(crate) fn camel(option: &str) -> String {
    option
        .split('_')
        .enumerate()
        .map(|(i, w)| if i == 0 || w.is_empty() { w.to_owned() } else { w[..1].to_uppercase() + &w[1..] })
        .collect()
}

/// An option's name as the core spells it: `idleTimeoutSeconds` → `idle_timeout_seconds`.
pub(crate) fn snake(option: &str) -> String {
    let mut out = String::with_capacity(option.len() + 4);
    for c in option.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
