//! `FileHandler`: a `StreamHandler` writing to a file it opens (at once or on first emit).

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::dispatch;
use crate::handler::{self, Arg, Handler};
use crate::state;
use crate::stream_handler::StreamHandler;

/// A handler class which writes formatted logging records to disk files.
#[pyclass(module = "logging", name = "FileHandler", extends = StreamHandler, subclass)]
pub struct FileHandler {}

impl FileHandler {
    /// The initializer native subclasses (`logging.handlers.*FileHandler`) chain from.
    pub fn initializer(py: Python<'_>) -> PyClassInitializer<FileHandler> {
        StreamHandler::initializer(py).add_subclass(FileHandler {})
    }

    /// The body of `FileHandler.__init__(self, filename, mode, encoding, delay, errors)`.
    pub fn init(
        slf: &Bound<'_, PyAny>,
        filename: &Bound<'_, PyAny>,
        mode: &Bound<'_, PyAny>,
        encoding: &Bound<'_, PyAny>,
        delay: &Bound<'_, PyAny>,
        errors: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let minor = state::minor(py);
        let os = state::global(py, intern!(py, "os"))?;
        // Issue #27493: add support for Path objects to be passed in
        let filename = os.call_method1(intern!(py, "fspath"), (filename,))?;
        // keep the absolute path, otherwise derived classes which use this
        // may come a cropper when the current directory changes
        let base = os.getattr(intern!(py, "path"))?.call_method1(intern!(py, "abspath"), (filename,))?;
        slf.setattr(intern!(py, "baseFilename"), base)?;
        slf.setattr(intern!(py, "mode"), mode)?;
        slf.setattr(intern!(py, "encoding"), encoding)?;
        if minor >= 10 && !mode.contains("b")? {
            let enc = text_encoding(py, encoding)?;
            slf.setattr(intern!(py, "encoding"), enc)?;
        }
        slf.setattr(intern!(py, "errors"), errors)?;
        slf.setattr(intern!(py, "delay"), delay)?;
        if minor >= 10 {
            // bpo-26789: keep a reference to the builtin open() to be able to open or
            // reopen the file during Python finalization.
            slf.setattr(intern!(py, "_builtin_open"), global_open(py)?)?;
        }
        if delay.is_truthy()? {
            // We don't open the stream, but we still need to call the Handler constructor
            // to set level, formatter, lock etc.
            Handler::init(slf, &handler::int(py, 0))?;
            slf.setattr(intern!(py, "stream"), py.None())
        } else {
            let stream = dispatch::call_method0(slf, intern!(py, "_open"))?;
            StreamHandler::init(slf, Some(&stream))
        }
    }

    /// The body of `FileHandler.close(self)`.
    pub fn close_impl(slf: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        handler::with_handler_lock(slf, || {
            let inner = (|| -> PyResult<()> {
                let stream = dispatch::getattr(slf, intern!(py, "stream"))?;
                if stream.is_truthy()? {
                    let flushed = dispatch::call_method0(slf, intern!(py, "flush")).map(|_| ());
                    // finally:
                    let closed = (|| -> PyResult<()> {
                        let stream = dispatch::getattr(slf, intern!(py, "stream"))?;
                        slf.setattr(intern!(py, "stream"), py.None())?;
                        if stream.hasattr(intern!(py, "close"))? {
                            stream.call_method0(intern!(py, "close"))?;
                        }
                        Ok(())
                    })();
                    closed?;
                    flushed?;
                }
                Ok(())
            })();
            // finally: Issue #19523: call unconditionally to prevent a handler leak when
            // delay is set (and Issue #42378: this sets self._closed).
            let base = Handler::close_impl(slf);
            base?;
            inner
        })
    }

    /// The body of `FileHandler._open(self)`.
    pub fn open_impl<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let open_func = if state::minor(py) >= 10 {
            dispatch::getattr(slf, intern!(py, "_builtin_open"))?
        } else {
            global_open(py)?
        };
        let kw = PyDict::new(py);
        kw.set_item("encoding", dispatch::getattr(slf, intern!(py, "encoding"))?)?;
        kw.set_item("errors", dispatch::getattr(slf, intern!(py, "errors"))?)?;
        open_func.call(
            (dispatch::getattr(slf, intern!(py, "baseFilename"))?, dispatch::getattr(slf, intern!(py, "mode"))?),
            Some(&kw),
        )
    }

    /// The body of `FileHandler.emit(self, record)`.
    pub fn emit_impl(slf: &Bound<'_, PyAny>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        if state::minor(py) < 10 {
            if dispatch::getattr(slf, intern!(py, "stream"))?.is_none() {
                let stream = dispatch::call_method0(slf, intern!(py, "_open"))?;
                slf.setattr(intern!(py, "stream"), stream)?;
            }
            return StreamHandler::emit_impl(slf, record);
        }
        if dispatch::getattr(slf, intern!(py, "stream"))?.is_none() {
            // Issue #42378: a closed handler in mode 'w' does not reopen (and truncate).
            let mode_not_w = dispatch::getattr(slf, intern!(py, "mode"))?.ne("w")?;
            if mode_not_w || !dispatch::getattr(slf, intern!(py, "_closed"))?.is_truthy()? {
                let stream = dispatch::call_method0(slf, intern!(py, "_open"))?;
                slf.setattr(intern!(py, "stream"), stream)?;
            }
        }
        if dispatch::getattr(slf, intern!(py, "stream"))?.is_truthy()? {
            StreamHandler::emit_impl(slf, record)?;
        }
        Ok(())
    }
}

/// `io.text_encoding(encoding)` through the module's `io` global.
pub fn text_encoding<'py>(py: Python<'py>, encoding: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    state::global(py, intern!(py, "io"))?.call_method1(intern!(py, "text_encoding"), (encoding,))
}

/// `open` looked up now as the stdlib's global name is: the `logging` module's own `open`
/// when one was set (`logging.open = FakeFile`, as logging_tree's tests do), else the builtin.
pub fn global_open(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    if let Some(open) = state::logging_module(py)?.dict().get_item(intern!(py, "open"))? {
        return Ok(open);
    }
    py.import(intern!(py, "builtins"))?.getattr(intern!(py, "open"))
}

#[pymethods]
impl FileHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(filename, mode='a', encoding=None, delay=False, errors=None)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<FileHandler> {
        FileHandler::initializer(py)
    }

    /// Open the specified file and use it as the stream for logging.
    #[pyo3(signature = (filename, mode = Arg::Default, encoding = None, delay = Arg::Default, errors = None))]
    fn __init__(
        slf: &Bound<'_, Self>,
        filename: &Bound<'_, PyAny>,
        mode: Arg<'_>,
        encoding: Option<&Bound<'_, PyAny>>,
        delay: Arg<'_>,
        errors: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let mode = mode.or_else(|| Ok(handler::pystr(py, "a")))?;
        let delay = delay.or_else(|| Ok(handler::pybool(py, false)))?;
        let none = py.None().into_bound(py);
        FileHandler::init(
            slf.as_any(),
            filename,
            &mode,
            encoding.unwrap_or(&none),
            &delay,
            errors.unwrap_or(&none),
        )
    }

    /// Closes the stream.
    fn close(slf: &Bound<'_, Self>) -> PyResult<()> {
        FileHandler::close_impl(slf.as_any())
    }

    /// Open the current base file with the (original) mode and encoding.
    /// Return the resulting stream.
    fn _open<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        FileHandler::open_impl(slf.as_any())
    }

    /// Emit a record.
    ///
    /// If the stream was not opened because 'delay' was specified in the
    /// constructor, open it before calling the superclass's emit.
    ///
    /// If stream is not open, current mode is 'w' and `_closed=True`, record
    /// will not be emitted (see Issue #42378).
    fn emit(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        FileHandler::emit_impl(slf.as_any(), record)
    }

    fn __repr__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let level = handler::get_level_name(py, &dispatch::getattr(slf, intern!(py, "level"))?)?;
        handler::pystr(py, "<%s %s (%s)>").rem((
            handler::class_name(slf.as_any())?,
            dispatch::getattr(slf, intern!(py, "baseFilename"))?,
            level,
        ))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<FileHandler>()?;
    Ok(())
}
