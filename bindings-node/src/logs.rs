//! The core's `tracing` events (logins, refreshes, key fetches and rotations, provider
//! failures; never a token or secret) handed to a JavaScript function set with
//! `setLogger`. Without one, events cost a relaxed atomic load.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use napi::Status;
use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

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
        let _ = tracing::subscriber::set_global_default(JsLogging::default());
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

#[derive(Default)]
struct JsLogging {
    next_span: AtomicU64,
}

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

impl Subscriber for JsLogging {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        ACTIVE.load(Ordering::Relaxed) && metadata.target().starts_with("scalekit_auth")
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
        let record = LogRecord {
            level: event.metadata().level().as_str().to_ascii_lowercase(),
            message: format!("{}{}", line.message, line.fields),
        };
        let slot = SINK.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sink) = slot.as_ref() {
            // Never blocks: a logger that falls behind loses records, requests do not wait.
            let _ = sink.call(record, ThreadsafeFunctionCallMode::NonBlocking);
        }
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}
