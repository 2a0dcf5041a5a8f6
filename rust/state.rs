//! The `logging` module object and its globals.
//!
//! The stdlib's functions read their module's globals at call time (`raiseExceptions`,
//! `logThreads`, `_lock`, `root`, …) and users and CPython's suite reassign them. The globals
//! therefore live in the facade module (a real Python module), and Rust reads them live
//! through the module object registered here when the facade is imported.

use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed};

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
///
/// Served from [`GLOBALS`] while the module's dict keeps the version tag the entries were
/// read at (every assignment or deletion of a global gives the dict a new one).
#[inline]
pub fn global<'py>(py: Python<'py>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    let g = &GLOBALS;
    let dict = g.dict.load(Relaxed) as *mut pyo3::ffi::PyObject;
    // SAFETY: `dict` is the bound module's dict (alive as long as the module, which the
    // binding keeps); an entry's value is borrowed from it while its tag is unchanged.
    if !dict.is_null() && g.version.load(Relaxed) == unsafe { crate::dispatch::dict_version(dict) } {
        let key = name.as_ptr() as usize;
        for slot in global_probe(name) {
            match g.names[slot].load(Relaxed) {
                k if k == key => {
                    let value = g.values[slot].load(Relaxed) as *mut pyo3::ffi::PyObject;
                    // SAFETY: as above.
                    return Ok(unsafe { Bound::from_borrowed_ptr(py, value) });
                }
                0 => break,
                _ => {}
            }
        }
    }
    global_slow(py, name)
}

/// The `logging` module's globals read last: `names[i]` (a held reference, so the address
/// stays the name's) maps to `values[i]` (borrowed from the module dict), all read while
/// the dict's version tag was `version`. Only used while attached (the GIL serializes it).
struct Globals {
    dict: AtomicUsize,
    version: AtomicU64,
    names: [AtomicUsize; GLOBAL_SLOTS],
    values: [AtomicUsize; GLOBAL_SLOTS],
}

const GLOBAL_SLOTS: usize = 64;

/// The slots a name may occupy, in probing order: from its Fibonacci hash (the address's
/// low bits are alignment zeros), a few neighbours.
#[inline]
fn global_probe(name: &Bound<'_, PyString>) -> impl Iterator<Item = usize> {
    let start = ((name.as_ptr() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize;
    (0..GLOBAL_PROBES).map(move |i| (start + i) % GLOBAL_SLOTS)
}

const GLOBAL_PROBES: usize = 4;

static GLOBALS: Globals = Globals {
    dict: AtomicUsize::new(0),
    version: AtomicU64::new(0),
    names: [const { AtomicUsize::new(0) }; GLOBAL_SLOTS],
    values: [const { AtomicUsize::new(0) }; GLOBAL_SLOTS],
};

#[cold]
fn global_slow<'py>(py: Python<'py>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    let module = logging_module(py)?;
    let value = module_attr(module.as_any(), name)?;
    if !crate::dispatch::version_tags_work(py) || !name.is_exact_instance_of::<PyString>() {
        return Ok(value);
    }
    // SAFETY: attached; the module dict is live; the names' references are ours.
    unsafe {
        let dict = pyo3::ffi::PyModule_GetDict(module.as_ptr());
        if dict.is_null() || pyo3::ffi::PyDict_GetItemWithError(dict, name.as_ptr()) != value.as_ptr() {
            // Not the dict's own value (a module `__getattr__`, or the probe raised).
            pyo3::ffi::PyErr_Clear();
            return Ok(value);
        }
        let g = &GLOBALS;
        let version = crate::dispatch::dict_version(dict);
        if g.dict.load(Relaxed) != dict as usize || g.version.load(Relaxed) != version {
            // The dict changed: every entry is stale.
            for (n, v) in g.names.iter().zip(&g.values) {
                let old = n.swap(0, Relaxed) as *mut pyo3::ffi::PyObject;
                v.store(0, Relaxed);
                if !old.is_null() {
                    // A str's deallocation runs no Python code.
                    pyo3::ffi::Py_DECREF(old);
                }
            }
            g.version.store(version, Relaxed);
            g.dict.store(dict as usize, Relaxed);
        }
        // The name's own slot, else a free one, else the first (evicted).
        let key = name.as_ptr() as usize;
        let mut probe = global_probe(name);
        let first = probe.next().unwrap_or(0);
        let slot = std::iter::once(first)
            .chain(probe)
            .find(|&i| matches!(g.names[i].load(Relaxed), k if k == key || k == 0))
            .unwrap_or(first);
        let old = g.names[slot].load(Relaxed) as *mut pyo3::ffi::PyObject;
        pyo3::ffi::Py_INCREF(name.as_ptr());
        g.names[slot].store(name.as_ptr() as usize, Relaxed);
        g.values[slot].store(value.as_ptr() as usize, Relaxed);
        if !old.is_null() {
            pyo3::ffi::Py_DECREF(old);
        }
    }
    Ok(value)
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

/// Module functions the core stands in for while they are the module's own: the stdlib
/// calls them by their global names, and code replaces them
/// (`logging.currentframe = lambda: sys._getframe(3)`, `logging.getLevelName = my_names`).
#[derive(Clone, Copy)]
pub enum StandIn {
    CurrentFrame,
    IsInternalFrame,
    GetLevelName,
    CheckLevel,
}

impl StandIn {
    const ALL: [StandIn; 4] = [StandIn::CurrentFrame, StandIn::IsInternalFrame, StandIn::GetLevelName, StandIn::CheckLevel];

    fn global_name(self) -> &'static str {
        match self {
            StandIn::CurrentFrame => "currentframe",
            StandIn::IsInternalFrame => "_is_internal_frame",
            StandIn::GetLevelName => "getLevelName",
            StandIn::CheckLevel => "_checkLevel",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The module's own functions by address, indexed by [`StandIn`].
static OWN_FUNCTIONS: [AtomicUsize; 4] = [const { AtomicUsize::new(0) }; 4];

/// Which [`StandIn`]s are replaced (a bit each), as read while the module dict had the
/// version tag `REPLACED_AT` (0: not read): one tag comparison a record instead of a
/// lookup per function.
static REPLACED: AtomicU8 = AtomicU8::new(0);
static REPLACED_AT: AtomicU64 = AtomicU64::new(0);

/// Remember `function` as the module's own `which` (at registration, before the facade
/// binds it to its global name).
pub fn register_own(which: StandIn, function: &Bound<'_, PyAny>) {
    OWN_FUNCTIONS[which as usize].store(function.as_ptr() as usize, Relaxed);
}

/// Whether the module global of `which` is no longer the module's own function (or is
/// missing): callers then look it up and call it as the stdlib does.
#[inline]
pub fn is_replaced(py: Python<'_>, which: StandIn) -> bool {
    let dict = GLOBALS.dict.load(Relaxed) as *mut pyo3::ffi::PyObject;
    let at = REPLACED_AT.load(Relaxed);
    // SAFETY: `dict` is the bound module's dict, alive as long as the module.
    if at != 0 && !dict.is_null() && at == unsafe { crate::dispatch::dict_version(dict) } {
        return REPLACED.load(Relaxed) & which.bit() != 0;
    }
    read_replaced(py) & which.bit() != 0
}

#[cold]
fn read_replaced(py: Python<'_>) -> u8 {
    let mut replaced = 0;
    for which in StandIn::ALL {
        let own = OWN_FUNCTIONS[which as usize].load(Relaxed);
        let name = PyString::intern(py, which.global_name());
        // The module's global is the function standing for the native one.
        // SAFETY: attached; a live object, only inspected.
        let stands_for_own = |f: Bound<'_, PyAny>| unsafe { crate::method_functions::native_descriptor(f.as_ptr() as usize) } == own;
        if !global(py, &name).is_ok_and(stands_for_own) {
            replaced |= which.bit();
        }
    }
    // The reads above left `GLOBALS` at the dict's current tag (a read through a module
    // `__getattr__` or a failed one leaves it unset: nothing is remembered then).
    let dict = GLOBALS.dict.load(Relaxed) as *mut pyo3::ffi::PyObject;
    if !dict.is_null() && crate::dispatch::version_tags_work(py) {
        // SAFETY: as in `is_replaced`.
        let version = unsafe { crate::dispatch::dict_version(dict) };
        if version == GLOBALS.version.load(Relaxed) {
            REPLACED.store(replaced, Relaxed);
            REPLACED_AT.store(version, Relaxed);
        }
    }
    replaced
}

/// A global read as a truth value, as the stdlib's `if raiseExceptions:` does.
pub fn global_is_true(py: Python<'_>, name: &Bound<'_, PyString>) -> PyResult<bool> {
    use crate::dispatch::Truth;
    global(py, name)?.is_true()
}

/// The running interpreter's minor version (9 for 3.9 … 13 for 3.13). Behaviour follows it.
/// The extension is built for one interpreter version (not the stable ABI: CPython loads it
/// only into that version), so this is a constant the compiler folds into every check.
#[inline(always)]
pub const fn minor(_py: Python<'_>) -> u8 {
    if cfg!(Py_3_14) {
        14
    } else if cfg!(Py_3_13) {
        13
    } else if cfg!(Py_3_12) {
        12
    } else if cfg!(Py_3_11) {
        11
    } else if cfg!(Py_3_10) {
        10
    } else {
        9
    }
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
