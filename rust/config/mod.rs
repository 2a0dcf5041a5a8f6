//! `logging.config`: `fileConfig`, `dictConfig` and the configurators, the converting
//! containers, and the socket listener, following the running interpreter's
//! `logging/config.py` (3.9–3.13).
//!
//! The native functions and classes live in a module object named `logging.config`
//! (`_core._config`) so that their `__module__` is the stdlib's; the facade
//! `logging/config.py` re-exports them and holds the module globals users assign
//! (`dictConfigClass`, `_listener`), which the native code reads live through the facade
//! module bound with `_config._bind_module`.
//!
//! Where the stdlib's behaviour is defined by Python library semantics (configparser, `re`
//! patterns users may replace on subclasses, `__import__`, `eval`), the native code drives
//! those Python objects; the logic — the configure walk, conversions, ordering, errors —
//! is here.

use pyo3::exceptions::{PyException, PyKeyError, PyRuntimeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::dispatch;
use crate::state;

pub mod converting;
pub mod dict_config;
pub mod file_config;
pub mod listen;

static CONFIG_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
static IDENTIFIER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The facade module `logging.config` (its globals: `dictConfigClass`, `_listener`).
pub(crate) fn config_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    CONFIG_MODULE
        .get(py)
        .map(|m| m.bind(py))
        .ok_or_else(|| PyRuntimeError::new_err("logixde: logging.config is not initialised"))
}

/// Called once by the facade: `_config._bind_module(sys.modules[__name__])`.
#[pyfunction]
#[pyo3(name = "_bind_module")]
fn bind_module(module: &Bound<'_, PyModule>) {
    // A re-import (importlib.reload) keeps the first binding, as the native globals do.
    let _ = CONFIG_MODULE.set(module.py(), module.clone().unbind());
}

//---------------------------------------------------------------------------
//   Shared helpers: the logging modules, Python semantics, exception chaining
//---------------------------------------------------------------------------

/// The `logging` module as the stdlib's `config.py` sees it (its global `logging`).
pub(crate) fn logging(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    Ok(state::logging_module(py)?.clone().into_any())
}

/// `logging.handlers`, read through the `logging` package as the stdlib does.
pub(crate) fn logging_handlers(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    logging(py)?.getattr(intern!(py, "handlers"))
}

/// `getattr(logging, name)`, read live.
pub(crate) fn lg<'py>(py: Python<'py>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    logging(py)?.getattr(name)
}

/// A builtin (`__import__`, `eval`, `sorted`, `map`, …), looked up live in `builtins`.
pub(crate) fn builtin<'py>(py: Python<'py>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    py.import(intern!(py, "builtins"))?.getattr(name)
}

/// `issubclass(a, b)`, with the builtin's errors.
pub(crate) fn issubclass(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<bool> {
    // SAFETY: both pointers are valid, owned references for the duration of the call.
    let r = unsafe { pyo3::ffi::PyObject_IsSubclass(a.as_ptr(), b.as_ptr()) };
    if r < 0 {
        Err(PyErr::fetch(a.py()))
    } else {
        Ok(r == 1)
    }
}

/// `fmt % arg`, with Python's own `%` (so a tuple argument behaves as in the stdlib).
pub(crate) fn pct(py: Python<'_>, fmt: &str, arg: &Bound<'_, PyAny>) -> PyResult<String> {
    PyString::new(py, fmt).as_any().rem(arg)?.extract()
}

/// True when `err` is an `Exception` (what `except Exception` catches).
pub(crate) fn is_exception(py: Python<'_>, err: &PyErr) -> bool {
    err.is_instance_of::<PyException>(py)
}

/// `raise new from cause` inside `except ... as cause:` — both `__cause__` and
/// `__context__` are `cause`.
pub(crate) fn raise_from(py: Python<'_>, new: PyErr, cause: PyErr) -> PyErr {
    new.set_context(py, Some(cause.clone_ref(py)));
    new.set_cause(py, Some(cause));
    new
}

/// `raise new` inside `except ... as context:` — implicit chaining only, as the
/// interpreter does it: an error that already has a context (raised by Python code while
/// `context` was being handled, see `in_except`) keeps it.
pub(crate) fn raise_during(py: Python<'_>, new: PyErr, context: PyErr) -> PyErr {
    let value = new.value(py);
    let has_context = value.getattr(intern!(py, "__context__")).map(|c| !c.is_none()).unwrap_or(false);
    if !value.is(context.value(py)) && !has_context {
        new.set_context(py, Some(context));
    }
    new
}

/// Run `f` as the body of `except ...:` handling `exc`: while it runs, `exc` is the
/// exception being handled (`sys.exc_info()`, what Python code raising inside `f` chains
/// to, what `traceback.print_exc()` prints), and an error `f` raises is chained to `exc`
/// as the interpreter chains it.
pub(crate) fn in_except<R>(py: Python<'_>, exc: &PyErr, f: impl FnOnce() -> PyResult<R>) -> PyResult<R> {
    let value = exc.value(py);
    let mut saved = (std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: PyErr_GetExcInfo returns new references (or NULL) into the three out
    // pointers; PyErr_SetExcInfo steals one reference to each argument (NULL allowed).
    unsafe {
        pyo3::ffi::PyErr_GetExcInfo(&mut saved.0, &mut saved.1, &mut saved.2);
        let tb = exc.traceback(py).map(|t| t.into_ptr()).unwrap_or(std::ptr::null_mut());
        pyo3::ffi::PyErr_SetExcInfo(value.get_type().into_ptr(), value.clone().into_ptr(), tb);
    }
    let result = f();
    // SAFETY: restores the saved references, whose ownership passes back to the thread state.
    unsafe {
        pyo3::ffi::PyErr_SetExcInfo(saved.0, saved.1, saved.2);
    }
    result.map_err(|new| raise_during(py, new, exc.clone_ref(py)))
}

/// `raise ValueError(fmt % arg) from cause`, including the case where `%` itself fails
/// (that error is then raised, chained implicitly to `cause`).
pub(crate) fn value_error_from(py: Python<'_>, fmt: &str, arg: &Bound<'_, PyAny>, cause: PyErr) -> PyErr {
    match in_except(py, &cause, || pct(py, fmt, arg)) {
        Ok(msg) => raise_from(py, PyValueError::new_err(msg), cause),
        Err(e) => e,
    }
}

/// `UnboundLocalError` for a local the stdlib reads before it was assigned, with the
/// interpreter's message.
pub(crate) fn unbound_local(py: Python<'_>, name: &str) -> PyErr {
    let msg = if state::minor(py) >= 11 {
        format!("cannot access local variable '{name}' where it is not associated with a value")
    } else {
        format!("local variable '{name}' referenced before assignment")
    };
    pyo3::exceptions::PyUnboundLocalError::new_err(msg)
}

pub(crate) use crate::py_slice::slice;

/// `dict.pop(d, key)` on a plain dict, with its `KeyError`.
pub(crate) fn dict_pop_required<'py>(d: &Bound<'py, PyDict>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    match d.get_item(key)? {
        Some(v) => {
            d.del_item(key)?;
            Ok(v)
        }
        None => Err(PyKeyError::new_err((key.clone().unbind(),))),
    }
}

//---------------------------------------------------------------------------
//   Module-level functions shared by fileConfig and dictConfig
//---------------------------------------------------------------------------

/// Resolve a dotted name to a global object.
#[pyfunction]
#[pyo3(name = "_resolve")]
pub(crate) fn resolve_name<'py>(py: Python<'py>, name: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let import = builtin(py, intern!(py, "__import__"))?;
    let parts = name.call_method1(intern!(py, "split"), (".",))?;
    let used = parts.call_method1(intern!(py, "pop"), (0,))?;
    let mut used = used;
    let mut found = import.call1((&used,))?;
    for n in parts.try_iter()? {
        let n = n?;
        used = used.add(".")?.add(&n)?;
        match found.getattr(n.cast::<PyString>()?) {
            Ok(v) => found = v,
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(py) => {
                found = in_except(py, &e, || {
                    import.call1((&used,))?;
                    found.getattr(n.cast::<PyString>()?)
                })?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(found)
}

/// `map(str.strip, alist)`.
#[pyfunction]
#[pyo3(name = "_strip_spaces")]
pub(crate) fn strip_spaces<'py>(py: Python<'py>, alist: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let strip = py.get_type::<PyString>().getattr(intern!(py, "strip"))?;
    builtin(py, intern!(py, "map"))?.call1((strip, alist))
}

/// Clear and close existing handlers.
#[pyfunction]
#[pyo3(name = "_clearExistingHandlers")]
pub(crate) fn clear_existing_handlers(py: Python<'_>) -> PyResult<()> {
    lg(py, intern!(py, "_handlers"))?.call_method0(intern!(py, "clear"))?;
    let handler_list = lg(py, intern!(py, "_handlerList"))?;
    let copy = handler_list.get_item(pyo3::types::PySlice::full(py))?;
    lg(py, intern!(py, "shutdown"))?.call1((copy,))?;
    handler_list.del_item(pyo3::types::PySlice::full(py))?;
    Ok(())
}

/// When (re)configuring logging, handle loggers which were in the previous
/// configuration but are not in the new configuration. There's no point
/// deleting them as other threads may continue to hold references to them;
/// and by disabling them, you stop them doing any logging.
///
/// However, don't disable children of named loggers, as that's probably not
/// what was intended by the user. Also, allow existing loggers to NOT be
/// disabled if disable_existing is false.
#[pyfunction]
#[pyo3(name = "_handle_existing_loggers")]
pub(crate) fn handle_existing_loggers(
    existing: &Bound<'_, PyAny>,
    child_loggers: &Bound<'_, PyAny>,
    disable_existing: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let py = existing.py();
    let root = lg(py, intern!(py, "root"))?;
    for log in existing.try_iter()? {
        let log = log?;
        let logger = crate::logger::manager_of(&root)?
            .getattr(intern!(py, "loggerDict"))?
            .get_item(&log)?;
        if child_loggers.contains(&log)? {
            if !logger.is_instance(&lg(py, intern!(py, "PlaceHolder"))?)? {
                let notset = lg(py, intern!(py, "NOTSET"))?;
                dispatch::call_method(&logger, intern!(py, "setLevel"), (notset,))?;
                logger.setattr(intern!(py, "handlers"), PyList::empty(py))?;
                logger.setattr(intern!(py, "propagate"), true)?;
            }
        } else {
            logger.setattr(intern!(py, "disabled"), disable_existing)?;
        }
    }
    Ok(())
}

/// The sorted names of existing loggers, and the loop of `_install_loggers` / `configure`
/// that moves the children of a configured logger `name` into `child_loggers` and removes
/// `name` from `existing`.
pub(crate) fn existing_loggers(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let root = lg(py, intern!(py, "root"))?;
    let keys = crate::logger::manager_of(&root)?
        .getattr(intern!(py, "loggerDict"))?
        .call_method0(intern!(py, "keys"))?;
    let existing = PyList::new(py, keys.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
    existing.sort()?;
    Ok(existing)
}

pub(crate) fn collect_children(
    existing: &Bound<'_, PyList>,
    child_loggers: &Bound<'_, PyList>,
    name: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let py = existing.py();
    if existing.contains(name)? {
        let i = existing.call_method1(intern!(py, "index"), (name,))?.extract::<isize>()? + 1;
        let prefixed = name.add(".")?;
        let pflen = prefixed.len()? as isize;
        let num_existing = existing.len() as isize;
        let mut i = i;
        while i < num_existing {
            let item = existing.get_item(i as usize)?;
            let head = item.get_item(slice(py, None, Some(pflen))?)?;
            if head.eq(&prefixed)? {
                child_loggers.append(item)?;
            }
            i += 1;
        }
        existing.call_method1(intern!(py, "remove"), (name,))?;
    }
    Ok(())
}

//---------------------------------------------------------------------------
//   valid_ident, dictConfig
//---------------------------------------------------------------------------

/// The compiled `IDENTIFIER` pattern (`^[a-z_][a-z0-9_]*$`, re.I).
pub(crate) fn identifier_pattern(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    IDENTIFIER
        .get_or_try_init(py, || {
            let re = py.import(intern!(py, "re"))?;
            let flag = re.getattr(intern!(py, "I"))?;
            Ok::<_, PyErr>(re.call_method1(intern!(py, "compile"), ("^[a-z_][a-z0-9_]*$", flag))?.unbind())
        })
        .map(|p| p.bind(py))
}

#[pyfunction]
pub(crate) fn valid_ident(s: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = s.py();
    let m = identifier_pattern(py)?.call_method1(intern!(py, "match"), (s,))?;
    if !m.is_truthy()? {
        return Err(PyValueError::new_err(pct(py, "Not a valid Python identifier: %r", s)?));
    }
    Ok(true)
}

/// Configure logging using a dictionary.
#[pyfunction]
#[pyo3(name = "dictConfig")]
fn dict_config_fn(config: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = config.py();
    let class = config_module(py)?.getattr(intern!(py, "dictConfigClass"))?;
    let configurator = class.call1((config,))?;
    dispatch::call_method0(&configurator, intern!(py, "configure"))?;
    Ok(())
}

/// A tuple of `(key, value)` from a Python mapping's items, for iteration helpers.
pub(crate) fn items<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
    let py = obj.py();
    let mut out = Vec::new();
    for item in obj.call_method0(intern!(py, "items"))?.try_iter()? {
        let item = item?;
        let t = item.cast::<PyTuple>()?;
        out.push((t.get_item(0)?, t.get_item(1)?));
    }
    Ok(out)
}

/// Adds `_load_config` to `_core`; the module `_core._config` is built when the facade
/// `logging.config` is imported, as the stdlib builds its classes (and compiles its
/// patterns) only then (`import logging` stays as cheap as the stdlib's).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(load_config, m)?)
}

static NATIVE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// Called by the facade `logging.config`: the native module `logging.config`
/// (`_core._config`), built on the first call.
#[pyfunction]
#[pyo3(pass_module, name = "_load_config")]
fn load_config<'py>(m: &Bound<'py, PyModule>) -> PyResult<Bound<'py, PyModule>> {
    let py = m.py();
    let sub = NATIVE.get_or_try_init(py, || {
        let sub = PyModule::new(py, "logging.config")?;
        sub.add_function(wrap_pyfunction!(bind_module, &sub)?)?;
        sub.add_function(wrap_pyfunction!(resolve_name, &sub)?)?;
        sub.add_function(wrap_pyfunction!(strip_spaces, &sub)?)?;
        sub.add_function(wrap_pyfunction!(clear_existing_handlers, &sub)?)?;
        sub.add_function(wrap_pyfunction!(handle_existing_loggers, &sub)?)?;
        sub.add_function(wrap_pyfunction!(valid_ident, &sub)?)?;
        sub.add_function(wrap_pyfunction!(dict_config_fn, &sub)?)?;
        sub.add("IDENTIFIER", identifier_pattern(py)?)?;
        converting::register(&sub)?;
        dict_config::register(&sub)?;
        file_config::register(&sub)?;
        listen::register(&sub)?;
        crate::present_as_stdlib_types(&sub)?;
        m.add("_config", &sub)?;
        Ok::<_, PyErr>(sub.unbind())
    })?;
    Ok(sub.bind(py).clone())
}
