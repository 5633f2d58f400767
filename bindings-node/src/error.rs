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

/// Options handed over from JavaScript, applied by the core's table (`CLIENT_OPTIONS`,
/// `SESSION_OPTIONS`): `options` serializes with the core's snake_case names, and the
/// core's errors name them back in camelCase.
pub(crate) fn through_core<T>(
    table: &[&str],
    options: &impl serde::Serialize,
    apply: impl FnOnce(&serde_json::Map<String, serde_json::Value>) -> scalekit_auth::Result<T>,
) -> napi::Result<T> {
    let map = match serde_json::to_value(options) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    apply(&map).map_err(|err| match err {
        Error::InvalidArgument(message) => {
            let message = table
                .iter()
                .fold(message, |m, name| m.replace(&format!("\"{name}\""), &format!("{:?}", camel(name))));
            to_napi(Error::InvalidArgument(message))
        }
        other => to_napi(other),
    })
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
