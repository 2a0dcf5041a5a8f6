//! `LogRecord`: an event being logged, and the record factory.
//!
//! A record's attributes live in its instance `__dict__`, exactly as the stdlib's:
//! `PercentStyle` formats `fmt % record.__dict__`, `makeLogRecord` updates it, `extra=`
//! adds to it, `copy.copy` and pickling carry it. The constructor captures at creation
//! what the stdlib captures (clock, thread, process, task) from the clock each version
//! uses.

use pyo3::prelude::*;
use pyo3::ffi;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use pyo3::intern;

use crate::levels;
use crate::state;

/// A LogRecord instance represents an event being logged.
///
/// LogRecord instances are created every time something is logged. They contain all the
/// information pertinent to the event being logged. The main information passed in is in
/// msg and args, which are combined using str(msg) % args to create the message field of
/// the record. The record also includes information such as when the record was created,
/// the source line where the logging call was made, and any exception information to be
/// logged.
#[pyclass(module = "logging", name = "LogRecord", subclass, dict)]
pub struct LogRecord {}

/// The time fields derived from one clock reading, per version.
struct Created {
    created: f64,
    msecs: f64,
    relative_created: f64,
}

fn read_clock(py: Python<'_>) -> PyResult<Created> {
    let time = state::global(py, intern!(py, "time"))?;
    let start = state::global(py, intern!(py, "_startTime"))?;
    let minor = state::minor(py);
    if minor >= 13 {
        // ct = time.time_ns(); created = ct / 1e9; msecs from the integer nanoseconds.
        let ct: i128 = time.call_method0(intern!(py, "time_ns"))?.extract()?;
        let start: i128 = start.extract()?;
        let created = ct as f64 / 1e9;
        let mut msecs = (ct.rem_euclid(1_000_000_000) / 1_000_000) as f64;
        // The ns -> s conversion can round up into the next second.
        if msecs == 999.0 && created.trunc() as i128 != ct.div_euclid(1_000_000_000) {
            msecs = 0.0;
        }
        Ok(Created { created, msecs, relative_created: (ct - start) as f64 / 1e6 })
    } else {
        let ct: f64 = time.call_method0(intern!(py, "time"))?.extract()?;
        let start: f64 = start.extract()?;
        let fraction_ms = (ct - ct.trunc()) * 1000.0;
        // 3.10+ (gh-89047): whole milliseconds, as a float.
        let msecs = if minor >= 10 { fraction_ms.trunc() } else { fraction_ms };
        Ok(Created { created: ct, msecs, relative_created: (ct - start) * 1000.0 })
    }
}

/// `args and len(args) == 1 and isinstance(args[0], collections.abc.Mapping) and args[0]`:
/// a single non-empty mapping argument is used as the mapping for `%(key)s` formatting.
fn single_mapping_argument<'py>(args: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = args.py();
    if !args.is_truthy()? || args.len()? != 1 {
        return Ok(None);
    }
    let first = args.get_item(0)?;
    // The common arguments are exact builtins that are never Mappings: skip the ABC check.
    if first.is_exact_instance_of::<PyString>()
        || first.is_exact_instance_of::<PyInt>()
        || first.is_exact_instance_of::<PyFloat>()
        || first.is_exact_instance_of::<PyTuple>()
        || first.is_exact_instance_of::<PyList>()
        || first.is_none()
    {
        return Ok(None);
    }
    let is_mapping = first.is_instance_of::<PyDict>() || {
        let abc = state::global(py, intern!(py, "collections"))?
            .getattr(intern!(py, "abc"))?
            .getattr(intern!(py, "Mapping"))?;
        first.is_instance(&abc)?
    };
    if is_mapping && first.is_truthy()? {
        Ok(Some(first))
    } else {
        Ok(None)
    }
}

fn current_thread_fields(py: Python<'_>) -> PyResult<(Bound<'_, PyAny>, Bound<'_, PyAny>)> {
    let threading = state::global(py, intern!(py, "threading"))?;
    let ident = threading.call_method0(intern!(py, "get_ident"))?;
    let name = threading
        .call_method0(intern!(py, "current_thread"))?
        .getattr(intern!(py, "name"))?;
    Ok((ident, name))
}

fn sys_module<'py>(py: Python<'py>, name: &Bound<'py, PyString>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let modules = state::global(py, intern!(py, "sys"))?.getattr(intern!(py, "modules"))?;
    let modules = modules.cast_into::<PyDict>()?;
    modules.get_item(name)
}

fn process_name(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let default = PyString::new(py, "MainProcess").into_any();
    let Some(mp) = sys_module(py, intern!(py, "multiprocessing"))? else {
        return Ok(default);
    };
    // Errors may occur if multiprocessing has not finished loading yet (issue 8200).
    match mp
        .call_method0(intern!(py, "current_process"))
        .and_then(|p| p.getattr(intern!(py, "name")))
    {
        Ok(name) => Ok(name),
        Err(err) if err.is_instance_of::<pyo3::exceptions::PyException>(py) => Ok(default),
        Err(err) => Err(err),
    }
}

fn task_name(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let none = py.None().into_bound(py);
    let Some(asyncio) = sys_module(py, intern!(py, "asyncio"))? else {
        return Ok(none);
    };
    if !asyncio.is_truthy()? {
        return Ok(none);
    }
    match asyncio
        .call_method0(intern!(py, "current_task"))
        .and_then(|t| t.call_method0(intern!(py, "get_name")))
    {
        Ok(name) => Ok(name),
        Err(err) if err.is_instance_of::<pyo3::exceptions::PyException>(py) => Ok(none),
        Err(err) => Err(err),
    }
}

/// A record's `filename` and `module`, derived from its `pathname`.
type PathParts<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>);

/// A `pathname` and its (filename, module).
type CachedPathParts = (Py<PyString>, Py<PyAny>, Py<PyAny>);

/// The last `pathname` seen and its parts: a call site's `co_filename` is the same string
/// object every time, so consecutive records from one place reuse the parts.
static LAST_PATH: std::sync::Mutex<Option<CachedPathParts>> = std::sync::Mutex::new(None);

/// `os.path.basename(pathname)` and `os.path.splitext(filename)[0]`.
///
/// The outer result is for errors to propagate; the inner one carries the errors the
/// stdlib catches (TypeError, ValueError, AttributeError). A `str` path on POSIX is split
/// natively with posixpath's rules; anything else goes through `os.path`.
fn path_parts<'py>(pathname: &Bound<'py, PyAny>) -> PyResult<PyResult<PathParts<'py>>> {
    let py = pathname.py();
    if cfg!(unix) {
        // A str with lone surrogates has no UTF-8 view: os.path handles it below.
        if let Some((path, text)) = pathname
            .cast_exact::<PyString>()
            .ok()
            .and_then(|path| path.to_cow().ok().map(|text| (path, text)))
        {
            // try_lock: never wait on this cache; without it the parts are recomputed.
            if let Ok(last) = LAST_PATH.try_lock() {
                if let Some((cached, filename, module)) = last.as_ref() {
                    if cached.as_ptr() == path.as_ptr() {
                        return Ok(Ok((filename.bind(py).clone(), module.bind(py).clone())));
                    }
                }
            }
            let (filename, module) = split_posix_path(&text);
            let filename = PyString::new(py, filename).into_any();
            let module = PyString::new(py, module).into_any();
            if let Ok(mut last) = LAST_PATH.try_lock() {
                *last = Some((path.clone().unbind(), filename.clone().unbind(), module.clone().unbind()));
            }
            return Ok(Ok((filename, module)));
        }
    }
    let os_path = state::global(py, intern!(py, "os"))?.getattr(intern!(py, "path"))?;
    Ok(os_path.call_method1(intern!(py, "basename"), (pathname,)).and_then(|filename| {
        let module = os_path.call_method1(intern!(py, "splitext"), (&filename,))?.get_item(0)?;
        Ok((filename, module))
    }))
}

/// posixpath's `basename(p)` and `splitext(basename(p))[0]`: the text after the last '/',
/// then without its extension — from the last '.', unless only dots precede it (".bashrc").
fn split_posix_path(path: &str) -> (&str, &str) {
    let filename = match path.rfind('/') {
        Some(i) => &path[i + 1..],
        None => path,
    };
    let module = match filename.rfind('.') {
        Some(dot) if filename[..dot].bytes().any(|b| b != b'.') => &filename[..dot],
        _ => filename,
    };
    (filename, module)
}

/// Attributes `LogRecord.__init__` sets: the size its `__dict__` is made with.
const RECORD_ATTRIBUTES: isize = 22;

extern "C" {
    // Exported by CPython 3.9–3.13 (cpython/dictobject.h): a dict sized for `minused` keys.
    fn _PyDict_NewPresized(minused: ffi::Py_ssize_t) -> *mut ffi::PyObject;
}

/// The instance `__dict__` about to receive a record's attributes.
///
/// A fresh record's empty `__dict__` is replaced by one sized for every attribute, so
/// filling it never resizes; a dict that already holds entries (a subclass that set
/// attributes before calling `LogRecord.__init__`) is kept and filled in place.
fn fresh_instance_dict<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let current = instance_dict(obj)?;
    if !current.is_empty() {
        return Ok(current);
    }
    let py = obj.py();
    // SAFETY: `_PyDict_NewPresized` returns a new reference to a dict or NULL with an
    // exception set; `PyObject_GenericSetDict` takes its own reference to the dict.
    unsafe {
        let dict = Bound::from_owned_ptr_or_err(py, _PyDict_NewPresized(RECORD_ATTRIBUTES))?;
        if ffi::PyObject_GenericSetDict(obj.as_ptr(), dict.as_ptr(), std::ptr::null_mut()) != 0 {
            return Err(PyErr::fetch(py));
        }
        Ok(dict.cast_into_unchecked())
    }
}

/// The instance `__dict__` of a record (or of any object with one).
pub fn instance_dict<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    Ok(obj.getattr(intern!(obj.py(), "__dict__"))?.cast_into::<PyDict>()?)
}

#[pymethods]
impl LogRecord {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn __new__(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        LogRecord {}
    }

    /// Initialize a logging record with interesting information.
    #[pyo3(signature = (name, level, pathname, lineno, msg, args, exc_info, func = None, sinfo = None, **_kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn __init__(
        slf: &Bound<'_, Self>,
        name: &Bound<'_, PyAny>,
        level: &Bound<'_, PyAny>,
        pathname: &Bound<'_, PyAny>,
        lineno: &Bound<'_, PyAny>,
        msg: &Bound<'_, PyAny>,
        args: &Bound<'_, PyAny>,
        exc_info: &Bound<'_, PyAny>,
        func: Option<&Bound<'_, PyAny>>,
        sinfo: Option<&Bound<'_, PyAny>>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let clock = read_clock(py)?;
        let d = fresh_instance_dict(slf.as_any())?;
        let none = py.None().into_bound(py);
        d.set_item(intern!(py, "name"), name)?;
        d.set_item(intern!(py, "msg"), msg)?;
        match single_mapping_argument(args)? {
            Some(mapping) => d.set_item(intern!(py, "args"), mapping)?,
            None => d.set_item(intern!(py, "args"), args)?,
        }
        d.set_item(intern!(py, "levelname"), levels::get_level_name(level)?)?;
        d.set_item(intern!(py, "levelno"), level)?;
        d.set_item(intern!(py, "pathname"), pathname)?;
        match path_parts(pathname)? {
            Ok((filename, module)) => {
                d.set_item(intern!(py, "filename"), filename)?;
                d.set_item(intern!(py, "module"), module)?;
            }
            Err(err)
                if err.is_instance_of::<pyo3::exceptions::PyTypeError>(py)
                    || err.is_instance_of::<pyo3::exceptions::PyValueError>(py)
                    || err.is_instance_of::<pyo3::exceptions::PyAttributeError>(py) =>
            {
                d.set_item(intern!(py, "filename"), pathname)?;
                d.set_item(intern!(py, "module"), "Unknown module")?;
            }
            Err(err) => return Err(err),
        }
        d.set_item(intern!(py, "exc_info"), exc_info)?;
        d.set_item(intern!(py, "exc_text"), &none)?;
        d.set_item(intern!(py, "stack_info"), sinfo.unwrap_or(&none))?;
        d.set_item(intern!(py, "lineno"), lineno)?;
        d.set_item(intern!(py, "funcName"), func.unwrap_or(&none))?;
        d.set_item(intern!(py, "created"), PyFloat::new(py, clock.created))?;
        d.set_item(intern!(py, "msecs"), PyFloat::new(py, clock.msecs))?;
        d.set_item(intern!(py, "relativeCreated"), PyFloat::new(py, clock.relative_created))?;
        if state::global_is_true(py, intern!(py, "logThreads"))? {
            let (ident, thread_name) = current_thread_fields(py)?;
            d.set_item(intern!(py, "thread"), ident)?;
            d.set_item(intern!(py, "threadName"), thread_name)?;
        } else {
            d.set_item(intern!(py, "thread"), &none)?;
            d.set_item(intern!(py, "threadName"), &none)?;
        }
        if state::global_is_true(py, intern!(py, "logMultiprocessing"))? {
            d.set_item(intern!(py, "processName"), process_name(py)?)?;
        } else {
            d.set_item(intern!(py, "processName"), &none)?;
        }
        let os = state::global(py, intern!(py, "os"))?;
        if state::global_is_true(py, intern!(py, "logProcesses"))? && os.hasattr(intern!(py, "getpid"))? {
            d.set_item(intern!(py, "process"), os.call_method0(intern!(py, "getpid"))?)?;
        } else {
            d.set_item(intern!(py, "process"), &none)?;
        }
        if state::minor(py) >= 12 {
            d.set_item(intern!(py, "taskName"), &none)?;
            if state::global_is_true(py, intern!(py, "logAsyncioTasks"))? {
                d.set_item(intern!(py, "taskName"), task_name(py)?)?;
            }
        }
        Ok(())
    }

    fn __repr__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let fields = (
            slf.getattr(intern!(py, "name"))?,
            slf.getattr(intern!(py, "levelno"))?,
            slf.getattr(intern!(py, "pathname"))?,
            slf.getattr(intern!(py, "lineno"))?,
            slf.getattr(intern!(py, "msg"))?,
        );
        PyString::new(py, "<LogRecord: %s, %s, %s, %s, \"%s\">").rem(fields)
    }

    /// The pickled state is the instance `__dict__`, as for the stdlib's plain-Python
    /// record (the native base has no other state).
    fn __getstate__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        instance_dict(slf.as_any())
    }

    /// Return the message for this LogRecord.
    ///
    /// Return the message for this LogRecord after merging any user-supplied arguments
    /// with the message.
    #[pyo3(name = "getMessage")]
    fn get_message<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        get_message(slf.as_any())
    }
}

/// `str(record.msg) % record.args` when there are args, with Python's own `%`.
pub fn get_message<'py>(record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = record.py();
    let msg = record.getattr(intern!(py, "msg"))?.str()?.into_any();
    let args = record.getattr(intern!(py, "args"))?;
    if args.is_truthy()? {
        msg.rem(args)
    } else {
        Ok(msg)
    }
}

/// Set the factory to be used when instantiating a log record.
#[pyfunction]
#[pyo3(name = "setLogRecordFactory", signature = (factory))]
fn set_log_record_factory(factory: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = factory.py();
    state::logging_module(py)?.setattr(intern!(py, "_logRecordFactory"), factory)
}

/// Return the factory to be used when instantiating a log record.
#[pyfunction]
#[pyo3(name = "getLogRecordFactory")]
fn get_log_record_factory(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    state::global(py, intern!(py, "_logRecordFactory"))
}

/// Make a LogRecord whose attributes are defined by the specified dictionary.
///
/// This function is useful for converting a logging event received over a socket
/// connection (which is sent as a dictionary) into a LogRecord instance.
#[pyfunction]
#[pyo3(name = "makeLogRecord", signature = (dict))]
fn make_log_record<'py>(dict: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = dict.py();
    let factory = state::global(py, intern!(py, "_logRecordFactory"))?;
    let none = py.None();
    let rv = factory.call1((&none, &none, "", 0, "", PyTuple::empty(py), &none, &none))?;
    rv.getattr(intern!(py, "__dict__"))?
        .call_method1(intern!(py, "update"), (dict,))?;
    Ok(rv)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<LogRecord>()?;
    m.add_function(wrap_pyfunction!(set_log_record_factory, m)?)?;
    m.add_function(wrap_pyfunction!(get_log_record_factory, m)?)?;
    m.add_function(wrap_pyfunction!(make_log_record, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_posix_path;

    #[test]
    fn splits_like_posixpath() {
        assert_eq!(split_posix_path("/a/b/c.py"), ("c.py", "c"));
        assert_eq!(split_posix_path("c.tar.gz"), ("c.tar.gz", "c.tar"));
        assert_eq!(split_posix_path("/a/.bashrc"), (".bashrc", ".bashrc"));
        assert_eq!(split_posix_path("..x"), ("..x", "..x"));
        assert_eq!(split_posix_path("a..b"), ("a..b", "a."));
        assert_eq!(split_posix_path("/a/b/"), ("", ""));
        assert_eq!(split_posix_path("<stdin>"), ("<stdin>", "<stdin>"));
        assert_eq!(split_posix_path("dir.d/file"), ("file", "file"));
        assert_eq!(split_posix_path(""), ("", ""));
    }
}
