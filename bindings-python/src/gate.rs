//! The one way native threads enter Python, closed for good when the interpreter begins
//! to shut down.
//!
//! The runtime's worker threads (finishing an awaitable, forwarding a log event) take
//! the GIL on their own. A thread that asks for it while the interpreter finalizes is
//! ended by CPython inside the request (`PyThread_exit_thread`), or releases a thread
//! state that is no longer current: the process aborts (`Fatal Python error:
//! PyGILState_Release`) or crashes. So an `atexit` hook, registered when the package is
//! imported and run before finalization begins, calls [`close`]: it shuts the gate, then,
//! with the GIL released, waits until every thread inside has left. Threads that come
//! later find it shut and drop their work instead: by then nobody waits for an answer.
//!
//! `Py_IsFinalizing()` would tell the same only from Python 3.13; the wheel is abi3 for
//! 3.10 and later, and a check that races the shutdown is no help anyway.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::prelude::*;

/// Set once, by [`close`], never unset.
static CLOSED: AtomicBool = AtomicBool::new(false);
/// Threads inside the gate now.
static INSIDE: AtomicUsize = AtomicUsize::new(0);

/// The longest [`close`] waits for threads inside: one that does not leave by then is
/// stuck in Python code that will not finish anyway.
const DRAIN_FOR: Duration = Duration::from_secs(2);

/// A thread's stay inside the gate.
struct Inside;

impl Inside {
    /// Enters unless the gate is shut. Sequentially consistent on both sides: either
    /// [`close`] sees this thread inside and waits for it, or this thread sees the gate
    /// shut.
    fn enter() -> Option<Inside> {
        INSIDE.fetch_add(1, Ordering::SeqCst);
        if CLOSED.load(Ordering::SeqCst) {
            INSIDE.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Inside)
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        INSIDE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The name of the runtime's threads (workers and blocking ones), which `runtime` gives
/// them and the gate knows them by.
pub(crate) const THREAD_NAME: &str = "scalekit-auth";

/// Whether this is one of the runtime's threads, which take the GIL on their own. Python's
/// threads (calling in, or running an `atexit` hook of the app's after this one) enter as
/// they always could.
fn runtime_thread() -> bool {
    std::thread::current().name() == Some(THREAD_NAME)
}

/// Runs `f` with the GIL, or returns `None` once the interpreter is shutting down.
pub(crate) fn attach<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> Option<R> {
    if !runtime_thread() {
        return Python::try_attach(f);
    }
    let _inside = Inside::enter()?;
    Python::try_attach(f)
}

/// [`attach`] for conversions inside a native future: once the interpreter is shutting
/// down, an error that nobody will see instead.
pub(crate) fn attach_or_err<R>(f: impl for<'py> FnOnce(Python<'py>) -> PyResult<R>) -> PyResult<R> {
    attach(f).unwrap_or_else(|| {
        Err(pyo3::exceptions::PyRuntimeError::new_err("the Python interpreter is shutting down"))
    })
}

/// Runs `f` (which takes the GIL itself) unless the interpreter is shutting down, in
/// which case `f` is dropped unrun. For work handed over by libraries that attach on
/// their own, such as the completion of an awaitable.
pub(crate) fn run(f: impl FnOnce()) {
    if let Some(_inside) = Inside::enter() {
        f();
    }
}

/// Shuts the gate and waits (without the GIL) for the threads inside to leave. Called by
/// the package's `atexit` hook; later calls return at once.
#[pyfunction]
pub(crate) fn _shutdown(py: Python<'_>) {
    if CLOSED.swap(true, Ordering::SeqCst) {
        return;
    }
    let drained = py.detach(|| {
        let deadline = Instant::now() + DRAIN_FOR;
        while INSIDE.load(Ordering::SeqCst) > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    });
    if !drained {
        // Rare (Python code a runtime thread runs did not return); said, since the
        // process may still fail to exit cleanly.
        tracing::warn!(
            "a thread of scalekit-auth was still running Python code when the interpreter shut down"
        );
    }
}

/// Whether the gate is shut: an awaitable asked for after that would never be answered.
pub(crate) fn is_shut() -> bool {
    CLOSED.load(Ordering::SeqCst)
}

/// In a child right after `fork()`: only the forking thread exists, so no thread of the
/// parent's is inside.
pub(crate) fn after_fork_in_child() {
    INSIDE.store(0, Ordering::SeqCst);
}

/// Whether the gate is shut (for tests).
#[pyfunction]
pub(crate) fn _is_shut_down() -> bool {
    is_shut()
}
