//! `QueueHandler` and `QueueListener`.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::dispatch::{self, NativeMethod};
use crate::handler::{self, Arg, Handler};
use crate::record;
use crate::state;

static PREPARE: NativeMethod<QueueHandler> = NativeMethod::new("prepare");
static ENQUEUE: NativeMethod<QueueHandler> = NativeMethod::new("enqueue");
static QUEUE: dispatch::Attr = dispatch::Attr::new("queue");
static PUT_NOWAIT: dispatch::MethodCall = dispatch::MethodCall::new("put_nowait");

static DEQUEUE: NativeMethod<QueueListener> = NativeMethod::new("dequeue");
static HANDLE: NativeMethod<QueueListener> = NativeMethod::new("handle");
static LISTENER_PREPARE: NativeMethod<QueueListener> = NativeMethod::new("prepare");
static HANDLER_HANDLE: NativeMethod<Handler> = NativeMethod::new("handle");
static LISTENER_QUEUE: dispatch::Attr = dispatch::Attr::new("queue");
static HANDLERS: dispatch::Attr = dispatch::Attr::new("handlers");
static RESPECT_HANDLER_LEVEL: dispatch::Attr = dispatch::Attr::new("respect_handler_level");
static SENTINEL: dispatch::Attr = dispatch::Attr::new("_sentinel");
static GET: dispatch::MethodCall = dispatch::MethodCall::new("get");
static TASK_DONE: dispatch::MethodCall = dispatch::MethodCall::new("task_done");

/// This handler sends events to a queue. Typically, it would be used together
/// with a multiprocessing Queue to centralise logging to file in one process
/// (in a multi-process application), so as to avoid file write contention
/// between processes.
///
/// This code is new in Python 3.2, but this class can be copy pasted into
/// user code for use with earlier Python versions.
#[pyclass(module = "logging.handlers", name = "QueueHandler", extends = Handler, subclass)]
pub struct QueueHandler {}

#[pymethods]
impl QueueHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(queue)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<QueueHandler> {
        Handler::initializer(py).add_subclass(QueueHandler {})
    }

    /// Initialise an instance, using the passed queue.
    fn __init__(slf: &Bound<'_, Self>, queue: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        Handler::init(slf, &handler::int(py, 0))?;
        slf.setattr(intern!(py, "queue"), queue)?;
        if state::minor(py) >= 12 {
            // will be set to listener if configured via dictConfig()
            slf.setattr(intern!(py, "listener"), py.None())?;
        }
        Ok(())
    }

    /// Enqueue a record.
    ///
    /// The base implementation uses put_nowait. You may want to override
    /// this method if you want to use blocking, timeouts or custom queue
    /// implementations.
    fn enqueue(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        QueueHandler::enqueue_impl(slf.as_any(), record)
    }

    /// Prepare a record for queuing. The object returned by this method is
    /// enqueued.
    ///
    /// The base implementation formats the record to merge the message and
    /// arguments, and removes unpickleable items from the record in-place.
    /// Specifically, it overwrites the record's `msg` and
    /// `message` attributes with the merged message (obtained by
    /// calling the handler's `format` method), and sets the `args`,
    /// `exc_info` and `exc_text` attributes to None.
    ///
    /// You might want to override this method if you want to convert
    /// the record to a dict or JSON string, or send a modified copy
    /// of the record while leaving the original intact.
    fn prepare<'py>(slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        QueueHandler::prepare_impl(slf.as_any(), record)
    }

    /// Emit a record.
    ///
    /// Writes the LogRecord to the queue, preparing it for pickling first.
    fn emit(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        QueueHandler::emit_impl(slf.as_any(), record)
    }
}

impl QueueHandler {
    /// The body of `QueueHandler.emit`: `self.enqueue(self.prepare(record))`, errors to
    /// `handleError`.
    pub fn emit_impl(slf: &Bound<'_, PyAny>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let result = (|| -> PyResult<()> {
            let prepared = if PREPARE.is_native(slf) {
                QueueHandler::prepare_impl(slf, record)?
            } else {
                PREPARE.call(slf, (record,))?
            };
            if ENQUEUE.is_native(slf) {
                QueueHandler::enqueue_impl(slf, &prepared)
            } else {
                ENQUEUE.call(slf, (prepared,)).map(|_| ())
            }
        })();
        match result {
            Ok(()) => Ok(()),
            Err(e) => handler::call_handle_error(slf, record, e),
        }
    }

    /// The body of `QueueHandler.enqueue`: `self.queue.put_nowait(record)`.
    fn enqueue_impl(slf: &Bound<'_, PyAny>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        PUT_NOWAIT.call(&QUEUE.get(slf)?, &[record])?;
        Ok(())
    }

    /// The body of `QueueHandler.prepare`.
    fn prepare_impl<'py>(slf: &Bound<'py, PyAny>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        // The format operation gets traceback text into record.exc_text (if there's
        // exception data), and also returns the formatted message.
        let msg = handler::call_format(slf, record)?;
        // bpo-35726: make copy of record to avoid affecting other handlers in the chain.
        let copy = super::global(py, intern!(py, "copy"))?.getattr(intern!(py, "copy"))?;
        let record = match record::copy_natively(&copy, record)? {
            Some(copied) => copied,
            None => copy.call1((record,))?,
        };
        record.setattr(intern!(py, "message"), &msg)?;
        record.setattr(intern!(py, "msg"), &msg)?;
        record.setattr(intern!(py, "args"), py.None())?;
        record.setattr(intern!(py, "exc_info"), py.None())?;
        record.setattr(intern!(py, "exc_text"), py.None())?;
        if state::minor(py) >= 10 {
            record.setattr(intern!(py, "stack_info"), py.None())?;
        }
        Ok(record)
    }
}

/// This class implements an internal threaded listener which watches for
/// LogRecords being added to a queue, removes them and passes them to a
/// list of handlers for processing.
#[pyclass(module = "logging.handlers", name = "QueueListener", subclass, dict, weakref)]
pub struct QueueListener {}

#[pymethods]
impl QueueListener {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(queue, *handlers, respect_handler_level=False)")]
    fn __new__(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> QueueListener {
        QueueListener {}
    }

    #[classattr]
    fn _sentinel(py: Python<'_>) -> Py<PyAny> {
        py.None()
    }

    /// Initialise an instance with the specified queue and
    /// handlers.
    #[pyo3(signature = (queue, *handlers, respect_handler_level = Arg::Default))]
    fn __init__(
        slf: &Bound<'_, Self>,
        queue: &Bound<'_, PyAny>,
        handlers: &Bound<'_, PyTuple>,
        respect_handler_level: Arg<'_>,
    ) -> PyResult<()> {
        let py = slf.py();
        let respect_handler_level = respect_handler_level.or_else(|| Ok(handler::pybool(py, false)))?;
        slf.setattr(intern!(py, "queue"), queue)?;
        slf.setattr(intern!(py, "handlers"), handlers)?;
        slf.setattr(intern!(py, "_thread"), py.None())?;
        slf.setattr(intern!(py, "respect_handler_level"), respect_handler_level)
    }

    /// Dequeue a record and return it, optionally blocking.
    ///
    /// The base implementation uses get. You may want to override this method
    /// if you want to use timeouts or work with custom queue implementations.
    fn dequeue<'py>(slf: &Bound<'py, Self>, block: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        GET.call(&LISTENER_QUEUE.get(slf.as_any())?, &[block])
    }

    /// Start the listener.
    ///
    /// This starts up a background thread to monitor the queue for
    /// LogRecords to process.
    fn start(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let kw = PyDict::new(py);
        kw.set_item("target", slf.getattr(intern!(py, "_monitor"))?)?;
        let t = super::global(py, intern!(py, "threading"))?
            .getattr(intern!(py, "Thread"))?
            .call((), Some(&kw))?;
        slf.setattr(intern!(py, "_thread"), &t)?;
        t.setattr(intern!(py, "daemon"), true)?;
        t.call_method0(intern!(py, "start"))?;
        Ok(())
    }

    /// Prepare a record for handling.
    ///
    /// This method just returns the passed-in record. You may want to
    /// override this method if you need to do any custom marshalling or
    /// manipulation of the record before passing it to the handlers.
    fn prepare<'py>(_slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> Bound<'py, PyAny> {
        record.clone()
    }

    /// Handle a record.
    ///
    /// This just loops through the handlers offering them the record
    /// to handle.
    fn handle(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        QueueListener::handle_impl(slf.as_any(), record)
    }

    /// Monitor the queue for records, and ask the handler
    /// to deal with them.
    ///
    /// This method runs on a separate, internal thread.
    /// The thread will terminate if it sees a sentinel object in the queue.
    fn _monitor(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let q = slf.getattr(intern!(py, "queue"))?;
        let has_task_done = q.hasattr(intern!(py, "task_done"))?;
        let empty = super::global(py, intern!(py, "queue"))?.getattr(intern!(py, "Empty"))?;
        let block = handler::pybool(py, true);
        loop {
            let step = (|| -> PyResult<bool> {
                let record = if DEQUEUE.is_native(slf) {
                    GET.call(&LISTENER_QUEUE.get(slf)?, &[&block])?
                } else {
                    DEQUEUE.call(slf, (&block,))?
                };
                if record.is(&SENTINEL.get(slf)?) {
                    if has_task_done {
                        TASK_DONE.call(&q, &[])?;
                    }
                    return Ok(false);
                }
                if HANDLE.is_native(slf) {
                    QueueListener::handle_impl(slf, &record)?;
                } else {
                    HANDLE.call(slf, (&record,))?;
                }
                if has_task_done {
                    TASK_DONE.call(&q, &[])?;
                }
                Ok(true)
            })();
            match step {
                Ok(true) => continue,
                Ok(false) => break,
                Err(e) if e.matches(py, &empty)? => break,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// This is used to enqueue the sentinel record.
    ///
    /// The base implementation uses put_nowait. You may want to override this
    /// method if you want to use timeouts or work with custom queue
    /// implementations.
    fn enqueue_sentinel(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let sentinel = slf.getattr(intern!(py, "_sentinel"))?;
        slf.getattr(intern!(py, "queue"))?.call_method1(intern!(py, "put_nowait"), (sentinel,))?;
        Ok(())
    }

    /// Stop the listener.
    ///
    /// This asks the thread to terminate, and then waits for it to do so.
    /// Note that if you don't call this before your application exits, there
    /// may be some records still left on the queue, which won't be processed.
    fn stop(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        // gh-114706 (3.13, backported to 3.12.2 and 3.11.8): allow calling this more than once.
        if (super::at_least(py, 12, 2) || (state::minor(py) == 11 && super::at_least(py, 11, 8)))
            && !slf.getattr(intern!(py, "_thread"))?.is_truthy()?
        {
            return Ok(());
        }
        dispatch::call_method0(slf, intern!(py, "enqueue_sentinel"))?;
        slf.getattr(intern!(py, "_thread"))?.call_method0(intern!(py, "join"))?;
        slf.setattr(intern!(py, "_thread"), py.None())
    }
}

impl QueueListener {
    /// The body of `QueueListener.handle`.
    fn handle_impl(slf: &Bound<'_, PyAny>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let record = if LISTENER_PREPARE.is_native(slf) {
            record.clone()
        } else {
            LISTENER_PREPARE.call(slf, (record,))?
        };
        for handler in HANDLERS.get(slf)?.try_iter()? {
            let handler = handler?;
            let process = if !RESPECT_HANDLER_LEVEL.get(slf)?.is_truthy()? {
                true
            } else {
                record
                    .getattr(intern!(py, "levelno"))?
                    .ge(handler.getattr(intern!(py, "level"))?)?
            };
            if process {
                if HANDLER_HANDLE.is_native(&handler) {
                    Handler::handle_impl(&handler, &record)?;
                } else {
                    HANDLER_HANDLE.call(&handler, (&record,))?;
                }
            }
        }
        Ok(())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<QueueHandler>()?;
    m.add_class::<QueueListener>()?;
    Ok(())
}
