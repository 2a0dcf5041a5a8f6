//! `Formatter` and `BufferingFormatter`, exactly as the running interpreter's `logging`.
//!
//! As in the stdlib, `_style`, `_fmt` and `datefmt` live in the instance `__dict__` (so
//! `vars()`, `copy.copy` and assignments behave as there), and `converter`,
//! `default_time_format` and `default_msec_format` are class attributes read through `self`
//! on every call, so `Formatter.converter = time.gmtime` and subclasses setting
//! `default_msec_format = None` work. Every method the stdlib calls on `self`, the style or
//! the record goes through Python unless the method found is still the native one.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFloat, PyInt, PyString, PyTuple};
use pyo3::{ffi, intern, PyTraverseError, PyVisit};

use crate::attached_cell::AttachedCell;
use crate::dispatch::{self, Truth};
use crate::record;
use crate::state;
use crate::handler::Arg;
use crate::style::{self, unexpected_keyword_39};

/// Attributes read on every record, each with its call-site cache.
static STYLE: dispatch::Attr = dispatch::Attr::new("_style");
static DATEFMT: dispatch::Attr = dispatch::Attr::new("datefmt");
static CONVERTER: dispatch::Attr = dispatch::Attr::new("converter");
static DEFAULT_TIME_FORMAT: dispatch::Attr = dispatch::Attr::new("default_time_format");
static DEFAULT_MSEC_FORMAT: dispatch::Attr = dispatch::Attr::new("default_msec_format");
/// `time.strftime` and `time.tzname`, read from the `time` module on every asctime.
static STRFTIME: dispatch::Attr = dispatch::Attr::new("strftime");
static TZNAME: dispatch::Attr = dispatch::Attr::new("tzname");

/// The methods `Formatter.format` calls on `self`, run natively while not overridden.
static USES_TIME: dispatch::NativeMethod<Formatter> = dispatch::NativeMethod::new("usesTime");
static FORMAT_TIME: dispatch::NativeMethod<Formatter> = dispatch::NativeMethod::new("formatTime");
static FORMAT_MESSAGE: dispatch::NativeMethod<Formatter> = dispatch::NativeMethod::new("formatMessage");
static FORMAT_EXCEPTION: dispatch::NativeMethod<Formatter> = dispatch::NativeMethod::new("formatException");
static FORMAT_STACK: dispatch::NativeMethod<Formatter> = dispatch::NativeMethod::new("formatStack");

/// `s[-1:] != "\n"`, natively for exact strings.
fn lacks_trailing_newline(s: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = s.py();
    if s.is_exact_instance_of::<PyString>() {
        // SAFETY: `s` is a str.
        let n = unsafe { ffi::PyUnicode_GetLength(s.as_ptr()) };
        if n <= 0 {
            return Ok(true);
        }
        // SAFETY: `n - 1` is a valid index of `s`.
        let c = unsafe { ffi::PyUnicode_ReadChar(s.as_ptr(), n - 1) };
        return Ok(c != u32::from(b'\n'));
    }
    let tail = s.get_item(crate::py_slice::slice(py, Some(-1), None)?)?;
    tail.ne("\n")
}

/// `s[:-1]` for a str ending in "\n" (checked by the caller).
fn strip_last<'py>(s: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = s.py();
    if s.is_exact_instance_of::<PyString>() {
        // SAFETY: `s` is a str; the substring bounds are within it.
        unsafe {
            let n = ffi::PyUnicode_GetLength(s.as_ptr());
            return Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_Substring(s.as_ptr(), 0, n - 1));
        }
    }
    s.get_item(crate::py_slice::slice(py, Some(0), Some(-1))?)
}

/// Formatter instances are used to convert a LogRecord to text.
///
/// Formatters need to know how a LogRecord is constructed. They are
/// responsible for converting a LogRecord to (usually) a string which can
/// be interpreted by either a human or an external system. The base Formatter
/// allows a formatting string to be specified. If none is supplied, the
/// style-dependent default value, "%(message)s", "{message}", or
/// "${message}", is used.
///
/// The Formatter can be initialized with a format string which makes use of
/// knowledge of the LogRecord attributes - e.g. the default value mentioned
/// above makes use of the fact that the user's message and arguments are pre-
/// formatted into a LogRecord's message attribute. Currently, the useful
/// attributes in a LogRecord are described by:
///
/// %(name)s            Name of the logger (logging channel)
/// %(levelno)s         Numeric logging level for the message (DEBUG, INFO,
///                     WARNING, ERROR, CRITICAL)
/// %(levelname)s       Text logging level for the message ("DEBUG", "INFO",
///                     "WARNING", "ERROR", "CRITICAL")
/// %(pathname)s        Full pathname of the source file where the logging
///                     call was issued (if available)
/// %(filename)s        Filename portion of pathname
/// %(module)s          Module (name portion of filename)
/// %(lineno)d          Source line number where the logging call was issued
///                     (if available)
/// %(funcName)s        Function name
/// %(created)f         Time when the LogRecord was created (time.time()
///                     return value)
/// %(asctime)s         Textual time when the LogRecord was created
/// %(msecs)d           Millisecond portion of the creation time
/// %(relativeCreated)d Time in milliseconds when the LogRecord was created,
///                     relative to the time the logging module was loaded
///                     (typically at application startup time)
/// %(thread)d          Thread ID (if available)
/// %(threadName)s      Thread name (if available)
/// %(taskName)s        Task name (if available)
/// %(process)d         Process ID (if available)
/// %(message)s         The result of record.getMessage(), computed just as
///                     the record is emitted
#[pyclass(module = "logging", name = "Formatter", subclass, dict, weakref)]
pub struct Formatter {}

#[pymethods]
impl Formatter {
    #[classattr]
    fn converter(py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(py.import("time")?.getattr("localtime")?.unbind())
    }

    #[classattr]
    #[pyo3(name = "default_time_format")]
    const DEFAULT_TIME_FORMAT: &'static str = "%Y-%m-%d %H:%M:%S";
    #[classattr]
    #[pyo3(name = "default_msec_format")]
    const DEFAULT_MSEC_FORMAT: &'static str = "%s,%03d";

    // One per version: the class's signature (`inspect.signature`) is the running stdlib's.
    #[cfg(not(Py_3_10))]
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(fmt=None, datefmt=None, style='%', validate=True)")]
    fn __new__(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Formatter {}
    }
    #[cfg(Py_3_10)]
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(fmt=None, datefmt=None, style='%', validate=True, *, defaults=None)")]
    fn __new__(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Formatter {}
    }

    /// Initialize the formatter with specified format strings.
    ///
    /// Initialize the formatter either with the specified format string, or a
    /// default as described above. Allow for specialized date formatting with
    /// the optional datefmt argument. If datefmt is omitted, you get an
    /// ISO8601-like (or RFC 3339-like) format.
    ///
    /// Use a style parameter of '%', '{' or '$' to specify that you want to
    /// use one of %-formatting, :meth:`str.format` (``{}``) formatting or
    /// :class:`string.Template` formatting in your format string.
    #[pyo3(signature = (fmt = None, datefmt = None, style = Arg::Default, validate = Arg::Default, *, defaults = Arg::Default))]
    fn __init__(
        slf: &Bound<'_, Self>,
        fmt: Option<Bound<'_, PyAny>>,
        datefmt: Option<Bound<'_, PyAny>>,
        style: Arg<'_>,
        validate: Arg<'_>,
        defaults: Arg<'_>,
    ) -> PyResult<()> {
        let py = slf.py();
        let minor = state::minor(py);
        if minor < 10 && !defaults.is_default() {
            return Err(unexpected_keyword_39("defaults"));
        }
        let style = style.or_else(|| Ok(intern!(py, "%").clone().into_any()))?;
        let styles = state::global(py, intern!(py, "_STYLES"))?;
        if !styles.contains(&style)? {
            let keys = styles.call_method0(intern!(py, "keys"))?;
            let joined = intern!(py, ",").call_method1(intern!(py, "join"), (keys,))?;
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "Style must be one of: {}",
                joined.str()?.to_string_lossy()
            )));
        }
        let cls = styles.get_item(&style)?.get_item(0)?;
        let fmt = fmt.unwrap_or_else(|| py.None().into_bound(py));
        let style_obj = if minor >= 10 {
            let kwargs = PyDict::new(py);
            kwargs.set_item(intern!(py, "defaults"), defaults.or_else(|| Ok(py.None().into_bound(py)))?)?;
            cls.call((fmt,), Some(&kwargs))?
        } else {
            cls.call1((fmt,))?
        };
        slf.setattr(intern!(py, "_style"), &style_obj)?;
        let validate = match validate {
            Arg::Default => true,
            Arg::Given(v) => v.is_true()?,
        };
        if validate {
            dispatch::call_method0(&style_obj, intern!(py, "validate"))?;
        }
        slf.setattr(intern!(py, "_fmt"), dispatch::getattr(&style_obj, intern!(py, "_fmt"))?)?;
        slf.setattr(intern!(py, "datefmt"), datefmt.unwrap_or_else(|| py.None().into_bound(py)))?;
        Ok(())
    }

    /// Return the creation time of the specified LogRecord as formatted text.
    ///
    /// This method should be called from format() by a formatter which
    /// wants to make use of a formatted time. This method can be overridden
    /// in formatters to provide for any specific requirement, but the
    /// basic behaviour is as follows: if datefmt (a string) is specified,
    /// it is used with time.strftime() to format the creation time of the
    /// record. Otherwise, an ISO8601-like (or RFC 3339-like) format is used.
    /// The resulting string is returned. This function uses a user-configurable
    /// function to convert the creation time to a tuple. By default,
    /// time.localtime() is used; to change this for a particular formatter
    /// instance, set the 'converter' attribute to a function with the same
    /// signature as time.localtime() or time.gmtime(). To change it for all
    /// formatters, for example if you want all logging times to be shown in GMT,
    /// set the 'converter' attribute in the Formatter class.
    #[pyo3(name = "formatTime", signature = (record, datefmt = None))]
    fn format_time<'py>(
        slf: &Bound<'py, Self>,
        record: &Bound<'py, PyAny>,
        datefmt: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        format_time_impl(slf.as_any(), record, datefmt)
    }

    /// Format and return the specified exception information as a string.
    ///
    /// This default implementation just uses
    /// traceback.print_exception()
    #[pyo3(name = "formatException")]
    fn format_exception<'py>(slf: &Bound<'py, Self>, ei: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        format_exception_impl(slf.py(), ei)
    }

    /// Check if the format uses the creation time of the record.
    #[pyo3(name = "usesTime")]
    fn uses_time<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        uses_time_impl(slf.as_any())
    }

    /// Format the record with the formatter's style (`self._style.format(record)`).
    #[pyo3(name = "formatMessage")]
    fn format_message<'py>(slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        format_message_impl(slf.as_any(), record)
    }

    /// This method is provided as an extension point for specialized
    /// formatting of stack information.
    ///
    /// The input data is a string as returned from a call to
    /// :func:`traceback.print_stack`, but with the last trailing newline
    /// removed.
    ///
    /// The base implementation just returns the value passed in.
    #[pyo3(name = "formatStack")]
    fn format_stack<'py>(_slf: &Bound<'py, Self>, stack_info: Bound<'py, PyAny>) -> Bound<'py, PyAny> {
        stack_info
    }

    /// Format the specified record as text.
    ///
    /// The record's attribute dictionary is used as the operand to a
    /// string formatting operation which yields the returned string.
    /// Before formatting the dictionary, a couple of preparatory steps
    /// are carried out. The message attribute of the record is computed
    /// using LogRecord.getMessage(). If the formatting string uses the
    /// time (as determined by a call to usesTime(), formatTime() is
    /// called to format the event time. If there is exception information,
    /// it is formatted using formatException() and appended to the message.
    fn format<'py>(slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        format_impl(slf.as_any(), record)
    }

    fn __getstate__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.getattr(intern!(slf.py(), "__dict__"))
    }

    fn __traverse__(&self, _visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        Ok(())
    }

    fn __clear__(&mut self) {}
}

fn uses_time_impl<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let style_obj = STYLE.get(slf)?;
    if style::is_native_style(&style_obj) {
        return Ok(pyo3::types::PyBool::new(py, style::style_uses_time(&style_obj)?).to_owned().into_any());
    }
    dispatch::call_method0(&style_obj, intern!(py, "usesTime"))
}

fn format_message_impl<'py>(slf: &Bound<'py, PyAny>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let style_obj = STYLE.get(slf)?;
    if style::is_native_style(&style_obj) {
        return style::style_format(&style_obj, record);
    }
    dispatch::call_method(&style_obj, intern!(py, "format"), (record,))
}

/// `time.localtime` and `time.strftime` as imported (the originals).
struct TimeFns {
    module: Py<PyModule>,
    localtime: Py<PyAny>,
    gmtime: Py<PyAny>,
    strftime: Py<PyAny>,
}

static TIME_FNS: PyOnceLock<TimeFns> = PyOnceLock::new();

fn time_fns(py: Python<'_>) -> PyResult<&TimeFns> {
    TIME_FNS.get_or_try_init(py, || -> PyResult<TimeFns> {
        let time = py.import("time")?;
        Ok(TimeFns {
            module: time.clone().unbind(),
            localtime: time.getattr("localtime")?.unbind(),
            gmtime: time.getattr("gmtime")?.unbind(),
            strftime: time.getattr("strftime")?.unbind(),
        })
    })
}

/// The per-second cache of `time.strftime(default_time_format, converter(created))`.
///
/// Used only when the converter is the original `time.localtime` or `time.gmtime`, the
/// module's `strftime` is the original, and the format holds only locale-independent numeric
/// directives. Local time also depends on the zone: the entry remembers `time.tzname`, which
/// `time.tzset()` rebinds, and the `TZ` environment variable (C `strftime` calls `tzset()`,
/// so a changed `TZ` takes effect even without `time.tzset()`), and is not used when either
/// changed.
struct TimeCache {
    second: i64,
    gmt: bool,
    fmt: Py<PyString>,
    tzname: Py<PyAny>,
    tz_env: Option<Vec<u8>>,
    text: Py<PyString>,
}

static TIME_CACHE: AttachedCell<Option<TimeCache>> = AttachedCell::new(None);

fn cacheable_time_format(fmt: &str) -> bool {
    let b = fmt.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 1 >= b.len() || !b"YmdHMS%".contains(&b[i + 1]) {
                return false;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    true
}

extern "C" {
    fn getenv(name: *const std::ffi::c_char) -> *const std::ffi::c_char;
}

/// The `TZ` environment variable as the C library's `tzset()` reads it (`getenv`, which is
/// what `putenv` from `os.environ` updates), borrowed from the environment.
///
/// # Safety
/// Attached (only code holding the interpreter changes the environment); the text is used
/// before any Python code runs.
unsafe fn tz_env<'a>() -> Option<&'a [u8]> {
    let p = getenv(c"TZ".as_ptr());
    (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_bytes())
}

/// A record's time field as `formatTime` reads it: its value straight from a native
/// record's clock (no float made), or the attribute's object.
enum TimeField<'py> {
    Native(Python<'py>, f64),
    Object(Bound<'py, PyAny>),
}

impl<'py> TimeField<'py> {
    /// `record.<field>` (`created` or `msecs`), read now.
    fn read(record: &Bound<'py, PyAny>, field: record::Field) -> PyResult<Self> {
        Ok(match record::native_time(record, field) {
            Some(value) => TimeField::Native(record.py(), value),
            None => TimeField::Object(record::field(record, field)?),
        })
    }

    /// The value read, as an object (a float equal to the attribute for a native value).
    fn object(&self) -> Bound<'py, PyAny> {
        match self {
            TimeField::Native(py, value) => PyFloat::new(*py, *value).into_any(),
            TimeField::Object(o) => o.clone(),
        }
    }

    /// The value when it is an exact float.
    fn exact_float(&self) -> PyResult<Option<f64>> {
        match self {
            TimeField::Native(_, value) => Ok(Some(*value)),
            TimeField::Object(o) if o.is_exact_instance_of::<PyFloat>() => Ok(Some(o.extract()?)),
            TimeField::Object(_) => Ok(None),
        }
    }
}

fn cached_strftime<'py>(
    py: Python<'py>,
    converter: &Bound<'py, PyAny>,
    created: &TimeField<'py>,
    fmt: &Bound<'py, PyAny>,
    strftime: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let fns = time_fns(py)?;
    let gmt = converter.is(fns.gmtime.bind(py));
    let local = converter.is(fns.localtime.bind(py));
    let eligible = (gmt || local) && strftime.is(fns.strftime.bind(py)) && fmt.is_exact_instance_of::<PyString>();
    let t = match created.exact_float()? {
        Some(t) if eligible && t.is_finite() && t.abs() <= 1e15 => t,
        _ => {
            let ct = converter.call1((created.object(),))?;
            return strftime.call1((fmt, ct));
        }
    };
    let fmt_s = fmt.cast::<PyString>()?;
    let second = t.floor() as i64;
    let tzname = TZNAME.get(fns.module.bind(py).as_any())?;
    // SAFETY: attached; compared below, and copied before the converter runs.
    let tz_env = if gmt { None } else { unsafe { tz_env() } };
    // Only a cacheable format is ever kept, so a kept entry for this format answers.
    let hit = TIME_CACHE.try_with(py, |cache| -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(c) = cache.as_ref() else { return Ok(None) };
        // (Comparing two exact strs runs no Python code.)
        let same = c.second == second
            && c.gmt == gmt
            && (gmt || (c.tzname.bind(py).is(&tzname) && c.tz_env.as_deref() == tz_env))
            && (c.fmt.bind(py).is(fmt_s) || c.fmt.bind(py).as_any().eq(fmt_s)?);
        Ok(same.then(|| c.text.bind(py).clone().into_any()))
    });
    if let Some(text) = hit.transpose()?.flatten() {
        return Ok(text);
    }
    if !fmt_s.to_str().is_ok_and(cacheable_time_format) {
        let ct = converter.call1((created.object(),))?;
        return strftime.call1((fmt, ct));
    }
    // Copied before the calls, which may change the environment.
    let tz_env = tz_env.map(<[u8]>::to_vec);
    let ct = converter.call1((created.object(),))?;
    let text = strftime.call1((fmt, ct))?;
    if let Ok(text_s) = text.cast::<PyString>() {
        let entry = TimeCache {
            second,
            gmt,
            fmt: fmt_s.clone().unbind(),
            tzname: tzname.unbind(),
            tz_env,
            text: text_s.clone().unbind(),
        };
        let replaced = TIME_CACHE.try_with(py, |cache| cache.replace(entry));
        drop(replaced);
    }
    Ok(text)
}

fn format_time_impl<'py>(
    slf: &Bound<'py, PyAny>,
    record: &Bound<'py, PyAny>,
    datefmt: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let converter = CONVERTER.get(slf)?;
    let created = TimeField::read(record, record::Field::Created)?;
    let time = state::global(py, intern!(py, "time"))?;
    let strftime = STRFTIME.get(&time)?;
    if let Some(datefmt) = datefmt {
        if datefmt.is_true()? {
            return cached_strftime(py, &converter, &created, datefmt, &strftime);
        }
    }
    let default_fmt = DEFAULT_TIME_FORMAT.get(slf)?;
    let s = cached_strftime(py, &converter, &created, &default_fmt, &strftime)?;
    let msec_fmt = DEFAULT_MSEC_FORMAT.get(slf)?;
    if !msec_fmt.is_true()? {
        return Ok(s);
    }
    let msecs = TimeField::read(record, record::Field::Msecs)?;
    if msec_fmt.is_exact_instance_of::<PyString>()
        && msec_fmt.cast::<PyString>()?.to_str().is_ok_and(|f| f == "%s,%03d")
        && s.is_exact_instance_of::<PyString>()
    {
        let whole = match (&msecs, msecs.exact_float()?) {
            (_, Some(v)) => (0.0..1000.0).contains(&v).then(|| v.trunc() as i64),
            (TimeField::Object(o), None) if o.is_exact_instance_of::<PyInt>() => {
                o.extract::<i64>().ok().filter(|v| (0..1000).contains(v))
            }
            _ => None,
        };
        if let Some(ms) = whole {
            // `%03d` of a value in [0, 1000): three digits, zero-padded.
            let tail = [b',', b'0' + (ms / 100) as u8, b'0' + (ms / 10 % 10) as u8, b'0' + (ms % 10) as u8];
            return append_ascii(s.cast::<PyString>()?, &tail);
        }
    }
    msec_fmt.rem(PyTuple::new(py, [s, msecs.object()])?)
}

/// `s + tail` for ASCII `tail`: one new str, the code units copied.
fn append_ascii<'py>(s: &Bound<'py, PyString>, tail: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let py = s.py();
    // SAFETY: attached; `s` is a live exact str; `out` is new (writable), sized for both and
    // of `s`'s kind or wider (ASCII tail).
    unsafe {
        let p = s.as_ptr();
        let (len, kind) = (ffi::PyUnicode_GET_LENGTH(p), ffi::PyUnicode_KIND(p));
        if ffi::PyUnicode_IS_ASCII(p) == 0 || kind != 1 {
            let tail = PyString::new(py, std::str::from_utf8(tail).unwrap_or_default());
            return s.as_any().add(tail);
        }
        let out = Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_New(len + tail.len() as ffi::Py_ssize_t, 0x7f))?;
        let data = ffi::PyUnicode_DATA(out.as_ptr()).cast::<u8>();
        std::ptr::copy_nonoverlapping(ffi::PyUnicode_DATA(p).cast::<u8>(), data, len as usize);
        std::ptr::copy_nonoverlapping(tail.as_ptr(), data.add(len as usize), tail.len());
        Ok(out)
    }
}

fn format_exception_impl<'py>(py: Python<'py>, ei: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let io = state::global(py, intern!(py, "io"))?;
    let traceback = state::global(py, intern!(py, "traceback"))?;
    let s = match joined_traceback(&traceback, &io)? {
        Some(format_exception) => {
            // "".join(traceback.format_exception(ei[0], ei[1], tb, limit=None)): the text
            // print_exception would print into the StringIO (below).
            // Natively when traceback.py would take the common steps (rust/traceback.rs).
            let (etype, value, tb) = (ei.get_item(0)?, ei.get_item(1)?, ei.get_item(2)?);
            match crate::traceback::format_exception(&value, &tb)? {
                Some(text) => text.into_any(),
                None => {
                    let lines = format_exception.call1((etype, value, tb, py.None()))?;
                    PyString::new(py, "").call_method1(intern!(py, "join"), (lines,))?
                }
            }
        }
        None => {
            let sio = io.call_method0(intern!(py, "StringIO"))?;
            let tb = ei.get_item(2)?;
            let print_exception = traceback.getattr(intern!(py, "print_exception"))?;
            let (etype, value) = (ei.get_item(0)?, ei.get_item(1)?);
            if state::minor(py) >= 13 {
                let kwargs = PyDict::new(py);
                kwargs.set_item(intern!(py, "limit"), py.None())?;
                kwargs.set_item(intern!(py, "file"), &sio)?;
                print_exception.call((etype, value, tb), Some(&kwargs))?;
            } else {
                print_exception.call1((etype, value, tb, py.None(), &sio))?;
            }
            let s = sio.call_method0(intern!(py, "getvalue"))?;
            sio.call_method0(intern!(py, "close"))?;
            s
        }
    };
    if !lacks_trailing_newline(&s)? {
        return strip_last(&s);
    }
    Ok(s)
}

/// The `builtins` module.
fn builtins(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static BUILTINS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    Ok(BUILTINS.get_or_try_init(py, || py.import("builtins").map(|m| m.into_any().unbind()))?.bind(py))
}

/// traceback.py's own functions and the builtins `print_exception` relies on, as found the
/// first time (and only when they were traceback.py's: defined in its file).
struct TracebackOriginals {
    print_exception: Py<PyAny>,
    format_exception: Py<PyAny>,
    /// `TracebackException.print` (3.11+: what `print_exception` calls), else None.
    tbe_print: Option<Py<PyAny>>,
    print: Py<PyAny>,
    string_io: Py<PyAny>,
}

/// `traceback.format_exception` when `traceback.print_exception(…, file=io.StringIO())`
/// would write exactly the lines it returns: both are still traceback.py's own functions,
/// `TracebackException.print` too (3.11+), the `print` they call is the builtin one and
/// `io.StringIO` is `_io.StringIO` — then `formatException` joins the lines instead of a
/// `print()` per line into a StringIO (the same text; the same exception, should formatting
/// fail). `None`: anything was replaced, the stdlib's calls are made.
fn joined_traceback<'py>(traceback: &Bound<'py, PyAny>, io: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    static ORIGINALS: PyOnceLock<Option<TracebackOriginals>> = PyOnceLock::new();
    let py = traceback.py();
    if !traceback.is_exact_instance_of::<pyo3::types::PyModule>() {
        return Ok(None);
    }
    let originals = ORIGINALS.get_or_try_init(py, || -> PyResult<Option<TracebackOriginals>> {
        let traceback = py.import("traceback")?.into_any();
        let file = traceback.getattr(intern!(py, "__file__"))?;
        let own = |f: &Bound<'py, PyAny>| -> PyResult<bool> {
            Ok(match f.getattr(intern!(py, "__code__")) {
                Ok(code) => code.getattr(intern!(py, "co_filename"))?.eq(&file)?,
                Err(_) => false,
            })
        };
        let print_exception = traceback.getattr(intern!(py, "print_exception"))?;
        let format_exception = traceback.getattr(intern!(py, "format_exception"))?;
        let tbe_print = if state::minor(py) >= 11 {
            let tbe = traceback.getattr(intern!(py, "TracebackException"))?;
            let print = tbe.getattr(intern!(py, "print"))?;
            if !own(&print)? {
                return Ok(None);
            }
            Some(print.unbind())
        } else {
            None
        };
        let print = builtins(py)?.getattr(intern!(py, "print"))?;
        let builtin = print.is_exact_instance_of::<pyo3::types::PyCFunction>();
        if !own(&print_exception)? || !own(&format_exception)? || !builtin {
            return Ok(None);
        }
        Ok(Some(TracebackOriginals {
            print_exception: print_exception.unbind(),
            format_exception: format_exception.unbind(),
            tbe_print,
            print: print.unbind(),
            string_io: py.import("_io")?.getattr(intern!(py, "StringIO"))?.unbind(),
        }))
    })?;
    let Some(o) = originals else { return Ok(None) };
    let format_exception = state::module_attr(traceback, intern!(py, "format_exception"))?;
    let unchanged = state::module_attr(traceback, intern!(py, "print_exception"))?.is(o.print_exception.bind(py))
        && format_exception.is(o.format_exception.bind(py))
        && !traceback.getattr(intern!(py, "__dict__"))?.contains(intern!(py, "print"))?
        && state::module_attr(builtins(py)?, intern!(py, "print"))?.is(o.print.bind(py))
        && state::module_attr(io, intern!(py, "StringIO"))?.is(o.string_io.bind(py))
        && match &o.tbe_print {
            Some(tbe_print) => state::module_attr(traceback, intern!(py, "TracebackException"))?
                .getattr(intern!(py, "print"))?
                .is(tbe_print.bind(py)),
            None => true,
        };
    Ok(unchanged.then_some(format_exception))
}

static FORMAT: dispatch::NativeMethod<Formatter> = dispatch::NativeMethod::new("format");

/// `fmt.format(record)`: the native body directly when `fmt.format` is `Formatter.format`.
pub fn call_format<'py>(fmt: &Bound<'py, PyAny>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if FORMAT.is_native(fmt) {
        format_impl(fmt, record)
    } else {
        FORMAT.call(fmt, (record,))
    }
}

/// The body of `Formatter.format`.
fn format_impl<'py>(slf: &Bound<'py, PyAny>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let message = crate::record::call_get_message(record)?;
    record::setattr(record, intern!(py, "message"), &message)?;
    let uses_time = if USES_TIME.is_native(slf) {
        uses_time_impl(slf)?
    } else {
        dispatch::call_method0(slf, intern!(py, "usesTime"))?
    };
    if uses_time.is_true()? {
        let datefmt = DATEFMT.get(slf)?;
        let asctime = if FORMAT_TIME.is_native(slf) {
            format_time_impl(slf, record, Some(&datefmt))?
        } else {
            dispatch::call_method(slf, intern!(py, "formatTime"), (record, datefmt))?
        };
        record::setattr(record, intern!(py, "asctime"), &asctime)?;
    }
    let mut s = if FORMAT_MESSAGE.is_native(slf) {
        format_message_impl(slf, record)?
    } else {
        dispatch::call_method(slf, intern!(py, "formatMessage"), (record,))?
    };
    let ahead = record::native_fields(record, [record::Field::ExcInfo, record::Field::ExcText, record::Field::StackInfo])?;
    if let Some([exc_info, exc_text, stack_info]) = ahead {
        if exc_info.is_none() && exc_text.is_none() {
            // No traceback: nothing runs between the three reads (the common record).
            return append_stack_info(slf, record, s, stack_info);
        }
    }
    if record::field(record, record::Field::ExcInfo)?.is_true()? {
        // Cache the traceback text to avoid converting it multiple times
        // (it's constant anyway)
        if !record::field(record, record::Field::ExcText)?.is_true()? {
            let ei = record::field(record, record::Field::ExcInfo)?;
            let text = if FORMAT_EXCEPTION.is_native(slf) {
                format_exception_impl(py, &ei)?
            } else {
                dispatch::call_method(slf, intern!(py, "formatException"), (ei,))?
            };
            record::setattr(record, intern!(py, "exc_text"), &text)?;
        }
    }
    if record::field(record, record::Field::ExcText)?.is_true()? {
        if lacks_trailing_newline(&s)? {
            s = s.add("\n")?;
        }
        s = s.add(record::field(record, record::Field::ExcText)?)?;
    }
    append_stack_info(slf, record, s, record::field(record, record::Field::StackInfo)?)
}

/// The end of `Formatter.format`: `record.stack_info` (read as `stack_info`), when set, on a
/// line of its own after `s`.
fn append_stack_info<'py>(
    slf: &Bound<'py, PyAny>,
    record: &Bound<'py, PyAny>,
    mut s: Bound<'py, PyAny>,
    stack_info: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    if stack_info.is_true()? {
        if lacks_trailing_newline(&s)? {
            s = s.add("\n")?;
        }
        // `self.formatStack(record.stack_info)` reads the attribute again.
        let stack_info = record::field(record, record::Field::StackInfo)?;
        let stack = if FORMAT_STACK.is_native(slf) {
            stack_info
        } else {
            dispatch::call_method(slf, intern!(py, "formatStack"), (stack_info,))?
        };
        s = s.add(stack)?;
    }
    Ok(s)
}

/// A formatter suitable for formatting a number of records.
#[pyclass(module = "logging", name = "BufferingFormatter", subclass, dict, weakref)]
pub struct BufferingFormatter {}

#[pymethods]
impl BufferingFormatter {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(linefmt=None)")]
    fn __new__(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        BufferingFormatter {}
    }

    /// Optionally specify a formatter which will be used to format each
    /// individual record.
    #[pyo3(signature = (linefmt = None))]
    fn __init__(slf: &Bound<'_, Self>, linefmt: Option<Bound<'_, PyAny>>) -> PyResult<()> {
        let py = slf.py();
        let linefmt = match linefmt {
            Some(l) if l.is_true()? => l,
            _ => state::global(py, intern!(py, "_defaultFormatter"))?,
        };
        slf.setattr(intern!(py, "linefmt"), linefmt)
    }

    /// Return the header string for the specified records.
    #[pyo3(name = "formatHeader")]
    #[allow(unused_variables)] // named as the stdlib's parameter: it may be passed by keyword
    fn format_header<'py>(slf: &Bound<'py, Self>, records: &Bound<'py, PyAny>) -> Bound<'py, PyString> {
        PyString::new(slf.py(), "")
    }

    /// Return the footer string for the specified records.
    #[pyo3(name = "formatFooter")]
    #[allow(unused_variables)] // named as the stdlib's parameter: it may be passed by keyword
    fn format_footer<'py>(slf: &Bound<'py, Self>, records: &Bound<'py, PyAny>) -> Bound<'py, PyString> {
        PyString::new(slf.py(), "")
    }

    /// Format the specified records and return the result as a string.
    fn format<'py>(slf: &Bound<'py, Self>, records: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let mut rv = PyString::new(py, "").into_any();
        if records.len()? > 0 {
            rv = rv.add(dispatch::call_method(slf.as_any(), intern!(py, "formatHeader"), (records,))?)?;
            for record in records.try_iter()? {
                let record = record?;
                let linefmt = dispatch::getattr(slf, intern!(py, "linefmt"))?;
                rv = rv.add(dispatch::call_method(&linefmt, intern!(py, "format"), (record,))?)?;
            }
            rv = rv.add(dispatch::call_method(slf.as_any(), intern!(py, "formatFooter"), (records,))?)?;
        }
        Ok(rv)
    }

    fn __getstate__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.getattr(intern!(slf.py(), "__dict__"))
    }

    fn __traverse__(&self, _visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        Ok(())
    }

    fn __clear__(&mut self) {}
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Formatter>()?;
    m.add_class::<BufferingFormatter>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cacheable_time_format;

    #[test]
    fn time_formats() {
        assert!(cacheable_time_format("%Y-%m-%d %H:%M:%S"));
        assert!(cacheable_time_format("%d/%m/%Y %%"));
        assert!(!cacheable_time_format("%a %b"));
        assert!(!cacheable_time_format("%Y%"));
        assert!(!cacheable_time_format("%z"));
    }
}
