//! What a record captures when it is created: the clock, the thread, the process and the
//! asyncio task, each as the running version's `LogRecord.__init__` reads it.
//!
//! The stdlib reads these through module attributes users and tests replace
//! (`time.time_ns`, `threading.current_thread`, `os.getpid`, `asyncio.current_task`), so
//! each shortcut here is taken only while the attribute is still the original function, and
//! gives the same value the call would: otherwise the call is made, as the stdlib makes it.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering, Ordering::Relaxed};


use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule, PyString};
use pyo3::{ffi, intern};

use crate::dispatch::{_PyType_Lookup, dict_version, type_version, version_tags_work};
use crate::attached_cell::AttachedCell;
use crate::state;

/// The time fields derived from one clock reading, per version.
#[derive(Clone, Copy)]
pub struct Created {
    pub created: f64,
    pub msecs: f64,
    pub relative_created: f64,
}

/// `time.time()` (≤3.12) or `time.time_ns()` (3.13) and the fields the version derives.
pub fn clock(py: Python<'_>) -> PyResult<Created> {
    static TIME: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    static TIME_NS: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    static TIME_ATTR: DictEntry = DictEntry::new();
    let time = state::global(py, intern!(py, "time"))?;
    let start = state::global(py, intern!(py, "_startTime"))?;
    if state::minor(py) >= 13 {
        // ct = time.time_ns(); created = ct / 1e9; msecs from the integer nanoseconds.
        let time_ns = TIME_ATTR.module_attr(&time, intern!(py, "time_ns"))?;
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
        let time_fn = TIME_ATTR.module_attr(&time, intern!(py, "time"))?;
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
/// `_DummyThread`) and anything replaced go through the calls. What the native route found
/// is remembered per thread (see [`ThreadSlot`]).
pub fn thread(py: Python<'_>) -> PyResult<(Bound<'_, PyAny>, Bound<'_, PyAny>)> {
    let threading = state::global(py, intern!(py, "threading"))?;
    // SAFETY: attached; PyThread_get_thread_ident has no preconditions.
    let me = unsafe { ffi::PyThread_get_thread_ident() };
    if let Some(found) = thread_cached(&threading, me) {
        return Ok(found);
    }
    thread_slow(&threading, me)
}

fn thread_slow<'py>(threading: &Bound<'py, PyAny>, me: std::os::raw::c_ulong) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    static GET_IDENT: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    static CURRENT_THREAD: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    static NAME_PROPERTY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = threading.py();
    let get_ident = state::module_attr(threading, intern!(py, "get_ident"))?;
    let native_ident = original(&GET_IDENT, threading, intern!(py, "get_ident"), "_thread")?
        .is_some_and(|f| f.is(&get_ident));
    let ident = if native_ident { me.into_pyobject(py)?.into_any() } else { get_ident.call0()? };
    let current_thread = state::module_attr(threading, intern!(py, "current_thread"))?;
    let native_current_thread = native_ident
        && original(&CURRENT_THREAD, threading, intern!(py, "current_thread"), "threading")?
            .is_some_and(|f| f.is(&current_thread));
    if native_current_thread {
        let active = state::module_attr(threading, intern!(py, "_active"))?;
        if let Ok(active) = active.cast_exact::<PyDict>() {
            if let Some(t) = active.get_item(&ident)? {
                let name_property = NAME_PROPERTY.get_or_try_init(py, || {
                    let thread_class = threading.getattr(intern!(py, "Thread"))?;
                    thread_class.getattr(intern!(py, "__dict__"))?.get_item("name").map(Bound::unbind)
                })?;
                if type_attribute(&t, intern!(py, "name")) != name_property.as_ptr() {
                    return Ok((ident, t.getattr(intern!(py, "name"))?));
                }
                let name = t.getattr(intern!(py, "_name"))?;
                thread_remember(threading, active, &t, &ident, &name, me);
                return Ok((ident, name));
            }
        }
    }
    Ok((ident, current_thread.call0()?.getattr(intern!(py, "name"))?))
}

/// What [`thread_slow`]'s native route found for one thread: its ident (an owned int) and
/// the `_active` entry, whose name is then its `__dict__['_name']`. Valid while the
/// version tags it was read under are unchanged: the `threading` module's dict (so
/// `get_ident`, `current_thread` and `_active` are the ones checked), `_active` (so the
/// entry is the same object, kept alive by it) and the entry's type (so `name` is still
/// `Thread.name`, `_name` has no class attribute and attribute lookup is the generic one).
/// A dict's tag is renewed by every change and never reused by another dict. Only used
/// while attached (the GIL serializes it).
struct ThreadSlot {
    ident: AtomicUsize,
    ident_obj: AtomicUsize,
    threading_dict: AtomicUsize,
    threading_version: AtomicU64,
    active: AtomicUsize,
    active_version: AtomicU64,
    thread: AtomicUsize,
    thread_type: AtomicUsize,
    type_version: AtomicU32,
}

const THREAD_SLOTS: usize = 8;

static THREAD_CACHE: [ThreadSlot; THREAD_SLOTS] = [const {
    ThreadSlot {
        ident: AtomicUsize::new(0),
        ident_obj: AtomicUsize::new(0),
        threading_dict: AtomicUsize::new(0),
        threading_version: AtomicU64::new(0),
        active: AtomicUsize::new(0),
        active_version: AtomicU64::new(0),
        thread: AtomicUsize::new(0),
        thread_type: AtomicUsize::new(0),
        type_version: AtomicU32::new(0),
    }
}; THREAD_SLOTS];

#[inline]
fn thread_slot(me: std::os::raw::c_ulong) -> &'static ThreadSlot {
    // Fibonacci hashing: a pthread ident is an address, its low bits alignment zeros.
    &THREAD_CACHE[((me as usize as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 61) as usize % THREAD_SLOTS]
}

/// The live `__dict__` of `obj` when it is an exact dict.
///
/// # Safety
/// Attached; `obj` live.
#[inline]
unsafe fn instance_dict(obj: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let dict = crate::dispatch::instance_dict_ptr(obj);
    if dict.is_null() || ffi::PyDict_CheckExact(dict) == 0 {
        return std::ptr::null_mut();
    }
    dict
}

#[inline]
fn thread_cached<'py>(threading: &Bound<'py, PyAny>, me: std::os::raw::c_ulong) -> Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let py = threading.py();
    let slot = thread_slot(me);
    if slot.ident.load(Relaxed) != me as usize || slot.threading_dict.load(Relaxed) == 0 || !threading.is_exact_instance_of::<PyModule>() {
        return None;
    }
    // SAFETY: attached; each pointer dereferenced is live: the module's dict (fresh), then
    // `_active` held by it while its tag is the recorded one, the entry held by `_active`
    // likewise, its dict (fresh) and the name borrowed from it. Tags are only read from
    // exact dicts (checked when recorded), with version tags working.
    unsafe {
        let tdict = ffi::PyModule_GetDict(threading.as_ptr());
        if tdict as usize != slot.threading_dict.load(Relaxed) || dict_version(tdict) != slot.threading_version.load(Relaxed) {
            return None;
        }
        let active = slot.active.load(Relaxed) as *mut ffi::PyObject;
        if dict_version(active) != slot.active_version.load(Relaxed) {
            return None;
        }
        let t = slot.thread.load(Relaxed) as *mut ffi::PyObject;
        let tp = ffi::Py_TYPE(t);
        if tp as usize != slot.thread_type.load(Relaxed) || type_version(py, tp) != slot.type_version.load(Relaxed) {
            return None;
        }
        // `_name` read from the dict each time: an instance dict's tag does not follow
        // attribute stores on 3.13 (a dict sharing the object's inline values).
        let dict = instance_dict(t);
        if dict.is_null() {
            return None;
        }
        let name = ffi::PyDict_GetItemWithError(dict, intern!(py, "_name").as_ptr());
        if name.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        Some((
            Bound::from_borrowed_ptr(py, slot.ident_obj.load(Relaxed) as *mut ffi::PyObject),
            Bound::from_borrowed_ptr(py, name),
        ))
    }
}

/// Record what the native route found, when everything it relied on is covered by a tag:
/// the generic attribute lookup found `name` as `t.__dict__['_name']` (no class attribute
/// `_name`), and the type has a valid version tag.
fn thread_remember(
    threading: &Bound<'_, PyAny>,
    active: &Bound<'_, PyDict>,
    t: &Bound<'_, PyAny>,
    ident: &Bound<'_, PyAny>,
    name: &Bound<'_, PyAny>,
    me: std::os::raw::c_ulong,
) {
    let py = threading.py();
    if !version_tags_work(py) || !threading.is_exact_instance_of::<PyModule>() {
        return;
    }
    // SAFETY: attached; live objects; the slot's previous ident reference is its own.
    unsafe {
        let tdict = ffi::PyModule_GetDict(threading.as_ptr());
        if tdict.is_null() || ffi::PyDict_CheckExact(tdict) == 0 {
            return;
        }
        let tp = ffi::Py_TYPE(t.as_ptr());
        let tp_version = type_version(py, tp);
        let generic = crate::dispatch::generic_getattr(tp);
        if tp_version == 0 || !generic || !_PyType_Lookup(tp, intern!(py, "_name").as_ptr()).is_null() {
            return;
        }
        let dict = instance_dict(t.as_ptr());
        if dict.is_null() || ffi::PyDict_GetItemWithError(dict, intern!(py, "_name").as_ptr()) != name.as_ptr() {
            ffi::PyErr_Clear();
            return;
        }
        let slot = thread_slot(me);
        let old = slot.ident_obj.swap(ident.clone().into_ptr() as usize, Relaxed);
        if old != 0 {
            ffi::Py_DECREF(old as *mut ffi::PyObject);
        }
        slot.ident.store(me as usize, Relaxed);
        slot.threading_dict.store(tdict as usize, Relaxed);
        slot.threading_version.store(dict_version(tdict), Relaxed);
        slot.active.store(active.as_ptr() as usize, Relaxed);
        slot.active_version.store(dict_version(active.as_ptr()), Relaxed);
        slot.thread.store(t.as_ptr() as usize, Relaxed);
        slot.thread_type.store(tp as usize, Relaxed);
        slot.type_version.store(tp_version, Relaxed);
    }
}

/// `dict.get(name)` at one place in the code, remembered with the dict's version tag: while
/// the tag is unchanged the dict still maps `name` to the same value (borrowed from it), or
/// still lacks it. A tag is never reused by another dict. Only used while attached (the
/// GIL serializes it).
struct DictEntry {
    dict: AtomicUsize,
    /// The name's address (an interned name, kept alive by its `intern!` cell).
    name: AtomicUsize,
    version: AtomicU64,
    /// 0: `name` was missing.
    value: AtomicUsize,
}

impl DictEntry {
    const fn new() -> Self {
        DictEntry { dict: AtomicUsize::new(0), name: AtomicUsize::new(0), version: AtomicU64::new(0), value: AtomicUsize::new(0) }
    }

    /// `dict.get(name)` for an exact dict and an `intern!` name (alive for good, so its
    /// address stays its own; a str key's lookup runs no Python code).
    #[inline]
    fn get<'py>(&self, dict: &Bound<'py, PyDict>, name: &Bound<'py, PyString>) -> PyResult<Option<Bound<'py, PyAny>>> {
        // SAFETY: a live exact dict.
        unsafe { self.get_raw(dict.py(), dict.as_ptr(), name) }
    }

    /// # Safety
    /// Attached; `d` is a live exact dict.
    #[inline]
    unsafe fn get_raw<'py>(&self, py: Python<'py>, d: *mut ffi::PyObject, name: &Bound<'py, PyString>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let tags = version_tags_work(py);
        // A recorded value is borrowed from the dict while its tag is unchanged, and owned
        // by the Bound before anything else runs.
        if tags
            && d as usize == self.dict.load(Relaxed)
            && name.as_ptr() as usize == self.name.load(Relaxed)
            && dict_version(d) == self.version.load(Relaxed)
        {
            return Ok(Bound::from_borrowed_ptr_or_opt(py, self.value.load(Relaxed) as *mut ffi::PyObject));
        }
        let v = ffi::PyDict_GetItemWithError(d, name.as_ptr());
        if v.is_null() && !ffi::PyErr_Occurred().is_null() {
            return Err(PyErr::fetch(py));
        }
        if tags {
            self.dict.store(d as usize, Relaxed);
            self.name.store(name.as_ptr() as usize, Relaxed);
            self.version.store(dict_version(d), Relaxed);
            self.value.store(v as usize, Relaxed);
        }
        Ok(Bound::from_borrowed_ptr_or_opt(py, v))
    }

    /// `module.name` as [`state::module_attr`] reads it (the dict of an exact module first).
    #[inline]
    fn module_attr<'py>(&self, module: &Bound<'py, PyAny>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
        let dict = exact_module_dict(module);
        if !dict.is_null() {
            // SAFETY: a live exact dict (the module holds it).
            if let Some(value) = unsafe { self.get_raw(module.py(), dict, name)? } {
                return Ok(value);
            }
        }
        module.getattr(name)
    }
}

/// The `__dict__` of `module` when it is exactly a module and that an exact dict; NULL
/// otherwise. Borrowed: the module holds it.
#[inline]
fn exact_module_dict(module: &Bound<'_, PyAny>) -> *mut ffi::PyObject {
    if !module.is_exact_instance_of::<PyModule>() {
        return std::ptr::null_mut();
    }
    // SAFETY: attached; an exact module.
    unsafe {
        let dict = ffi::PyModule_GetDict(module.as_ptr());
        if dict.is_null() || ffi::PyDict_CheckExact(dict) == 0 {
            return std::ptr::null_mut();
        }
        dict
    }
}

/// `os.getpid() if hasattr(os, 'getpid') else None`, the pid cached until the next fork
/// while `os.getpid` is the original.
pub fn process_id(py: Python<'_>) -> PyResult<Option<Bound<'_, PyAny>>> {
    static GETPID: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    static PID: AttachedCell<Option<Py<PyAny>>> = AttachedCell::new(None);
    static STALE: AtomicBool = AtomicBool::new(true);
    static AT_FORK: std::sync::Once = std::sync::Once::new();
    // The `os` dict and its version tag when `os.getpid` was last found to be the
    // original, with PID current: while unchanged (and no fork since), PID is the answer.
    static VERIFIED_DICT: AtomicUsize = AtomicUsize::new(0);
    static VERIFIED_VERSION: AtomicU64 = AtomicU64::new(0);
    extern "C" fn forked_child() {
        STALE.store(true, Ordering::Relaxed);
    }
    let os = state::global(py, intern!(py, "os"))?;
    let os_dict = exact_module_dict(&os);
    // SAFETY: `os_dict` is a live exact dict; tags are recorded only while they work.
    if !os_dict.is_null()
        && os_dict as usize == VERIFIED_DICT.load(Relaxed)
        && unsafe { dict_version(os_dict) } == VERIFIED_VERSION.load(Relaxed)
        && !STALE.load(Relaxed)
    {
        if let Some(Some(pid)) = PID.try_with(py, |cached| cached.as_ref().map(|pid| pid.bind(py).clone())) {
            return Ok(Some(pid));
        }
    }
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
    // A cache in use (re-entered through `getpid`) is a miss: the pid is asked for again.
    let pid = PID.try_with(py, |cached| -> PyResult<Bound<'_, PyAny>> {
        if STALE.swap(false, Ordering::Relaxed) {
            *cached = None;
        }
        Ok(match cached.as_ref() {
            Some(pid) => pid.bind(py).clone(),
            None => {
                let pid = getpid.call0()?;
                *cached = Some(pid.clone().unbind());
                pid
            }
        })
    });
    if let Some(pid) = pid {
        let pid = pid?;
        // SAFETY: `os_dict` is a live exact dict (`getpid` read from it, not a fallback).
        unsafe {
            if !os_dict.is_null()
                && version_tags_work(py)
                && ffi::PyDict_GetItemWithError(os_dict, intern!(py, "getpid").as_ptr()) == getpid.as_ptr()
            {
                VERIFIED_DICT.store(os_dict as usize, Relaxed);
                VERIFIED_VERSION.store(dict_version(os_dict), Relaxed);
            }
            ffi::PyErr_Clear();
        }
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
    static MODULES: DictEntry = DictEntry::new();
    MODULES.module_attr(&state::global(py, intern!(py, "sys"))?, intern!(py, "modules"))
}

/// `sys.modules.get(name)`, remembered in `entry` (sys.modules rarely changes).
fn sys_module<'py>(entry: &DictEntry, modules: &Bound<'py, PyAny>, name: &Bound<'py, PyString>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match modules.cast_exact::<PyDict>() {
        Ok(modules) => entry.get(modules, name),
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
    static MULTIPROCESSING: DictEntry = DictEntry::new();
    let Some(mp) = sys_module(&MULTIPROCESSING, modules, intern!(py, "multiprocessing"))? else {
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
    static ASYNCIO: DictEntry = DictEntry::new();
    static C_ASYNCIO: DictEntry = DictEntry::new();
    let Some(asyncio) = sys_module(&ASYNCIO, modules, intern!(py, "asyncio"))? else {
        return Ok(none);
    };
    if !asyncio.is_truthy()? {
        return Ok(none);
    }
    if let Some(c_asyncio) = sys_module(&C_ASYNCIO, modules, intern!(py, "_asyncio"))? {
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
