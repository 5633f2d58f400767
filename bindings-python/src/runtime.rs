//! Running the core's async work for Python: one tokio runtime per process, the GIL
//! released while Rust works.
//!
//! A process that forks after using the runtime (`gunicorn --preload`, a `multiprocessing`
//! fork pool, Celery prefork) leaves the child a runtime whose worker threads exist only
//! in the parent: anything that waits on it hangs forever. `os.register_at_fork` calls
//! [`after_fork_in_child`], which drops this process's reference to the parent's runtime
//! (never the runtime itself: dropping it would wait for threads that are not there), so
//! the child builds its own on first use.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use futures_util::FutureExt;
use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use tokio::runtime::Runtime;

/// This process's runtime; null until first use, and again in a freshly forked child.
static CURRENT: AtomicPtr<Runtime> = AtomicPtr::new(std::ptr::null_mut());
/// Serializes the building of a runtime.
static BUILDING: Mutex<()> = Mutex::new(());

pub(crate) fn runtime() -> &'static Runtime {
    let current = CURRENT.load(Ordering::Acquire);
    if !current.is_null() {
        // SAFETY: set only from `Box::leak`, never freed.
        return unsafe { &*current };
    }
    let _building = BUILDING.lock().unwrap_or_else(PoisonError::into_inner);
    let current = CURRENT.load(Ordering::Acquire);
    if !current.is_null() {
        // SAFETY: as above.
        return unsafe { &*current };
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name(crate::gate::THREAD_NAME)
        .build()
        .expect("cannot start the tokio runtime");
    let leaked: &'static Runtime = Box::leak(Box::new(runtime));
    CURRENT.store(std::ptr::from_ref(leaked).cast_mut(), Ordering::Release);
    leaked
}

/// Called in a child process right after `fork()`: the next use builds a new runtime.
/// The parent's stays allocated and untouched (its threads are gone in the child).
#[pyfunction]
pub(crate) fn _after_fork_in_child() {
    CURRENT.store(std::ptr::null_mut(), Ordering::Release);
    // A fork that happened while a runtime was being built leaves the lock held.
    BUILDING.clear_poison();
    crate::gate::after_fork_in_child();
}

/// The runtime for `pyo3_async_runtimes`' conversion of futures into awaitables.
pub(crate) struct ForkSafeRuntime;

tokio::task_local! {
    static TASK_LOCALS: OnceLock<TaskLocals>;
}

impl GenericRuntime for ForkSafeRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        runtime().spawn(fut)
    }

    /// `pyo3_async_runtimes` hands an awaitable its result from here, taking the GIL:
    /// through the gate, so never while the interpreter shuts down.
    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        runtime().spawn_blocking(move || crate::gate::run(f))
    }
}

impl ContextExt for ForkSafeRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = OnceLock::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS.try_with(|c| c.get().cloned()).unwrap_or_default()
    }
}

/// An awaitable for Python that runs `future` on this process's runtime. Once the
/// interpreter is shutting down (an `atexit` hook after the package's own), an error at
/// once: the runtime's answer could no longer be handed over.
pub(crate) fn future_into_py<F, T>(py: Python<'_>, future: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    if crate::gate::is_shut() {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "scalekit-auth cannot start an awaitable while the Python interpreter is shutting down",
        ));
    }
    pyo3_async_runtimes::generic::future_into_py::<ForkSafeRuntime, F, T>(py, future)
}

/// Runs `future` to completion for a synchronous caller, without the GIL.
pub(crate) fn block_on<F>(py: Python<'_>, future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    py.detach(|| runtime().block_on(future))
}

/// For work that usually completes without waiting (validation with cached keys):
/// polls `make()` once in place, and only if it has to wait runs a fresh one on the
/// runtime. Only for idempotent work: the first attempt may be dropped half-way.
pub(crate) fn run_fast<F>(py: Python<'_>, make: impl Fn() -> F + Send + Sync) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    py.detach(|| {
        let _context = runtime().enter();
        match make().now_or_never() {
            Some(output) => output,
            None => runtime().block_on(make()),
        }
    })
}

/// Runs `f` without the GIL inside the runtime's context (for the core's `try_*` calls,
/// which answer at once or not at all).
pub(crate) fn in_context<R: Send>(py: Python<'_>, f: impl FnOnce() -> R + Send) -> R {
    py.detach(|| {
        let _context = runtime().enter();
        f()
    })
}

/// Like [`run_fast`], but returns `None` instead of waiting: the async client answers
/// from here when it can and awaits the native future otherwise.
pub(crate) fn try_now<F>(py: Python<'_>, make: impl FnOnce() -> F + Send) -> Option<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    py.detach(|| {
        let _context = runtime().enter();
        make().now_or_never()
    })
}
