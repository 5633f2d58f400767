//! The `scalekit_auth._native` extension module. It only converts between Python and
//! the `scalekit-auth` core; the public API is the hand-written `scalekit_auth` package.

mod authorize;
mod claims;
mod client;
mod decision;
mod error;
mod exchange;
mod gate;
mod idp;
mod json;
mod log_lines;
mod m2m;
mod resource_server;
mod runtime;
mod session;
mod testing;

use pyo3::prelude::*;
use pyo3::types::{PyFrozenSet, PyTuple};

/// Runs the `scalekit-auth` command line `argv` (without the program name) and returns
/// its exit code; `python -m scalekit_auth` calls it. The interpreter is released while it
/// runs (a `login` waits minutes for the browser).
#[pyfunction]
fn _cli(py: Python<'_>, argv: Vec<String>) -> u8 {
    let args = std::iter::once("scalekit-auth".to_owned()).chain(argv);
    py.detach(move || scalekit_auth_cli::run(args))
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(module)?;
    // Before the interpreter finalizes, native threads stop entering it (see `gate`).
    let shutdown = pyo3::wrap_pyfunction!(gate::_shutdown, module)?;
    module.add_function(shutdown.clone())?;
    module.add_function(pyo3::wrap_pyfunction!(gate::_is_shut_down, module)?)?;
    module.py().import("atexit")?.call_method1("register", (shutdown,))?;
    log_lines::install();
    module.add_function(pyo3::wrap_pyfunction!(runtime::_after_fork_in_child, module)?)?;
    module.add_function(pyo3::wrap_pyfunction!(_cli, module)?)?;
    module.add_function(pyo3::wrap_pyfunction!(resource_server::_mcp_required_scopes, module)?)?;
    module.add_class::<client::Client>()?;
    module.add_class::<session::SessionEngine>()?;
    module.add_class::<session::PendingLogin>()?;
    module.add_class::<resource_server::ResourceServer>()?;
    module.add("REQUEST_HEADERS", PyTuple::new(module.py(), scalekit_auth::REQUEST_HEADERS)?)?;
    module.add("CLIENT_OPTIONS", PyFrozenSet::new(module.py(), scalekit_auth::CLIENT_OPTIONS)?)?;
    module.add("SESSION_OPTIONS", PyFrozenSet::new(module.py(), scalekit_auth::SESSION_OPTIONS)?)?;
    module.add("URL_OPTIONS", PyFrozenSet::new(module.py(), scalekit_auth::URL_OPTIONS)?)?;
    module.add("MCP_PREFLIGHT_HEADERS", scalekit_auth::PREFLIGHT_HEADERS.to_vec())?;
    module.add_class::<testing::TestSigner>()?;
    module.add_class::<testing::LocalProvider>()?;
    module.add_class::<claims::Claims>()?;
    module.add_class::<exchange::User>()?;
    module.add_class::<exchange::AuthResult>()?;
    module.add_class::<authorize::LoginRequest>()?;
    module.add_class::<m2m::ClientToken>()?;
    module.add_class::<idp::IdpInitiatedLoginClaims>()?;
    module.add_class::<decision::Identity>()?;
    module.add_class::<decision::Decision>()?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
