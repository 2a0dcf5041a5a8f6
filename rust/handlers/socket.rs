//! `SocketHandler` and `DatagramHandler`: pickled record dictionaries over a socket.

use pyo3::exceptions::PyOSError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::dispatch;
use crate::handler::{self, Arg, Handler};

fn socket_mod(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    super::global(py, intern!(py, "socket"))
}

/// A handler class which writes logging records, in pickle format, to
/// a streaming socket. The socket is kept open across logging calls.
/// If the peer resets it, an attempt is made to reconnect on the next call.
/// The pickle which is sent is that of the LogRecord's attribute dictionary
/// (__dict__), so that the receiver does not need to have the logging module
/// installed in order to process the logging event.
///
/// To unpickle the record at the receiving end into a LogRecord, use the
/// makeLogRecord function.
#[pyclass(module = "logging.handlers", name = "SocketHandler", extends = Handler, subclass)]
pub struct SocketHandler {}

impl SocketHandler {
    pub fn initializer(py: Python<'_>) -> PyClassInitializer<SocketHandler> {
        Handler::initializer(py).add_subclass(SocketHandler {})
    }

    fn init(slf: &Bound<'_, PyAny>, host: &Bound<'_, PyAny>, port: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        Handler::init(slf, &handler::int(py, 0))?;
        slf.setattr(intern!(py, "host"), host)?;
        slf.setattr(intern!(py, "port"), port)?;
        if port.is_none() {
            slf.setattr(intern!(py, "address"), host)?;
        } else {
            slf.setattr(intern!(py, "address"), (host, port))?;
        }
        slf.setattr(intern!(py, "sock"), py.None())?;
        slf.setattr(intern!(py, "closeOnError"), false)?;
        slf.setattr(intern!(py, "retryTime"), py.None())?;
        slf.setattr(intern!(py, "retryStart"), 1.0)?;
        slf.setattr(intern!(py, "retryMax"), 30.0)?;
        slf.setattr(intern!(py, "retryFactor"), 2.0)
    }
}

#[pymethods]
impl SocketHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(host, port)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<SocketHandler> {
        SocketHandler::initializer(py)
    }

    /// Initializes the handler with a specific host address and port.
    ///
    /// When the attribute *closeOnError* is set to True - if a socket error
    /// occurs, the socket is silently closed and then reopened on the next
    /// logging call.
    fn __init__(slf: &Bound<'_, Self>, host: &Bound<'_, PyAny>, port: &Bound<'_, PyAny>) -> PyResult<()> {
        SocketHandler::init(slf.as_any(), host, port)
    }

    /// A factory method which allows subclasses to define the precise
    /// type of socket they want.
    #[pyo3(name = "makeSocket", signature = (timeout = Arg::Default), text_signature = "($self, timeout=1)")]
    fn make_socket<'py>(slf: &Bound<'py, Self>, timeout: Arg<'py>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let timeout = timeout.or_else(|| Ok(handler::int(py, 1)))?;
        let socket = socket_mod(py)?;
        let address = slf.getattr(intern!(py, "address"))?;
        if !slf.getattr(intern!(py, "port"))?.is_none() {
            let kw = PyDict::new(py);
            kw.set_item("timeout", &timeout)?;
            socket.getattr(intern!(py, "create_connection"))?.call((address,), Some(&kw))
        } else {
            let result = socket.getattr(intern!(py, "socket"))?.call1((
                socket.getattr(intern!(py, "AF_UNIX"))?,
                socket.getattr(intern!(py, "SOCK_STREAM"))?,
            ))?;
            result.call_method1(intern!(py, "settimeout"), (&timeout,))?;
            if let Err(e) = result.call_method1(intern!(py, "connect"), (address,)) {
                if e.is_instance_of::<PyOSError>(py) {
                    result.call_method0(intern!(py, "close"))?; // Issue 19182
                }
                return Err(e);
            }
            Ok(result)
        }
    }

    /// Try to create a socket, using an exponential backoff with
    /// a max retry time. Thanks to Robert Olson for the original patch
    /// (SF #815911) which has been slightly refactored.
    #[pyo3(name = "createSocket")]
    fn create_socket(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let now = super::global(py, intern!(py, "time"))?.call_method0(intern!(py, "time"))?;
        let retry_time = slf.getattr(intern!(py, "retryTime"))?;
        let attempt = if retry_time.is_none() { true } else { now.ge(&retry_time)? };
        if attempt {
            match dispatch::call_method0(slf, intern!(py, "makeSocket")) {
                Ok(sock) => {
                    slf.setattr(intern!(py, "sock"), sock)?;
                    slf.setattr(intern!(py, "retryTime"), py.None())?; // next time, no delay before trying
                }
                Err(e) if e.is_instance_of::<PyOSError>(py) => {
                    if slf.getattr(intern!(py, "retryTime"))?.is_none() {
                        slf.setattr(intern!(py, "retryPeriod"), slf.getattr(intern!(py, "retryStart"))?)?;
                    } else {
                        let period = slf
                            .getattr(intern!(py, "retryPeriod"))?
                            .mul(slf.getattr(intern!(py, "retryFactor"))?)?;
                        slf.setattr(intern!(py, "retryPeriod"), &period)?;
                        if period.gt(slf.getattr(intern!(py, "retryMax"))?)? {
                            slf.setattr(intern!(py, "retryPeriod"), slf.getattr(intern!(py, "retryMax"))?)?;
                        }
                    }
                    slf.setattr(intern!(py, "retryTime"), now.add(slf.getattr(intern!(py, "retryPeriod"))?)?)?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Send a pickled string to the socket.
    ///
    /// This function allows for partial sends which can happen when the
    /// network is busy.
    fn send(slf: &Bound<'_, Self>, s: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        if slf.getattr(intern!(py, "sock"))?.is_none() {
            dispatch::call_method0(slf, intern!(py, "createSocket"))?;
        }
        let sock = slf.getattr(intern!(py, "sock"))?;
        if sock.is_truthy()? {
            if let Err(e) = sock.call_method1(intern!(py, "sendall"), (s,)) {
                if !e.is_instance_of::<PyOSError>(py) {
                    return Err(e);
                }
                slf.getattr(intern!(py, "sock"))?.call_method0(intern!(py, "close"))?;
                slf.setattr(intern!(py, "sock"), py.None())?; // so we can call createSocket next time
            }
        }
        Ok(())
    }

    /// Pickles the record in binary format with a length prefix, and
    /// returns it ready for transmission across the socket.
    #[pyo3(name = "makePickle")]
    fn make_pickle<'py>(slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let ei = record.getattr(intern!(py, "exc_info"))?;
        if ei.is_truthy()? {
            // just to get traceback text into record.exc_text ...
            dispatch::call_method(slf.as_any(), intern!(py, "format"), (record,))?;
        }
        let d = PyDict::new(py);
        d.update(record.getattr(intern!(py, "__dict__"))?.cast::<pyo3::types::PyMapping>()?)?;
        d.set_item("msg", dispatch::call_method0(record, intern!(py, "getMessage"))?)?;
        d.set_item("args", py.None())?;
        d.set_item("exc_info", py.None())?;
        // Issue #25685: delete 'message' if present: redundant with 'msg'
        d.call_method1(intern!(py, "pop"), ("message", py.None()))?;
        let s = super::global(py, intern!(py, "pickle"))?.call_method1(intern!(py, "dumps"), (&d, 1))?;
        let slen = super::global(py, intern!(py, "struct"))?.call_method1(intern!(py, "pack"), (">L", s.len()?))?;
        slen.add(s)
    }

    /// Handle an error during logging.
    ///
    /// An error has occurred during logging. Most likely cause -
    /// connection lost. Close the socket so that we can retry on the
    /// next event.
    #[pyo3(name = "handleError")]
    fn handle_error(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        if slf.getattr(intern!(py, "closeOnError"))?.is_truthy()? && slf.getattr(intern!(py, "sock"))?.is_truthy()? {
            slf.getattr(intern!(py, "sock"))?.call_method0(intern!(py, "close"))?;
            slf.setattr(intern!(py, "sock"), py.None()) // try to reconnect next time
        } else {
            Handler::handle_error_impl(slf, record)
        }
    }

    /// Emit a record.
    ///
    /// Pickles the record and writes it to the socket in binary format.
    /// If there is an error with the socket, silently drop the packet.
    /// If there was a problem with the socket, re-establishes the
    /// socket.
    fn emit(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let result = dispatch::call_method(slf, intern!(py, "makePickle"), (record,))
            .and_then(|s| dispatch::call_method(slf, intern!(py, "send"), (s,)));
        match result {
            Ok(_) => Ok(()),
            Err(e) => handler::call_handle_error(slf, record, e),
        }
    }

    /// Closes the socket.
    fn close(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        handler::with_handler_lock(slf, || {
            let sock = slf.getattr(intern!(py, "sock"))?;
            if sock.is_truthy()? {
                slf.setattr(intern!(py, "sock"), py.None())?;
                sock.call_method0(intern!(py, "close"))?;
            }
            Handler::close_impl(slf)
        })
    }
}

/// A handler class which writes logging records, in pickle format, to
/// a datagram socket.  The pickle which is sent is that of the LogRecord's
/// attribute dictionary (__dict__), so that the receiver does not need to
/// have the logging module installed in order to process the logging event.
///
/// To unpickle the record at the receiving end into a LogRecord, use the
/// makeLogRecord function.
#[pyclass(module = "logging.handlers", name = "DatagramHandler", extends = SocketHandler, subclass)]
pub struct DatagramHandler {}

#[pymethods]
impl DatagramHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(host, port)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<DatagramHandler> {
        SocketHandler::initializer(py).add_subclass(DatagramHandler {})
    }

    /// Initializes the handler with a specific host address and port.
    fn __init__(slf: &Bound<'_, Self>, host: &Bound<'_, PyAny>, port: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        SocketHandler::init(slf.as_any(), host, port)?;
        slf.setattr(intern!(py, "closeOnError"), false)
    }

    /// The factory method of SocketHandler is here overridden to create
    /// a UDP socket (SOCK_DGRAM).
    #[pyo3(name = "makeSocket")]
    fn make_socket<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let socket = socket_mod(py)?;
        let family = if slf.getattr(intern!(py, "port"))?.is_none() {
            socket.getattr(intern!(py, "AF_UNIX"))?
        } else {
            socket.getattr(intern!(py, "AF_INET"))?
        };
        socket
            .getattr(intern!(py, "socket"))?
            .call1((family, socket.getattr(intern!(py, "SOCK_DGRAM"))?))
    }

    /// Send a pickled string to a socket.
    ///
    /// This function no longer allows for partial sends which can happen
    /// when the network is busy - UDP does not guarantee delivery and
    /// can deliver packets out of sequence.
    fn send(slf: &Bound<'_, Self>, s: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        if slf.getattr(intern!(py, "sock"))?.is_none() {
            dispatch::call_method0(slf, intern!(py, "createSocket"))?;
        }
        slf.getattr(intern!(py, "sock"))?
            .call_method1(intern!(py, "sendto"), (s, slf.getattr(intern!(py, "address"))?))?;
        Ok(())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SocketHandler>()?;
    m.add_class::<DatagramHandler>()?;
    Ok(())
}
