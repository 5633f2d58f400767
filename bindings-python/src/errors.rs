//! The exception hierarchy: one base class carrying the stable `code`, one subclass per
//! error family. Every core error maps to exactly one class.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use scalekit_auth::Error;

create_exception!(
    _native,
    ScalekitAuthError,
    PyException,
    "Base of every scalekit-auth error; `.code` is stable."
);
create_exception!(_native, ConfigurationError, ScalekitAuthError, "Invalid configuration or argument.");
create_exception!(_native, TokenError, ScalekitAuthError, "A token failed validation.");
create_exception!(_native, TokenExpiredError, TokenError, "The token has expired.");
create_exception!(
    _native,
    InsufficientScopeError,
    ScalekitAuthError,
    "A valid token lacks a required scope, role or permission."
);
create_exception!(
    _native,
    WebhookVerificationError,
    ScalekitAuthError,
    "A webhook or interceptor payload failed verification."
);
create_exception!(
    _native,
    SessionError,
    ScalekitAuthError,
    "No valid session, a login callback was rejected, or a cross-site request refused."
);
create_exception!(
    _native,
    ProviderError,
    ScalekitAuthError,
    "The provider refused a request or could not be reached."
);
create_exception!(
    _native,
    StoreError,
    ScalekitAuthError,
    "The session store (Redis, SCALEKIT_REDIS_URL) could not be reached in time."
);

create_exception!(
    _native,
    LoginDeniedError,
    SessionError,
    "The app refused a login: raise it from an after-callback hook with the reason to show the user."
);

/// Converts a core error into the exception of its family: the message has the details
/// for logs; `code`, `status`, `public_message` (what a client may see) and, for OAuth
/// errors, `oauth_error` and `description` attributes.
pub(crate) fn to_py_err(err: Error) -> PyErr {
    exception(&err, err.to_string())
}

/// The exception handed to an app's error page (`on_error`): its message is the text a
/// user may read (a denied login's reason, the public message otherwise); the details
/// for logs are in `detail`.
pub(crate) fn to_page_err(err: &Error) -> PyErr {
    let py_err = exception(err, err.user_message().to_owned());
    crate::gate::attach(|py| {
        let value = py_err.value(py);
        let _ = value.setattr("detail", err.to_string());
        // What the provider's redirect carried is anyone's input: for logs (`detail`), not
        // for a page.
        let _ = value.setattr("oauth_error", py.None());
        let _ = value.setattr("description", py.None());
        if let Error::LoginDenied(reason) = err {
            let _ = value.setattr("reason", reason.as_str());
        }
    });
    py_err
}

fn exception(err: &Error, message: String) -> PyErr {
    let py_err = error_for_code(err.code(), message, err.http_status());
    crate::gate::attach(|py| {
        let value = py_err.value(py);
        let _ = value.setattr("public_message", err.public_message());
        if let Error::ProviderError { error, description, .. }
        | Error::AuthorizationDenied { error, description } = err
        {
            let _ = value.setattr("oauth_error", error.as_str());
            let _ = value.setattr("description", description.as_deref());
        }
    });
    py_err
}

/// The exception of an error code (its class by code, `.code` and `.status` set), for
/// errors known only by their code and message, such as the one behind a decision.
fn error_for_code(code: &str, message: String, status: u16) -> PyErr {
    let py_err = match code {
        "invalid_config" | "invalid_argument" => ConfigurationError::new_err(message),
        "token_expired" => TokenExpiredError::new_err(message),
        "insufficient_scope" => InsufficientScopeError::new_err(message),
        code if code.starts_with("token_") => TokenError::new_err(message),
        code if code.starts_with("webhook_") => WebhookVerificationError::new_err(message),
        "store_unavailable" => StoreError::new_err(message),
        "session_missing"
        | "session_invalid"
        | "session_expired"
        | "cross_site_request"
        | "state_mismatch"
        | "login_expired"
        | "callback_replayed"
        | "callback_invalid_issuer"
        | "authorization_denied" => SessionError::new_err(message),
        "login_denied" => LoginDeniedError::new_err(message),
        _ => ProviderError::new_err(message),
    };
    crate::gate::attach(|py| {
        let value = py_err.value(py);
        let _ = value.setattr("code", code);
        let _ = value.setattr("status", status);
    });
    py_err
}

#[pyfunction]
pub(crate) fn _raise_for_code(code: &str) -> PyResult<()> {
    let sample = |e: Error| Err(to_py_err(e));
    match code {
        "provider_error" => sample(Error::ProviderError {
            error: "invalid_grant".into(),
            description: Some("d".into()),
            status: 400,
        }),
        "authorization_denied" => {
            sample(Error::AuthorizationDenied { error: "access_denied".into(), description: None })
        }
        _ => Err(to_py_err(
            Error::sample_for_code(code)
                .ok_or_else(|| pyo3::exceptions::PyValueError::new_err(format!("unknown code {code:?}")))?,
        )),
    }
}

/// Registers the classes on the module.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add("ScalekitAuthError", py.get_type::<ScalekitAuthError>())?;
    module.add("ConfigurationError", py.get_type::<ConfigurationError>())?;
    module.add("TokenError", py.get_type::<TokenError>())?;
    module.add("TokenExpiredError", py.get_type::<TokenExpiredError>())?;
    module.add("InsufficientScopeError", py.get_type::<InsufficientScopeError>())?;
    module.add("WebhookVerificationError", py.get_type::<WebhookVerificationError>())?;
    module.add("SessionError", py.get_type::<SessionError>())?;
    module.add("ProviderError", py.get_type::<ProviderError>())?;
    module.add("StoreError", py.get_type::<StoreError>())?;
    module.add("LoginDeniedError", py.get_type::<LoginDeniedError>())?;
    // Defaults for exceptions the app raises itself (a `LoginDeniedError` from a hook):
    // every attribute the stubs declare exists on every instance.
    let base = py.get_type::<ScalekitAuthError>();
    base.setattr("public_message", py.None())?;
    base.setattr("detail", py.None())?;
    base.setattr("reason", py.None())?;
    let denied = py.get_type::<LoginDeniedError>();
    denied.setattr("code", "login_denied")?;
    denied.setattr("status", 403)?;
    for family in [py.get_type::<SessionError>(), py.get_type::<ProviderError>()] {
        family.setattr("oauth_error", py.None())?;
        family.setattr("description", py.None())?;
    }
    module.add("ERROR_CODES", Error::ALL_CODES.to_vec())?;
    module.add_function(pyo3::wrap_pyfunction!(_raise_for_code, module)?)?;
    Ok(())
}
