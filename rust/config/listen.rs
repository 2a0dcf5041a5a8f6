//! `listen` / `stopListening`: the socket server for on-the-fly reconfiguration.
//!
//! The stdlib defines three local classes in `listen()` — `ConfigStreamHandler`
//! (a `socketserver.StreamRequestHandler`), `ConfigSocketReceiver` (a
//! `socketserver.ThreadingTCPServer`) and `Server` (a `threading.Thread`). They subclass
//! Python classes, so they are built with `type(...)` on first use, with native methods.

use pyo3::exceptions::{PyAssertionError, PyOSError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

use super::converting::make_type;
use super::{config_module, in_except, is_exception};
use crate::module_functions::default_object;
use crate::state;

static NATIVE_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
static CLASSES: PyOnceLock<(Py<PyType>, Py<PyType>, Py<PyType>)> = PyOnceLock::new();

const DEFAULT_LOGGING_CONFIG_PORT: i64 = 9030;

/// `ConfigStreamHandler`, `ConfigSocketReceiver`, `Server`.
fn classes(py: Python<'_>) -> PyResult<(Bound<'_, PyType>, Bound<'_, PyType>, Bound<'_, PyType>)> {
    let (h, r, s) = CLASSES.get_or_try_init(py, || -> PyResult<_> {
        let m = NATIVE_MODULE
            .get(py)
            .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("logixde: logging.config is not initialised"))?
            .bind(py);
        let socketserver = py.import(intern!(py, "socketserver"))?;
        let handler = make_type(
            py,
            "ConfigStreamHandler",
            "listen.<locals>.ConfigStreamHandler",
            Some(
                "\n        Handler for a logging configuration request.\n\n        It expects a completely new \
                 logging configuration and uses fileConfig\n        to install it.\n        ",
            ),
            PyTuple::new(py, [socketserver.getattr(intern!(py, "StreamRequestHandler"))?])?,
            vec![wrap_pyfunction!(handler_handle, m)?.into_any()],
            vec![],
        )?;
        let receiver = make_type(
            py,
            "ConfigSocketReceiver",
            "listen.<locals>.ConfigSocketReceiver",
            Some("\n        A simple TCP socket-based logging config receiver.\n        "),
            PyTuple::new(py, [socketserver.getattr(intern!(py, "ThreadingTCPServer"))?])?,
            vec![
                wrap_pyfunction!(receiver_init, m)?.into_any(),
                wrap_pyfunction!(receiver_serve_until_stopped, m)?.into_any(),
            ],
            vec![("allow_reuse_address", 1i32.into_pyobject(py)?.into_any())],
        )?;
        let server = make_type(
            py,
            "Server",
            "listen.<locals>.Server",
            None,
            PyTuple::new(py, [py.import(intern!(py, "threading"))?.getattr(intern!(py, "Thread"))?])?,
            vec![wrap_pyfunction!(server_init, m)?.into_any(), wrap_pyfunction!(server_run, m)?.into_any()],
            vec![],
        )?;
        Ok((handler.unbind(), receiver.unbind(), server.unbind()))
    })?;
    Ok((h.bind(py).clone(), r.bind(py).clone(), s.bind(py).clone()))
}

/// Handle a request.
///
/// Each request is expected to be a 4-byte length, packed using
/// struct.pack(">L", n), followed by the config file.
/// Uses fileConfig() to do the grunt work.
#[pyfunction]
#[pyo3(name = "handle", text_signature = "(self)")]
fn handler_handle(slf: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = slf.py();
    let body = || -> PyResult<()> {
        let conn = slf.getattr(intern!(py, "connection"))?;
        let mut chunk = conn.call_method1(intern!(py, "recv"), (4,))?;
        if chunk.len()? == 4 {
            let slen = py
                .import(intern!(py, "struct"))?
                .call_method1(intern!(py, "unpack"), (">L", &chunk))?
                .get_item(0)?;
            chunk = slf.getattr(intern!(py, "connection"))?.call_method1(intern!(py, "recv"), (&slen,))?;
            while chunk.len()?.into_pyobject(py)?.lt(&slen)? {
                let missing = slen.sub(chunk.len()?)?;
                chunk = chunk.add(conn.call_method1(intern!(py, "recv"), (missing,))?)?;
            }
            let server = slf.getattr(intern!(py, "server"))?;
            let verify = server.getattr(intern!(py, "verify"))?;
            if !verify.is_none() {
                chunk = server.getattr(intern!(py, "verify"))?.call1((&chunk,))?;
            }
            if !chunk.is_none() {
                // verified, can process
                let text = chunk.call_method1(intern!(py, "decode"), ("utf-8",))?;
                let as_dict = || -> PyResult<()> {
                    let d = py.import(intern!(py, "json"))?.call_method1(intern!(py, "loads"), (&text,))?;
                    if !d.is_instance(&py.get_type::<PyDict>())? {
                        return Err(PyAssertionError::new_err(()));
                    }
                    config_module(py)?.getattr(intern!(py, "dictConfig"))?.call1((d,))?;
                    Ok(())
                };
                match as_dict() {
                    Ok(()) => {}
                    Err(e) if is_exception(py, &e) => {
                        // Apply new configuration.
                        in_except(py, &e, || {
                            let file = py.import(intern!(py, "io"))?.getattr(intern!(py, "StringIO"))?.call1((&text,))?;
                            match config_module(py)?.getattr(intern!(py, "fileConfig"))?.call1((file,)) {
                                Ok(_) => Ok(()),
                                Err(e2) if is_exception(py, &e2) => in_except(py, &e2, || {
                                    py.import(intern!(py, "traceback"))?.call_method0(intern!(py, "print_exc"))?;
                                    Ok(())
                                }),
                                Err(e2) => Err(e2),
                            }
                        })?;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let server = slf.getattr(intern!(py, "server"))?;
        let ready = server.getattr(intern!(py, "ready"))?;
        if ready.is_truthy()? {
            server.getattr(intern!(py, "ready"))?.call_method0(intern!(py, "set"))?;
        }
        Ok(())
    };
    match body() {
        Err(e) if e.is_instance_of::<PyOSError>(py) => {
            let errno = e.value(py).getattr(intern!(py, "errno"))?;
            let reset = config_module(py)?.getattr(intern!(py, "RESET_ERROR"))?;
            if errno.ne(reset)? {
                return Err(e);
            }
            Ok(())
        }
        other => other,
    }
}

#[pyfunction]
#[pyo3(
    name = "__init__",
    signature = (slf, host = default_object("localhost"), port = default_object(DEFAULT_LOGGING_CONFIG_PORT), handler = None, ready = None, verify = None),
    text_signature = "(self, host='localhost', port=9030, handler=None, ready=None, verify=None)"
)]
fn receiver_init(
    slf: &Bound<'_, PyAny>,
    host: Py<PyAny>,
    port: Py<PyAny>,
    handler: Option<&Bound<'_, PyAny>>,
    ready: Option<&Bound<'_, PyAny>>,
    verify: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let py = slf.py();
    py.import(intern!(py, "socketserver"))?
        .getattr(intern!(py, "ThreadingTCPServer"))?
        .call_method1(intern!(py, "__init__"), (slf, (host, port), handler))?;
    state::with_module_lock(py, || slf.setattr(intern!(py, "abort"), 0))?;
    slf.setattr(intern!(py, "timeout"), 1)?;
    slf.setattr(intern!(py, "ready"), ready)?;
    slf.setattr(intern!(py, "verify"), verify)?;
    Ok(())
}

#[pyfunction]
#[pyo3(name = "serve_until_stopped", text_signature = "(self)")]
fn receiver_serve_until_stopped(slf: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = slf.py();
    let select = py.import(intern!(py, "select"))?;
    let mut abort = 0i32.into_pyobject(py)?.into_any();
    while !abort.is_truthy()? {
        let fileno = slf.getattr(intern!(py, "socket"))?.call_method0(intern!(py, "fileno"))?;
        let ready = select.call_method1(
            intern!(py, "select"),
            (
                PyList::new(py, [fileno])?,
                PyList::empty(py),
                PyList::empty(py),
                slf.getattr(intern!(py, "timeout"))?,
            ),
        )?;
        let (rd, _wr, _ex) = ready.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
        if rd.is_truthy()? {
            slf.call_method0(intern!(py, "handle_request"))?;
        }
        abort = state::with_module_lock(py, || slf.getattr(intern!(py, "abort")))?;
    }
    slf.call_method0(intern!(py, "server_close"))?;
    Ok(())
}

#[pyfunction]
#[pyo3(name = "__init__", text_signature = "(self, rcvr, hdlr, port, verify)")]
fn server_init(
    slf: &Bound<'_, PyAny>,
    rcvr: &Bound<'_, PyAny>,
    hdlr: &Bound<'_, PyAny>,
    port: &Bound<'_, PyAny>,
    verify: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let py = slf.py();
    let (_, _, server_cls) = classes(py)?;
    py.import(intern!(py, "builtins"))?
        .getattr(intern!(py, "super"))?
        .call1((server_cls, slf))?
        .call_method0(intern!(py, "__init__"))?;
    slf.setattr(intern!(py, "rcvr"), rcvr)?;
    slf.setattr(intern!(py, "hdlr"), hdlr)?;
    slf.setattr(intern!(py, "port"), port)?;
    slf.setattr(intern!(py, "verify"), verify)?;
    let event = py.import(intern!(py, "threading"))?.getattr(intern!(py, "Event"))?.call0()?;
    slf.setattr(intern!(py, "ready"), event)?;
    Ok(())
}

#[pyfunction]
#[pyo3(name = "run", text_signature = "(self)")]
fn server_run(slf: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = slf.py();
    let kwargs = PyDict::new(py);
    kwargs.set_item("port", slf.getattr(intern!(py, "port"))?)?;
    kwargs.set_item("handler", slf.getattr(intern!(py, "hdlr"))?)?;
    kwargs.set_item("ready", slf.getattr(intern!(py, "ready"))?)?;
    kwargs.set_item("verify", slf.getattr(intern!(py, "verify"))?)?;
    let server = slf.getattr(intern!(py, "rcvr"))?.call((), Some(&kwargs))?;
    if slf.getattr(intern!(py, "port"))?.eq(0)? {
        let port = server.getattr(intern!(py, "server_address"))?.get_item(1)?;
        slf.setattr(intern!(py, "port"), port)?;
    }
    slf.getattr(intern!(py, "ready"))?.call_method0(intern!(py, "set"))?;
    state::with_module_lock(py, || config_module(py)?.setattr(intern!(py, "_listener"), &server))?;
    server.call_method0(intern!(py, "serve_until_stopped"))?;
    Ok(())
}

/// Start up a socket server on the specified port, and listen for new
/// configurations.
///
/// These will be sent as a file suitable for processing by fileConfig().
/// Returns a Thread object on which you can call start() to start the server,
/// and which you can join() when appropriate. To stop the server, call
/// stopListening().
///
/// Use the ``verify`` argument to verify any bytes received across the wire
/// from a client. If specified, it should be a callable which receives a
/// single argument - the bytes of configuration data received across the
/// network - and it should return either ``None``, to indicate that the
/// passed in bytes could not be verified and should be discarded, or a
/// byte string which is then passed to the configuration machinery as
/// normal. Note that you can return transformed bytes, e.g. by decrypting
/// the bytes passed in.
#[pyfunction]
#[pyo3(signature = (port = default_object(DEFAULT_LOGGING_CONFIG_PORT), verify = None), text_signature = "(port=9030, verify=None)")]
fn listen<'py>(py: Python<'py>, port: Py<PyAny>, verify: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
    let verify = match verify {
        Some(v) => v.clone(),
        None => py.None().into_bound(py),
    };
    let (handler, receiver, server) = classes(py)?;
    server.call1((receiver, handler, port, verify))
}

/// Stop the listening server which was created with a call to listen().
#[pyfunction]
#[pyo3(name = "stopListening")]
fn stop_listening(py: Python<'_>) -> PyResult<()> {
    state::with_module_lock(py, || {
        let module = config_module(py)?;
        let listener = module.getattr(intern!(py, "_listener"))?;
        if listener.is_truthy()? {
            listener.setattr(intern!(py, "abort"), 1)?;
            module.setattr(intern!(py, "_listener"), py.None())?;
        }
        Ok(())
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let _ = NATIVE_MODULE.set(m.py(), m.clone().unbind());
    m.add_function(wrap_pyfunction!(listen, m)?)?;
    m.add_function(wrap_pyfunction!(stop_listening, m)?)?;
    Ok(())
}
