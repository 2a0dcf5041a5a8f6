//! `BaseRotatingHandler` and `RotatingFileHandler`.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::ffi;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

use crate::dispatch;
use crate::file_handler::{self, FileHandler};
use crate::handler::{self, Arg};
use crate::state;

/// Base class for handlers that rotate log files at a certain point.
/// Not meant to be instantiated directly.  Instead, use RotatingFileHandler
/// or TimedRotatingFileHandler.
#[pyclass(module = "logging.handlers", name = "BaseRotatingHandler", extends = FileHandler, subclass)]
pub struct BaseRotatingHandler {}

impl BaseRotatingHandler {
    pub fn initializer(py: Python<'_>) -> PyClassInitializer<BaseRotatingHandler> {
        FileHandler::initializer(py).add_subclass(BaseRotatingHandler {})
    }

    /// The body of `BaseRotatingHandler.emit`.
    pub fn emit_impl(slf: &Bound<'_, PyAny>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let result = (|| -> PyResult<()> {
            let should = if SHOULD_ROLLOVER.is_native(slf) {
                RotatingFileHandler::should_rollover_impl(slf, record)?
            } else {
                SHOULD_ROLLOVER.call(slf, (record,))?.is_truthy()?
            };
            if should {
                dispatch::call_method0(slf, intern!(py, "doRollover"))?;
            }
            FileHandler::emit_impl(slf, record)
        })();
        match result {
            Ok(()) => Ok(()),
            Err(e) => handler::call_handle_error(slf, record, e),
        }
    }

    /// The body of `BaseRotatingHandler.__init__(self, filename, mode, encoding, delay, errors)`.
    pub fn init(
        slf: &Bound<'_, PyAny>,
        filename: &Bound<'_, PyAny>,
        mode: &Bound<'_, PyAny>,
        encoding: &Bound<'_, PyAny>,
        delay: &Bound<'_, PyAny>,
        errors: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        FileHandler::init(slf, filename, mode, encoding, delay, errors)?;
        slf.setattr(intern!(py, "mode"), mode)?;
        slf.setattr(intern!(py, "encoding"), encoding)?;
        slf.setattr(intern!(py, "errors"), errors)
    }
}

static SHOULD_ROLLOVER: dispatch::NativeMethod<RotatingFileHandler> = dispatch::NativeMethod::new("shouldRollover");

fn os_path<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
    super::global(py, intern!(py, "os"))?.getattr(intern!(py, "path"))
}

fn exists(py: Python<'_>, p: &Bound<'_, PyAny>) -> PyResult<bool> {
    os_path(py)?.call_method1(intern!(py, "exists"), (p,))?.is_truthy()
}

/// `os.path.exists(self.baseFilename) and not os.path.isfile(self.baseFilename)`
/// (bpo-45401: never rollover anything other than regular files).
///
/// When `exists` and `isfile` are genericpath's own functions (POSIX `os.path`'s, 3.9–3.13)
/// and what they call is the standard (their module's `os.stat` is `posix.stat`,
/// `stat.S_ISREG` is `_stat.S_ISREG`), one native `stat()` of the path answers both:
/// `exists` is "stat succeeds", `isfile` "stat succeeds on a regular file" (an OSError or
/// ValueError makes either false). The interpreter is released meanwhile, as `os.stat`
/// releases it. Otherwise (or for a path that is not an exact str or bytes) the functions
/// are called.
fn not_regular_file(slf: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = slf.py();
    let base = slf.getattr(intern!(py, "baseFilename"))?;
    let path = os_path(py)?;
    let exists = path.getattr(intern!(py, "exists"))?;
    let stat = if EXISTS.is(&exists) { stat_natively(&exists, &base)? } else { None };
    let Some(regular) = stat else {
        return Ok(exists.call1((&base,))?.is_truthy()? && !path.getattr(intern!(py, "isfile"))?.call1((&base,))?.is_truthy()?);
    };
    let Some(regular) = regular else {
        return Ok(false); // does not exist
    };
    let isfile = path.getattr(intern!(py, "isfile"))?;
    if ISFILE.is(&isfile) {
        Ok(!regular)
    } else {
        Ok(!isfile.call1((&base,))?.is_truthy()?)
    }
}

static EXISTS: dispatch::StdlibFunction = dispatch::StdlibFunction::new("genericpath", "exists");
static ISFILE: dispatch::StdlibFunction = dispatch::StdlibFunction::new("genericpath", "isfile");
static OS_STAT: dispatch::StdlibFunction = dispatch::StdlibFunction::new("posix", "stat");
static S_ISREG: dispatch::StdlibFunction = dispatch::StdlibFunction::new("_stat", "S_ISREG");

/// `stat()` of `path` as genericpath's functions (`genericpath_fn`'s module) would make it:
/// `Some(None)` when it fails (the path does not exist), `Some(Some(regular))` when it
/// succeeds, `None` when genericpath's `os.stat` or `stat.S_ISREG` is not the standard one
/// or `path` not an exact str or bytes (then the caller calls the functions).
fn stat_natively(genericpath_fn: &Bound<'_, PyAny>, path: &Bound<'_, PyAny>) -> PyResult<Option<Option<bool>>> {
    use std::os::unix::ffi::OsStrExt;
    let py = path.py();
    // genericpath's globals `os` and `stat`, read live.
    // SAFETY: `genericpath_fn` is a Python function (it passed `StdlibFunction::is`); its
    // globals dict is borrowed for the lookups, which run no Python code (str keys).
    let (os, stat) = unsafe {
        let globals = Bound::from_borrowed_ptr(py, ffi::PyFunction_GetGlobals(genericpath_fn.as_ptr())).cast_into_unchecked::<PyDict>();
        (dispatch::dict_item(&globals, intern!(py, "os"))?, dispatch::dict_item(&globals, intern!(py, "stat"))?)
    };
    let (Some(os), Some(stat)) = (os, stat) else {
        return Ok(None);
    };
    let (Ok(os_stat), Ok(s_isreg)) = (os.getattr(intern!(py, "stat")), stat.getattr(intern!(py, "S_ISREG"))) else {
        return Ok(None);
    };
    if !(OS_STAT.is(&os_stat) && S_ISREG.is(&s_isreg)) {
        return Ok(None);
    }
    // os.stat's conversion of a str: the filesystem encoding (PyUnicode_FSConverter).
    let encoded = if let Ok(s) = path.cast_exact::<PyString>() {
        // SAFETY: attached; `s` is a live str; a new bytes object or NULL with an exception.
        match unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_EncodeFSDefault(s.as_ptr())) } {
            Ok(b) => b,
            // os.stat raises UnicodeEncodeError, a ValueError: the path "does not exist".
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyValueError>(py) => return Ok(Some(None)),
            Err(e) => return Err(e),
        }
    } else if path.is_exact_instance_of::<PyBytes>() {
        path.clone()
    } else {
        return Ok(None);
    };
    let bytes = encoded.cast::<PyBytes>()?.as_bytes().to_vec();
    if bytes.contains(&0) {
        return Ok(Some(None)); // ValueError: embedded null byte
    }
    let meta = py.detach(|| std::fs::metadata(std::ffi::OsStr::from_bytes(&bytes)));
    Ok(Some(meta.ok().map(|m| m.file_type().is_file())))
}

#[pymethods]
impl BaseRotatingHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(filename, mode, encoding=None, delay=False, errors=None)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<BaseRotatingHandler> {
        BaseRotatingHandler::initializer(py)
    }

    #[classattr]
    fn namer(py: Python<'_>) -> Py<PyAny> {
        py.None()
    }

    #[classattr]
    fn rotator(py: Python<'_>) -> Py<PyAny> {
        py.None()
    }

    /// Use the specified filename for streamed logging
    #[pyo3(signature = (filename, mode, encoding = None, delay = Arg::Default, errors = None))]
    fn __init__(
        slf: &Bound<'_, Self>,
        filename: &Bound<'_, PyAny>,
        mode: &Bound<'_, PyAny>,
        encoding: Option<&Bound<'_, PyAny>>,
        delay: Arg<'_>,
        errors: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let none = py.None().into_bound(py);
        let delay = delay.or_else(|| Ok(handler::pybool(py, false)))?;
        BaseRotatingHandler::init(slf.as_any(), filename, mode, encoding.unwrap_or(&none), &delay, errors.unwrap_or(&none))
    }

    /// Emit a record.
    ///
    /// Output the record to the file, catering for rollover as described
    /// in doRollover().
    fn emit(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        BaseRotatingHandler::emit_impl(slf.as_any(), record)
    }

    /// Modify the filename of a log file when rotating.
    ///
    /// This is provided so that a custom filename can be provided.
    ///
    /// The default implementation calls the 'namer' attribute of the
    /// handler, if it's callable, passing the default name to
    /// it. If the attribute isn't callable (the default is None), the name
    /// is returned unchanged.
    fn rotation_filename<'py>(slf: &Bound<'py, Self>, default_name: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let namer = slf.getattr(intern!(py, "namer"))?;
        if !namer.is_callable() {
            Ok(default_name.clone())
        } else {
            slf.getattr(intern!(py, "namer"))?.call1((default_name,))
        }
    }

    /// When rotating, rotate the current log.
    ///
    /// The default implementation calls the 'rotator' attribute of the
    /// handler, if it's callable, passing the source and dest arguments to
    /// it. If the attribute isn't callable (the default is None), the source
    /// is simply renamed to the destination.
    fn rotate(slf: &Bound<'_, Self>, source: &Bound<'_, PyAny>, dest: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let rotator = slf.getattr(intern!(py, "rotator"))?;
        if !rotator.is_callable() {
            // Issue 18940: A file may not have been created if delay is True.
            if exists(py, source)? {
                super::global(py, intern!(py, "os"))?.call_method1(intern!(py, "rename"), (source, dest))?;
            }
        } else {
            slf.getattr(intern!(py, "rotator"))?.call1((source, dest))?;
        }
        Ok(())
    }
}

/// Handler for logging to a set of files, which switches from one file
/// to the next when the current file reaches a certain size.
#[pyclass(module = "logging.handlers", name = "RotatingFileHandler", extends = BaseRotatingHandler, subclass)]
pub struct RotatingFileHandler {}

#[pymethods]
impl RotatingFileHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(filename, mode='a', maxBytes=0, backupCount=0, encoding=None, delay=False, errors=None)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<RotatingFileHandler> {
        BaseRotatingHandler::initializer(py).add_subclass(RotatingFileHandler {})
    }

    /// Open the specified file and use it as the stream for logging.
    ///
    /// By default, the file grows indefinitely. You can specify particular
    /// values of maxBytes and backupCount to allow the file to rollover at
    /// a predetermined size.
    ///
    /// Rollover occurs whenever the current log file is nearly maxBytes in
    /// length. If backupCount is >= 1, the system will successively create
    /// new files with the same pathname as the base file, but with extensions
    /// ".1", ".2" etc. appended to it. For example, with a backupCount of 5
    /// and a base file name of "app.log", you would get "app.log",
    /// "app.log.1", "app.log.2", ... through to "app.log.5". The file being
    /// written to is always "app.log" - when it gets filled up, it is closed
    /// and renamed to "app.log.1", and if files "app.log.1", "app.log.2" etc.
    /// exist, then they are renamed to "app.log.2", "app.log.3" etc.
    /// respectively.
    ///
    /// If maxBytes is zero, rollover never occurs.
    #[pyo3(signature = (filename, mode = Arg::Default, maxBytes = Arg::Default, backupCount = Arg::Default,
                        encoding = None, delay = Arg::Default, errors = None))]
    #[allow(non_snake_case, clippy::too_many_arguments)]
    fn __init__(
        slf: &Bound<'_, Self>,
        filename: &Bound<'_, PyAny>,
        mode: Arg<'_>,
        maxBytes: Arg<'_>,
        backupCount: Arg<'_>,
        encoding: Option<&Bound<'_, PyAny>>,
        delay: Arg<'_>,
        errors: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let none = py.None().into_bound(py);
        let mut mode = mode.or_else(|| Ok(handler::pystr(py, "a")))?;
        let max_bytes = maxBytes.or_else(|| Ok(handler::int(py, 0)))?;
        let backup_count = backupCount.or_else(|| Ok(handler::int(py, 0)))?;
        let delay = delay.or_else(|| Ok(handler::pybool(py, false)))?;
        let mut encoding = encoding.cloned().unwrap_or_else(|| none.clone());
        // If rotation/rollover is wanted, it doesn't make sense to use another mode.
        if max_bytes.gt(0)? {
            mode = handler::pystr(py, "a");
        }
        if state::minor(py) >= 10 && !mode.contains("b")? {
            encoding = file_handler::text_encoding(py, &encoding)?;
        }
        BaseRotatingHandler::init(slf, filename, &mode, &encoding, &delay, errors.unwrap_or(&none))?;
        slf.setattr(intern!(py, "maxBytes"), max_bytes)?;
        slf.setattr(intern!(py, "backupCount"), backup_count)
    }

    /// Do a rollover, as described in __init__().
    #[pyo3(name = "doRollover")]
    fn do_rollover<'py>(slf: &Bound<'py, Self>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let os = super::global(py, intern!(py, "os"))?;
        let stream = slf.getattr(intern!(py, "stream"))?;
        if stream.is_truthy()? {
            stream.call_method0(intern!(py, "close"))?;
            slf.setattr(intern!(py, "stream"), py.None())?;
        }
        let backup_count = slf.getattr(intern!(py, "backupCount"))?;
        if backup_count.gt(0)? {
            let name_fmt = handler::pystr(py, "%s.%d");
            let rotation_filename = |name: Bound<'py, PyAny>| -> PyResult<Bound<'py, PyAny>> {
                dispatch::call_method(slf, intern!(py, "rotation_filename"), (name,))
            };
            let range = py
                .import(intern!(py, "builtins"))?
                .getattr(intern!(py, "range"))?
                .call1((backup_count.sub(1)?, 0, -1))?;
            for i in range.try_iter()? {
                let i = i?;
                let base = slf.getattr(intern!(py, "baseFilename"))?;
                let sfn = rotation_filename(name_fmt.rem((&base, &i))?)?;
                let dfn = rotation_filename(name_fmt.rem((&base, i.add(1)?))?)?;
                if exists(py, &sfn)? {
                    if exists(py, &dfn)? {
                        os.call_method1(intern!(py, "remove"), (&dfn,))?;
                    }
                    os.call_method1(intern!(py, "rename"), (&sfn, &dfn))?;
                }
            }
            let base = slf.getattr(intern!(py, "baseFilename"))?;
            let dfn = rotation_filename(base.add(".1")?)?;
            if exists(py, &dfn)? {
                os.call_method1(intern!(py, "remove"), (&dfn,))?;
            }
            dispatch::call_method(slf, intern!(py, "rotate"), (slf.getattr(intern!(py, "baseFilename"))?, &dfn))?;
        }
        if !slf.getattr(intern!(py, "delay"))?.is_truthy()? {
            let stream = dispatch::call_method0(slf, intern!(py, "_open"))?;
            slf.setattr(intern!(py, "stream"), stream)?;
        }
        Ok(())
    }

    /// Determine if rollover should occur.
    ///
    /// Basically, see if the supplied record would cause the file to exceed
    /// the size limit we have.
    #[pyo3(name = "shouldRollover")]
    fn should_rollover(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<bool> {
        RotatingFileHandler::should_rollover_impl(slf.as_any(), record)
    }
}

impl RotatingFileHandler {
    /// The body of `RotatingFileHandler.shouldRollover`.
    fn should_rollover_impl(slf: &Bound<'_, PyAny>, record: &Bound<'_, PyAny>) -> PyResult<bool> {
        let py = slf.py();
        // gh-116263 (3.13; backported to 3.12.3): never rollover an empty file, and check
        // for a non-regular file only when a rollover is due.
        let new_rules = super::at_least(py, 12, 3);
        if !new_rules && not_regular_file(slf)? {
            return Ok(false);
        }
        if slf.getattr(intern!(py, "stream"))?.is_none() {
            // delay was set...
            let stream = dispatch::call_method0(slf, intern!(py, "_open"))?;
            slf.setattr(intern!(py, "stream"), stream)?;
        }
        let max_bytes = slf.getattr(intern!(py, "maxBytes"))?;
        if max_bytes.gt(0)? {
            let format = |slf: &Bound<'_, PyAny>| -> PyResult<usize> {
                let formatted = handler::call_format(slf, record)?;
                // msg = "%s\n" % self.format(record); len(msg): for an exact str, `%s`
                // takes it as is (no str() call), one character longer.
                match formatted.cast_exact::<PyString>() {
                    Ok(s) => Ok(s.len()? + 1),
                    // As written: a tuple from an overridden format() is the args.
                    Err(_) => handler::pystr(py, "%s\n").rem(&formatted)?.len(),
                }
            };
            if new_rules {
                let pos = slf.getattr(intern!(py, "stream"))?.call_method0(intern!(py, "tell"))?;
                if !pos.is_truthy()? {
                    return Ok(false);
                }
                let len = format(slf)?;
                if pos.add(len)?.ge(slf.getattr(intern!(py, "maxBytes"))?)? {
                    return Ok(!not_regular_file(slf)?);
                }
            } else {
                let len = format(slf)?;
                let stream = slf.getattr(intern!(py, "stream"))?;
                stream.call_method1(intern!(py, "seek"), (0, 2))?; // due to non-posix-compliant Windows feature
                let pos = slf.getattr(intern!(py, "stream"))?.call_method0(intern!(py, "tell"))?;
                if pos.add(len)?.ge(slf.getattr(intern!(py, "maxBytes"))?)? {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<BaseRotatingHandler>()?;
    m.add_class::<RotatingFileHandler>()?;
    Ok(())
}
