//! `WatchedFileHandler`.

use pyo3::exceptions::PyFileNotFoundError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::dispatch;
use crate::file_handler::{self, FileHandler};
use crate::handler::{self, Arg};
use crate::state;

/// A handler for logging to a file, which watches the file
/// to see if it has changed while in use. This can happen because of
/// usage of programs such as newsyslog and logrotate which perform
/// log file rotation. This handler, intended for use under Unix,
/// watches the file to see if it has changed since the last emit.
/// (A file has changed if its device or inode have changed.)
/// If it has changed, the old file stream is closed, and the file
/// opened to get a new stream.
///
/// This handler is not appropriate for use under Windows, because
/// under Windows open files cannot be moved or renamed - logging
/// opens the files with exclusive locks - and so there is no need
/// for such a handler.
///
/// This handler is based on a suggestion and patch by Chad J.
/// Schroeder.
#[pyclass(module = "logging.handlers", name = "WatchedFileHandler", extends = FileHandler, subclass)]
pub struct WatchedFileHandler {}

#[pymethods]
impl WatchedFileHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(filename, mode='a', encoding=None, delay=False, errors=None)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<WatchedFileHandler> {
        FileHandler::initializer(py).add_subclass(WatchedFileHandler {})
    }

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
        let slf = slf.as_any();
        let none = py.None().into_bound(py);
        let mode = mode.or_else(|| Ok(handler::pystr(py, "a")))?;
        let delay = delay.or_else(|| Ok(handler::pybool(py, false)))?;
        let mut encoding = encoding.cloned().unwrap_or_else(|| none.clone());
        if state::minor(py) >= 10 && !mode.contains("b")? {
            encoding = file_handler::text_encoding(py, &encoding)?;
        }
        FileHandler::init(slf, filename, &mode, &encoding, &delay, errors.unwrap_or(&none))?;
        slf.setattr(intern!(py, "dev"), -1)?;
        slf.setattr(intern!(py, "ino"), -1)?;
        dispatch::call_method0(slf, intern!(py, "_statstream"))?;
        Ok(())
    }

    fn _statstream(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let stream = slf.getattr(intern!(py, "stream"))?;
        let skip = if state::minor(py) >= 13 { stream.is_none() } else { !stream.is_truthy()? };
        if skip {
            return Ok(());
        }
        let fileno = stream.call_method0(intern!(py, "fileno"))?;
        let sres = super::global(py, intern!(py, "os"))?.call_method1(intern!(py, "fstat"), (fileno,))?;
        slf.setattr(intern!(py, "dev"), sres.getattr(intern!(py, "st_dev"))?)?;
        slf.setattr(intern!(py, "ino"), sres.getattr(intern!(py, "st_ino"))?)
    }

    /// Reopen log file if needed.
    ///
    /// Checks if the underlying file has changed, and if it
    /// has, close the old stream and reopen the file to get the
    /// current stream.
    #[pyo3(name = "reopenIfNeeded")]
    fn reopen_if_needed(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let new_rules = state::minor(py) >= 13;
        if new_rules && slf.getattr(intern!(py, "stream"))?.is_none() {
            return Ok(());
        }
        // Reduce the chance of race conditions by stat'ing by path only once and then
        // fstat'ing our new fd if we opened a new log stream (issue #14632).
        let os = super::global(py, intern!(py, "os"))?;
        let reopen = match os.call_method1(intern!(py, "stat"), (slf.getattr(intern!(py, "baseFilename"))?,)) {
            // (before 3.13 `not sres or sres[ST_DEV] != self.dev or …`: a stat result is never false)
            Ok(sres) => {
                sres.getattr(intern!(py, "st_dev"))?.ne(slf.getattr(intern!(py, "dev"))?)?
                    || sres.getattr(intern!(py, "st_ino"))?.ne(slf.getattr(intern!(py, "ino"))?)?
            }
            Err(e) if e.is_instance_of::<PyFileNotFoundError>(py) => true,
            Err(e) => return Err(e),
        };
        if !reopen {
            return Ok(());
        }
        let stream = slf.getattr(intern!(py, "stream"))?;
        if stream.is_none() {
            return Ok(());
        }
        // we have an open file handle, clean it up
        stream.call_method0(intern!(py, "flush"))?;
        slf.getattr(intern!(py, "stream"))?.call_method0(intern!(py, "close"))?;
        slf.setattr(intern!(py, "stream"), py.None())?; // See Issue #21742: _open () might fail.
        // open a new file handle and get new stat info from that fd
        let stream = dispatch::call_method0(slf, intern!(py, "_open"))?;
        slf.setattr(intern!(py, "stream"), stream)?;
        dispatch::call_method0(slf, intern!(py, "_statstream"))?;
        Ok(())
    }

    /// Emit a record.
    ///
    /// If underlying file has changed, reopen the file before emitting the
    /// record to it.
    fn emit(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        dispatch::call_method0(slf.as_any(), intern!(py, "reopenIfNeeded"))?;
        FileHandler::emit_impl(slf.as_any(), record)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WatchedFileHandler>()?;
    Ok(())
}
