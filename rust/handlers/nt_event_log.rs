//! `NTEventLogHandler`: events to the Windows NT Event Log through pywin32.
//!
//! Elsewhere (or without pywin32) the constructor prints the stdlib's notice and the
//! handler emits nothing, exactly as the stdlib's does.

use pyo3::exceptions::{PyException, PyImportError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::dispatch;
use crate::handler::{self, Handler};
use crate::state;

/// A handler class which sends events to the NT Event Log. Adds a registry entry for the
/// specified application name. If no dllname is provided, win32service.pyd (which contains
/// some basic message placeholders) is used. Note that use of these placeholders will make
/// your event logs big, as the entire message source is held in the log. If you want
/// slimmer logs, you have to pass in the name of your own DLL which contains the message
/// definitions you want to use in the event log.
#[pyclass(module = "logging.handlers", name = "NTEventLogHandler", extends = Handler, subclass)]
pub struct NTEventLogHandler {}

/// The Windows part of `__init__`; an `ImportError` means pywin32 is not available.
fn init_with_pywin32(
    slf: &Bound<'_, PyAny>,
    appname: &Bound<'_, PyAny>,
    dllname: Option<&Bound<'_, PyAny>>,
    logtype: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let py = slf.py();
    let welu = py.import("win32evtlogutil")?.into_any();
    let evtlog = py.import("win32evtlog")?.into_any();
    slf.setattr(intern!(py, "appname"), appname)?;
    slf.setattr(intern!(py, "_welu"), &welu)?;
    let dllname = match dllname {
        Some(name) if name.is_truthy()? => name.clone(),
        _ => {
            let path = state::global(py, intern!(py, "os"))?.getattr(intern!(py, "path"))?;
            let file = welu.getattr(intern!(py, "__file__"))?;
            let head = path.call_method1(intern!(py, "split"), (file,))?.get_item(0)?;
            let head = path.call_method1(intern!(py, "split"), (head,))?.get_item(0)?;
            path.call_method1(intern!(py, "join"), (head, "win32service.pyd"))?
        }
    };
    slf.setattr(intern!(py, "dllname"), &dllname)?;
    slf.setattr(intern!(py, "logtype"), logtype)?;
    let added = welu.call_method1(intern!(py, "AddSourceToRegistry"), (appname, &dllname, logtype));
    if let Err(err) = added {
        // 3.10+: administrative privileges may be missing for a source that already
        // exists; only "access denied" (winerror 5) is let pass.
        let access_denied = state::minor(py) >= 10
            && err.is_instance_of::<PyException>(py)
            && err.value(py).getattr(intern!(py, "winerror")).is_ok_and(|w| w.eq(5).unwrap_or(false));
        if !access_denied {
            return Err(err);
        }
    }
    let error_type = evtlog.getattr(intern!(py, "EVENTLOG_ERROR_TYPE"))?;
    let information = evtlog.getattr(intern!(py, "EVENTLOG_INFORMATION_TYPE"))?;
    let typemap = PyDict::new(py);
    typemap.set_item(10, &information)?;
    typemap.set_item(20, &information)?;
    typemap.set_item(30, evtlog.getattr(intern!(py, "EVENTLOG_WARNING_TYPE"))?)?;
    typemap.set_item(40, &error_type)?;
    typemap.set_item(50, &error_type)?;
    slf.setattr(intern!(py, "deftype"), error_type)?;
    slf.setattr(intern!(py, "typemap"), typemap)
}

#[pymethods]
impl NTEventLogHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(appname, dllname=None, logtype='Application')")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<NTEventLogHandler> {
        Handler::initializer(py).add_subclass(NTEventLogHandler {})
    }

    #[pyo3(signature = (appname, dllname = None, logtype = None))]
    fn __init__(
        slf: &Bound<'_, Self>,
        appname: &Bound<'_, PyAny>,
        dllname: Option<&Bound<'_, PyAny>>,
        logtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        Handler::init(slf, &handler::int(py, 0))?;
        let application = PyString::new(py, "Application").into_any();
        match init_with_pywin32(slf, appname, dllname, logtype.unwrap_or(&application)) {
            Err(err) if err.is_instance_of::<PyImportError>(py) => {
                let print = py.import("builtins")?.getattr(intern!(py, "print"))?;
                print.call1((
                    "The Python Win32 extensions for NT (service, event logging) appear not to be available.",
                ))?;
                slf.setattr(intern!(py, "_welu"), py.None())
            }
            other => other,
        }
    }

    /// Return the message ID for the event record. If you are using your own messages, you
    /// could do this by having the msg passed to the logger being an ID rather than a
    /// formatting string. Then, in here, you could use a dictionary lookup to get the
    /// message ID. This version returns 1, which is the base message ID in
    /// win32service.pyd.
    #[pyo3(name = "getMessageID")]
    #[allow(unused_variables)] // named as the stdlib's parameter: it may be passed by keyword
    fn get_message_id(&self, record: &Bound<'_, PyAny>) -> i64 {
        1
    }

    /// Return the event category for the record.
    ///
    /// Override this if you want to specify your own categories. This version returns 0.
    #[pyo3(name = "getEventCategory")]
    #[allow(unused_variables)] // named as the stdlib's parameter: it may be passed by keyword
    fn get_event_category(&self, record: &Bound<'_, PyAny>) -> i64 {
        0
    }

    /// Return the event type for the record.
    ///
    /// Override this if you want to specify your own types. This version does a mapping
    /// using the handler's typemap attribute, which is set up in __init__() to a
    /// dictionary which contains mappings for DEBUG, INFO, WARNING, ERROR and CRITICAL. If
    /// you are using your own levels you will either need to override this method or place
    /// a suitable dictionary in the handler's typemap attribute.
    #[pyo3(name = "getEventType")]
    fn get_event_type<'py>(slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        slf.getattr(intern!(py, "typemap"))?.call_method1(
            intern!(py, "get"),
            (record.getattr(intern!(py, "levelno"))?, slf.getattr(intern!(py, "deftype"))?),
        )
    }

    /// Emit a record.
    ///
    /// Determine the message ID, event category and event type. Then log the message in
    /// the NT event log.
    fn emit(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let welu = slf.getattr(intern!(py, "_welu"))?;
        if !welu.is_truthy()? {
            return Ok(());
        }
        let reported = (|| -> PyResult<()> {
            let id = dispatch::call_method(slf, intern!(py, "getMessageID"), (record,))?;
            let category = dispatch::call_method(slf, intern!(py, "getEventCategory"), (record,))?;
            let event_type = dispatch::call_method(slf, intern!(py, "getEventType"), (record,))?;
            let msg = dispatch::call_method(slf, intern!(py, "format"), (record,))?;
            let appname = slf.getattr(intern!(py, "appname"))?;
            welu.call_method1(
                intern!(py, "ReportEvent"),
                (appname, id, category, event_type, PyList::new(py, [msg])?),
            )?;
            Ok(())
        })();
        match reported {
            Err(err) => handler::call_handle_error(slf, record, err),
            ok => ok,
        }
    }

    /// Clean up this handler.
    ///
    /// You can remove the application name from the registry as a source of event log
    /// entries. However, if you do this, you will not be able to see the events as you
    /// intended in the Event Log Viewer - it needs to be able to access the registry to get
    /// the DLL name.
    fn close(slf: &Bound<'_, Self>) -> PyResult<()> {
        Handler::close_impl(slf.as_any())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NTEventLogHandler>()
}
