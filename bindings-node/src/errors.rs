//! Core errors cross into JavaScript as `{code, message, status, ...}` in the error's
//! reason; the JS facade turns them into `Error` subclasses with `.code`.

use scalekit_auth::Error;
use serde_json::json;

/// A napi error whose reason is the JSON of the core error.
pub(crate) fn to_napi(err: Error) -> napi::Error {
    let mut detail = json!({"code": err.code(), "message": err.to_string(), "status": err.http_status()});
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
