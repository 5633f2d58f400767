//! The core's `tracing` events (logins, refreshes, key fetches and rotations, provider
//! failures; never a token or secret) handed to a JavaScript function set with
//! `setLogger`. Without one, events cost a relaxed atomic load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use napi::Status;
use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use scalekit_auth::EventLines;
use tracing::Level;

/// One log event for JavaScript.
#[napi(object)]
#[derive(Clone)]
pub struct LogRecord {
    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub level: String,
    /// The message, then `name=value` for each field.
    pub message: String,
}

/// Weak: a logger never keeps the process alive; callee not handled: the function
/// gets the record alone.
/// At most 1024 records wait for the event loop; past that, new ones are dropped.
type Sink = ThreadsafeFunction<LogRecord, (), LogRecord, Status, false, true, 1024>;

static SINK: Mutex<Option<Sink>> = Mutex::new(None);
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Sends the core's log events to `logger(record)` (`None` stops them); the first call
/// installs the forwarder as this addon's global `tracing` subscriber.
pub(crate) fn set_logger(logger: Option<Function<LogRecord, ()>>) -> napi::Result<()> {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let active = || ACTIVE.load(Ordering::Relaxed);
        let _ = tracing::subscriber::set_global_default(EventLines::new(active, forward));
    });
    let sink = match logger {
        Some(f) => Some(
            f.build_threadsafe_function()
                .callee_handled::<false>()
                .weak::<true>()
                .max_queue_size::<1024>()
                .build()?,
        ),
        None => None,
    };
    let mut slot = SINK.lock().unwrap_or_else(PoisonError::into_inner);
    ACTIVE.store(sink.is_some(), Ordering::Release);
    *slot = sink;
    Ok(())
}

/// Hands one event to the logger, if one is set.
fn forward(level: Level, message: String) {
    let record = LogRecord { level: level.as_str().to_ascii_lowercase(), message };
    let slot = SINK.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(sink) = slot.as_ref() {
        // Never blocks: a logger that falls behind loses records, requests do not wait.
        let _ = sink.call(record, ThreadsafeFunctionCallMode::NonBlocking);
    }
}
