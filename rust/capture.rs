//! What a record captures when it is created: the clock, the thread, the process and the
//! asyncio task, each as the running version's `LogRecord.__init__` reads it.
//!
//! The stdlib reads these through module attributes users and tests replace
//! (`time.time_ns`, `threading.current_thread`, `os.getpid`, `asyncio.current_task`), so
//! each shortcut here is taken only while the attribute is still the original function, and
//! gives the same value the call would: otherwise the call is made, as the stdlib makes it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};
use pyo3::{ffi, intern};

use crate::dispatch::_PyType_Lookup;
use crate::state;

/// The time fields derived from one clock reading, per version.
pub struct Created {
    pub created: f64,
    pub msecs: f64,
    pub relative_created: f64,
}

/// `time.time()` (≤3.12) or `time.time_ns()` (3.13) and the fields the version derives.
pub fn clock(py: Python<'_>) -> PyResult<Created> {
    static TIME: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    static TIME_NS: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    let time = state::global(py, intern!(py, "time"))?;
    let start = state::global(py, intern!(py, "_startTime"))?;
    if state::minor(py) >= 13 {
        // ct = time.time_ns(); created = ct / 1e9; msecs from the integer nanoseconds.
        let time_ns = state::module_attr(&time, intern!(py, "time_ns"))?;
        let ct: i128 = match original(&TIME_NS, &time, intern!(py, "time_ns"), "time")? {
            Some(f) if f.is(&time_ns) => system_clock_ns()?.into(),
            _ => time_ns.call0()?.extract()?,
        };
        let start: i128 = start.extract()?;
        let created = ct as f64 / 1e9;
        let mut msecs = (ct.rem_euclid(1_000_000_000) / 1_000_000) as f64;
        // The ns -> s conversion can round up into the next second.
        if msecs == 999.0 && created.trunc() as i128 != ct.div_euclid(1_000_000_000) {
            msecs = 0.0;
        }
        Ok(Created { created, msecs, relative_created: (ct - start) as f64 / 1e6 })
    } else {
        let time_fn = state::module_attr(&time, intern!(py, "time"))?;
        let ct: f64 = match original(&TIME, &time, intern!(py, "time"), "time")? {
            Some(f) if f.is(&time_fn) => seconds_as_python_does(system_clock_ns()?),
            _ => time_fn.call0()?.extract()?,
        };
        let start: f64 = start.extract()?;
        let fraction_ms = (ct - ct.trunc()) * 1000.0;
        // 3.10+ (gh-89047): whole milliseconds, as a float.
        let msecs = if state::minor(py) >= 10 { fraction_ms.trunc() } else { fraction_ms };
        Ok(Created { created: ct, msecs, relative_created: (ct - start) * 1000.0 })
    }
}

/// The system clock in nanoseconds, as `time.time_ns()` reads it (`clock_gettime(CLOCK_REALTIME)`).
fn system_clock_ns() -> PyResult<i64> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer.
    if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    // time_t and c_long are narrower than i64 on 32-bit targets.
    #[allow(clippy::unnecessary_cast)]
    Ok((ts.tv_sec as i64) * 1_000_000_000 + ts.tv_nsec as i64)
}

/// `time.time()` from nanoseconds: CPython's `_PyTime_AsSecondsDouble` (whole seconds are
/// divided as integers, anything else as a double).
fn seconds_as_python_does(ns: i64) -> f64 {
    if ns % 1_000_000_000 == 0 {
        (ns / 1_000_000_000) as f64
    } else {
        ns as f64 / 1e9
    }
}

/// An attribute of `module` captured the first time it is asked for, checked to be the
/// function `module_name.name` defines (a replacement made before that is not taken for
/// the original).
fn original<'py>(
    cell: &'static PyOnceLock<Option<Py<PyAny>>>,
    module: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
    module_name: &str,
) -> PyResult<Option<&'static Py<PyAny>>> {
    let py = module.py();
    cell.get_or_try_init(py, || -> PyResult<_> {
        let f = module.getattr(name)?;
        let from_module = f
            .getattr(intern!(py, "__module__"))
            .ok()
            .is_some_and(|m| m.eq(module_name).unwrap_or(false));
        Ok(from_module.then(|| f.unbind()))
    })
    .map(Option::as_ref)
}

/// The attribute `name` of the type of `obj` (`type(obj).name`), borrowed from the MRO.
fn type_attribute(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> *mut ffi::PyObject {
    // SAFETY: live objects; the result is only compared by identity.
    unsafe { _PyType_Lookup(ffi::Py_TYPE(obj.as_ptr()), name.as_ptr()) }
}

/// `(threading.get_ident(), threading.current_thread().name)`.
///
/// While `threading.get_ident` is `_thread.get_ident` and `threading.current_thread` the
/// original, the thread comes from `threading._active` as `current_thread` takes it, and
/// its `name` from `_name` while the class's `name` is still `Thread.name` (the property
/// returning `self._name`). A thread missing from `_active` (current_thread would make a
/// `_DummyThread`) and anything replaced go through the calls.
pub fn thread(py: Python<'_>) -> PyResult<(Bound<'_, PyAny>, Bound<'_, PyAny>)> {
    static GET_IDENT: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    static CURRENT_THREAD: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    static NAME_PROPERTY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let threading = state::global(py, intern!(py, "threading"))?;
    let get_ident = state::module_attr(&threading, intern!(py, "get_ident"))?;
    let native_ident = original(&GET_IDENT, &threading, intern!(py, "get_ident"), "_thread")?
        .is_some_and(|f| f.is(&get_ident));
    let ident = if native_ident {
        // SAFETY: attached; PyThread_get_thread_ident has no preconditions.
        unsafe { ffi::PyThread_get_thread_ident() }.into_pyobject(py)?.into_any()
    } else {
        get_ident.call0()?
    };
    let current_thread = state::module_attr(&threading, intern!(py, "current_thread"))?;
    let native_current_thread = native_ident
        && original(&CURRENT_THREAD, &threading, intern!(py, "current_thread"), "threading")?
            .is_some_and(|f| f.is(&current_thread));
    if native_current_thread {
        let active = state::module_attr(&threading, intern!(py, "_active"))?;
        if let Ok(active) = active.cast_exact::<PyDict>() {
            if let Some(t) = active.get_item(&ident)? {
                let name_property = NAME_PROPERTY.get_or_try_init(py, || {
                    let thread_class = threading.getattr(intern!(py, "Thread"))?;
                    thread_class.getattr(intern!(py, "__dict__"))?.get_item("name").map(Bound::unbind)
                })?;
                let name = if type_attribute(&t, intern!(py, "name")) == name_property.as_ptr() {
                    t.getattr(intern!(py, "_name"))?
                } else {
                    t.getattr(intern!(py, "name"))?
                };
                return Ok((ident, name));
            }
        }
    }
    Ok((ident, current_thread.call0()?.getattr(intern!(py, "name"))?))
}

/// `os.getpid() if hasattr(os, 'getpid') else None`, the pid cached until the next fork
/// while `os.getpid` is the original.
pub fn process_id(py: Python<'_>) -> PyResult<Option<Bound<'_, PyAny>>> {
    static GETPID: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    static PID: Mutex<Option<Py<PyAny>>> = Mutex::new(None);
    static STALE: AtomicBool = AtomicBool::new(true);
    static AT_FORK: std::sync::Once = std::sync::Once::new();
    extern "C" fn forked_child() {
        STALE.store(true, Ordering::Relaxed);
    }
    let os = state::global(py, intern!(py, "os"))?;
    let getpid = match state::module_attr(&os, intern!(py, "getpid")) {
        Ok(f) => f,
        Err(err) if err.is_instance_of::<pyo3::exceptions::PyAttributeError>(py) => return Ok(None),
        Err(err) => return Err(err),
    };
    let original_getpid = original(&GETPID, &os, intern!(py, "getpid"), "posix")?;
    if !original_getpid.is_some_and(|f| f.is(&getpid)) {
        return getpid.call0().map(Some);
    }
    AT_FORK.call_once(|| {
        // SAFETY: registers a handler that only stores to an atomic (async-signal-safe).
        unsafe { libc::pthread_atfork(None, None, Some(forked_child)) };
    });
    // try_lock: never wait on the cache; without it the pid is asked for again.
    if let Ok(mut cached) = PID.try_lock() {
        if STALE.swap(false, Ordering::Relaxed) {
            *cached = None;
        }
        if let Some(pid) = cached.as_ref() {
            return Ok(Some(pid.bind(py).clone()));
        }
        let pid = getpid.call0()?;
        *cached = Some(pid.clone().unbind());
        return Ok(Some(pid));
    }
    getpid.call0().map(Some)
}

/// The stdlib's `try: value = f() except Exception: value = default`.
fn or_default_on_exception<'py>(value: PyResult<Bound<'py, PyAny>>, default: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Ok(v) => Ok(v),
        Err(err) if err.is_instance_of::<PyException>(default.py()) => Ok(default),
        Err(err) => Err(err),
    }
}

/// `sys.modules`, read once per record for the modules it may consult.
pub fn sys_modules(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    state::module_attr(&state::global(py, intern!(py, "sys"))?, intern!(py, "modules"))
}

/// `sys.modules.get(name)`.
fn sys_module<'py>(modules: &Bound<'py, PyAny>, name: &Bound<'py, PyString>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match modules.cast_exact::<PyDict>() {
        Ok(modules) => modules.get_item(name),
        Err(_) => {
            let got = modules.call_method1(intern!(modules.py(), "get"), (name,))?;
            Ok((!got.is_none()).then_some(got))
        }
    }
}

/// `processName`: 'MainProcess', or `multiprocessing.current_process().name` once
/// multiprocessing is imported (errors while it is still loading leave the default).
pub fn process_name<'py>(modules: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = modules.py();
    let default = intern!(py, "MainProcess").clone().into_any();
    let Some(mp) = sys_module(modules, intern!(py, "multiprocessing"))? else {
        return Ok(default);
    };
    let name = mp
        .call_method0(intern!(py, "current_process"))
        .and_then(|p| p.getattr(intern!(py, "name")));
    or_default_on_exception(name, default)
}

/// `taskName` (3.12+): `asyncio.current_task().get_name()` once asyncio is imported, None
/// when that fails. With `asyncio.current_task` the C original and no running event loop
/// (`_asyncio._get_running_loop()` is None) the call would raise: None without raising.
pub fn task_name<'py>(modules: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = modules.py();
    let none = py.None().into_bound(py);
    let Some(asyncio) = sys_module(modules, intern!(py, "asyncio"))? else {
        return Ok(none);
    };
    if !asyncio.is_truthy()? {
        return Ok(none);
    }
    if let Some(c_asyncio) = sys_module(modules, intern!(py, "_asyncio"))? {
        let current_task = state::module_attr(&asyncio, intern!(py, "current_task"));
        let c_current_task = state::module_attr(&c_asyncio, intern!(py, "current_task"));
        if let (Ok(f), Ok(c)) = (current_task, c_current_task) {
            if f.is(&c) && c_asyncio.call_method0(intern!(py, "_get_running_loop"))?.is_none() {
                return Ok(none);
            }
        }
    }
    let name = asyncio
        .call_method0(intern!(py, "current_task"))
        .and_then(|t| t.call_method0(intern!(py, "get_name")));
    or_default_on_exception(name, none)
}
