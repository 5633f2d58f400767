//! The core's `tracing` events (logins, refreshes, key fetches and rotations, provider
//! failures; never a token or secret) forwarded to Python's `logging`, logger
//! `scalekit_auth`, at the matching level. Events are rare (none on the per-request fast
//! path), so each one takes the GIL and asks the logger whether it is enabled.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Installs the forwarder as this module's global `tracing` subscriber (each native
/// module has its own copy of `tracing`, so this touches no other library).
pub(crate) fn install() {
    let _ = tracing::subscriber::set_global_default(PythonLogging::default());
}

#[derive(Default)]
struct PythonLogging {
    next_span: AtomicU64,
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

/// The event as one line: its message, then `name=value` for each other field.
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
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

impl Subscriber for PythonLogging {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("scalekit_auth")
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        // The core opens no spans; ids are handed out only to satisfy the interface.
        Id::from_u64(self.next_span.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = Line::default();
        event.record(&mut line);
        let text = format!("{}{}", line.message, line.fields);
        let level = python_level(*event.metadata().level());
        // Never while the interpreter is shutting down; a failing logger is ignored, as
        // logging must not break authentication.
        let _ = Python::try_attach(|py| emit(py, level, &text).is_ok());
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}
