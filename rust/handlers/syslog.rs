//! `SysLogHandler`.
//!
//! Up to 3.10 the socket is created inside `__init__` and there is no `createSocket`; from
//! 3.11 `__init__` calls `createSocket()` (also called again by `emit` when there is no socket).

use pyo3::exceptions::PyOSError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::dispatch;
use crate::handler::{self, Arg, Handler};
use crate::state;

fn socket_mod(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    super::global(py, intern!(py, "socket"))
}

/// A handler class which sends formatted logging records to a syslog
/// server. Based on Sam Rushing's syslog module:
/// http://www.nightmare.com/squirl/python-ext/misc/syslog.py
/// Contributed by Nicolas Untz (after which minor refactoring changes
/// have been made).
#[pyclass(module = "logging.handlers", name = "SysLogHandler", extends = Handler, subclass)]
pub struct SysLogHandler {}

/// `socket.socket(AF_UNIX, socktype)` then `connect(address)`, closing it on failure.
fn unix_connect<'py>(slf: &Bound<'py, PyAny>, address: &Bound<'py, PyAny>, socktype: &Bound<'py, PyAny>) -> PyResult<()> {
    let py = slf.py();
    let socket = socket_mod(py)?;
    let sock = socket
        .getattr(intern!(py, "socket"))?
        .call1((socket.getattr(intern!(py, "AF_UNIX"))?, socktype))?;
    slf.setattr(intern!(py, "socket"), &sock)?;
    match sock.call_method1(intern!(py, "connect"), (address,)) {
        Ok(_) => {
            // it worked, so set self.socktype to the used type
            slf.setattr(intern!(py, "socktype"), socktype)
        }
        Err(e) => {
            if e.is_instance_of::<PyOSError>(py) {
                slf.getattr(intern!(py, "socket"))?.call_method0(intern!(py, "close"))?;
            }
            Err(e)
        }
    }
}

/// The socket creation of `__init__` (≤3.10) / `createSocket` (3.11+).
fn create_socket_body(slf: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = slf.py();
    let socket = socket_mod(py)?;
    let address = slf.getattr(intern!(py, "address"))?;
    let mut socktype = slf.getattr(intern!(py, "socktype"))?;
    if address.is_instance_of::<PyString>() {
        slf.setattr(intern!(py, "unixsocket"), true)?;
        match dispatch::call_method(slf, intern!(py, "_connect_unixsocket"), (&address,)) {
            Err(e) if e.is_instance_of::<PyOSError>(py) => {}
            other => {
                other?;
            }
        }
        return Ok(());
    }
    slf.setattr(intern!(py, "unixsocket"), false)?;
    if socktype.is_none() {
        socktype = socket.getattr(intern!(py, "SOCK_DGRAM"))?;
    }
    let (host, port): (Bound<'_, PyAny>, Bound<'_, PyAny>) = {
        let mut it = address.try_iter()?;
        let host = it.next().ok_or_else(|| pyo3::exceptions::PyValueError::new_err("not enough values to unpack (expected 2, got 0)"))??;
        let port = it.next().ok_or_else(|| pyo3::exceptions::PyValueError::new_err("not enough values to unpack (expected 2, got 1)"))??;
        if it.next().is_some() {
            return Err(pyo3::exceptions::PyValueError::new_err("too many values to unpack (expected 2)"));
        }
        (host, port)
    };
    let ress = socket.call_method1(intern!(py, "getaddrinfo"), (host, port, 0, &socktype))?;
    if !ress.is_truthy()? {
        return Err(PyOSError::new_err("getaddrinfo returns an empty list"));
    }
    let mut err: Option<PyErr> = None;
    let mut sock = py.None().into_bound(py);
    for res in ress.try_iter()? {
        let res = res?;
        let af = res.get_item(0)?;
        socktype = res.get_item(1)?;
        let proto = res.get_item(2)?;
        let sa = res.get_item(4)?;
        err = None;
        sock = py.None().into_bound(py);
        let attempt = (|| -> PyResult<()> {
            sock = socket.getattr(intern!(py, "socket"))?.call1((af, &socktype, proto))?;
            if socktype.eq(socket.getattr(intern!(py, "SOCK_STREAM"))?)? {
                sock.call_method1(intern!(py, "connect"), (sa,))?;
            }
            Ok(())
        })();
        match attempt {
            Ok(()) => break,
            Err(e) if e.is_instance_of::<PyOSError>(py) => {
                err = Some(e);
                if !sock.is_none() {
                    sock.call_method0(intern!(py, "close"))?;
                }
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(e) = err {
        return Err(e);
    }
    slf.setattr(intern!(py, "socket"), sock)?;
    slf.setattr(intern!(py, "socktype"), socktype)
}

#[pymethods]
impl SysLogHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(address=('localhost', 514), facility=1, socktype=None)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<SysLogHandler> {
        Handler::initializer(py).add_subclass(SysLogHandler {})
    }

    /// Initialize a handler.
    ///
    /// If address is specified as a string, a UNIX socket is used. To log to a
    /// local syslogd, "SysLogHandler(address="/dev/log")" can be used.
    /// If facility is not specified, LOG_USER is used. If socktype is
    /// specified as socket.SOCK_DGRAM or socket.SOCK_STREAM, that specific
    /// socket type will be used. For Unix sockets, you can also specify a
    /// socktype of None, in which case socket.SOCK_DGRAM will be used, falling
    /// back to socket.SOCK_STREAM.
    #[pyo3(signature = (address = Arg::Default, facility = Arg::Default, socktype = None))]
    fn __init__(slf: &Bound<'_, Self>, address: Arg<'_>, facility: Arg<'_>, socktype: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let address = address.or_else(|| Ok(("localhost", 514).into_pyobject(py)?.into_any()))?;
        let facility = facility.or_else(|| Ok(handler::int(py, 1)))?;
        Handler::init(slf, &handler::int(py, 0))?;
        slf.setattr(intern!(py, "address"), address)?;
        slf.setattr(intern!(py, "facility"), facility)?;
        slf.setattr(intern!(py, "socktype"), socktype.cloned().unwrap_or_else(|| py.None().into_bound(py)))?;
        if state::minor(py) >= 11 {
            slf.setattr(intern!(py, "socket"), py.None())?;
            dispatch::call_method0(slf, intern!(py, "createSocket"))?;
            Ok(())
        } else {
            create_socket_body(slf)
        }
    }

    fn _connect_unixsocket(slf: &Bound<'_, Self>, address: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let socktype = slf.getattr(intern!(py, "socktype"))?;
        let use_socktype = if socktype.is_none() { socket_mod(py)?.getattr(intern!(py, "SOCK_DGRAM"))? } else { socktype };
        match unix_connect(slf, address, &use_socktype) {
            Err(e) if e.is_instance_of::<PyOSError>(py) => {
                if !slf.getattr(intern!(py, "socktype"))?.is_none() {
                    // user didn't specify falling back, so fail
                    return Err(e);
                }
                let stream = socket_mod(py)?.getattr(intern!(py, "SOCK_STREAM"))?;
                unix_connect(slf, address, &stream)
            }
            other => other,
        }
    }

    /// Try to create a socket and, if it's not a datagram socket, connect it
    /// to the other end. This method is called during handler initialization,
    /// but it's not regarded as an error if the other end isn't listening yet
    /// --- the method will be called again when emitting an event,
    /// if there is no socket at that point.
    #[pyo3(name = "createSocket")]
    fn create_socket(slf: &Bound<'_, Self>) -> PyResult<()> {
        create_socket_body(slf.as_any())
    }

    /// Encode the facility and priority. You can pass in strings or
    /// integers - if strings are passed, the facility_names and
    /// priority_names mapping dictionaries are used to convert them to
    /// integers.
    #[pyo3(name = "encodePriority")]
    fn encode_priority<'py>(slf: &Bound<'py, Self>, facility: &Bound<'py, PyAny>, priority: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let mut facility = facility.clone();
        let mut priority = priority.clone();
        if facility.is_instance_of::<PyString>() {
            facility = slf.getattr(intern!(py, "facility_names"))?.get_item(&facility)?;
        }
        if priority.is_instance_of::<PyString>() {
            priority = slf.getattr(intern!(py, "priority_names"))?.get_item(&priority)?;
        }
        facility.lshift(3)?.bitor(priority)
    }

    /// Closes the socket.
    fn close(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let new = state::minor(py) >= 11;
        handler::with_handler_lock(slf, || {
            if new {
                let sock = slf.getattr(intern!(py, "socket"))?;
                if sock.is_truthy()? {
                    slf.setattr(intern!(py, "socket"), py.None())?;
                    sock.call_method0(intern!(py, "close"))?;
                }
            } else {
                slf.getattr(intern!(py, "socket"))?.call_method0(intern!(py, "close"))?;
            }
            Handler::close_impl(slf)
        })
    }

    /// Map a logging level name to a key in the priority_names map.
    /// This is useful in two scenarios: when custom levels are being
    /// used, and in the case where you can't do a straightforward
    /// mapping by lowercasing the logging level name because of locale-
    /// specific issues (see SF #1524081).
    #[pyo3(name = "mapPriority")]
    #[allow(non_snake_case)]
    fn map_priority<'py>(slf: &Bound<'py, Self>, levelName: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        slf.getattr(intern!(py, "priority_map"))?.call_method1(intern!(py, "get"), (levelName, "warning"))
    }

    /// Emit a record.
    ///
    /// The record is formatted, and then sent to the syslog server. If
    /// exception information is present, it is NOT sent to the server.
    fn emit(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let result = (|| -> PyResult<()> {
            let mut msg = dispatch::call_method(slf, intern!(py, "format"), (record,))?;
            let ident = slf.getattr(intern!(py, "ident"))?;
            if ident.is_truthy()? {
                msg = ident.add(msg)?;
            }
            if slf.getattr(intern!(py, "append_nul"))?.is_truthy()? {
                msg = msg.add("\0")?;
            }
            let mapped = dispatch::call_method(slf, intern!(py, "mapPriority"), (record.getattr(intern!(py, "levelname"))?,))?;
            let code = dispatch::call_method(slf, intern!(py, "encodePriority"), (slf.getattr(intern!(py, "facility"))?, mapped))?;
            let prio = handler::pystr(py, "<%d>").rem((code,))?.call_method1(intern!(py, "encode"), ("utf-8",))?;
            let msg = prio.add(msg.call_method1(intern!(py, "encode"), ("utf-8",))?)?;
            if state::minor(py) >= 11 && !slf.getattr(intern!(py, "socket"))?.is_truthy()? {
                dispatch::call_method0(slf, intern!(py, "createSocket"))?;
            }
            if slf.getattr(intern!(py, "unixsocket"))?.is_truthy()? {
                if let Err(e) = slf.getattr(intern!(py, "socket"))?.call_method1(intern!(py, "send"), (&msg,)) {
                    if !e.is_instance_of::<PyOSError>(py) {
                        return Err(e);
                    }
                    slf.getattr(intern!(py, "socket"))?.call_method0(intern!(py, "close"))?;
                    dispatch::call_method(slf, intern!(py, "_connect_unixsocket"), (slf.getattr(intern!(py, "address"))?,))?;
                    slf.getattr(intern!(py, "socket"))?.call_method1(intern!(py, "send"), (&msg,))?;
                }
            } else if slf.getattr(intern!(py, "socktype"))?.eq(socket_mod(py)?.getattr(intern!(py, "SOCK_DGRAM"))?)? {
                slf.getattr(intern!(py, "socket"))?
                    .call_method1(intern!(py, "sendto"), (&msg, slf.getattr(intern!(py, "address"))?))?;
            } else {
                slf.getattr(intern!(py, "socket"))?.call_method1(intern!(py, "sendall"), (&msg,))?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => Ok(()),
            Err(e) => handler::call_handle_error(slf, record, e),
        }
    }
}

const PRIORITIES: [(&str, i64); 8] = [
    ("LOG_EMERG", 0), ("LOG_ALERT", 1), ("LOG_CRIT", 2), ("LOG_ERR", 3),
    ("LOG_WARNING", 4), ("LOG_NOTICE", 5), ("LOG_INFO", 6), ("LOG_DEBUG", 7),
];

const FACILITIES: [(&str, i64); 24] = [
    ("LOG_KERN", 0), ("LOG_USER", 1), ("LOG_MAIL", 2), ("LOG_DAEMON", 3), ("LOG_AUTH", 4),
    ("LOG_SYSLOG", 5), ("LOG_LPR", 6), ("LOG_NEWS", 7), ("LOG_UUCP", 8), ("LOG_CRON", 9),
    ("LOG_AUTHPRIV", 10), ("LOG_FTP", 11), ("LOG_NTP", 12), ("LOG_SECURITY", 13),
    ("LOG_CONSOLE", 14), ("LOG_SOLCRON", 15), ("LOG_LOCAL0", 16), ("LOG_LOCAL1", 17),
    ("LOG_LOCAL2", 18), ("LOG_LOCAL3", 19), ("LOG_LOCAL4", 20), ("LOG_LOCAL5", 21),
    ("LOG_LOCAL6", 22), ("LOG_LOCAL7", 23),
];

const PRIORITY_NAMES: [(&str, i64); 12] = [
    ("alert", 1), ("crit", 2), ("critical", 2), ("debug", 7), ("emerg", 0), ("err", 3),
    ("error", 3), ("info", 6), ("notice", 5), ("panic", 0), ("warn", 4), ("warning", 4),
];

const FACILITY_NAMES: [(&str, i64); 24] = [
    ("auth", 4), ("authpriv", 10), ("console", 14), ("cron", 9), ("daemon", 3), ("ftp", 11),
    ("kern", 0), ("lpr", 6), ("mail", 2), ("news", 7), ("ntp", 12), ("security", 13),
    ("solaris-cron", 15), ("syslog", 5), ("user", 1), ("uucp", 8), ("local0", 16),
    ("local1", 17), ("local2", 18), ("local3", 19), ("local4", 20), ("local5", 21),
    ("local6", 22), ("local7", 23),
];

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<SysLogHandler>()?;
    let cls = m.getattr("SysLogHandler")?;
    for (name, v) in PRIORITIES.iter().chain(FACILITIES.iter()) {
        cls.setattr(*name, *v)?;
    }
    let priority_names = PyDict::new(py);
    for (k, v) in PRIORITY_NAMES {
        priority_names.set_item(k, v)?;
    }
    cls.setattr("priority_names", priority_names)?;
    let facility_names = PyDict::new(py);
    for (k, v) in FACILITY_NAMES {
        facility_names.set_item(k, v)?;
    }
    cls.setattr("facility_names", facility_names)?;
    let priority_map = PyDict::new(py);
    for (k, v) in [("DEBUG", "debug"), ("INFO", "info"), ("WARNING", "warning"), ("ERROR", "error"), ("CRITICAL", "critical")] {
        priority_map.set_item(k, v)?;
    }
    cls.setattr("priority_map", priority_map)?;
    cls.setattr("ident", "")?; // prepended to all messages
    cls.setattr("append_nul", true)?; // some old syslog daemons expect a NUL terminator
    if state::minor(py) <= 10 {
        cls.delattr("createSocket")?;
    }
    Ok(())
}
