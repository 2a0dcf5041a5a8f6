//! The `logging` module object and its globals.
//!
//! The stdlib's functions read their module's globals at call time (`raiseExceptions`,
//! `logThreads`, `_lock`, `root`, …) and users and CPython's suite reassign them. The globals
//! therefore live in the facade module (a real Python module), and Rust reads them live
//! through the module object registered here when the facade is imported.

use std::sync::Mutex;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;

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

/// Globals already read, valid while the module dict's version is `version`: CPython gives
/// a dict a new version on every assignment or deletion (3.9–3.13), so
/// `logging.raiseExceptions = False` or `logging.root = …` is seen by the next read. An
/// open-addressing table keyed by the name's address; the names are held so their
/// addresses stay theirs.
struct GlobalsCache {
    version: Option<u64>,
    slots: Vec<Option<(Py<PyString>, Py<PyAny>)>>,
}

/// Table size (a power of two); the hot paths read about twenty globals.
const GLOBAL_SLOTS: usize = 128;

static GLOBALS: Mutex<GlobalsCache> = Mutex::new(GlobalsCache { version: None, slots: Vec::new() });

impl GlobalsCache {
    /// The slot holding `name`, or the empty slot where it goes (`None`: table full).
    fn probe(&self, name: *mut pyo3::ffi::PyObject) -> Option<usize> {
        let start = (name as usize >> 4) & (GLOBAL_SLOTS - 1);
        (0..GLOBAL_SLOTS).map(|i| (start + i) & (GLOBAL_SLOTS - 1)).find(|&i| match &self.slots[i] {
            Some((key, _)) => key.as_ptr() == name,
            None => true,
        })
    }
}

/// A global of the `logging` module, read live (`logging.raiseExceptions`, `logging.root`, …).
pub fn global<'py>(py: Python<'py>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    let module = logging_module(py)?;
    // SAFETY: a module's dict is a live exact dict for the module's lifetime.
    #[allow(deprecated)]
    let version = unsafe { (*(pyo3::ffi::PyModule_GetDict(module.as_ptr()) as *mut pyo3::ffi::PyDictObject)).ma_version_tag };
    // try_lock: never wait (a read made while the cache is busy, e.g. from a `__del__` run
    // by a value the cache drops, reads the dict).
    let Ok(mut cache) = GLOBALS.try_lock() else {
        return module_attr(module.as_any(), name);
    };
    let mut stale = Vec::new();
    if cache.version != Some(version) {
        cache.version = Some(version);
        stale.extend(cache.slots.iter_mut().filter_map(Option::take));
        cache.slots.resize_with(GLOBAL_SLOTS, || None);
    }
    let slot = cache.probe(name.as_ptr());
    if let Some(Some((_, value))) = slot.map(|i| &cache.slots[i]) {
        return Ok(value.bind(py).clone());
    }
    let value = module_attr(module.as_any(), name);
    if let (Some(i), Ok(value)) = (slot, &value) {
        cache.slots[i] = Some((name.clone().unbind(), value.clone().unbind()));
    }
    drop(cache);
    // Dropped unlocked: a value may be the last reference to an object with a `__del__`.
    for (key, value) in stale {
        drop((key.into_bound(py), value.into_bound(py)));
    }
    value
}

/// `module.name` for a module object: straight from the module's `__dict__` (a module's
/// dict is fixed for its lifetime, and `ModuleType` has no descriptor for ordinary names);
/// a missing name, or an object that is not exactly a module, goes through `getattr`
/// (module `__getattr__`, the usual `AttributeError`).
#[inline]
pub fn module_attr<'py>(module: &Bound<'py, PyAny>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    let py = module.py();
    if module.is_exact_instance_of::<PyModule>() {
        // SAFETY: attached; the module dict is borrowed from the live module; a str key
        // probe of a dict runs no Python code; the hit is borrowed, then owned by the Bound.
        unsafe {
            let dict = pyo3::ffi::PyModule_GetDict(module.as_ptr());
            if !dict.is_null() {
                let value = pyo3::ffi::PyDict_GetItemWithError(dict, name.as_ptr());
                if !value.is_null() {
                    return Ok(Bound::from_borrowed_ptr(py, value));
                }
                if !pyo3::ffi::PyErr_Occurred().is_null() {
                    return Err(PyErr::fetch(py));
                }
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
