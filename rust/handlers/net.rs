//! `SMTPHandler` and `HTTPHandler`.

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::dispatch;
use crate::handler::{self, Arg, Handler};

/// `a, b = value` for a 2-sequence, with Python's unpacking errors.
fn unpack2<'py>(value: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let items: Vec<Bound<'py, PyAny>> = value.try_iter()?.collect::<PyResult<_>>()?;
    match items.len() {
        2 => {
            let mut it = items.into_iter();
            Ok((it.next().expect("two items"), it.next().expect("two items")))
        }
        n if n < 2 => Err(PyValueError::new_err(format!("not enough values to unpack (expected 2, got {n})"))),
        _ => Err(PyValueError::new_err("too many values to unpack (expected 2)")),
    }
}

fn is_list_or_tuple(v: &Bound<'_, PyAny>) -> bool {
    v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>()
}

/// A handler class which sends an SMTP email for each logging event.
#[pyclass(module = "logging.handlers", name = "SMTPHandler", extends = Handler, subclass)]
pub struct SMTPHandler {}

#[pymethods]
impl SMTPHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(mailhost, fromaddr, toaddrs, subject, credentials=None, secure=None, timeout=5.0)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<SMTPHandler> {
        Handler::initializer(py).add_subclass(SMTPHandler {})
    }

    /// Initialize the handler.
    ///
    /// Initialize the instance with the from and to addresses and subject
    /// line of the email. To specify a non-standard SMTP port, use the
    /// (host, port) tuple format for the mailhost argument. To specify
    /// authentication credentials, supply a (username, password) tuple
    /// for the credentials argument. To specify the use of a secure
    /// protocol (TLS), pass in a tuple for the secure argument. This will
    /// only be used when authentication credentials are supplied. The tuple
    /// will be either an empty tuple, or a single-value tuple with the name
    /// of a keyfile, or a 2-value tuple with the names of the keyfile and
    /// certificate file. (This tuple is passed to the `starttls` method).
    /// A timeout in seconds can be specified for the SMTP connection (the
    /// default is one second).
    #[pyo3(signature = (mailhost, fromaddr, toaddrs, subject, credentials = None, secure = None, timeout = Arg::Default))]
    #[allow(clippy::too_many_arguments)]
    fn __init__(
        slf: &Bound<'_, Self>,
        mailhost: &Bound<'_, PyAny>,
        fromaddr: &Bound<'_, PyAny>,
        toaddrs: &Bound<'_, PyAny>,
        subject: &Bound<'_, PyAny>,
        credentials: Option<&Bound<'_, PyAny>>,
        secure: Option<&Bound<'_, PyAny>>,
        timeout: Arg<'_>,
    ) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let none = py.None().into_bound(py);
        let timeout = timeout.or_else(|| Ok(5.0f64.into_pyobject(py)?.into_any()))?;
        Handler::init(slf, &handler::int(py, 0))?;
        if is_list_or_tuple(mailhost) {
            let (host, port) = unpack2(mailhost)?;
            slf.setattr(intern!(py, "mailhost"), host)?;
            slf.setattr(intern!(py, "mailport"), port)?;
        } else {
            slf.setattr(intern!(py, "mailhost"), mailhost)?;
            slf.setattr(intern!(py, "mailport"), &none)?;
        }
        match credentials {
            Some(c) if is_list_or_tuple(c) => {
                let (user, password) = unpack2(c)?;
                slf.setattr(intern!(py, "username"), user)?;
                slf.setattr(intern!(py, "password"), password)?;
            }
            _ => slf.setattr(intern!(py, "username"), &none)?,
        }
        slf.setattr(intern!(py, "fromaddr"), fromaddr)?;
        if toaddrs.is_instance_of::<PyString>() {
            slf.setattr(intern!(py, "toaddrs"), PyList::new(py, [toaddrs])?)?;
        } else {
            slf.setattr(intern!(py, "toaddrs"), toaddrs)?;
        }
        slf.setattr(intern!(py, "subject"), subject)?;
        slf.setattr(intern!(py, "secure"), secure.unwrap_or(&none))?;
        slf.setattr(intern!(py, "timeout"), timeout)
    }

    /// Determine the subject for the email.
    ///
    /// If you want to specify a subject line which is record-dependent,
    /// override this method.
    #[pyo3(name = "getSubject")]
    #[allow(unused_variables)] // named as the stdlib's parameter: it may be passed by keyword
    fn get_subject<'py>(slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        slf.getattr(intern!(slf.py(), "subject"))
    }

    /// Emit a record.
    ///
    /// Format the record and send it to the specified addressees.
    fn emit(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let result = (|| -> PyResult<()> {
            let smtplib = py.import("smtplib")?;
            let email_message = py.import("email.message")?.getattr("EmailMessage")?;
            let email_utils = py.import("email.utils")?;
            let mut port = slf.getattr(intern!(py, "mailport"))?;
            if !port.is_truthy()? {
                port = smtplib.getattr("SMTP_PORT")?;
            }
            let kw = PyDict::new(py);
            kw.set_item("timeout", slf.getattr(intern!(py, "timeout"))?)?;
            let smtp = smtplib.getattr("SMTP")?.call((slf.getattr(intern!(py, "mailhost"))?, port), Some(&kw))?;
            let msg = email_message.call0()?;
            msg.set_item("From", slf.getattr(intern!(py, "fromaddr"))?)?;
            msg.set_item("To", PyString::new(py, ",").call_method1("join", (slf.getattr(intern!(py, "toaddrs"))?,))?)?;
            msg.set_item("Subject", dispatch::call_method(slf, intern!(py, "getSubject"), (record,))?)?;
            msg.set_item("Date", email_utils.call_method0("localtime")?)?;
            msg.call_method1("set_content", (dispatch::call_method(slf, intern!(py, "format"), (record,))?,))?;
            if slf.getattr(intern!(py, "username"))?.is_truthy()? {
                let secure = slf.getattr(intern!(py, "secure"))?;
                if !secure.is_none() {
                    smtp.call_method0("ehlo")?;
                    let args = PyTuple::new(py, secure.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
                    smtp.getattr("starttls")?.call1(args)?;
                    smtp.call_method0("ehlo")?;
                }
                smtp.call_method1("login", (slf.getattr(intern!(py, "username"))?, slf.getattr(intern!(py, "password"))?))?;
            }
            smtp.call_method1("send_message", (msg,))?;
            smtp.call_method0("quit")?;
            Ok(())
        })();
        match result {
            Ok(()) => Ok(()),
            Err(e) => handler::call_handle_error(slf, record, e),
        }
    }
}

/// A class which sends records to a web server, using either GET or
/// POST semantics.
#[pyclass(module = "logging.handlers", name = "HTTPHandler", extends = Handler, subclass)]
pub struct HTTPHandler {}

#[pymethods]
impl HTTPHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(host, url, method='GET', secure=False, credentials=None, context=None)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<HTTPHandler> {
        Handler::initializer(py).add_subclass(HTTPHandler {})
    }

    /// Initialize the instance with the host, the request URL, and the method
    /// ("GET" or "POST")
    #[pyo3(signature = (host, url, method = Arg::Default, secure = Arg::Default, credentials = None, context = None))]
    fn __init__(
        slf: &Bound<'_, Self>,
        host: &Bound<'_, PyAny>,
        url: &Bound<'_, PyAny>,
        method: Arg<'_>,
        secure: Arg<'_>,
        credentials: Option<&Bound<'_, PyAny>>,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let none = py.None().into_bound(py);
        let method = method.or_else(|| Ok(handler::pystr(py, "GET")))?;
        let secure = secure.or_else(|| Ok(handler::pybool(py, false)))?;
        Handler::init(slf, &handler::int(py, 0))?;
        let method = method.call_method0(intern!(py, "upper"))?;
        if !PyList::new(py, ["GET", "POST"])?.contains(&method)? {
            return Err(PyValueError::new_err("method must be GET or POST"));
        }
        if !secure.is_truthy()? && context.is_some() {
            return Err(PyValueError::new_err("context parameter only makes sense with secure=True"));
        }
        slf.setattr(intern!(py, "host"), host)?;
        slf.setattr(intern!(py, "url"), url)?;
        slf.setattr(intern!(py, "method"), method)?;
        slf.setattr(intern!(py, "secure"), secure)?;
        slf.setattr(intern!(py, "credentials"), credentials.unwrap_or(&none))?;
        slf.setattr(intern!(py, "context"), context.unwrap_or(&none))
    }

    /// Default implementation of mapping the log record into a dict
    /// that is sent as the CGI data. Overwrite in your class.
    /// Contributed by Franz Glasner.
    #[pyo3(name = "mapLogRecord")]
    fn map_log_record<'py>(_slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        record.getattr(intern!(record.py(), "__dict__"))
    }

    /// get a HTTP[S]Connection.
    ///
    /// Override when a custom connection is required, for example if
    /// there is a proxy.
    #[pyo3(name = "getConnection")]
    fn get_connection<'py>(slf: &Bound<'py, Self>, host: &Bound<'py, PyAny>, secure: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let client = py.import("http.client")?;
        if secure.is_truthy()? {
            let kw = PyDict::new(py);
            kw.set_item("context", slf.getattr(intern!(py, "context"))?)?;
            client.getattr("HTTPSConnection")?.call((host,), Some(&kw))
        } else {
            client.getattr("HTTPConnection")?.call1((host,))
        }
    }

    /// Emit a record.
    ///
    /// Send the record to the web server as a percent-encoded dictionary
    fn emit(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let result = (|| -> PyResult<()> {
            let parse = py.import("urllib.parse")?;
            let mut host = slf.getattr(intern!(py, "host"))?;
            let h = dispatch::call_method(slf, intern!(py, "getConnection"), (&host, slf.getattr(intern!(py, "secure"))?))?;
            let mut url = slf.getattr(intern!(py, "url"))?;
            let data = parse.call_method1("urlencode", (dispatch::call_method(slf, intern!(py, "mapLogRecord"), (record,))?,))?;
            let is_get = slf.getattr(intern!(py, "method"))?.eq("GET")?;
            if is_get {
                let sep = if url.call_method1("find", ("?",))?.ge(0)? { "&" } else { "?" };
                url = url.add(handler::pystr(py, "%c%s").rem((sep, &data))?)?;
            }
            h.call_method1("putrequest", (slf.getattr(intern!(py, "method"))?, &url))?;
            let i = host.call_method1("find", (":",))?;
            if i.ge(0)? {
                host = host.get_item(crate::py_slice::slice(py, Some(0), Some(i.extract::<isize>()?))?)?;
            }
            let _ = host;
            let is_post = slf.getattr(intern!(py, "method"))?.eq("POST")?;
            if is_post {
                h.call_method1("putheader", ("Content-type", "application/x-www-form-urlencoded"))?;
                h.call_method1("putheader", ("Content-length", data.len()?.to_string()))?;
            }
            let credentials = slf.getattr(intern!(py, "credentials"))?;
            if credentials.is_truthy()? {
                let s = handler::pystr(py, "%s:%s").rem(&credentials)?.call_method1("encode", ("utf-8",))?;
                let b64 = py.import("base64")?.call_method1("b64encode", (s,))?;
                let s = handler::pystr(py, "Basic ").add(b64.call_method0("strip")?.call_method1("decode", ("ascii",))?)?;
                h.call_method1("putheader", ("Authorization", s))?;
            }
            h.call_method0("endheaders")?;
            if is_post {
                h.call_method1("send", (data.call_method1("encode", ("utf-8",))?,))?;
            }
            h.call_method0("getresponse")?; // can't do anything with the result
            Ok(())
        })();
        match result {
            Ok(()) => Ok(()),
            Err(e) => handler::call_handle_error(slf, record, e),
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SMTPHandler>()?;
    m.add_class::<HTTPHandler>()?;
    Ok(())
}
