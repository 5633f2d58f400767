//! The core's `tracing` events as one line of text each, for bindings that hand them to
//! their language's logging (Python's `logging`, a JavaScript function). Apps in Rust use
//! any `tracing` subscriber instead.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// A `tracing` subscriber that turns each event of this crate into its level and one line
/// (the message, then ` name=value` for each other field, strings quoted and escaped) and
/// hands them to `emit`.
/// `active` is asked first, so that events cost next to nothing when nobody listens.
///
/// Events never carry a token or secret; they are rare (logins, refreshes, key fetches,
/// provider failures), none on the per-request fast path.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = seen.clone();
/// let lines = scalekit_auth::EventLines::new(|| true, move |level, line| sink.lock().unwrap().push((level, line)));
/// tracing::subscriber::with_default(lines, || {
///     tracing::info!(target: "scalekit_auth::session", user = "usr_1", "login finished");
///     tracing::info!(target: "another_crate", "not ours");
/// });
/// assert_eq!(*seen.lock().unwrap(), [(tracing::Level::INFO, r#"login finished user="usr_1""#.to_owned())]);
/// ```
pub struct EventLines<A, E> {
    active: A,
    emit: E,
    next_span: AtomicU64,
}

impl<A, E> EventLines<A, E>
where
    A: Fn() -> bool + Send + Sync + 'static,
    E: Fn(Level, String) + Send + Sync + 'static,
{
    /// Lines of this crate's events go to `emit` while `active()` is true.
    pub fn new(active: A, emit: E) -> Self {
        EventLines { active, emit, next_span: AtomicU64::new(0) }
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
            // Quoted and escaped: a value may come from a request (an organization id
            // in a login URL), and must not start a line of its own.
            let _ = write!(self.fields, " {}={value:?}", field.name());
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

impl<A, E> Subscriber for EventLines<A, E>
where
    A: Fn() -> bool + Send + Sync + 'static,
    E: Fn(Level, String) + Send + Sync + 'static,
{
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        // Asked again at each event: `active` changes while the process runs (a logger
        // set or removed), and an answer cached from a quiet moment would silence a
        // callsite for good.
        if metadata.target().starts_with("scalekit_auth") { Interest::sometimes() } else { Interest::never() }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("scalekit_auth") && (self.active)()
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
        line.message.push_str(&line.fields);
        (self.emit)(*event.metadata().level(), line.message);
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn a_callsite_first_hit_while_nobody_listens_is_heard_once_someone_does() {
        static ACTIVE: AtomicBool = AtomicBool::new(false);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let lines = EventLines::new(
            || ACTIVE.load(Ordering::Relaxed),
            move |_, line| sink.lock().unwrap().push(line),
        );
        tracing::subscriber::with_default(lines, || {
            for round in 0..2 {
                ACTIVE.store(round == 1, Ordering::Relaxed);
                tracing::warn!(target: "scalekit_auth::jwks", round, url = ?"https://a.example", "keys fetched");
            }
        });
        assert_eq!(*seen.lock().unwrap(), [r#"keys fetched round=1 url="https://a.example""#]);
    }
}
