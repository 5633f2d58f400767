//! The core's `tracing` events (logins, refreshes, key fetches and rotations, provider
//! failures; never a token or secret) forwarded to Python's `logging`, logger
//! `scalekit_auth`, at the matching level. Events are rare (none on the per-request fast
//! path), so each one takes the GIL and asks the logger whether it is enabled.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use scalekit_auth::EventLines;
use tracing::Level;

/// Installs the forwarder as this module's global `tracing` subscriber (each native
/// module has its own copy of `tracing`, so this touches no other library).
pub(crate) fn install() {
    let forward = |level: Level, line: String| {
        // Never while the interpreter is shutting down; a failing logger is ignored, as
        // logging must not break authentication.
        let _ = crate::gate::attach(|py| emit(py, python_level(level), &line).is_ok());
    };
    let _ = tracing::subscriber::set_global_default(EventLines::new(|| true, forward));
}

/// The `logging` level of a `tracing` level.
fn python_level(level: Level) -> u8 {
    match level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        _ => 5,
    }
}

static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn emit(py: Python<'_>, level: u8, line: &str) -> PyResult<()> {
    let logger = LOGGER.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("logging")?.call_method1("getLogger", ("scalekit_auth",))?.unbind())
    })?;
    let logger = logger.bind(py);
    if logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        logger.call_method1("log", (level, "%s", line))?;
    }
    Ok(())
}
