//! `Handler` and `NullHandler`, the handler registry (`_handlers`, `_handlerList`,
//! `getHandlerByName`, `getHandlerNames`) and the fork re-initialisation of handler locks.
//!
//! A handler's state lives in its instance `__dict__` under the stdlib's names (`_name`,
//! `level`, `formatter`, `lock`, `_closed` from 3.10), so users and subclasses read and
//! assign it exactly as with the stdlib. Every method the stdlib calls on `self` or on
//! another object goes through `crate::dispatch`, so Python subclasses and monkeypatches win.
//! Locks are the real `threading.RLock` objects of the stdlib: nothing here blocks on a Rust
//! lock.
//!
//! `handleError` prints the stdlib's text with one inherent difference: the native core has no
//! Python frames, so the traceback lacks logging's own frames (`emit`, `format`,
//! `getMessage`; with none left, `traceback.print_exception` prints no "Traceback" header)
//! and the "Call stack" starts from the frame that caught the exception when it is a Python
//! frame still running (a Python `emit` override), else from the innermost running Python
//! frame (the caller of the native code), walking out of the facade's directory as the
//! stdlib walks out of its package.

use pyo3::exceptions::{PyNotImplementedError, PyOSError, PyRecursionError, PyTypeError};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFrozenSet, PyString, PyTuple};

use crate::dispatch::{self, Truth};
use crate::filter::Filterer;
use crate::state;

/// Attributes read on every record, each with its call-site cache.
static LOCK: dispatch::Attr = dispatch::Attr::new("lock");
static FORMATTER: dispatch::Attr = dispatch::Attr::new("formatter");

// ---------------------------------------------------------------------------------------
// Shared helpers for every handler of the core and of `logging.handlers`.
// ---------------------------------------------------------------------------------------

/// An argument whose default the signature cannot spell as a Python object: `Default` when
/// omitted, otherwise the object passed (even `None`, which the stdlib treats as a value:
/// `validate=None` is not `validate=True`; 3.9 has no `defaults`).
pub enum Arg<'py> {
    Default,
    Given(Bound<'py, PyAny>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for Arg<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Arg::Given(obj.to_owned()))
    }
}

impl<'py> Arg<'py> {
    /// The object passed, or `default()` when the argument was omitted.
    pub fn or_else(self, default: impl FnOnce() -> PyResult<Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Arg::Given(v) => Ok(v),
            Arg::Default => default(),
        }
    }

    /// Whether the argument was omitted.
    pub fn is_default(&self) -> bool {
        matches!(self, Arg::Default)
    }
}

/// A Python `int` object.
pub fn int(py: Python<'_>, v: i64) -> Bound<'_, PyAny> {
    v.into_pyobject(py).expect("int conversion is infallible").into_any()
}

/// A Python `str` object.
pub fn pystr<'py>(py: Python<'py>, s: &str) -> Bound<'py, PyAny> {
    PyString::new(py, s).into_any()
}

/// A Python bool object.
pub fn pybool(py: Python<'_>, v: bool) -> Bound<'_, PyAny> {
    v.into_pyobject(py).expect("bool conversion is infallible").to_owned().into_any()
}

/// `_checkLevel(level)`, through the module's global (users may patch it).
pub fn check_level<'py>(_py: Python<'py>, level: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    crate::levels::call_check_level(level)
}

/// `getLevelName(level)`, through the module's global (users may patch it).
pub fn get_level_name<'py>(_py: Python<'py>, level: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    crate::levels::call_get_level_name(level)
}

/// `self.__class__.__name__`.
pub fn class_name<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    dispatch::getattr(obj, intern!(py, "__class__"))?.getattr(intern!(py, "__name__"))
}

/// Run `body` inside `with cm:`, with the context-manager protocol looked up on the type.
pub fn with_cm<'py, T: Default>(cm: &Bound<'py, PyAny>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    let py = cm.py();
    let tp = cm.get_type();
    let (enter, exit) = match (tp.getattr(intern!(py, "__enter__")), tp.getattr(intern!(py, "__exit__"))) {
        (Ok(enter), Ok(exit)) => (enter, exit),
        _ => {
            return Err(PyTypeError::new_err(format!(
                "'{}' object does not support the context manager protocol",
                tp.name()?
            )))
        }
    };
    enter.call1((cm,))?;
    match body() {
        Ok(v) => {
            exit.call1((cm, py.None(), py.None(), py.None()))?;
            Ok(v)
        }
        Err(e) => {
            let suppress = exit
                .call1((cm, e.get_type(py), e.value(py), e.traceback(py)))?
                .is_true()?;
            if suppress {
                Ok(T::default())
            } else {
                Err(e)
            }
        }
    }
}

/// Run `body` under the handler's I/O lock as the version does: `self.acquire()` …
/// `finally: self.release()` up to 3.12 (both dispatched), `with self.lock:` from 3.13.
pub fn with_handler_lock<'py, T: Default>(slf: &Bound<'py, PyAny>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    let py = slf.py();
    if state::minor(py) >= 13 {
        let lock = LOCK.get(slf)?;
        if dispatch::is_exact_rlock(&lock) {
            // `with lock:` on an exact `_thread.RLock` (see `dispatch::lock_call`).
            dispatch::lock_call(&lock, intern!(py, "acquire"), true)?;
            let result = body();
            dispatch::lock_call(&lock, intern!(py, "release"), false)?;
            return result;
        }
        with_cm(&lock, body)
    } else {
        if ACQUIRE.is_native(slf) {
            lock_op(slf, intern!(py, "acquire"), true)?;
        } else {
            ACQUIRE.call(slf, ())?;
        }
        let result = body();
        let released = if RELEASE.is_native(slf) {
            lock_op(slf, intern!(py, "release"), false)
        } else {
            RELEASE.call(slf, ()).map(|_| ())
        };
        match (result, released) {
            (Ok(v), Ok(_)) => Ok(v),
            (Ok(_), Err(e)) => Err(e),
            (Err(e), _) => Err(e),
        }
    }
}

/// Run `body` under the module lock `_lock` (`_acquireLock()`/`_releaseLock()` up to 3.12,
/// `with _lock:` from 3.13).
pub fn with_module_lock<T: Default>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    let lock = state::global(py, intern!(py, "_lock"))?;
    if state::minor(py) >= 13 {
        return with_cm(&lock, body);
    }
    // _acquireLock: `if _lock: _lock.acquire()`; _releaseLock: `if _lock: _lock.release()`.
    let held = lock.is_true()?;
    if held {
        lock.call_method0(intern!(py, "acquire"))?;
    }
    let result = body();
    if held {
        let released = lock.call_method0(intern!(py, "release"));
        if let (Ok(_), Err(e)) = (&result, released) {
            return Err(e);
        }
    }
    result
}

/// The exception `sys.exc_info()` reports while `body` runs is `err`, as inside the
/// stdlib's `except Exception:` block, so a Python `handleError` override sees it.
pub fn with_handled_exception<T>(py: Python<'_>, err: &PyErr, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    let value = err.value(py);
    let tb = err.traceback(py);
    if let Some(tb) = &tb {
        // Before 3.12 the traceback is kept beside the exception until it is caught.
        let _ = value.setattr(intern!(py, "__traceback__"), tb);
    }
    let (mut st, mut sv, mut stb) = (std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: attached to the interpreter; GetExcInfo returns new references (or NULL) that
    // SetExcInfo steals back afterwards, and SetExcInfo steals the new references given to it.
    unsafe {
        ffi::PyErr_GetExcInfo(&mut st, &mut sv, &mut stb);
        let ty = err.get_type(py).into_any().unbind().into_ptr();
        let v = value.clone().into_any().unbind().into_ptr();
        let t = match &tb {
            Some(tb) => tb.clone().into_any().unbind().into_ptr(),
            None => std::ptr::null_mut(),
        };
        ffi::PyErr_SetExcInfo(ty, v, t);
    }
    let result = body();
    // SAFETY: restores (and hands back ownership of) the saved references.
    unsafe {
        ffi::PyErr_SetExcInfo(st, sv, stb);
    }
    result
}

/// The stdlib's `except RecursionError: raise` / `except Exception: self.handleError(record)`
/// around an `emit` body.
pub fn emit_failed(slf: &Bound<'_, PyAny>, record: &Bound<'_, PyAny>, err: PyErr) -> PyResult<()> {
    let py = slf.py();
    if err.is_instance_of::<PyRecursionError>(py) || !err.is_instance_of::<pyo3::exceptions::PyException>(py) {
        return Err(err);
    }
    call_handle_error(slf, record, err)
}

/// `except Exception: self.handleError(record)` (no RecursionError clause).
pub fn call_handle_error(slf: &Bound<'_, PyAny>, record: &Bound<'_, PyAny>, err: PyErr) -> PyResult<()> {
    let py = slf.py();
    if !err.is_instance_of::<pyo3::exceptions::PyException>(py) {
        return Err(err);
    }
    with_handled_exception(py, &err, || {
        dispatch::call_method(slf, intern!(py, "handleError"), (record,)).map(|_| ())
    })
}

// ---------------------------------------------------------------------------------------
// Native fast paths: the Rust body runs only when the lookup would find the native method.
// ---------------------------------------------------------------------------------------

static FILTER: dispatch::NativeMethod<Filterer> = dispatch::NativeMethod::new("filter");
static STREAM_EMIT: dispatch::NativeMethod<crate::stream_handler::StreamHandler> = dispatch::NativeMethod::new("emit");
static FILE_EMIT: dispatch::NativeMethod<crate::file_handler::FileHandler> = dispatch::NativeMethod::new("emit");
static QUEUE_EMIT: dispatch::NativeMethod<crate::handlers::queue::QueueHandler> = dispatch::NativeMethod::new("emit");
static ROTATING_EMIT: dispatch::NativeMethod<crate::handlers::rotating::BaseRotatingHandler> = dispatch::NativeMethod::new("emit");
static FORMAT: dispatch::NativeMethod<Handler> = dispatch::NativeMethod::new("format");
static ACQUIRE: dispatch::NativeMethod<Handler> = dispatch::NativeMethod::new("acquire");
static RELEASE: dispatch::NativeMethod<Handler> = dispatch::NativeMethod::new("release");

/// `self.filter(record)`.
pub fn call_filter<'py>(slf: &Bound<'py, PyAny>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if FILTER.is_native(slf) {
        crate::filter::run_filters(slf, record)
    } else {
        FILTER.call(slf, (record,))
    }
}

/// `self.emit(record)`.
pub fn call_emit(slf: &Bound<'_, PyAny>, record: &Bound<'_, PyAny>) -> PyResult<()> {
    use crate::file_handler::FileHandler;
    use crate::stream_handler::StreamHandler;
    if STREAM_EMIT.is_native(slf) {
        StreamHandler::emit_impl(slf, record)
    } else if FILE_EMIT.is_native(slf) {
        FileHandler::emit_impl(slf, record)
    } else if ROTATING_EMIT.is_native(slf) {
        crate::handlers::rotating::BaseRotatingHandler::emit_impl(slf, record)
    } else if QUEUE_EMIT.is_native(slf) {
        crate::handlers::queue::QueueHandler::emit_impl(slf, record)
    } else {
        STREAM_EMIT.call(slf, (record,)).map(|_| ())
    }
}

/// `self.format(record)`.
pub fn call_format<'py>(slf: &Bound<'py, PyAny>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if FORMAT.is_native(slf) {
        Handler::format_impl(slf, record)
    } else {
        FORMAT.call(slf, (record,))
    }
}

/// `if self.lock: self.lock.acquire()` / `.release()` (the bodies of `acquire`/`release`).
fn lock_op(slf: &Bound<'_, PyAny>, op: &Bound<'_, PyString>, acquire: bool) -> PyResult<()> {
    let (lock, plain) = LOCK.get_plain(slf)?;
    // (An exact RLock is true without asking: it has no `__bool__`/`__len__`.)
    if !dispatch::is_exact_rlock(&lock) && !lock.is_true()? {
        return Ok(());
    }
    // The attribute read again for the call, unless that would only give it again.
    let lock = if plain { lock } else { LOCK.get(slf)? };
    if dispatch::is_exact_rlock(&lock) {
        return dispatch::lock_call(&lock, op, acquire);
    }
    lock.call_method0(op).map(drop)
}

/// Whether taking this handler's lock now, around work that runs no Python code, would
/// neither wait nor be seen: the lock is an RLock free or held by this thread and is taken
/// natively (`acquire`/`release` not overridden on 3.9–3.12; 3.13 uses `with self.lock:`).
pub fn lock_is_free(slf: &Bound<'_, PyAny>) -> PyResult<bool> {
    if state::minor(slf.py()) < 13 && !(ACQUIRE.is_native(slf) && RELEASE.is_native(slf)) {
        return Ok(false);
    }
    // Only a plain `lock` (read without running anything: a property is left to the reads
    // the stdlib makes).
    Ok(LOCK.cached(slf).is_some_and(|lock| dispatch::lock_is_free(&lock)))
}

// ---------------------------------------------------------------------------------------
// Handler
// ---------------------------------------------------------------------------------------

/// Handler instances dispatch logging events to specific destinations.
///
/// The base handler class. Acts as a placeholder which defines the Handler
/// interface. Handlers can optionally use Formatter instances to format
/// records as desired. By default, no formatter is specified; in this case,
/// the 'raw' message as determined by record.message is logged.
#[pyclass(module = "logging", name = "Handler", extends = Filterer, subclass)]
pub struct Handler {}

impl Handler {
    /// The initializer native subclasses (`StreamHandler`, `logging.handlers.*`) chain from.
    pub fn initializer(py: Python<'_>) -> PyClassInitializer<Handler> {
        PyClassInitializer::from(Filterer::new(py)).add_subclass(Handler {})
    }

    /// The body of `Handler.__init__(self, level)`, for native subclasses' `__init__`.
    pub fn init(slf: &Bound<'_, PyAny>, level: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        crate::filter::init_filters(slf)?;
        slf.setattr(intern!(py, "_name"), py.None())?;
        slf.setattr(intern!(py, "level"), check_level(py, level)?)?;
        slf.setattr(intern!(py, "formatter"), py.None())?;
        if state::minor(py) >= 10 {
            slf.setattr(intern!(py, "_closed"), false)?;
        }
        state::global(py, intern!(py, "_addHandlerRef"))?.call1((slf,))?;
        dispatch::call_method0(slf, intern!(py, "createLock"))?;
        Ok(())
    }

    /// The body of `Handler.close(self)`, for native subclasses chaining to it.
    pub fn close_impl(slf: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        with_module_lock(py, || {
            if state::minor(py) >= 10 {
                slf.setattr(intern!(py, "_closed"), true)?;
            }
            let name = dispatch::getattr(slf, intern!(py, "_name"))?;
            if name.is_true()? {
                let handlers = state::global(py, intern!(py, "_handlers"))?;
                if handlers.contains(&name)? {
                    handlers.del_item(&name)?;
                }
            }
            Ok(())
        })
    }

    /// The body of `Handler.handle(self, record)` per version.
    pub fn handle_impl<'py>(slf: &Bound<'py, PyAny>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let rv = call_filter(slf, record)?;
        let mut record = record.clone();
        if state::minor(py) >= 12 && crate::record::is_instance(&rv) {
            record = rv.clone();
        }
        if rv.is_true()? {
            with_handler_lock(slf, || call_emit(slf, &record))?;
        }
        Ok(rv)
    }

    /// The body of `Handler.format(self, record)`.
    pub fn format_impl<'py>(slf: &Bound<'py, PyAny>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let (formatter, plain) = FORMATTER.get_plain(slf)?;
        let fmt = if formatter.is_true()? {
            // `fmt = self.formatter` reads the attribute again (seen by a property).
            if plain {
                formatter
            } else {
                FORMATTER.get(slf)?
            }
        } else {
            state::global(py, intern!(py, "_defaultFormatter"))?
        };
        crate::formatter::call_format(&fmt, record)
    }

    /// The body of `Handler.handleError(self, record)` per version.
    pub fn handle_error_impl(slf: &Bound<'_, PyAny>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let _ = slf;
        let sys = state::global(py, intern!(py, "sys"))?;
        let stderr = || sys.getattr(intern!(py, "stderr"));
        if !(state::global_is_true(py, intern!(py, "raiseExceptions"))? && stderr()?.is_true()?) {
            return Ok(());
        }
        let info = sys.call_method0(intern!(py, "exc_info"))?;
        let t = info.get_item(0)?;
        let v = info.get_item(1)?;
        let tb = info.get_item(2)?;
        let traceback = state::global(py, intern!(py, "traceback"))?;
        let write = |s: &str| -> PyResult<()> {
            stderr()?.call_method1(intern!(py, "write"), (s,))?;
            Ok(())
        };
        let body = || -> PyResult<()> {
            write("--- Logging error ---\n")?;
            if state::minor(py) >= 13 {
                let kw = PyDict::new(py);
                kw.set_item("limit", py.None())?;
                kw.set_item("file", stderr()?)?;
                traceback.call_method(intern!(py, "print_exception"), (&v,), Some(&kw))?;
            } else {
                traceback.call_method1(intern!(py, "print_exception"), (&t, &v, &tb, py.None(), stderr()?))?;
            }
            write("Call stack:\n")?;
            // Walk the stack up until we're out of logging, to print the calling context.
            // The stdlib starts from the frame that caught the exception (emit's); the native
            // emit has no frame, so start from the catching frame when it is still on the
            // stack (a Python emit), else from the innermost running Python frame. With no
            // exception being handled, the stdlib's read of the frame raises: so does this.
            if v.is_none() {
                // 3.13 reads `exc.__traceback__`, earlier versions `tb.tb_frame`: both None here.
                let attr = if state::minor(py) >= 13 { intern!(py, "__traceback__") } else { intern!(py, "tb_frame") };
                v.getattr(attr)?;
            }
            let mut frame = calling_frame(py, &tb)?;
            let path0 = state::global(py, intern!(py, "__path__"))?.get_item(0)?;
            let dirname = state::global(py, intern!(py, "os"))?
                .getattr(intern!(py, "path"))?
                .getattr(intern!(py, "dirname"))?;
            while frame.is_true()? {
                let filename = frame.getattr(intern!(py, "f_code"))?.getattr(intern!(py, "co_filename"))?;
                if !dirname.call1((filename,))?.eq(&path0)? {
                    break;
                }
                frame = frame.getattr(intern!(py, "f_back"))?;
            }
            if frame.is_true()? {
                let kw = PyDict::new(py);
                kw.set_item("file", stderr()?)?;
                traceback.call_method(intern!(py, "print_stack"), (&frame,), Some(&kw))?;
            } else {
                let text = pystr(py, "Logged from file %s, line %s\n").rem((
                    crate::record::getattr(record, intern!(py, "filename"))?,
                    crate::record::getattr(record, intern!(py, "lineno"))?,
                ))?;
                stderr()?.call_method1(intern!(py, "write"), (text,))?;
            }
            // Issue 18671: output logging message and arguments
            let shown = (|| -> PyResult<()> {
                let text = pystr(py, "Message: %r\nArguments: %s\n").rem((
                    crate::record::getattr(record, intern!(py, "msg"))?,
                    crate::record::getattr(record, intern!(py, "args"))?,
                ))?;
                stderr()?.call_method1(intern!(py, "write"), (text,))?;
                Ok(())
            })();
            if let Err(e) = shown {
                if e.is_instance_of::<PyRecursionError>(py) || !e.is_instance_of::<pyo3::exceptions::PyException>(py) {
                    return Err(e);
                }
                write(
                    "Unable to print the message and arguments - possible formatting error.\n\
                     Use the traceback above to help find the error.\n",
                )?;
            }
            Ok(())
        };
        match body() {
            Err(e) if e.is_instance_of::<PyOSError>(py) => Ok(()), // see issue 5971
            other => other,
        }
    }
}

/// The frame `handleError` starts its "Call stack" walk from (see `handle_error_impl`).
fn calling_frame<'py>(py: Python<'py>, tb: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: attached; PyEval_GetFrame returns a borrowed reference or NULL.
    let current = unsafe {
        let f = ffi::PyEval_GetFrame();
        Bound::from_borrowed_ptr_or_opt(py, f as *mut ffi::PyObject)
    };
    let Some(current) = current else {
        return Ok(py.None().into_bound(py));
    };
    if !tb.is_none() {
        let caught = tb.getattr(intern!(py, "tb_frame"))?;
        let mut f = current.clone();
        while !f.is_none() {
            if f.is(&caught) {
                return Ok(caught);
            }
            f = dispatch::getattr(&f, intern!(py, "f_back"))?;
        }
    }
    // A Python `handleError` override calling this one (`super().handleError(record)`) runs
    // above the native emit: its frames are not on the stdlib's walk from emit's frame.
    let mut start = current;
    loop {
        let name = dispatch::getattr(&start, intern!(py, "f_code"))?.getattr(intern!(py, "co_name"))?;
        let back = dispatch::getattr(&start, intern!(py, "f_back"))?;
        if back.is_none() || !name.eq(intern!(py, "handleError"))? {
            return Ok(start);
        }
        start = back;
    }
}

#[pymethods]
impl Handler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(level=0)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<Handler> {
        Handler::initializer(py)
    }

    /// Initializes the instance - basically setting the formatter to None
    /// and the filter list to empty.
    #[pyo3(signature = (level = Arg::Default))]
    fn __init__(slf: &Bound<'_, Self>, level: Arg<'_>) -> PyResult<()> {
        let py = slf.py();
        let level = level.or_else(|| Ok(int(py, 0)))?;
        Handler::init(slf.as_any(), &level)
    }

    fn get_name<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.getattr(intern!(slf.py(), "_name"))
    }

    fn set_name(slf: &Bound<'_, Self>, name: &Bound<'_, PyAny>) -> PyResult<()> {
        set_name_impl(slf.as_any(), name)
    }

    /// Acquire a thread lock for serializing access to the underlying I/O.
    #[pyo3(name = "createLock")]
    fn create_lock(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let lock = state::global(py, intern!(py, "threading"))?.call_method0(intern!(py, "RLock"))?;
        slf.setattr(intern!(py, "lock"), lock)?;
        state::global(py, intern!(py, "_register_at_fork_reinit_lock"))?.call1((slf,))?;
        Ok(())
    }

    fn _at_fork_reinit(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        LOCK.get(slf)?.call_method0(intern!(py, "_at_fork_reinit"))?;
        Ok(())
    }

    /// Acquire the I/O thread lock.
    fn acquire(slf: &Bound<'_, Self>) -> PyResult<()> {
        lock_op(slf.as_any(), intern!(slf.py(), "acquire"), true)
    }

    /// Release the I/O thread lock.
    fn release(slf: &Bound<'_, Self>) -> PyResult<()> {
        lock_op(slf.as_any(), intern!(slf.py(), "release"), false)
    }

    /// Set the logging level of this handler.  level must be an int or a str.
    #[pyo3(name = "setLevel")]
    fn set_level(slf: &Bound<'_, Self>, level: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        slf.setattr(intern!(py, "level"), check_level(py, level)?)
    }

    /// Format the specified record.
    ///
    /// If a formatter is set, use it. Otherwise, use the default formatter
    /// for the module.
    fn format<'py>(slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        Handler::format_impl(slf.as_any(), record)
    }

    /// Do whatever it takes to actually log the specified logging record.
    ///
    /// This version is intended to be implemented by subclasses and so
    /// raises a NotImplementedError.
    #[allow(unused_variables)] // named as the stdlib's parameter: it may be passed by keyword
    fn emit(_slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        Err(PyNotImplementedError::new_err("emit must be implemented by Handler subclasses"))
    }

    /// Conditionally emit the specified logging record.
    ///
    /// Emission depends on filters which may have been added to the handler.
    /// Wrap the actual emission of the record with acquisition/release of
    /// the I/O thread lock.
    fn handle<'py>(slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        Handler::handle_impl(slf.as_any(), record)
    }

    /// Set the formatter for this handler.
    #[pyo3(name = "setFormatter")]
    fn set_formatter(slf: &Bound<'_, Self>, fmt: &Bound<'_, PyAny>) -> PyResult<()> {
        slf.setattr(intern!(slf.py(), "formatter"), fmt)
    }

    /// Ensure all logging output has been flushed.
    ///
    /// This version does nothing and is intended to be implemented by
    /// subclasses.
    fn flush(_slf: &Bound<'_, Self>) {}

    /// Tidy up any resources used by the handler.
    ///
    /// This version removes the handler from an internal map of handlers,
    /// _handlers, which is used for handler lookup by name. Subclasses
    /// should ensure that this gets called from overridden close()
    /// methods.
    fn close(slf: &Bound<'_, Self>) -> PyResult<()> {
        Handler::close_impl(slf.as_any())
    }

    /// Handle errors which occur during an emit() call.
    ///
    /// This method should be called from handlers when an exception is
    /// encountered during an emit() call. If raiseExceptions is false,
    /// exceptions get silently ignored. This is what is mostly wanted
    /// for a logging system - most users will not care about errors in
    /// the logging system, they are more interested in application errors.
    /// You could, however, replace this with a custom handler if you wish.
    /// The record which was being processed is passed in to this method.
    #[pyo3(name = "handleError")]
    fn handle_error(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        Handler::handle_error_impl(slf.as_any(), record)
    }

    fn __repr__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let level = get_level_name(py, &dispatch::getattr(slf, intern!(py, "level"))?)?;
        pystr(py, "<%s (%s)>").rem((class_name(slf.as_any())?, level))
    }
}

/// The `AttributeError` of a Python `property` lacking a setter or deleter, per version.
pub fn property_error(obj: &Bound<'_, PyAny>, name: &str, what: &str) -> PyErr {
    let py = obj.py();
    let msg = if state::minor(py) >= 11 {
        let cls = class_name(obj).and_then(|n| n.extract::<String>()).unwrap_or_default();
        format!("property '{name}' of '{cls}' object has no {what}")
    } else {
        let verb = if what == "setter" { "set" } else { "delete" };
        if state::minor(py) == 10 {
            format!("can't {verb} attribute '{name}'")
        } else {
            format!("can't {verb} attribute")
        }
    };
    pyo3::exceptions::PyAttributeError::new_err(msg)
}

fn set_name_impl(slf: &Bound<'_, PyAny>, name: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = slf.py();
    with_module_lock(py, || {
        let handlers = state::global(py, intern!(py, "_handlers"))?;
        let old = dispatch::getattr(slf, intern!(py, "_name"))?;
        if handlers.contains(&old)? {
            handlers.del_item(&old)?;
        }
        slf.setattr(intern!(py, "_name"), name)?;
        if name.is_true()? {
            handlers.set_item(name, slf)?;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------
// NullHandler
// ---------------------------------------------------------------------------------------

/// This handler does nothing. It's intended to be used to avoid the
/// "No handlers could be found for logger XXX" one-off warning. This is
/// important for library code, which may contain code to log events. If a user
/// of the library does not configure logging, the one-off warning might be
/// produced; to avoid this, the library developer simply needs to instantiate
/// a NullHandler and add it to the top-level logger of the library module or
/// package.
#[pyclass(module = "logging", name = "NullHandler", extends = Handler, subclass)]
pub struct NullHandler {}

#[pymethods]
impl NullHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(level=0)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<NullHandler> {
        Handler::initializer(py).add_subclass(NullHandler {})
    }

    /// Stub.
    #[allow(unused_variables)] // named as the stdlib's parameter: it may be passed by keyword
    fn handle(_slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) {}

    /// Stub.
    #[allow(unused_variables)] // named as the stdlib's parameter: it may be passed by keyword
    fn emit(_slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) {}

    #[pyo3(name = "createLock")]
    fn create_lock(slf: &Bound<'_, Self>) -> PyResult<()> {
        slf.setattr(intern!(slf.py(), "lock"), slf.py().None())
    }

    fn _at_fork_reinit(_slf: &Bound<'_, Self>) {}
}

// ---------------------------------------------------------------------------------------
// Module functions: the handler registry and fork support
// ---------------------------------------------------------------------------------------

/// Remove a handler reference from the internal cleanup list.
#[pyfunction]
#[pyo3(name = "_removeHandlerRef")]
fn remove_handler_ref(py: Python<'_>, wr: &Bound<'_, PyAny>) -> PyResult<()> {
    // Called during module teardown (globals set to None) and from any thread: read the
    // globals once and do nothing if they are gone.
    let (Ok(handlers), Ok(lock)) = (
        state::global(py, intern!(py, "_handlerList")),
        state::global(py, intern!(py, "_lock")),
    ) else {
        return Ok(());
    };
    if !(lock.is_true()? && handlers.is_true()?) {
        return Ok(());
    }
    let minor = state::minor(py);
    with_module_lock(py, || {
        if minor <= 10 {
            if handlers.contains(wr)? {
                handlers.call_method1(intern!(py, "remove"), (wr,))?;
            }
            Ok(())
        } else {
            match handlers.call_method1(intern!(py, "remove"), (wr,)) {
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyValueError>(py) => Ok(()),
                other => other.map(|_| ()),
            }
        }
    })
}

/// Add a handler to the internal cleanup list using a weak reference.
#[pyfunction]
#[pyo3(name = "_addHandlerRef")]
fn add_handler_ref(py: Python<'_>, handler: &Bound<'_, PyAny>) -> PyResult<()> {
    with_module_lock(py, || {
        let callback = state::global(py, intern!(py, "_removeHandlerRef"))?;
        let wr = state::global(py, intern!(py, "weakref"))?.call_method1(intern!(py, "ref"), (handler, callback))?;
        state::global(py, intern!(py, "_handlerList"))?.call_method1(intern!(py, "append"), (wr,))?;
        Ok(())
    })
}

/// Get a handler with the specified *name*, or None if there isn't one with
/// that name.
#[pyfunction]
#[pyo3(name = "getHandlerByName")]
fn get_handler_by_name<'py>(py: Python<'py>, name: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    state::global(py, intern!(py, "_handlers"))?.call_method1(intern!(py, "get"), (name,))
}

/// Return all known handler names as an immutable set.
#[pyfunction]
#[pyo3(name = "getHandlerNames")]
fn get_handler_names<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
    let handlers = state::global(py, intern!(py, "_handlers"))?;
    let keys = if state::minor(py) >= 13 { handlers } else { handlers.call_method0(intern!(py, "keys"))? };
    PyFrozenSet::new(py, keys.try_iter()?.collect::<PyResult<Vec<_>>>()?)
}

#[pyfunction]
#[pyo3(name = "_register_at_fork_reinit_lock")]
fn register_at_fork_reinit_lock(py: Python<'_>, instance: &Bound<'_, PyAny>) -> PyResult<()> {
    with_module_lock(py, || {
        state::global(py, intern!(py, "_at_fork_reinit_lock_weakset"))?
            .call_method1(intern!(py, "add"), (instance,))?;
        Ok(())
    })
}

#[pyfunction]
#[pyo3(name = "_after_at_fork_child_reinit_locks")]
fn after_at_fork_child_reinit_locks(py: Python<'_>) -> PyResult<()> {
    for handler in state::global(py, intern!(py, "_at_fork_reinit_lock_weakset"))?.try_iter()? {
        dispatch::call_method0(&handler?, intern!(py, "_at_fork_reinit"))?;
    }
    // The lock was acquired in the parent before forking; re-initialise it unlocked.
    state::global(py, intern!(py, "_lock"))?.call_method0(intern!(py, "_at_fork_reinit"))?;
    Ok(())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Handler>()?;
    m.add_class::<NullHandler>()?;
    m.add_function(wrap_pyfunction!(remove_handler_ref, m)?)?;
    m.add_function(wrap_pyfunction!(add_handler_ref, m)?)?;
    m.add_function(wrap_pyfunction!(get_handler_by_name, m)?)?;
    m.add_function(wrap_pyfunction!(get_handler_names, m)?)?;
    m.add_function(wrap_pyfunction!(register_at_fork_reinit_lock, m)?)?;
    m.add_function(wrap_pyfunction!(after_at_fork_child_reinit_locks, m)?)?;
    Ok(())
}
