//! The `logging` module object and its globals.
//!
//! The stdlib's functions read their module's globals at call time (`raiseExceptions`,
//! `logThreads`, `_lock`, `root`, …) and users and CPython's suite reassign them. The globals
//! therefore live in the facade module (a real Python module), and Rust reads them live
//! through the module object registered here when the facade is imported.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};

static LOGGING: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
static HANDLERS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// Called once by the facade: `_core.bind_logging_module(sys.modules[__name__])`.
#[pyfunction]
#[pyo3(signature = (module, handlers_module = None))]
pub fn bind_logging_module(
    module: &Bound<'_, PyModule>,
    handlers_module: Option<&Bound<'_, PyModule>>,
) -> PyResult<()> {
    let py = module.py();
    if let Some(h) = handlers_module {
        let _ = HANDLERS.set(py, h.clone().unbind());
        return Ok(());
    }
    LOGGING
        .set(py, module.clone().unbind())
        .map_err(|_| PyRuntimeError::new_err("logixde: the logging module is already bound"))
}

/// The facade module `logging` (logixde's).
pub fn logging_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    LOGGING
        .get(py)
        .map(|m| m.bind(py))
        .ok_or_else(|| PyRuntimeError::new_err("logixde: the logging module is not initialised"))
}

/// The facade module `logging.handlers`, once imported.
pub fn handlers_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    HANDLERS
        .get(py)
        .map(|m| m.bind(py))
        .ok_or_else(|| PyRuntimeError::new_err("logixde: logging.handlers is not initialised"))
}

/// A global of the `logging` module, read live (`logging.raiseExceptions`, `logging.root`, …).
pub fn global<'py>(py: Python<'py>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    module_attr(logging_module(py)?.as_any(), name)
}

/// `module.name` for a module object: straight from the module's `__dict__` (a module's
/// dict is fixed for its lifetime, and `ModuleType` has no descriptor for ordinary names);
/// a missing name, or an object that is not exactly a module, goes through `getattr`
/// (module `__getattr__`, the usual `AttributeError`).
#[inline]
pub fn module_attr<'py>(module: &Bound<'py, PyAny>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    let py = module.py();
    if module.is_exact_instance_of::<PyModule>() {
        // SAFETY: attached; a module's dict lives as long as the module.
        let dict = unsafe { Bound::from_borrowed_ptr_or_opt(py, pyo3::ffi::PyModule_GetDict(module.as_ptr())) };
        if let Some(Ok(dict)) = dict.as_ref().map(|d| d.cast_exact::<PyDict>()) {
            if let Some(value) = crate::dispatch::dict_item(dict, name)? {
                return Ok(value);
            }
        }
    }
    module.getattr(name)
}

/// A global read as a truth value, as the stdlib's `if raiseExceptions:` does.
pub fn global_is_true(py: Python<'_>, name: &Bound<'_, PyString>) -> PyResult<bool> {
    global(py, name)?.is_truthy()
}

static MINOR: std::sync::OnceLock<u8> = std::sync::OnceLock::new();

/// The running interpreter's minor version (9 for 3.9 … 13 for 3.13). Behaviour follows it.
#[inline]
pub fn minor(py: Python<'_>) -> u8 {
    *MINOR.get_or_init(|| py.version_info().minor)
}

/// Run `f` holding the module-level `_lock`, as the stdlib's `with _lock:` (3.13) and
/// `_acquireLock()` … `finally: _releaseLock()` (3.9–3.12, where a falsy `_lock` means no
/// locking). The lock is the facade's `threading.RLock`, whose `acquire` detaches from the
/// interpreter while it waits, so another thread holding it can always finish.
pub fn with_module_lock<'py, R>(
    py: Python<'py>,
    f: impl FnOnce() -> PyResult<R>,
) -> PyResult<R> {
    let lock = global(py, pyo3::intern!(py, "_lock"))?;
    if minor(py) <= 12 && !lock.is_truthy()? {
        return f();
    }
    lock.call_method0(pyo3::intern!(py, "acquire"))?;
    let result = f();
    let released = lock.call_method0(pyo3::intern!(py, "release"));
    let value = result?;
    released?;
    Ok(value)
}
