//! `StreamHandler` and `_StderrHandler` (the handler behind `lastResort`).
//!
//! The stream is the instance attribute `stream`; `terminator` is a class attribute users
//! reassign on the class or shadow on an instance, read at each emit.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};

use crate::dispatch::{self, Truth};
use crate::handler::{self, Arg, Handler};
use crate::state;

/// Attributes read on every record, each with its call-site cache.
static STREAM: dispatch::Attr = dispatch::Attr::new("stream");
static TERMINATOR: dispatch::Attr = dispatch::Attr::new("terminator");

/// The stream's methods, called on every record.
static WRITE: dispatch::MethodCall = dispatch::MethodCall::new("write");
static STREAM_FLUSH: dispatch::MethodCall = dispatch::MethodCall::new("flush");
static FLUSH: dispatch::NativeMethod<StreamHandler> = dispatch::NativeMethod::new("flush");

/// A handler class which writes logging records, appropriately formatted,
/// to a stream. Note that this class does not close the stream, as
/// sys.stdout or sys.stderr may be used.
#[pyclass(module = "logging", name = "StreamHandler", extends = Handler, subclass)]
pub struct StreamHandler {}

impl StreamHandler {
    /// The initializer native subclasses (`FileHandler`, …) chain from.
    pub fn initializer(py: Python<'_>) -> PyClassInitializer<StreamHandler> {
        Handler::initializer(py).add_subclass(StreamHandler {})
    }

    /// The body of `StreamHandler.__init__(self, stream)`.
    pub fn init(slf: &Bound<'_, PyAny>, stream: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let py = slf.py();
        Handler::init(slf, &handler::int(py, 0))?;
        let stream = match stream {
            Some(s) if !s.is_none() => s.clone(),
            _ => state::global(py, intern!(py, "sys"))?.getattr(intern!(py, "stderr"))?,
        };
        slf.setattr(intern!(py, "stream"), stream)
    }

    /// The body of `StreamHandler.emit(self, record)`.
    pub fn emit_impl(slf: &Bound<'_, PyAny>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let result = (|| -> PyResult<()> {
            let msg = handler::call_format(slf, record)?;
            let stream = STREAM.get(slf)?;
            // issue 35046: merged two stream.writes into one.
            if let Some(terminator) = TERMINATOR.cached(slf) {
                WRITE.call(&stream, &[&with_terminator(msg, &terminator)?])?;
            } else {
                // `stream.write(msg + self.terminator)` looks the method up before it reads
                // the terminator (seen by a property).
                let write = stream.getattr(WRITE.name(slf.py()))?;
                write.call1((with_terminator(msg, &TERMINATOR.get(slf)?)?,))?;
            }
            if FLUSH.is_native(slf) {
                StreamHandler::flush_impl(slf)?;
            } else {
                FLUSH.call(slf, ())?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => Ok(()),
            Err(e) => handler::emit_failed(slf, record, e),
        }
    }

    /// The body of `StreamHandler.flush(self)`.
    pub fn flush_impl(slf: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Some(stream) = STREAM.cached(slf) {
            if is_exact_string_io(&stream) && STREAM_FLUSH.calls_plain_method(&stream) && handler::lock_is_free(slf)? {
                // `StringIO.flush` runs no Python code: the lock around it could not be seen.
                return STREAM_FLUSH.call(&stream, &[]).map(drop);
            }
        }
        handler::with_handler_lock(slf, || {
            // `if self.stream and hasattr(self.stream, "flush"): self.stream.flush()`: three
            // reads of the attribute, one for a plain value.
            let (stream, plain) = STREAM.get_plain(slf)?;
            let again = |stream| if plain { Ok(stream) } else { STREAM.get(slf) };
            if stream.is_true()? {
                let stream = again(stream)?;
                if STREAM_FLUSH.present(&stream)? {
                    STREAM_FLUSH.call(&again(stream)?, &[])?;
                }
            }
            Ok(())
        })
    }
}

/// Whether `stream` is exactly an `io.StringIO` (whose methods are C functions).
fn is_exact_string_io(stream: &Bound<'_, PyAny>) -> bool {
    static STRING_IO: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let py = stream.py();
    STRING_IO
        .get_or_try_init(py, || -> PyResult<_> { Ok(py.import("_io")?.getattr("StringIO")?.cast_into::<PyType>()?.unbind()) })
        .is_ok_and(|cls| stream.get_type().is(cls.bind(py)))
}

/// `msg + terminator`, as one new str for two exact strs.
fn with_terminator<'py>(msg: Bound<'py, PyAny>, terminator: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if msg.is_exact_instance_of::<PyString>() && terminator.is_exact_instance_of::<PyString>() {
        // SAFETY: attached; both are live exact strs.
        return unsafe { crate::style::concat_exact_strs(msg.py(), &[msg.as_ptr(), terminator.as_ptr()]) };
    }
    msg.add(terminator)
}

#[pymethods]
impl StreamHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(stream=None)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<StreamHandler> {
        StreamHandler::initializer(py)
    }

    /// Initialize the handler.
    ///
    /// If stream is not specified, sys.stderr is used.
    #[pyo3(signature = (stream = None))]
    fn __init__(slf: &Bound<'_, Self>, stream: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        StreamHandler::init(slf.as_any(), stream)
    }

    #[classattr]
    fn terminator() -> &'static str {
        "\n"
    }

    /// Flushes the stream.
    fn flush(slf: &Bound<'_, Self>) -> PyResult<()> {
        StreamHandler::flush_impl(slf.as_any())
    }

    /// Emit a record.
    ///
    /// If a formatter is specified, it is used to format the record.
    /// The record is then written to the stream with a trailing newline.  If
    /// exception information is present, it is formatted using
    /// traceback.print_exception and appended to the stream.  If the stream
    /// has an 'encoding' attribute, it is used to determine how to do the
    /// output to the stream.
    fn emit(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        StreamHandler::emit_impl(slf.as_any(), record)
    }

    /// Sets the StreamHandler's stream to the specified value,
    /// if it is different.
    ///
    /// Returns the old stream, if the stream was changed, or None
    /// if it wasn't.
    #[pyo3(name = "setStream")]
    fn set_stream<'py>(slf: &Bound<'py, Self>, stream: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let slf = slf.as_any();
        let current = STREAM.get(slf)?;
        if stream.is(&current) {
            return Ok(py.None().into_bound(py));
        }
        handler::with_handler_lock(slf, || {
            dispatch::call_method0(slf, intern!(py, "flush"))?;
            slf.setattr(intern!(py, "stream"), stream)
        })?;
        Ok(current)
    }

    fn __repr__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let level = handler::get_level_name(py, &dispatch::getattr(slf, intern!(py, "level"))?)?;
        let stream = STREAM.get(slf)?;
        let name = match dispatch::getattr(&stream, intern!(py, "name")) {
            Ok(n) => n,
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(py) => handler::pystr(py, ""),
            Err(e) => return Err(e),
        };
        //  bpo-36015: name can be an int
        let mut name = name.str()?.into_any();
        if name.is_true()? {
            name = name.add(" ")?;
        }
        handler::pystr(py, "<%s %s(%s)>").rem((handler::class_name(slf.as_any())?, name, level))
    }
}

/// This class is like a StreamHandler using sys.stderr, but always uses
/// whatever sys.stderr is currently set to rather than the value of
/// sys.stderr at handler construction time.
#[pyclass(module = "logging", name = "_StderrHandler", extends = StreamHandler, subclass)]
pub struct StderrHandler {}

#[pymethods]
impl StderrHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(level=0)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<StderrHandler> {
        StreamHandler::initializer(py).add_subclass(StderrHandler {})
    }

    /// Initialize the handler.
    #[pyo3(signature = (level = Arg::Default))]
    fn __init__(slf: &Bound<'_, Self>, level: Arg<'_>) -> PyResult<()> {
        let py = slf.py();
        let level = level.or_else(|| Ok(handler::int(py, 0)))?;
        Handler::init(slf.as_any(), &level)
    }

    #[getter]
    fn stream<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        state::global(py, intern!(py, "sys"))?.getattr(intern!(py, "stderr"))
    }

    /// A read-only property, as the stdlib's.
    #[setter(stream)]
    fn stream_setter(slf: &Bound<'_, Self>, _value: &Bound<'_, PyAny>) -> PyResult<()> {
        Err(handler::property_error(slf.as_any(), "stream", "setter"))
    }

    #[deleter(stream)]
    fn stream_deleter(slf: &Bound<'_, Self>) -> PyResult<()> {
        Err(handler::property_error(slf.as_any(), "stream", "deleter"))
    }
}

/// `__class_getitem__ = classmethod(GenericAlias)` where the version has it (3.11+).
pub fn add_class_getitem(cls: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = cls.py();
    if state::minor(py) >= 11 {
        let alias = py.import("types")?.getattr("GenericAlias")?;
        let cm = py.import("builtins")?.getattr("classmethod")?.call1((alias,))?;
        cls.setattr("__class_getitem__", cm)?;
    }
    Ok(())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<StreamHandler>()?;
    m.add_class::<StderrHandler>()?;
    add_class_getitem(&m.getattr("StreamHandler")?)?;
    Ok(())
}
