//! `LoggerAdapter`: a logger wrapper adding contextual information.
//!
//! Its state (`logger`, `extra`, and `merge_extra` on 3.13) lives in the instance `__dict__`
//! as in the stdlib. Calls on `self` (`self.log`, `self.process`, `self.isEnabledFor`, …) and
//! on `self.logger` go through dispatch; the adapter's own methods count as stdlib frames
//! for `findCaller` (see `crate::caller`).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::{ffi, intern};

use crate::caller::VirtualFrames;
use crate::dispatch;
use crate::logger::{self, Logger};
use crate::state;

const DEBUG: i64 = 10;
const INFO: i64 = 20;
const WARNING: i64 = 30;
const ERROR: i64 = 40;
const CRITICAL: i64 = 50;


fn py_int(py: Python<'_>, v: i64) -> Bound<'_, PyAny> {
    v.into_pyobject(py).map(|v| v.into_any()).unwrap_or_else(|e| match e {})
}

/// A marker for arguments not passed (the stdlib's defaults differ per version).
fn missing() -> Py<PyAny> {
    Python::attach(|py| {
        MISSING
            .get_or_init(py, || {
                py.import("builtins")
                    .and_then(|b| b.getattr("object"))
                    .and_then(|o| o.call0())
                    .map(|o| o.unbind())
                    .unwrap_or_else(|_| py.None())
            })
            .clone_ref(py)
    })
}

static MISSING: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();

/// The methods the stdlib calls on an adapter that run natively while not overridden.
static LOG: dispatch::NativeMethod<LoggerAdapter> = dispatch::NativeMethod::new("log");
static IS_ENABLED_FOR: dispatch::NativeMethod<LoggerAdapter> = dispatch::NativeMethod::new("isEnabledFor");
static PROCESS: dispatch::NativeMethod<LoggerAdapter> = dispatch::NativeMethod::new("process");
static WARNING_METHOD: dispatch::NativeMethod<LoggerAdapter> = dispatch::NativeMethod::new("warning");
/// `self.logger`, read on every record.
static LOGGER: dispatch::Attr = dispatch::Attr::new("logger");
static EXTRA: dispatch::Attr = dispatch::Attr::new("extra");
static MERGE_EXTRA: dispatch::Attr = dispatch::Attr::new("merge_extra");

fn is_missing(py: Python<'_>, obj: &Py<PyAny>) -> bool {
    MISSING.get(py).is_some_and(|m| m.is(obj))
}

/// An adapter for loggers which makes it easier to specify contextual
/// information in logging output.
#[pyclass(module = "logging", name = "LoggerAdapter", subclass, dict, weakref)]
pub struct LoggerAdapter {}

/// `self.log(level, msg, *args, **kwargs)` through dispatch from a native adapter method
/// standing for `frames` stdlib frames.
fn dispatch_log<'py>(
    slf: &Bound<'py, PyAny>,
    level: &Bound<'py, PyAny>,
    msg: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    frames: usize,
) -> PyResult<()> {
    if LOG.is_native(slf) {
        return log_impl(slf, level, msg, args, kwargs, frames + 1);
    }
    crate::logger::call_with_frames(slf, LOG.name(slf.py()), &dispatch::prepend_args(&[level, msg], args)?, kwargs, frames)?;
    Ok(())
}

/// The body of `LoggerAdapter.log`, standing for `frames` stdlib frames.
fn log_impl<'py>(
    slf: &Bound<'py, PyAny>,
    level: &Bound<'py, PyAny>,
    msg: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    frames: usize,
) -> PyResult<()> {
    let py = slf.py();
    let enabled = if IS_ENABLED_FOR.is_native(slf) {
        // `self.logger.isEnabledFor(level)`, as the adapter's own method returns it.
        logger::dispatch_is_enabled_for(&LOGGER.get(slf)?, level)?
    } else {
        dispatch::call_method(slf, intern!(py, "isEnabledFor"), (level,))?.is_truthy()?
    };
    if !enabled {
        return Ok(());
    }
    if kwargs.is_none() && PROCESS.is_native(slf) {
        // `process` would only set `kwargs["extra"] = self.extra` in a new dict (3.13 asks
        // `self.merge_extra and "extra" in kwargs` first: false for the empty dict).
        if state::minor(py) >= 13 {
            MERGE_EXTRA.get(slf)?.is_truthy()?;
        }
        let extra = EXTRA.get(slf)?;
        let logger = LOGGER.get(slf)?;
        if let Some(done) = logger::call_log_with_extra(&logger, level, msg, args, &extra, frames) {
            return done;
        }
    }
    let kwargs = match kwargs {
        Some(k) => k.copy()?,
        None => PyDict::new(py),
    };
    let [msg, kwargs] = if PROCESS.is_native(slf) {
        process_impl(slf, msg, kwargs.as_any())?
    } else {
        dispatch::unpack(&dispatch::call_method(slf, intern!(py, "process"), (msg, &kwargs))?)?
    };
    let kwargs = match kwargs.cast_into::<PyDict>() {
        Ok(d) => d,
        Err(e) => {
            let d = PyDict::new(py);
            d.update(&e.into_inner().cast_into::<pyo3::types::PyMapping>()?)?;
            d
        }
    };
    let logger = LOGGER.get(slf)?;
    logger::call_log(&logger, level, &msg, args, Some(&kwargs), frames)
}

/// The body of `LoggerAdapter.isEnabledFor`.
fn is_enabled_for_impl<'py>(slf: &Bound<'py, PyAny>, level: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let logger = LOGGER.get(slf)?;
    if let Ok(l) = logger.cast::<Logger>() {
        if logger::IS_ENABLED_FOR.is_native(&logger) {
            return logger::is_enabled_for(l, level);
        }
    }
    dispatch::call_method(&logger, intern!(py, "isEnabledFor"), (level,))
}

/// The body of `LoggerAdapter.process`: `(msg, kwargs)`, `kwargs["extra"]` set.
fn process_impl<'py>(
    slf: &Bound<'py, PyAny>,
    msg: &Bound<'py, PyAny>,
    kwargs: &Bound<'py, PyAny>,
) -> PyResult<[Bound<'py, PyAny>; 2]> {
    let py = slf.py();
    let extra = EXTRA.get(slf)?;
    let key = intern!(py, "extra");
    let merged = if state::minor(py) >= 13
        && MERGE_EXTRA.get(slf)?.is_truthy()?
        && kwargs.contains(key)?
    {
        // {**self.extra, **kwargs["extra"]}
        let d = PyDict::new(py);
        d.update(extra.cast::<pyo3::types::PyMapping>().map_err(PyErr::from)?)?;
        let call_extra = kwargs.get_item(key)?;
        d.update(call_extra.cast::<pyo3::types::PyMapping>().map_err(PyErr::from)?)?;
        d.into_any()
    } else {
        extra
    };
    kwargs.set_item(key, merged)?;
    Ok([msg.clone(), kwargs.clone()])
}

/// A level method: `self.log(LEVEL, msg, *args, **kwargs)`.
fn level_method<'py>(
    slf: &Bound<'py, LoggerAdapter>,
    level: i64,
    msg: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    frames: usize,
) -> PyResult<()> {
    let level = py_int(slf.py(), level);
    dispatch_log(slf.as_any(), &level, msg, args, kwargs, frames)
}

#[pymethods]
impl LoggerAdapter {
    // One per version: the class's signature (`inspect.signature`) is the running stdlib's.
    #[cfg(not(Py_3_10))]
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(logger, extra)")]
    fn __new__(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        LoggerAdapter {}
    }
    #[cfg(all(Py_3_10, not(Py_3_13)))]
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(logger, extra=None)")]
    fn __new__(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        LoggerAdapter {}
    }
    #[cfg(Py_3_13)]
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(logger, extra=None, merge_extra=False)")]
    fn __new__(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        LoggerAdapter {}
    }

    /// Initialize the adapter with a logger and a dict-like object which
    /// provides contextual information. This constructor signature allows
    /// easy stacking of LoggerAdapters, if so desired.
    ///
    /// You can effectively pass keyword arguments as shown in the
    /// following example:
    ///
    /// adapter = LoggerAdapter(someLogger, dict(p1=v1, p2="v2"))
    #[pyo3(signature = (logger, extra = missing(), merge_extra = missing()))]
    fn __init__(slf: &Bound<'_, Self>, logger: &Bound<'_, PyAny>, extra: Py<PyAny>, merge_extra: Py<PyAny>) -> PyResult<()> {
        let py = slf.py();
        let minor = state::minor(py);
        let func = if minor >= 10 { "LoggerAdapter.__init__()" } else { "__init__()" };
        let extra = if is_missing(py, &extra) {
            if minor == 9 {
                return Err(PyTypeError::new_err(format!(
                    "{func} missing 1 required positional argument: 'extra'"
                )));
            }
            py.None()
        } else {
            extra
        };
        let merge_given = !is_missing(py, &merge_extra);
        if minor < 13 && merge_given {
            return Err(PyTypeError::new_err(format!(
                "{func} got an unexpected keyword argument 'merge_extra'"
            )));
        }
        slf.setattr(intern!(py, "logger"), logger)?;
        slf.setattr(intern!(py, "extra"), extra)?;
        if minor >= 13 {
            if merge_given {
                slf.setattr(intern!(py, "merge_extra"), merge_extra)?;
            } else {
                slf.setattr(intern!(py, "merge_extra"), false)?;
            }
        }
        Ok(())
    }

    /// Process the logging message and keyword arguments passed in to
    /// a logging call to insert contextual information. You can either
    /// manipulate the message itself, the keyword args or both. Return
    /// the message and kwargs modified (or not) to suit your needs.
    ///
    /// Normally, you'll only need to override this one method in a
    /// LoggerAdapter subclass for your specific needs.
    fn process<'py>(slf: &Bound<'py, Self>, msg: &Bound<'py, PyAny>, kwargs: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(slf.py(), process_impl(slf.as_any(), msg, kwargs)?)
    }

    /// Delegate a debug call to the underlying logger.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn debug(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        level_method(slf, DEBUG, msg, args, kwargs, 1)
    }

    /// Delegate an info call to the underlying logger.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn info(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        level_method(slf, INFO, msg, args, kwargs, 1)
    }

    /// Delegate a warning call to the underlying logger.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn warning(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        level_method(slf, WARNING, msg, args, kwargs, 1)
    }

    /// Deprecated alias of `warning`.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn warn(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        let py = slf.py();
        let category = py.get_type::<pyo3::exceptions::PyDeprecationWarning>();
        PyErr::warn(py, &category, c"The 'warn' method is deprecated, use 'warning' instead", 1)?;
        if WARNING_METHOD.is_native(slf.as_any()) {
            return level_method(slf, WARNING, msg, args, kwargs, 2);
        }
        crate::logger::call_with_frames(slf.as_any(), WARNING_METHOD.name(py), &dispatch::prepend_args(&[msg], args)?, kwargs, 1)?;
        Ok(())
    }

    /// Delegate an error call to the underlying logger.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn error(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        level_method(slf, ERROR, msg, args, kwargs, 1)
    }

    /// Delegate an exception call to the underlying logger.
    #[pyo3(signature = (msg, *args, exc_info = crate::module_functions::default_object(true), **kwargs), text_signature = "($self, msg, *args, exc_info=True, **kwargs)")]
    fn exception(
        slf: &Bound<'_, Self>,
        msg: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
        exc_info: Py<PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let all = PyDict::new(py);
        all.set_item(intern!(py, "exc_info"), exc_info)?;
        if let Some(kwargs) = kwargs {
            all.update(kwargs.as_mapping())?;
        }
        level_method(slf, ERROR, msg, args, Some(&all), 1)
    }

    /// Delegate a critical call to the underlying logger.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn critical(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        level_method(slf, CRITICAL, msg, args, kwargs, 1)
    }

    /// Delegate a log call to the underlying logger, after adding
    /// contextual information from this adapter instance.
    #[pyo3(signature = (level, msg, *args, **kwargs))]
    fn log(
        slf: &Bound<'_, Self>,
        level: &Bound<'_, PyAny>,
        msg: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        log_impl(slf.as_any(), level, msg, args, kwargs, 1)
    }

    /// Is this logger enabled for level 'level'?
    #[pyo3(name = "isEnabledFor")]
    fn is_enabled_for<'py>(slf: &Bound<'py, Self>, level: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        is_enabled_for_impl(slf.as_any(), level)
    }

    /// Set the specified level on the underlying logger.
    #[pyo3(name = "setLevel")]
    fn set_level(slf: &Bound<'_, Self>, level: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let logger = LOGGER.get(slf)?;
        dispatch::call_method(&logger, intern!(py, "setLevel"), (level,))?;
        Ok(())
    }

    /// Get the effective level for the underlying logger.
    #[pyo3(name = "getEffectiveLevel")]
    fn get_effective_level<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let logger = LOGGER.get(slf)?;
        logger::dispatch_get_effective_level(&logger)
    }

    /// See if the underlying logger has any handlers.
    #[pyo3(name = "hasHandlers")]
    fn has_handlers<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let logger = LOGGER.get(slf)?;
        dispatch::call_method0(&logger, intern!(py, "hasHandlers"))
    }

    /// Low-level log implementation, proxied to allow nested logger adapters.
    #[cfg(not(Py_3_13))]
    #[pyo3(
        name = "_log",
        signature = (level, msg, args, exc_info = None, extra = None, stack_info = crate::module_functions::default_object(false), **kwargs),
        text_signature = "($self, level, msg, args, exc_info=None, extra=None, stack_info=False)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn log_<'py>(
        slf: &Bound<'py, Self>,
        level: &Bound<'py, PyAny>,
        msg: &Bound<'py, PyAny>,
        args: &Bound<'py, PyAny>,
        exc_info: Option<&Bound<'py, PyAny>>,
        extra: Option<&Bound<'py, PyAny>>,
        stack_info: Py<PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        // The stdlib's error for any other keyword (`**kwargs` is only here to word it as
        // 3.9's `_log()` did).
        if let Some((key, _)) = kwargs.and_then(|kwargs| kwargs.iter().next()) {
            let func = if state::minor(py) >= 10 { "LoggerAdapter._log()" } else { "_log()" };
            return Err(PyTypeError::new_err(format!("{func} got an unexpected keyword argument {}", key.repr()?)));
        }
        let call_kwargs = PyDict::new(py);
        call_kwargs.set_item(intern!(py, "exc_info"), exc_info)?;
        call_kwargs.set_item(intern!(py, "extra"), extra)?;
        call_kwargs.set_item(intern!(py, "stack_info"), stack_info)?;
        Self::call_logger_log(slf, level, msg, args, Some(&call_kwargs))
    }

    /// Low-level log implementation, proxied to allow nested logger adapters.
    #[cfg(Py_3_13)]
    #[pyo3(name = "_log", signature = (level, msg, args, **kwargs))]
    fn log_<'py>(
        slf: &Bound<'py, Self>,
        level: &Bound<'py, PyAny>,
        msg: &Bound<'py, PyAny>,
        args: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::call_logger_log(slf, level, msg, args, kwargs)
    }

    #[getter]
    fn get_manager<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::logger::manager_of(&LOGGER.get(slf)?)
    }

    #[setter]
    fn set_manager(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let logger = LOGGER.get(slf)?;
        logger.setattr(intern!(py, "manager"), value)
    }

    #[getter]
    fn get_name<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        LOGGER.get(slf)?.getattr(intern!(py, "name"))
    }

    fn __repr__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let logger = LOGGER.get(slf)?;
        let level = logger::dispatch_get_effective_level(&logger)?;
        let name = logger.getattr(intern!(py, "name"))?;
        logger::repr_with_level(slf.as_any(), &name, &level)
    }
}

impl LoggerAdapter {
    /// `self.logger._log(level, msg, args, **kwargs)`, one frame below the adapter's.
    fn call_logger_log<'py>(
        slf: &Bound<'py, Self>,
        level: &Bound<'py, PyAny>,
        msg: &Bound<'py, PyAny>,
        args: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let logger = LOGGER.get(slf)?;
        let _guard = VirtualFrames::enter(py, 1);
        logger.getattr(intern!(py, "_log"))?.call((level, msg, args), kwargs)
    }
}

// ---------------------------------------------------------------------------------------
// The level methods' fast entries
// ---------------------------------------------------------------------------------------

/// The pyo3-generated level methods, kept to serve the calls the fast entries pass on.
static GENERATED: [pyo3::sync::PyOnceLock<Py<PyAny>>; 5] = [const { pyo3::sync::PyOnceLock::new() }; 5];
const LEVEL_METHODS: [(&str, i64); 5] =
    [("debug", DEBUG), ("info", INFO), ("warning", WARNING), ("error", ERROR), ("critical", CRITICAL)];

/// `debug`/`info`/… (METH_FASTCALL): a call with positional arguments only is bound here (no
/// argument tuple for the call, no keyword dict) and runs the level method's body; a call
/// that does not bind raises the running version's error; any other goes to the generated
/// method.
///
/// # Safety
/// Called by CPython's method descriptor with the interpreter attached, `slf` an instance
/// of `LoggerAdapter` (the descriptor checked it) and `args` holding `nargs` positional
/// arguments followed by one value per name in `kwnames`.
unsafe fn fast_level(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
    which: usize,
) -> *mut ffi::PyObject {
    dispatch::c_method_result("a LoggerAdapter method", || -> PyResult<*mut ffi::PyObject> {
        let py = Python::assume_attached();
        if nargs >= 1 && kwnames.is_null() {
            let adapter = Bound::from_borrowed_ptr(py, slf).cast_into_unchecked::<LoggerAdapter>();
            let msg = Bound::from_borrowed_ptr(py, *args);
            let rest = std::slice::from_raw_parts(args.add(1), (nargs - 1) as usize);
            let rest = PyTuple::new(py, rest.iter().map(|p| Bound::from_borrowed_ptr(py, *p)))?;
            level_method(&adapter, LEVEL_METHODS[which].1, &msg, &rest, None, 1)?;
            return Ok(py.None().into_ptr());
        }
        if let Some(err) = logger::level_binding_error(py, nargs, kwnames, "LoggerAdapter", LEVEL_METHODS[which].0) {
            return Err(err);
        }
        logger::call_generated(py, &GENERATED[which], slf, args, nargs, kwnames)
    })
}

/// A level method's METH_FASTCALL entry, `W` its index in [`LEVEL_METHODS`].
unsafe extern "C" fn level_entry<const W: usize>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    fast_level(slf, args, nargs, kwnames, W)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<LoggerAdapter>()?;
    let ty = py.get_type::<LoggerAdapter>();
    crate::stream_handler::add_class_getitem(ty.as_any())?;
    let names = LEVEL_METHODS.map(|(name, _)| name);
    let entries: [ffi::PyCFunctionFastWithKeywords; 5] =
        [level_entry::<0>, level_entry::<1>, level_entry::<2>, level_entry::<3>, level_entry::<4>];
    logger::install_fast_methods(&ty, &names, &entries, &GENERATED)
}
