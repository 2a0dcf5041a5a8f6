//! Module-level functions of `logging`: `basicConfig`, `getLogger`, the root-logger
//! shortcuts (`logging.info()` …), `disable`, `shutdown`, warnings capture, and the
//! module lock and fork hooks.

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use pyo3::intern;
use pyo3::IntoPyObjectExt;

use crate::dispatch;
use crate::handler::Arg;
use crate::state;

//---------------------------------------------------------------------------
//   Locks and fork
//---------------------------------------------------------------------------

/// Acquire the module-level lock for serializing access to shared data.
///
/// This should be released with _releaseLock().
#[pyfunction]
#[pyo3(name = "_acquireLock")]
fn acquire_lock(py: Python<'_>) -> PyResult<()> {
    let lock = state::global(py, intern!(py, "_lock"))?;
    if lock.is_truthy()? {
        lock.call_method0(intern!(py, "acquire"))?;
    }
    Ok(())
}

/// Release the module-level lock acquired by calling _acquireLock().
#[pyfunction]
#[pyo3(name = "_releaseLock")]
fn release_lock(py: Python<'_>) -> PyResult<()> {
    let lock = state::global(py, intern!(py, "_lock"))?;
    if lock.is_truthy()? {
        lock.call_method0(intern!(py, "release"))?;
    }
    Ok(())
}

/// Prepare to fork a new child process by acquiring the module-level lock.
///
/// This should be used in conjunction with _afterFork().
#[pyfunction]
#[pyo3(name = "_prepareFork")]
fn prepare_fork(py: Python<'_>) -> PyResult<()> {
    let lock = state::global(py, intern!(py, "_lock"))?;
    if state::minor(py) <= 12 && !lock.is_truthy()? {
        return Ok(());
    }
    lock.call_method0(intern!(py, "acquire"))?;
    Ok(())
}

/// After a new child process has been forked, release the module-level lock.
///
/// This should be used in conjunction with _prepareFork().
#[pyfunction]
#[pyo3(name = "_afterFork")]
fn after_fork(py: Python<'_>) -> PyResult<()> {
    let lock = state::global(py, intern!(py, "_lock"))?;
    if state::minor(py) <= 12 && !lock.is_truthy()? {
        return Ok(());
    }
    lock.call_method0(intern!(py, "release"))?;
    Ok(())
}

//---------------------------------------------------------------------------
//   Configuration
//---------------------------------------------------------------------------

fn pop<'py>(kwargs: &Bound<'py, PyDict>, key: &Bound<'py, PyString>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let value = kwargs.get_item(key)?;
    if value.is_some() {
        kwargs.del_item(key)?;
    }
    Ok(value)
}

fn pop_or<'py>(
    kwargs: &Bound<'py, PyDict>,
    key: &Bound<'py, PyString>,
    default: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(pop(kwargs, key)?.unwrap_or(default))
}

/// Do basic configuration for the logging system.
///
/// This function does nothing if the root logger already has handlers configured,
/// unless the keyword argument *force* is set to ``True``. It is a convenience method
/// intended for use by simple scripts to do one-shot configuration of the logging
/// package: it creates a StreamHandler (or a FileHandler for *filename*) with a
/// Formatter (*format*, *datefmt*, *style*) and adds it to the root logger, whose level is
/// set to *level*. Other keywords: *filemode*, *stream*, *handlers*, *encoding*, *errors*.
#[pyfunction]
#[pyo3(name = "basicConfig", signature = (**kwargs))]
fn basic_config(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    // The stdlib pops from its own **kwargs dict; work on a copy of ours.
    let kwargs = match kwargs {
        Some(k) => k.copy()?,
        None => PyDict::new(py),
    };
    state::with_module_lock(py, || basic_config_locked(py, &kwargs))
}

fn basic_config_locked(py: Python<'_>, kwargs: &Bound<'_, PyDict>) -> PyResult<()> {
    let none = py.None().into_bound(py);
    let minor = state::minor(py);
    let force = pop_or(kwargs, intern!(py, "force"), false.into_pyobject(py)?.to_owned().into_any())?;
    let mut encoding = pop_or(kwargs, intern!(py, "encoding"), none.clone())?;
    let mut errors = pop_or(
        kwargs,
        intern!(py, "errors"),
        PyString::new(py, "backslashreplace").into_any(),
    )?;
    let root = state::global(py, intern!(py, "root"))?;
    if force.is_truthy()? {
        let handlers = root.getattr(intern!(py, "handlers"))?;
        let snapshot = handlers.get_item(pyo3::types::PySlice::full(py))?;
        for h in snapshot.try_iter()? {
            let h = h?;
            dispatch::call_method(&root, intern!(py, "removeHandler"), (&h,))?;
            dispatch::call_method0(&h, intern!(py, "close"))?;
        }
    }
    if root.getattr(intern!(py, "handlers"))?.len()? != 0 {
        return Ok(());
    }
    let handlers = pop_or(kwargs, intern!(py, "handlers"), none.clone())?;
    let has_stream = kwargs.contains(intern!(py, "stream"))?;
    let has_filename = kwargs.contains(intern!(py, "filename"))?;
    if handlers.is_none() {
        if has_stream && has_filename {
            return Err(PyValueError::new_err(
                "'stream' and 'filename' should not be specified together",
            ));
        }
    } else if has_stream || has_filename {
        return Err(PyValueError::new_err(
            "'stream' or 'filename' should not be specified together with 'handlers'",
        ));
    }
    let handlers = if handlers.is_none() {
        let filename = pop_or(kwargs, intern!(py, "filename"), none.clone())?;
        let mode = pop_or(kwargs, intern!(py, "filemode"), PyString::new(py, "a").into_any())?;
        let h = if filename.is_truthy()? {
            if mode.contains("b")? {
                errors = none.clone();
            } else if minor >= 10 {
                encoding = state::global(py, intern!(py, "io"))?
                    .call_method1(intern!(py, "text_encoding"), (&encoding,))?;
            }
            let kw = PyDict::new(py);
            kw.set_item(intern!(py, "encoding"), &encoding)?;
            kw.set_item(intern!(py, "errors"), &errors)?;
            state::global(py, intern!(py, "FileHandler"))?.call((&filename, &mode), Some(&kw))?
        } else {
            let stream = pop_or(kwargs, intern!(py, "stream"), none.clone())?;
            state::global(py, intern!(py, "StreamHandler"))?.call1((stream,))?
        };
        PyList::new(py, [h])?.into_any()
    } else {
        handlers
    };
    let dfs = pop_or(kwargs, intern!(py, "datefmt"), none.clone())?;
    let style = pop_or(kwargs, intern!(py, "style"), PyString::new(py, "%").into_any())?;
    let styles = state::global(py, intern!(py, "_STYLES"))?;
    if !styles.contains(&style)? {
        let keys = PyString::new(py, ",").call_method1(intern!(py, "join"), (styles.call_method0(intern!(py, "keys"))?,))?;
        let message = PyString::new(py, "Style must be one of: %s").rem(keys)?;
        return Err(PyValueError::new_err(message.unbind()));
    }
    let default_format = styles.get_item(&style)?.get_item(1)?;
    let fs = pop_or(kwargs, intern!(py, "format"), default_format)?;
    let fmt = state::global(py, intern!(py, "Formatter"))?.call1((fs, dfs, style))?;
    for h in handlers.try_iter()? {
        let h = h?;
        if h.getattr(intern!(py, "formatter"))?.is_none() {
            dispatch::call_method(&h, intern!(py, "setFormatter"), (&fmt,))?;
        }
        dispatch::call_method(&root, intern!(py, "addHandler"), (&h,))?;
    }
    let level = pop_or(kwargs, intern!(py, "level"), none.clone())?;
    if !level.is_none() {
        dispatch::call_method(&root, intern!(py, "setLevel"), (&level,))?;
    }
    if !kwargs.is_empty() {
        let keys = PyString::new(py, ", ").call_method1(intern!(py, "join"), (kwargs.keys(),))?;
        let message = PyString::new(py, "Unrecognised argument(s): %s").rem(keys)?;
        return Err(PyValueError::new_err(message.unbind()));
    }
    Ok(())
}

/// A Python object for a constant default argument (`exc_info=True`, `level=CRITICAL`).
pub fn default_object<T>(value: T) -> Py<PyAny>
where
    T: for<'py> IntoPyObject<'py>,
{
    Python::attach(|py| value.into_py_any(py).unwrap_or_else(|_| py.None()))
}

//---------------------------------------------------------------------------
//   Utility functions at module level: delegate to the root logger
//---------------------------------------------------------------------------

/// Return a logger with the specified name, creating it if necessary.
///
/// If no name is specified, return the root logger.
#[pyfunction]
#[pyo3(name = "getLogger", signature = (name = None))]
fn get_logger<'py>(py: Python<'py>, name: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
    let root = crate::state::global(py, intern!(py, "root"))?;
    let name = match name {
        Some(n) if n.is_truthy()? => n,
        _ => return Ok(root),
    };
    if name.is_instance_of::<PyString>() && str_eq(name, &crate::logger::name_of(&root)?)? {
        return Ok(root);
    }
    let logger_class = crate::state::global(py, intern!(py, "Logger"))?;
    let manager = class_attribute(&logger_class, intern!(py, "manager"))?;
    crate::manager::dispatch_get_logger(&manager, name)
}

/// `root`, `Logger` and `_lock` of the module as they are now (`state::global`, served while
/// the module dict is unchanged). `None` when one is missing: the caller's general path
/// reads them again and raises what Python would.
#[inline]
fn get_logger_globals(py: Python<'_>) -> Option<(Bound<'_, PyAny>, Bound<'_, PyAny>, Bound<'_, PyAny>)> {
    Some((
        state::global(py, intern!(py, "root")).ok()?,
        state::global(py, intern!(py, "Logger")).ok()?,
        state::global(py, intern!(py, "_lock")).ok()?,
    ))
}

/// `getLogger(name)` for the common call, an existing logger's name, decided without
/// running Python code: the stdlib's `getLogger` and `Manager.getLogger` return exactly this
/// logger then (see [`crate::manager::existing_logger`]). `None`: take the general path.
#[inline]
fn existing_logger<'py>(py: Python<'py>, name: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    // `not name`: an exact str is false when empty.
    if !name.is_exact_instance_of::<PyString>() {
        return None;
    }
    // SAFETY: `name` is an exact str.
    if unsafe { pyo3::ffi::PyUnicode_GetLength(name.as_ptr()) } <= 0 {
        return None;
    }
    let (root, logger_class, lock) = get_logger_globals(py)?;
    // `name == root.name`: a native root's own name, an exact str, compared in C.
    // SAFETY: type pointers compared only.
    let root_type = unsafe { pyo3::ffi::Py_TYPE(root.as_ptr()) };
    if root_type != <crate::logger::RootLogger as pyo3::PyTypeInfo>::type_object_raw(py)
        && root_type != <crate::logger::Logger as pyo3::PyTypeInfo>::type_object_raw(py)
    {
        return None;
    }
    // An exact native logger: its `name` field, read without running Python code.
    let root_name = crate::logger::name_of(&root).ok()?;
    if !root_name.is_exact_instance_of::<PyString>() {
        return None;
    }
    if exact_str_eq(name, &root_name) {
        return Some(root);
    }
    let manager = class_attribute_plain(&logger_class, intern!(py, "manager"))?;
    crate::manager::existing_logger(&manager, name, &lock)
}

/// `a == b` for two exact str objects (no Python code runs).
#[inline]
fn exact_str_eq(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> bool {
    use pyo3::ffi;
    // SAFETY: attached; both are exact str objects.
    unsafe {
        a.is(b)
            || (ffi::PyUnicode_GetLength(a.as_ptr()) == ffi::PyUnicode_GetLength(b.as_ptr())
                && ffi::PyUnicode_Compare(a.as_ptr(), b.as_ptr()) == 0)
    }
}

/// `cls.<name>` when it is certainly a plain class attribute found along the MRO of a class
/// whose metaclass is `type`; `None` for anything else.
#[inline]
fn class_attribute_plain<'py>(cls: &Bound<'py, PyAny>, name: &Bound<'py, PyString>) -> Option<Bound<'py, PyAny>> {
    use crate::dispatch::_PyType_Lookup;
    use pyo3::ffi;
    // SAFETY: attached; `cls` is checked to be a class of metaclass `type`; the lookup
    // returns a borrowed reference or NULL without running code or setting an exception.
    unsafe {
        if ffi::Py_TYPE(cls.as_ptr()) == std::ptr::addr_of_mut!(ffi::PyType_Type) {
            let found = _PyType_Lookup(cls.as_ptr() as *mut ffi::PyTypeObject, name.as_ptr());
            if !found.is_null() && (*ffi::Py_TYPE(found)).tp_descr_get.is_none() {
                return Some(Bound::from_borrowed_ptr(cls.py(), found));
            }
        }
    }
    None
}

/// `cls.<name>`: for a class whose metaclass is `type`, the plain (non-descriptor) object
/// found along its MRO is what the attribute lookup returns; anything else goes through it.
fn class_attribute<'py>(cls: &Bound<'py, PyAny>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    match class_attribute_plain(cls, name) {
        Some(found) => Ok(found),
        None => cls.getattr(name),
    }
}

/// `a == b` for a str `a`: compared in C when both are exact str (no Python code runs).
fn str_eq(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<bool> {
    if a.is_exact_instance_of::<PyString>() && b.is_exact_instance_of::<PyString>() {
        // SAFETY: attached; two exact str objects compare without error.
        return Ok(a.is(b) || unsafe { pyo3::ffi::PyUnicode_Compare(a.as_ptr(), b.as_ptr()) } == 0);
    }
    a.eq(b)
}

/// The generated `getLogger`, serving the calls the fast entry point passes on.
static GET_LOGGER_GENERATED: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();

/// `getLogger` (METH_FASTCALL): `getLogger(name)` runs the body without argument parsing;
/// other calls (none, keywords, too many) go to the generated function.
///
/// # Safety
/// Called by CPython with the interpreter attached and `args` holding `nargs` positional
/// arguments followed by one value per name in `kwnames`.
unsafe extern "C" fn fast_get_logger(
    _module: *mut pyo3::ffi::PyObject,
    args: *const *mut pyo3::ffi::PyObject,
    nargs: pyo3::ffi::Py_ssize_t,
    kwnames: *mut pyo3::ffi::PyObject,
) -> *mut pyo3::ffi::PyObject {
    use pyo3::ffi;
    crate::dispatch::c_method_result("getLogger", || -> PyResult<*mut ffi::PyObject> {
        let py = Python::assume_attached();
        if nargs == 1 && kwnames.is_null() {
            let name = Bound::from_borrowed_ptr(py, *args);
            if let Some(rv) = existing_logger(py, &name) {
                return Ok(rv.into_ptr());
            }
            return get_logger(py, Some(&name)).map(Bound::into_ptr);
        }
        let generated = GET_LOGGER_GENERATED
            .get(py)
            .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("logixde: getLogger is not initialised"))?;
        let r = ffi::PyObject_Vectorcall(generated.as_ptr(), args, nargs as usize, kwnames);
        Bound::from_owned_ptr_or_err(py, r).map(Bound::into_ptr)
    })
}

/// Replace the generated `getLogger` of `m` by [`fast_get_logger`].
fn install_fast_get_logger(m: &Bound<'_, PyModule>) -> PyResult<()> {
    install_fast_function(m, c"getLogger", fast_get_logger, &GET_LOGGER_GENERATED)
}

/// Replace the generated function `name` of `m` by the METH_FASTCALL `entry`, with the same
/// name, signature, doc and module; the generated one is kept in `generated`.
fn install_fast_function(
    m: &Bound<'_, PyModule>,
    name: &'static std::ffi::CStr,
    entry: pyo3::ffi::PyCFunctionFastWithKeywords,
    generated: &pyo3::sync::PyOnceLock<Py<PyAny>>,
) -> PyResult<()> {
    use pyo3::ffi;
    let py = m.py();
    let text_name = name.to_str().map_err(|e| PyValueError::new_err(e.to_string()))?;
    let function = m.getattr(text_name)?;
    let sig: Option<String> = function.getattr("__text_signature__")?.extract()?;
    let doc: Option<String> = function.getattr("__doc__")?.extract()?;
    let mut text = String::new();
    if let Some(sig) = sig {
        text.push_str(&format!("{text_name}{sig}\n--\n\n"));
    }
    text.push_str(doc.as_deref().unwrap_or(""));
    let c_doc = std::ffi::CString::new(text).map_err(|e| PyValueError::new_err(e.to_string()))?;
    // The method definition must outlive the function: leaked once per process.
    let def: &'static mut ffi::PyMethodDef = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: ffi::PyMethodDefPointer { PyCFunctionFastWithKeywords: entry },
        ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: c_doc.into_raw(),
    }));
    let module_name = function.getattr("__module__")?;
    // SAFETY: attached; `def` is 'static; a new reference or NULL with an exception set.
    let func = unsafe {
        Bound::from_owned_ptr_or_err(py, ffi::PyCFunction_NewEx(def, m.as_ptr(), module_name.as_ptr()))?
    };
    let _ = generated.set(py, function.unbind());
    m.setattr(text_name, func)
}

/// The generated `debug` … `critical` functions, serving the calls the fast ones pass on.
static LEVEL_GENERATED: [pyo3::sync::PyOnceLock<Py<PyAny>>; 5] = [const { pyo3::sync::PyOnceLock::new() }; 5];
const LEVEL_FUNCTIONS: [&std::ffi::CStr; 5] = [c"debug", c"info", c"warning", c"error", c"critical"];

/// `logging.debug` … `logging.critical` (METH_FASTCALL): `if len(root.handlers) == 0:
/// basicConfig()`, then `root.<method>(msg, *args, **kwargs)`, run natively when `root`'s
/// method is `Logger`'s own. A call the signature `(msg, *args, **kwargs)` does not bind
/// plainly (no `msg`, or `msg=` given) goes to the generated function, whose argument
/// errors come before anything runs, as the stdlib's do.
///
/// # Safety
/// Called by CPython with the interpreter attached and `args` holding `nargs` positional
/// arguments followed by one value per name in `kwnames`.
unsafe fn fast_root_level(
    args: *const *mut pyo3::ffi::PyObject,
    nargs: pyo3::ffi::Py_ssize_t,
    kwnames: *mut pyo3::ffi::PyObject,
    which: usize,
) -> *mut pyo3::ffi::PyObject {
    use pyo3::ffi;
    crate::dispatch::c_method_result("a logging function", || -> PyResult<*mut ffi::PyObject> {
        let py = Python::assume_attached();
        let names = Bound::from_borrowed_ptr_or_opt(py, kwnames);
        let binds_plainly = nargs >= 1
            && match &names {
                None => true,
                Some(names) => !names.contains(intern!(py, "msg"))?,
            };
        if !binds_plainly {
            let generated = LEVEL_GENERATED[which]
                .get(py)
                .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("logixde: logging is not initialised"))?;
            let r = ffi::PyObject_Vectorcall(generated.as_ptr(), args, nargs as usize, kwnames);
            return Bound::from_owned_ptr_or_err(py, r).map(Bound::into_ptr);
        }
        let root = state::global(py, intern!(py, "root"))?;
        configure_root_if_bare(py, &root)?;
        if let Some(done) = crate::logger::module_level_call(&root, which, args, nargs, kwnames) {
            done?;
            return Ok(py.None().into_ptr());
        }
        let positional = std::slice::from_raw_parts(args, nargs as usize);
        let positional = PyTuple::new(py, positional.iter().map(|p| Bound::from_borrowed_ptr(py, *p)))?;
        let kwargs = match &names {
            None => None,
            Some(names) => {
                let kwargs = PyDict::new(py);
                for (i, name) in names.try_iter()?.enumerate() {
                    kwargs.set_item(name?, Bound::from_borrowed_ptr(py, *args.add(nargs as usize + i)))?;
                }
                Some(kwargs)
            }
        };
        let method = PyString::intern(py, LEVEL_FUNCTIONS[which].to_str().unwrap_or_default());
        crate::logger::call_with_frames(&root, &method, &positional, kwargs.as_ref(), 1)?;
        Ok(py.None().into_ptr())
    })
}

macro_rules! fast_root_entry {
    ($name:ident, $which:expr) => {
        unsafe extern "C" fn $name(
            _module: *mut pyo3::ffi::PyObject,
            args: *const *mut pyo3::ffi::PyObject,
            nargs: pyo3::ffi::Py_ssize_t,
            kwnames: *mut pyo3::ffi::PyObject,
        ) -> *mut pyo3::ffi::PyObject {
            fast_root_level(args, nargs, kwnames, $which)
        }
    };
}
fast_root_entry!(fast_root_debug, 0);
fast_root_entry!(fast_root_info, 1);
fast_root_entry!(fast_root_warning, 2);
fast_root_entry!(fast_root_error, 3);
fast_root_entry!(fast_root_critical, 4);

/// Replace the generated `debug` … `critical` of `m` by [`fast_root_level`]'s entries.
fn install_fast_root_levels(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let entries: [pyo3::ffi::PyCFunctionFastWithKeywords; 5] =
        [fast_root_debug, fast_root_info, fast_root_warning, fast_root_error, fast_root_critical];
    for (i, (name, entry)) in LEVEL_FUNCTIONS.iter().zip(entries).enumerate() {
        debug_assert_eq!(name.to_str().ok().and_then(crate::logger::level_method_index), Some(i));
        install_fast_function(m, name, entry, &LEVEL_GENERATED[i])?;
    }
    Ok(())
}

/// `if len(root.handlers) == 0: basicConfig()` (through the module, as the suite patches
/// `logging.basicConfig`).
fn configure_root_if_bare(py: Python<'_>, root: &Bound<'_, PyAny>) -> PyResult<()> {
    static HANDLERS: dispatch::Attr = dispatch::Attr::new("handlers");
    if HANDLERS.get(root)?.len()? == 0 {
        state::global(py, intern!(py, "basicConfig"))?.call0()?;
    }
    Ok(())
}

/// `if len(root.handlers) == 0: basicConfig()` then `root.<method>(*args, **kwargs)`, with
/// `frames` stdlib frames (the module function and any it delegates through) accounted for.
fn log_on_root<'py>(
    py: Python<'py>,
    method: &Bound<'py, PyString>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    frames: usize,
) -> PyResult<()> {
    let root = state::global(py, intern!(py, "root"))?;
    configure_root_if_bare(py, &root)?;
    crate::logger::call_with_frames(&root, method, args, kwargs, frames)?;
    Ok(())
}

/// Log a message with severity 'CRITICAL' on the root logger. If the logger has no
/// handlers, call basicConfig() to add a console handler with a pre-defined format.
#[pyfunction]
#[pyo3(signature = (msg, *args, **kwargs))]
fn critical(msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let py = msg.py();
    log_on_root(py, intern!(py, "critical"), &dispatch::prepend_args(&[msg], args)?, kwargs, 1)
}

/// Don't use this function, use critical() instead.
#[pyfunction]
#[pyo3(signature = (msg, *args, **kwargs))]
fn fatal(msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let py = msg.py();
    // 3.9's `fatal = critical` is one frame; later versions call critical().
    let frames = if state::minor(py) <= 9 { 1 } else { 2 };
    log_on_root(py, intern!(py, "critical"), &dispatch::prepend_args(&[msg], args)?, kwargs, frames)
}

/// Log a message with severity 'ERROR' on the root logger. If the logger has no handlers,
/// call basicConfig() to add a console handler with a pre-defined format.
#[pyfunction]
#[pyo3(signature = (msg, *args, **kwargs))]
fn error(msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let py = msg.py();
    log_on_root(py, intern!(py, "error"), &dispatch::prepend_args(&[msg], args)?, kwargs, 1)
}

/// Log a message with severity 'ERROR' on the root logger, with exception information.
/// If the logger has no handlers, basicConfig() is called to add a console handler with a
/// pre-defined format.
#[pyfunction]
#[pyo3(signature = (msg, *args, exc_info = default_object(true), **kwargs), text_signature = "(msg, *args, exc_info=True, **kwargs)")]
fn exception(
    msg: &Bound<'_, PyAny>,
    args: &Bound<'_, PyTuple>,
    exc_info: Py<PyAny>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    let py = msg.py();
    let kwargs = match kwargs {
        Some(k) => k.copy()?,
        None => PyDict::new(py),
    };
    kwargs.set_item(intern!(py, "exc_info"), exc_info)?;
    log_on_root(py, intern!(py, "error"), &dispatch::prepend_args(&[msg], args)?, Some(&kwargs), 2)
}

/// Log a message with severity 'WARNING' on the root logger. If the logger has no
/// handlers, call basicConfig() to add a console handler with a pre-defined format.
#[pyfunction]
#[pyo3(signature = (msg, *args, **kwargs))]
fn warning(msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let py = msg.py();
    log_on_root(py, intern!(py, "warning"), &dispatch::prepend_args(&[msg], args)?, kwargs, 1)
}

#[pyfunction]
#[pyo3(signature = (msg, *args, **kwargs))]
fn warn(msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let py = msg.py();
    let warnings = state::global(py, intern!(py, "warnings"))?;
    let category = py.get_type::<pyo3::exceptions::PyDeprecationWarning>();
    // stacklevel 1: this function has no Python frame, so the caller's is the innermost (the
    // stdlib's 2 counts from its own `warn`).
    warnings.call_method1(
        intern!(py, "warn"),
        ("The 'warn' function is deprecated, use 'warning' instead", category, 1),
    )?;
    log_on_root(py, intern!(py, "warning"), &dispatch::prepend_args(&[msg], args)?, kwargs, 2)
}

/// Log a message with severity 'INFO' on the root logger. If the logger has no handlers,
/// call basicConfig() to add a console handler with a pre-defined format.
#[pyfunction]
#[pyo3(signature = (msg, *args, **kwargs))]
fn info(msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let py = msg.py();
    log_on_root(py, intern!(py, "info"), &dispatch::prepend_args(&[msg], args)?, kwargs, 1)
}

/// Log a message with severity 'DEBUG' on the root logger. If the logger has no handlers,
/// call basicConfig() to add a console handler with a pre-defined format.
#[pyfunction]
#[pyo3(signature = (msg, *args, **kwargs))]
fn debug(msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let py = msg.py();
    log_on_root(py, intern!(py, "debug"), &dispatch::prepend_args(&[msg], args)?, kwargs, 1)
}

/// Log 'msg % args' with the integer severity 'level' on the root logger. If the logger
/// has no handlers, call basicConfig() to add a console handler with a pre-defined format.
#[pyfunction]
#[pyo3(signature = (level, msg, *args, **kwargs))]
fn log(
    level: &Bound<'_, PyAny>,
    msg: &Bound<'_, PyAny>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    let py = msg.py();
    log_on_root(py, intern!(py, "log"), &dispatch::prepend_args(&[level, msg], args)?, kwargs, 1)
}

/// Disable all logging calls of severity 'level' and below.
#[pyfunction]
#[pyo3(signature = (level = default_object(50)), text_signature = "(level=50)")]
fn disable(py: Python<'_>, level: Py<PyAny>) -> PyResult<()> {
    let root = state::global(py, intern!(py, "root"))?;
    let manager = crate::logger::manager_of(&root)?;
    manager.setattr(intern!(py, "disable"), level)?;
    dispatch::call_method0(&manager, intern!(py, "_clear_cache"))?;
    Ok(())
}

/// Perform any cleanup actions in the logging system (e.g. flushing buffers).
///
/// Should be called at application exit.
#[pyfunction]
#[pyo3(signature = (handlerList = Arg::Default), text_signature = "(handlerList=_handlerList)")]
#[allow(non_snake_case)]
fn shutdown(py: Python<'_>, handlerList: Arg<'_>) -> PyResult<()> {
    let handler_list = handlerList.or_else(|| state::global(py, intern!(py, "_handlerList")))?;
    let snapshot: Vec<Bound<'_, PyAny>> = handler_list
        .get_item(pyo3::types::PySlice::full(py))?
        .try_iter()?
        .collect::<PyResult<_>>()?;
    for wr in snapshot.iter().rev() {
        // Errors might occur, for example if files are locked: ignored unless
        // raiseExceptions, as we're shutting down.
        if let Err(err) = shutdown_one(py, wr) {
            if state::global_is_true(py, intern!(py, "raiseExceptions"))? {
                return Err(err);
            }
        }
    }
    Ok(())
}

fn shutdown_one(py: Python<'_>, wr: &Bound<'_, PyAny>) -> PyResult<()> {
    let h = wr.call0()?;
    if !h.is_truthy()? {
        return Ok(());
    }
    let body = || -> PyResult<()> {
        dispatch::call_method0(&h, intern!(py, "acquire"))?;
        // MemoryHandlers might not want to be flushed on close (3.10+).
        let flush = state::minor(py) <= 9 || match h.getattr(intern!(py, "flushOnClose")) {
            Ok(v) => v.is_truthy()?,
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(py) => true,
            Err(e) => return Err(e),
        };
        if flush {
            dispatch::call_method0(&h, intern!(py, "flush"))?;
        }
        dispatch::call_method0(&h, intern!(py, "close"))?;
        Ok(())
    };
    let result = match body() {
        // Handlers closed but still referenced at exit.
        Err(e) if e.is_instance_of::<PyOSError>(py) || e.is_instance_of::<PyValueError>(py) => Ok(()),
        other => other,
    };
    let released = dispatch::call_method0(&h, intern!(py, "release")).map(|_| ());
    result.and(released)
}

//---------------------------------------------------------------------------
//   Warnings integration
//---------------------------------------------------------------------------

/// Implementation of showwarnings which redirects to logging, which will first check to
/// see if the file parameter is None. If a file is specified, it will delegate to the
/// original warnings implementation of showwarning. Otherwise, it will call
/// warnings.formatwarning and will log the resulting string to a warnings logger named
/// "py.warnings" with level logging.WARNING.
#[pyfunction]
#[pyo3(name = "_showwarning", signature = (message, category, filename, lineno, file = None, line = None))]
fn show_warning(
    py: Python<'_>,
    message: &Bound<'_, PyAny>,
    category: &Bound<'_, PyAny>,
    filename: &Bound<'_, PyAny>,
    lineno: &Bound<'_, PyAny>,
    file: Option<&Bound<'_, PyAny>>,
    line: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let none = py.None().into_bound(py);
    let line = line.unwrap_or(&none);
    if let Some(file) = file.filter(|f| !f.is_none()) {
        let original = state::global(py, intern!(py, "_warnings_showwarning"))?;
        if !original.is_none() {
            original.call1((message, category, filename, lineno, file, line))?;
        }
        return Ok(());
    }
    let warnings = state::global(py, intern!(py, "warnings"))?;
    let s = warnings.call_method1(intern!(py, "formatwarning"), (message, category, filename, lineno, line))?;
    let logger = state::global(py, intern!(py, "getLogger"))?.call1(("py.warnings",))?;
    if !logger.getattr(intern!(py, "handlers"))?.is_truthy()? {
        let null = state::global(py, intern!(py, "NullHandler"))?.call0()?;
        dispatch::call_method(&logger, intern!(py, "addHandler"), (null,))?;
    }
    if state::minor(py) <= 10 {
        dispatch::call_method(&logger, intern!(py, "warning"), ("%s", s))?;
    } else {
        // bpo-46557: log str(s) as msg, as some aggregation tools group by msg.
        dispatch::call_method(&logger, intern!(py, "warning"), (s.str()?,))?;
    }
    Ok(())
}

/// If capture is true, redirect all warnings to the logging package. If capture is False,
/// ensure that warnings are not redirected to logging but to their original destinations.
#[pyfunction]
#[pyo3(name = "captureWarnings", signature = (capture))]
fn capture_warnings(py: Python<'_>, capture: &Bound<'_, PyAny>) -> PyResult<()> {
    let module = state::logging_module(py)?;
    let warnings = state::global(py, intern!(py, "warnings"))?;
    let original = state::global(py, intern!(py, "_warnings_showwarning"))?;
    if capture.is_truthy()? {
        if original.is_none() {
            module.setattr(intern!(py, "_warnings_showwarning"), warnings.getattr(intern!(py, "showwarning"))?)?;
            warnings.setattr(intern!(py, "showwarning"), state::global(py, intern!(py, "_showwarning"))?)?;
        }
    } else if !original.is_none() {
        warnings.setattr(intern!(py, "showwarning"), &original)?;
        module.setattr(intern!(py, "_warnings_showwarning"), py.None())?;
    }
    Ok(())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(acquire_lock, m)?)?;
    m.add_function(wrap_pyfunction!(release_lock, m)?)?;
    m.add_function(wrap_pyfunction!(prepare_fork, m)?)?;
    m.add_function(wrap_pyfunction!(after_fork, m)?)?;
    m.add_function(wrap_pyfunction!(basic_config, m)?)?;
    m.add_function(wrap_pyfunction!(get_logger, m)?)?;
    install_fast_get_logger(m)?;
    m.add_function(wrap_pyfunction!(critical, m)?)?;
    m.add_function(wrap_pyfunction!(fatal, m)?)?;
    m.add_function(wrap_pyfunction!(error, m)?)?;
    m.add_function(wrap_pyfunction!(exception, m)?)?;
    m.add_function(wrap_pyfunction!(warning, m)?)?;
    m.add_function(wrap_pyfunction!(warn, m)?)?;
    m.add_function(wrap_pyfunction!(info, m)?)?;
    m.add_function(wrap_pyfunction!(debug, m)?)?;
    install_fast_root_levels(m)?;
    m.add_function(wrap_pyfunction!(log, m)?)?;
    m.add_function(wrap_pyfunction!(disable, m)?)?;
    m.add_function(wrap_pyfunction!(shutdown, m)?)?;
    m.add_function(wrap_pyfunction!(show_warning, m)?)?;
    m.add_function(wrap_pyfunction!(capture_warnings, m)?)?;
    Ok(())
}
