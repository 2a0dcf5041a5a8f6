//! `BufferingHandler` and `MemoryHandler`.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::dispatch;
use crate::handler::{self, Arg, Handler};

/// A handler class which buffers logging records in memory. Whenever each
/// record is added to the buffer, a check is made to see if the buffer should
/// be flushed. If it should, then flush() is expected to do what's needed.
#[pyclass(module = "logging.handlers", name = "BufferingHandler", extends = Handler, subclass)]
pub struct BufferingHandler {}

impl BufferingHandler {
    pub fn initializer(py: Python<'_>) -> PyClassInitializer<BufferingHandler> {
        Handler::initializer(py).add_subclass(BufferingHandler {})
    }

    /// The body of `BufferingHandler.__init__(self, capacity)`.
    pub fn init(slf: &Bound<'_, PyAny>, capacity: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        Handler::init(slf, &handler::int(py, 0))?;
        slf.setattr(intern!(py, "capacity"), capacity)?;
        slf.setattr(intern!(py, "buffer"), PyList::empty(py))
    }

    /// `len(self.buffer) >= self.capacity`, as the object the comparison returns.
    fn buffer_full<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let n = slf.getattr(intern!(py, "buffer"))?.len()?;
        handler::int(py, n as i64).rich_compare(slf.getattr(intern!(py, "capacity"))?, CompareOp::Ge)
    }

    /// The body of `BufferingHandler.close(self)`.
    pub fn close_impl(slf: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let flushed = dispatch::call_method0(slf, intern!(py, "flush")).map(|_| ());
        Handler::close_impl(slf)?;
        flushed
    }
}

#[pymethods]
impl BufferingHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(capacity)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<BufferingHandler> {
        BufferingHandler::initializer(py)
    }

    /// Initialize the handler with the buffer size.
    fn __init__(slf: &Bound<'_, Self>, capacity: &Bound<'_, PyAny>) -> PyResult<()> {
        BufferingHandler::init(slf.as_any(), capacity)
    }

    /// Should the handler flush its buffer?
    ///
    /// Returns true if the buffer is up to capacity. This method can be
    /// overridden to implement custom flushing strategies.
    #[pyo3(name = "shouldFlush")]
    #[allow(unused_variables)] // named as the stdlib's parameter: it may be passed by keyword
    fn should_flush<'py>(slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        BufferingHandler::buffer_full(slf.as_any())
    }

    /// Emit a record.
    ///
    /// Append the record. If shouldFlush() tells us to, call flush() to process
    /// the buffer.
    fn emit(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        slf.getattr(intern!(py, "buffer"))?.call_method1(intern!(py, "append"), (record,))?;
        if dispatch::call_method(slf, intern!(py, "shouldFlush"), (record,))?.is_truthy()? {
            dispatch::call_method0(slf, intern!(py, "flush"))?;
        }
        Ok(())
    }

    /// Override to implement custom flushing behaviour.
    ///
    /// This version just zaps the buffer to empty.
    fn flush(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        handler::with_handler_lock(slf, || {
            slf.getattr(intern!(py, "buffer"))?.call_method0(intern!(py, "clear"))?;
            Ok(())
        })
    }

    /// Close the handler.
    ///
    /// This version just flushes and chains to the parent class' close().
    fn close(slf: &Bound<'_, Self>) -> PyResult<()> {
        BufferingHandler::close_impl(slf.as_any())
    }
}

/// A handler class which buffers logging records in memory, periodically
/// flushing them to a target handler. Flushing occurs whenever the buffer
/// is full, or when an event of a certain severity or greater is seen.
#[pyclass(module = "logging.handlers", name = "MemoryHandler", extends = BufferingHandler, subclass)]
pub struct MemoryHandler {}

#[pymethods]
impl MemoryHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(capacity, flushLevel=40, target=None, flushOnClose=True)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<MemoryHandler> {
        BufferingHandler::initializer(py).add_subclass(MemoryHandler {})
    }

    /// Initialize the handler with the buffer size, the level at which
    /// flushing should occur and an optional target.
    ///
    /// Note that without a target being set either here or via setTarget(),
    /// a MemoryHandler is no use to anyone!
    ///
    /// The ``flushOnClose`` argument is ``True`` for backward compatibility
    /// reasons - the old behaviour is that when the handler is closed, the
    /// buffer is flushed, even if the flush level hasn't been exceeded nor the
    /// capacity exceeded. To prevent this, set ``flushOnClose`` to ``False``.
    #[pyo3(signature = (capacity, flushLevel = Arg::Default, target = None, flushOnClose = Arg::Default))]
    #[allow(non_snake_case)]
    fn __init__(
        slf: &Bound<'_, Self>,
        capacity: &Bound<'_, PyAny>,
        flushLevel: Arg<'_>,
        target: Option<&Bound<'_, PyAny>>,
        flushOnClose: Arg<'_>,
    ) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        BufferingHandler::init(slf, capacity)?;
        slf.setattr(intern!(py, "flushLevel"), flushLevel.or_else(|| Ok(handler::int(py, 40)))?)?;
        slf.setattr(intern!(py, "target"), target.cloned().unwrap_or_else(|| py.None().into_bound(py)))?;
        // See Issue #26559 for why this has been added
        slf.setattr(intern!(py, "flushOnClose"), flushOnClose.or_else(|| Ok(handler::pybool(py, true)))?)
    }

    /// Check for buffer full or a record at the flushLevel or higher.
    #[pyo3(name = "shouldFlush")]
    fn should_flush<'py>(slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let full = BufferingHandler::buffer_full(slf.as_any())?;
        if full.is_truthy()? {
            return Ok(full);
        }
        record
            .getattr(intern!(py, "levelno"))?
            .rich_compare(slf.getattr(intern!(py, "flushLevel"))?, CompareOp::Ge)
    }

    /// Set the target handler for this handler.
    #[pyo3(name = "setTarget")]
    fn set_target(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        handler::with_handler_lock(slf, || slf.setattr(intern!(py, "target"), target))
    }

    /// For a MemoryHandler, flushing means just sending the buffered
    /// records to the target, if there is one. Override if you want
    /// different behaviour.
    ///
    /// The record buffer is only cleared if a target has been set.
    fn flush(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        handler::with_handler_lock(slf, || {
            let target = slf.getattr(intern!(py, "target"))?;
            if target.is_truthy()? {
                let buffer = slf.getattr(intern!(py, "buffer"))?;
                for record in buffer.try_iter()? {
                    // `self.target` is read once per record, as the stdlib does.
                    let target = slf.getattr(intern!(py, "target"))?;
                    dispatch::call_method(&target, intern!(py, "handle"), (record?,))?;
                }
                slf.getattr(intern!(py, "buffer"))?.call_method0(intern!(py, "clear"))?;
            }
            Ok(())
        })
    }

    /// Flush, if appropriately configured, set the target to None and lose the
    /// buffer.
    fn close(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let flushed = (|| -> PyResult<()> {
            if slf.getattr(intern!(py, "flushOnClose"))?.is_truthy()? {
                dispatch::call_method0(slf, intern!(py, "flush"))?;
            }
            Ok(())
        })();
        handler::with_handler_lock(slf, || {
            slf.setattr(intern!(py, "target"), py.None())?;
            BufferingHandler::close_impl(slf)
        })?;
        flushed
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<BufferingHandler>()?;
    m.add_class::<MemoryHandler>()?;
    Ok(())
}
