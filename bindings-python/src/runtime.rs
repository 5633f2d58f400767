//! Running the core's async work for Python: one shared tokio runtime, the GIL released
//! while Rust works.

use std::future::Future;

use futures_util::FutureExt;
use pyo3::prelude::*;

fn runtime() -> &'static tokio::runtime::Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
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
