//! The exception hierarchy: one base class carrying the stable `code`, one subclass per
//! error family. The class comes from the family the core reports for the error, never
//! from the code's spelling; a family without a class fails a test.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use scalekit_auth::{Error, ErrorFamily};

create_exception!(
    scalekit_auth,
    ScalekitAuthError,
    PyException,
    "Base of every scalekit-auth error; `.code` is stable."
);
create_exception!(scalekit_auth, ConfigurationError, ScalekitAuthError, "Invalid configuration or argument.");
create_exception!(scalekit_auth, TokenError, ScalekitAuthError, "A token failed validation.");
create_exception!(scalekit_auth, TokenExpiredError, TokenError, "The token has expired.");
create_exception!(
    scalekit_auth,
    InsufficientScopeError,
    ScalekitAuthError,
    "A valid token lacks a required scope, role or permission."
);
create_exception!(
    scalekit_auth,
    WebhookVerificationError,
    ScalekitAuthError,
    "A webhook or interceptor payload failed verification."
);
create_exception!(
    scalekit_auth,
    SessionError,
    ScalekitAuthError,
    "No valid session, a login callback was rejected, or a cross-site request refused."
);
create_exception!(
    scalekit_auth,
    ProviderError,
    ScalekitAuthError,
    "The provider refused a request or could not be reached."
);
create_exception!(
    scalekit_auth,
    StoreError,
    ScalekitAuthError,
    "The session store (Redis, SCALEKIT_REDIS_URL) could not be reached in time."
);

create_exception!(
    scalekit_auth,
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

/// The exception of an error code (its class by the code's family, `.code` and `.status`
/// set), for errors known only by their code and message, such as the one behind a
/// decision. A code the core does not know gets the base class.
fn error_for_code(code: &str, message: String, status: u16) -> PyErr {
    let family = Error::family_of_code(code);
    let py_err = match family {
        Some(ErrorFamily::Configuration) => ConfigurationError::new_err(message),
        Some(ErrorFamily::Token) => TokenError::new_err(message),
        Some(ErrorFamily::TokenExpired) => TokenExpiredError::new_err(message),
        Some(ErrorFamily::InsufficientScope) => InsufficientScopeError::new_err(message),
        Some(ErrorFamily::Webhook) => WebhookVerificationError::new_err(message),
        Some(ErrorFamily::Session) => SessionError::new_err(message),
        Some(ErrorFamily::LoginDenied) => LoginDeniedError::new_err(message),
        Some(ErrorFamily::Provider) => ProviderError::new_err(message),
        Some(ErrorFamily::Store) => StoreError::new_err(message),
        // An unknown code, or a family added to the core before a class here: the base
        // class (and `test_every_family_has_a_class_of_its_own` fails for the latter).
        _ => ScalekitAuthError::new_err(message),
    };
    crate::gate::attach(|py| {
        let value = py_err.value(py);
        let _ = value.setattr("code", code);
        let _ = value.setattr("status", status);
    });
    py_err
}

/// The exception class the errors of family `name` get (for tests).
#[pyfunction]
pub(crate) fn _family_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, pyo3::types::PyType>> {
    let code = Error::ALL_CODES
        .iter()
        .find(|code| Error::family_of_code(code).map(ErrorFamily::name) == Some(name))
        .ok_or_else(|| pyo3::exceptions::PyValueError::new_err(format!("no error of family {name:?}")))?;
    Ok(error_for_code(code, String::new(), 0).get_type(py))
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
    let families = pyo3::types::PyDict::new(py);
    for code in Error::ALL_CODES {
        families.set_item(code, Error::family_of_code(code).map(ErrorFamily::name))?;
    }
    module.add("ERROR_FAMILIES", families)?;
    let names: Vec<&str> = ErrorFamily::ALL.iter().map(|f| f.name()).collect();
    module.add("_FAMILY_NAMES", names)?;
    module.add_function(pyo3::wrap_pyfunction!(_raise_for_code, module)?)?;
    module.add_function(pyo3::wrap_pyfunction!(_family_class, module)?)?;
    Ok(())
}
