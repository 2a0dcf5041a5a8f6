//! `PlaceHolder`, `Manager` and the module's `setLoggerClass`/`getLoggerClass`.

use pyo3::exceptions::{PyAssertionError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use pyo3::{ffi, intern, PyTraverseError, PyVisit};

use crate::logger::Logger;
use crate::state;

/// Whether acquiring the module's `_lock` now would succeed at once: it is a
/// `_thread.RLock` (of the verified layout) held by no thread or by this one. With the
/// interpreter attached and no Python code run until the work is done, nothing can tell
/// that work done then from the same work done holding the lock.
fn module_lock_is_free(py: Python<'_>) -> bool {
    let Ok(lock) = state::global(py, intern!(py, "_lock")) else { return false };
    crate::dispatch::lock_is_free(&lock)
}

/// Run `f` holding the module's `_lock` as the version does (`state::with_module_lock`):
/// read live, skipped when falsy on 3.9–3.12; a `_thread.RLock` is acquired and released
/// through its method descriptors directly (the same C methods `lock.acquire()` runs).
pub fn with_lock<R>(py: Python<'_>, f: impl FnOnce() -> PyResult<R>) -> PyResult<R> {
    let lock = state::global(py, intern!(py, "_lock"))?;
    if !crate::dispatch::is_exact_rlock(&lock) {
        return state::with_module_lock(py, f);
    }
    crate::dispatch::lock_call(&lock, intern!(py, "acquire"), true)?;
    let result = f();
    let released = crate::dispatch::lock_call(&lock, intern!(py, "release"), false);
    let value = result?;
    released?;
    Ok(value)
}

/// `_checkLevel(value)`, through the module's global (users may patch it).
pub fn check_level<'py>(_py: Python<'py>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    crate::levels::call_check_level(value)
}

/// `issubclass(klass, Logger)` with `issubclass`'s own errors.
fn is_logger_subclass(py: Python<'_>, klass: &Bound<'_, PyAny>) -> PyResult<bool> {
    let logger_type = py.get_type::<Logger>();
    // SAFETY: both pointers are valid for the call; -1 signals a Python error.
    let r = unsafe { ffi::PyObject_IsSubclass(klass.as_ptr(), logger_type.as_ptr()) };
    if r < 0 {
        return Err(PyErr::fetch(py));
    }
    Ok(r == 1)
}

/// The check shared by the module's and the manager's `setLoggerClass`.
fn check_logger_class(py: Python<'_>, klass: &Bound<'_, PyAny>) -> PyResult<()> {
    let logger_type = py.get_type::<Logger>();
    if klass.ne(&logger_type)? && !is_logger_subclass(py, klass)? {
        let name = klass.getattr(intern!(py, "__name__"))?;
        let msg = PyString::new(py, "logger not derived from logging.Logger: ").add(name)?;
        return Err(PyTypeError::new_err(msg.unbind()));
    }
    Ok(())
}

/// PlaceHolder instances are used in the Manager logger hierarchy to take
/// the place of nodes for which no loggers have been defined. This class is
/// intended for internal use only and not as part of the public API.
#[pyclass(module = "logging", name = "PlaceHolder", subclass, dict, weakref)]
pub struct PlaceHolder {
    #[pyo3(get, set, name = "loggerMap")]
    logger_map: Py<PyAny>,
}

#[pymethods]
impl PlaceHolder {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(alogger)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        PlaceHolder { logger_map: PyDict::new(py).into_any().unbind() }
    }

    /// Initialize with the specified logger being a child of this placeholder.
    fn __init__(slf: &Bound<'_, Self>, alogger: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let map = PyDict::new(py);
        map.set_item(alogger, py.None())?;
        slf.borrow_mut().logger_map = map.into_any().unbind();
        Ok(())
    }

    /// Add the specified logger as a child of this placeholder.
    fn append(slf: &Bound<'_, Self>, alogger: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let map = slf.getattr(intern!(py, "loggerMap"))?;
        if !map.contains(alogger)? {
            map.set_item(alogger, py.None())?;
        }
        Ok(())
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if !crate::gc::is_written(&self.logger_map) {
            return Ok(());
        }
        visit.call(&self.logger_map)
    }

    fn __clear__(&mut self) {
        Python::attach(|py| self.logger_map = py.None());
    }
}

/// There is [under normal circumstances] just one Manager instance, which
/// holds the hierarchy of loggers.
#[pyclass(module = "logging", name = "Manager", subclass, dict, weakref)]
pub struct Manager {
    #[pyo3(get, set)]
    root: Py<PyAny>,
    #[pyo3(get, set, name = "_disable")]
    disable_value: Py<PyAny>,
    #[pyo3(get, set, name = "emittedNoHandlerWarning")]
    emitted_no_handler_warning: Py<PyAny>,
    #[pyo3(get, set, name = "loggerDict")]
    logger_dict: Py<PyAny>,
    #[pyo3(get, set, name = "loggerClass")]
    logger_class: Py<PyAny>,
    #[pyo3(get, set, name = "logRecordFactory")]
    log_record_factory: Py<PyAny>,
}

/// The manager's attributes are used in place while no subclass or patch of the class
/// redefines one (`disable` is the stdlib's property over `_disable`).
static FIELDS: crate::dispatch::NativeFields<Manager> = crate::dispatch::NativeFields::new(&[
    "root",
    "disable",
    "_disable",
    "emittedNoHandlerWarning",
    "loggerDict",
    "loggerClass",
    "logRecordFactory",
]);

impl Manager {
    /// `manager.disable`: in place for a manager whose attributes are native.
    pub fn disable_of<'py>(manager: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        FIELDS.get(manager, intern!(manager.py(), "disable"), |m| &m.disable_value)
    }

    /// `manager.loggerDict`: in place for a manager whose attributes are native.
    fn logger_dict_of<'py>(manager: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        FIELDS.get(manager, intern!(manager.py(), "loggerDict"), |m| &m.logger_dict)
    }
}

#[pymethods]
impl Manager {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(rootnode)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Ok(Manager {
            root: py.None(),
            disable_value: 0i64.into_pyobject(py)?.into_any().unbind(),
            emitted_no_handler_warning: false.into_pyobject(py)?.to_owned().into_any().unbind(),
            logger_dict: PyDict::new(py).into_any().unbind(),
            logger_class: py.None(),
            log_record_factory: py.None(),
        })
    }

    /// Initialize the manager with the root node of the logger hierarchy.
    fn __init__(slf: &Bound<'_, Self>, rootnode: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        if FIELDS.of(slf.as_any()).is_none() {
            // Each assignment as the stdlib makes it, in its order (properties see them).
            slf.setattr(intern!(py, "root"), rootnode)?;
            slf.setattr(intern!(py, "disable"), 0)?;
            slf.setattr(intern!(py, "emittedNoHandlerWarning"), false)?;
            slf.setattr(intern!(py, "loggerDict"), PyDict::new(py))?;
            slf.setattr(intern!(py, "loggerClass"), py.None())?;
            return slf.setattr(intern!(py, "logRecordFactory"), py.None());
        }
        {
            let mut this = slf.borrow_mut();
            this.root = rootnode.clone().unbind();
        }
        slf.setattr(intern!(py, "disable"), 0)?;
        let mut this = slf.borrow_mut();
        this.emitted_no_handler_warning = false.into_pyobject(py)?.to_owned().into_any().unbind();
        this.logger_dict = PyDict::new(py).into_any().unbind();
        this.logger_class = py.None();
        this.log_record_factory = py.None();
        Ok(())
    }

    #[getter]
    fn get_disable(slf: &Bound<'_, Self>) -> Py<PyAny> {
        slf.borrow().disable_value.clone_ref(slf.py())
    }

    #[setter]
    fn set_disable(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let level = check_level(py, value)?.unbind();
        slf.borrow_mut().disable_value = level;
        Ok(())
    }

    /// Get a logger with the specified name (channel name), creating it
    /// if it doesn't yet exist. This name is a dot-separated hierarchical
    /// name, such as "a", "a.b", "a.b.c" or similar.
    ///
    /// If a PlaceHolder existed for the specified name [i.e. the logger
    /// didn't exist but a child of it did], replace it with the created
    /// logger and fix up the parent/child references which pointed to the
    /// placeholder to now point to the logger.
    #[pyo3(name = "getLogger")]
    fn get_logger<'py>(slf: &Bound<'py, Self>, name: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        manager_get_logger(slf.as_any(), name)
    }

    /// Set the class to be used when instantiating a logger with this Manager.
    #[pyo3(name = "setLoggerClass")]
    fn set_logger_class(slf: &Bound<'_, Self>, klass: &Bound<'_, PyAny>) -> PyResult<()> {
        check_logger_class(slf.py(), klass)?;
        slf.setattr(intern!(slf.py(), "loggerClass"), klass)
    }

    /// Set the factory to be used when instantiating a log record with this
    /// Manager.
    #[pyo3(name = "setLogRecordFactory")]
    fn set_log_record_factory(slf: &Bound<'_, Self>, factory: &Bound<'_, PyAny>) -> PyResult<()> {
        slf.setattr(intern!(slf.py(), "logRecordFactory"), factory)
    }

    /// Ensure that there are either loggers or placeholders all the way
    /// from the specified logger to the root of the logger hierarchy.
    #[pyo3(name = "_fixupParents")]
    fn fixup_parents(slf: &Bound<'_, Self>, alogger: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let name = alogger.getattr(intern!(py, "name"))?;
        // `self.loggerDict`, read at each use as the stdlib does.
        let logger_dict = || Manager::logger_dict_of(slf.as_any());
        let dot = PyString::new(py, ".");
        let mut i: isize = name.call_method1(intern!(py, "rfind"), (&dot,))?.extract()?;
        let mut rv: Option<Bound<'_, PyAny>> = None;
        // `while (i > 0) and not rv`: rv is None or a Logger (always true).
        while i > 0 && rv.is_none() {
            let substr = name.get_item(crate::py_slice::slice(py, Some(0), Some(i))?)?;
            if !logger_dict()?.contains(&substr)? {
                let ph = Bound::new(py, PlaceHolder { logger_map: PyDict::new(py).into_any().unbind() })?;
                PlaceHolder::__init__(&ph, alogger)?;
                logger_dict()?.set_item(&substr, ph)?;
            } else {
                let obj = logger_dict()?.get_item(&substr)?;
                if obj.is_instance_of::<Logger>() {
                    rv = Some(obj);
                } else {
                    if !obj.is_instance_of::<PlaceHolder>() {
                        return Err(PyAssertionError::new_err(()));
                    }
                    obj.call_method1(intern!(py, "append"), (alogger,))?;
                }
            }
            i = name.call_method1(intern!(py, "rfind"), (&dot, 0, i - 1))?.extract()?;
        }
        let parent = match rv {
            Some(r) if r.is_truthy()? => r,
            _ => slf.getattr(intern!(py, "root"))?,
        };
        alogger.setattr(intern!(py, "parent"), parent)
    }

    /// Ensure that children of the placeholder ph are connected to the
    /// specified logger.
    #[pyo3(name = "_fixupChildren")]
    fn fixup_children(slf: &Bound<'_, Self>, ph: &Bound<'_, PyAny>, alogger: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let name = alogger.getattr(intern!(py, "name"))?;
        let namelen = name.len()?;
        let keys = ph.getattr(intern!(py, "loggerMap"))?.call_method0(intern!(py, "keys"))?;
        for c in keys.try_iter()? {
            let c = c?;
            let cparent = c.getattr(intern!(py, "parent"))?;
            let prefix = cparent
                .getattr(intern!(py, "name"))?
                .get_item(crate::py_slice::slice(py, Some(0), Some(namelen as isize))?)?;
            if prefix.ne(&name)? {
                alogger.setattr(intern!(py, "parent"), &cparent)?;
                c.setattr(intern!(py, "parent"), alogger)?;
            }
        }
        Ok(())
    }

    /// Clear the cache for all loggers in loggerDict
    /// Called when level changes are made
    #[pyo3(name = "_clear_cache")]
    fn clear_cache(slf: &Bound<'_, Self>) -> PyResult<()> {
        clear_cache_of(slf.as_any())
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if !crate::gc::is_written(&self.root) {
            return Ok(());
        }
        visit.call(&self.root)?;
        visit.call(&self.disable_value)?;
        visit.call(&self.emitted_no_handler_warning)?;
        visit.call(&self.logger_dict)?;
        visit.call(&self.logger_class)?;
        visit.call(&self.log_record_factory)
    }

    fn __clear__(&mut self) {
        Python::attach(|py| {
            self.root = py.None();
            self.logger_dict = py.None();
            self.logger_class = py.None();
            self.log_record_factory = py.None();
        });
    }
}

/// The body of `Manager._clear_cache` for any manager object.
pub fn clear_cache_of(manager: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = manager.py();
    with_lock(py, || {
        let logger_dict = manager.getattr(intern!(py, "loggerDict"))?;
        let values = logger_dict.call_method0(intern!(py, "values"))?;
        for logger in values.try_iter()? {
            let logger = logger?;
            if logger.is_instance_of::<Logger>() {
                logger.getattr(intern!(py, "_cache"))?.call_method0(intern!(py, "clear"))?;
            }
        }
        manager
            .getattr(intern!(py, "root"))?
            .getattr(intern!(py, "_cache"))?
            .call_method0(intern!(py, "clear"))?;
        Ok(())
    })
}

static GET_LOGGER: crate::dispatch::NativeMethod<Manager> = crate::dispatch::NativeMethod::new("getLogger");

/// `manager.getLogger(name)` from native code: the native body when `manager` is a native
/// Manager whose `getLogger` is not overridden, else through Python.
pub fn dispatch_get_logger<'py>(manager: &Bound<'py, PyAny>, name: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if GET_LOGGER.is_native(manager) {
        return manager_get_logger(manager, name);
    }
    GET_LOGGER.call(manager, (name,))
}

/// `manager.getLogger(name)` for the common call, decided without running any Python code:
/// `Some(logger)` when `manager` is an exact Manager whose `getLogger` is its own, `lock` (the
/// module's `_lock`) could be acquired at once, `name` is an exact str and the exact dict
/// `loggerDict` maps it to something other than a PlaceHolder — exactly what the stdlib's
/// body returns then (its lock taken and released with nothing observable in between, see
/// [`module_lock_is_free`]). `None`: the caller takes the general path, which decides anew.
#[inline]
pub fn existing_logger<'py>(
    manager: &Bound<'py, PyAny>,
    name: &Bound<'py, PyAny>,
    lock: &Bound<'py, PyAny>,
) -> Option<Bound<'py, PyAny>> {
    let py = manager.py();
    let m = FIELDS.of(manager)?;
    if !GET_LOGGER.is_native(manager) || !name.is_exact_instance_of::<PyString>() || !crate::dispatch::lock_is_free(lock) {
        return None;
    }
    let logger_dict = m.try_borrow().ok()?.logger_dict.clone_ref(py).into_bound(py);
    let d = logger_dict.cast_exact::<PyDict>().ok()?;
    // SAFETY: attached; `d` is an exact dict and `name` an exact str; the hit is borrowed
    // and turned into an owned reference at once.
    let rv = unsafe {
        let v = ffi::PyDict_GetItemWithError(d.as_ptr(), name.as_ptr());
        if v.is_null() {
            // A miss, or a key comparison that raised: the general path decides (and raises).
            ffi::PyErr_Clear();
            return None;
        }
        Bound::from_borrowed_ptr(py, v)
    };
    // SAFETY: type pointers compared only.
    let exact_logger = unsafe { ffi::Py_TYPE(rv.as_ptr()) } == <Logger as pyo3::PyTypeInfo>::type_object_raw(py);
    if exact_logger || !rv.is_instance_of::<PlaceHolder>() {
        return Some(rv);
    }
    None
}

/// The body of `Manager.getLogger` for any manager object.
pub fn manager_get_logger<'py>(manager: &Bound<'py, PyAny>, name: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = manager.py();
    if !name.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("A logger name must be a string"));
    }
    // The common case, an existing logger in an exact dict: looked up without taking the
    // lock when taking it could not wait (see `module_lock_is_free`).
    if name.is_exact_instance_of::<PyString>() && module_lock_is_free(py) {
        if let Some(m) = FIELDS.of(manager) {
            let logger_dict = m.borrow().logger_dict.clone_ref(py).into_bound(py);
            if let Ok(d) = logger_dict.cast_exact::<PyDict>() {
                if let Some(rv) = d.get_item(name)? {
                    if !rv.is_instance_of::<PlaceHolder>() {
                        return Ok(rv);
                    }
                }
            }
        }
    }
    with_lock(py, || {
        let logger_dict = Manager::logger_dict_of(manager)?;
        // The common case: a native manager's exact dict holding the logger (`name in d`
        // then `d[name]`, which for an exact dict and a str key run no Python code).
        let native = FIELDS.of(manager).is_some();
        if let (Ok(d), true) = (logger_dict.cast_exact::<PyDict>(), native) {
            if name.is_exact_instance_of::<PyString>() {
                if let Some(rv) = d.get_item(name)? {
                    if !rv.is_instance_of::<PlaceHolder>() {
                        return Ok(rv);
                    }
                }
            }
        }
        let new_logger = || -> PyResult<Bound<'py, PyAny>> {
            let klass = manager.getattr(intern!(py, "loggerClass"))?;
            let klass = if klass.is_truthy()? { klass } else { state::global(py, intern!(py, "_loggerClass"))? };
            let rv = klass.call1((name,))?;
            crate::logger::assign_manager(&rv, manager)?;
            // `self.loggerDict[name] = rv`, `self.loggerDict` read anew each time as the
            // stdlib does (once is the same for a native manager).
            let logger_dict = if native { logger_dict.clone() } else { Manager::logger_dict_of(manager)? };
            logger_dict.set_item(name, &rv)?;
            Ok(rv)
        };
        if logger_dict.contains(name)? {
            let again = if native { logger_dict.clone() } else { Manager::logger_dict_of(manager)? };
            let rv = again.get_item(name)?;
            if rv.is_instance_of::<PlaceHolder>() {
                let ph = rv;
                let rv = new_logger()?;
                manager.call_method1(intern!(py, "_fixupChildren"), (&ph, &rv))?;
                manager.call_method1(intern!(py, "_fixupParents"), (&rv,))?;
                return Ok(rv);
            }
            Ok(rv)
        } else {
            let rv = new_logger()?;
            manager.call_method1(intern!(py, "_fixupParents"), (&rv,))?;
            Ok(rv)
        }
    })
}

/// Set the class to be used when instantiating a logger. The class should
/// define __init__() such that only a name argument is required, and the
/// __init__() should call Logger.__init__()
#[pyfunction]
#[pyo3(name = "setLoggerClass")]
pub fn set_logger_class(py: Python<'_>, klass: &Bound<'_, PyAny>) -> PyResult<()> {
    check_logger_class(py, klass)?;
    state::logging_module(py)?.setattr(intern!(py, "_loggerClass"), klass)
}

/// Return the class to be used when instantiating a logger.
#[pyfunction]
#[pyo3(name = "getLoggerClass")]
pub fn get_logger_class(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    state::global(py, intern!(py, "_loggerClass"))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PlaceHolder>()?;
    m.add_class::<Manager>()?;
    m.add_function(wrap_pyfunction!(set_logger_class, m)?)?;
    m.add_function(wrap_pyfunction!(get_logger_class, m)?)?;
    Ok(())
}
