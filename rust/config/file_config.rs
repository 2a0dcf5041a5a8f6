//! `fileConfig`: configuration from a `configparser`-format file.
//!
//! The file is read with `configparser` itself (its syntax, interpolation and errors are
//! the stdlib's by definition); the walk over its sections — formatters, handlers with
//! their `MemoryHandler` target fix-ups, loggers and the existing-logger rules — is here.

use pyo3::exceptions::{PyAttributeError, PyFileNotFoundError, PyNameError, PyRuntimeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PySlice, PyString, PyTuple};

use super::{builtin, clear_existing_handlers, collect_children, existing_loggers, handle_existing_loggers, issubclass, lg, in_except, logging, logging_handlers, pct, raise_during, resolve_name, strip_spaces};
use crate::module_functions::default_object;
use crate::dispatch;
use crate::state;

/// `eval(source, vars(logging))`.
fn eval_in_logging<'py>(py: Python<'py>, source: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let globals = logging(py)?.getattr(intern!(py, "__dict__"))?;
    builtin(py, intern!(py, "eval"))?.call1((source, globals))
}

/// `cp.get(section, option, raw=True, fallback=fallback)`.
fn cp_get_raw<'py>(
    cp: &Bound<'py, PyAny>,
    section: &Bound<'py, PyAny>,
    option: &str,
    fallback: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = cp.py();
    let kwargs = PyDict::new(py);
    kwargs.set_item(intern!(py, "raw"), true)?;
    kwargs.set_item(intern!(py, "fallback"), fallback)?;
    cp.call_method(intern!(py, "get"), (section, option), Some(&kwargs))
}

/// `_strip_spaces(value.split(","))`.
fn split_keys<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = value.py();
    strip_spaces(py, &value.call_method1(intern!(py, "split"), (",",))?)
}

/// Create and return formatters
#[pyfunction]
#[pyo3(name = "_create_formatters")]
fn create_formatters<'py>(cp: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let py = cp.py();
    let flist = cp.get_item("formatters")?.get_item("keys")?;
    if flist.len()? == 0 {
        return Ok(PyDict::new(py));
    }
    let formatters = PyDict::new(py);
    for form in split_keys(&flist)?.try_iter()? {
        let form = form?;
        let sectname = PyString::new(py, &pct(py, "formatter_%s", &form)?).into_any();
        let fs = cp_get_raw(cp, &sectname, "format", py.None().into_bound(py))?;
        let dfs = cp_get_raw(cp, &sectname, "datefmt", py.None().into_bound(py))?;
        let stl = cp_get_raw(cp, &sectname, "style", PyString::new(py, "%").into_any())?;
        let defaults = if state::minor(py) >= 12 {
            Some(cp_get_raw(cp, &sectname, "defaults", py.None().into_bound(py))?)
        } else {
            None
        };
        let mut c = lg(py, intern!(py, "Formatter"))?;
        let class_name = cp.get_item(&sectname)?.call_method1(intern!(py, "get"), ("class",))?;
        if class_name.is_truthy()? {
            c = resolve_name(py, &class_name)?;
        }
        let f = match defaults {
            Some(defaults) if !defaults.is_none() => {
                let defaults = eval_in_logging(py, &defaults)?;
                let kwargs = PyDict::new(py);
                kwargs.set_item("defaults", defaults)?;
                c.call((fs, dfs, stl), Some(&kwargs))?
            }
            _ => c.call1((fs, dfs, stl))?,
        };
        formatters.set_item(form, f)?;
    }
    Ok(formatters)
}

/// `callable(*args, **kwargs)` with `args`/`kwargs` as evaluated from the file.
fn call_star<'py>(
    callable: &Bound<'py, PyAny>,
    args: &Bound<'py, PyAny>,
    kwargs: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = callable.py();
    let args = match args.cast::<PyTuple>() {
        Ok(t) => t.clone(),
        Err(_) => PyTuple::new(py, args.try_iter()?.collect::<PyResult<Vec<_>>>()?)?,
    };
    let kwargs = match kwargs.cast::<PyDict>() {
        Ok(d) => d.clone(),
        Err(_) => {
            let d = PyDict::new(py);
            d.call_method1(intern!(py, "update"), (kwargs,))?;
            d
        }
    };
    callable.call(args, Some(&kwargs))
}

/// Install and return handlers
#[pyfunction]
#[pyo3(name = "_install_handlers")]
fn install_handlers<'py>(cp: &Bound<'py, PyAny>, formatters: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let py = cp.py();
    let hlist = cp.get_item("handlers")?.get_item("keys")?;
    if hlist.len()? == 0 {
        return Ok(PyDict::new(py));
    }
    let handlers = PyDict::new(py);
    let fixups = PyList::empty(py); // for inter-handler references
    for hand in split_keys(&hlist)?.try_iter()? {
        let hand = hand?;
        let section = cp.get_item(pct(py, "handler_%s", &hand)?)?;
        let klass_name = section.get_item("class")?;
        let fmt = section.call_method1(intern!(py, "get"), ("formatter", ""))?;
        let klass = match eval_in_logging(py, &klass_name) {
            Ok(k) => k,
            Err(e) if e.is_instance_of::<PyAttributeError>(py) || e.is_instance_of::<PyNameError>(py) => {
                in_except(py, &e, || resolve_name(py, &klass_name))?
            }
            Err(e) => return Err(e),
        };
        let args = section.call_method1(intern!(py, "get"), ("args", "()"))?;
        let args = eval_in_logging(py, &args)?;
        let kwargs = section.call_method1(intern!(py, "get"), ("kwargs", "{}"))?;
        let kwargs = eval_in_logging(py, &kwargs)?;
        let h = call_star(&klass, &args, &kwargs)?;
        h.setattr(intern!(py, "name"), &hand)?;
        if section.contains("level")? {
            let level = section.get_item("level")?;
            dispatch::call_method(&h, intern!(py, "setLevel"), (level,))?;
        }
        if fmt.len()? != 0 {
            dispatch::call_method(&h, intern!(py, "setFormatter"), (formatters.get_item(&fmt)?,))?;
        }
        if issubclass(&klass, &logging_handlers(py)?.getattr(intern!(py, "MemoryHandler"))?)? {
            let target = section.call_method1(intern!(py, "get"), ("target", ""))?;
            if target.len()? != 0 {
                // the target handler may not be loaded yet, so keep for later...
                fixups.append((&h, target))?;
            }
        }
        handlers.set_item(&hand, &h)?;
    }
    // now all handlers are loaded, fixup inter-handler references...
    for fixup in fixups.iter() {
        let (h, t) = fixup.extract::<(Bound<'py, PyAny>, Bound<'py, PyAny>)>()?;
        dispatch::call_method(&h, intern!(py, "setTarget"), (handlers.as_any().get_item(&t)?,))?;
    }
    Ok(handlers)
}

/// Add the handlers named in `section["handlers"]` to `log`.
fn add_section_handlers<'py>(log: &Bound<'py, PyAny>, section: &Bound<'py, PyAny>, handlers: &Bound<'py, PyAny>) -> PyResult<()> {
    let py = log.py();
    let hlist = section.get_item("handlers")?;
    if hlist.len()? != 0 {
        for hand in split_keys(&hlist)?.try_iter()? {
            dispatch::call_method(log, intern!(py, "addHandler"), (handlers.get_item(hand?)?,))?;
        }
    }
    Ok(())
}

/// `for h in logger.handlers[:]: logger.removeHandler(h)`.
fn remove_all_handlers(logger: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = logger.py();
    let current = logger.getattr(intern!(py, "handlers"))?.get_item(PySlice::full(py))?;
    for h in current.try_iter()? {
        dispatch::call_method(logger, intern!(py, "removeHandler"), (h?,))?;
    }
    Ok(())
}

/// Create and install loggers
#[pyfunction]
#[pyo3(name = "_install_loggers")]
fn install_loggers(cp: &Bound<'_, PyAny>, handlers: &Bound<'_, PyAny>, disable_existing: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = cp.py();
    // configure the root first
    let llist = cp.get_item("loggers")?.get_item("keys")?;
    let llist = PyList::new(py, split_keys(&llist)?.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
    llist.call_method1(intern!(py, "remove"), ("root",))?;
    let section = cp.get_item("logger_root")?;
    let root = lg(py, intern!(py, "root"))?;
    if section.contains("level")? {
        let level = section.get_item("level")?;
        dispatch::call_method(&root, intern!(py, "setLevel"), (level,))?;
    }
    remove_all_handlers(&root)?;
    add_section_handlers(&root, &section, handlers)?;

    // and now the others...
    // we don't want to lose the existing loggers, since other threads may have pointers
    // to them. existing is set to contain all existing loggers, and as we go through the
    // new configuration we remove any which are configured. At the end, what's left in
    // existing is the set of loggers which were in the previous configuration but which
    // are not in the new configuration.
    let existing = existing_loggers(py)?;
    // We'll keep the list of existing loggers which are children of named loggers here...
    let child_loggers = PyList::empty(py);
    // now set up the new ones...
    for log in llist.iter() {
        let section = cp.get_item(pct(py, "logger_%s", &log)?)?;
        let qn = section.get_item("qualname")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item(intern!(py, "fallback"), 1)?;
        let propagate = section.call_method(intern!(py, "getint"), ("propagate",), Some(&kwargs))?;
        let logger = lg(py, intern!(py, "getLogger"))?.call1((&qn,))?;
        collect_children(&existing, &child_loggers, &qn)?;
        if section.contains("level")? {
            let level = section.get_item("level")?;
            dispatch::call_method(&logger, intern!(py, "setLevel"), (level,))?;
        }
        remove_all_handlers(&logger)?;
        logger.setattr(intern!(py, "propagate"), propagate)?;
        logger.setattr(intern!(py, "disabled"), 0)?;
        add_section_handlers(&logger, &section, handlers)?;
    }

    // Disable any old loggers. There's no point deleting them as other threads may
    // continue to hold references and by disabling them, you stop them doing any logging.
    // However, don't disable children of named loggers, as that's probably not what was
    // intended by the user.
    handle_existing_loggers(existing.as_any(), child_loggers.as_any(), disable_existing)
}

/// The body shared by every version's `fileConfig`.
fn file_config_impl(
    py: Python<'_>,
    fname: &Bound<'_, PyAny>,
    defaults: &Bound<'_, PyAny>,
    disable_existing_loggers: &Bound<'_, PyAny>,
    encoding: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let minor = state::minor(py);
    let configparser = py.import(intern!(py, "configparser"))?;

    if minor >= 11 && fname.is_instance(&py.get_type::<PyString>())? {
        let os_path = py.import(intern!(py, "os"))?.getattr(intern!(py, "path"))?;
        if !os_path.call_method1(intern!(py, "exists"), (fname,))?.is_truthy()? {
            return Err(PyFileNotFoundError::new_err(format!("{} doesn't exist", fname.str()?)));
        } else if !os_path.call_method1(intern!(py, "getsize"), (fname,))?.is_truthy()? {
            return Err(PyRuntimeError::new_err(format!("{} is an empty file", fname.str()?)));
        }
    }

    let cp = if fname.is_instance(&configparser.getattr(intern!(py, "RawConfigParser"))?)? {
        fname.clone()
    } else {
        let read = || -> PyResult<Bound<'_, PyAny>> {
            let cp = configparser.getattr(intern!(py, "ConfigParser"))?.call1((defaults,))?;
            if fname.hasattr(intern!(py, "readline"))? {
                cp.call_method1(intern!(py, "read_file"), (fname,))?;
            } else if minor >= 10 {
                // The warning for a missing encoding is the caller's, as the stdlib's
                // `text_encoding(encoding)` called from fileConfig's frame makes it.
                let encoding = py
                    .import(intern!(py, "io"))?
                    .getattr(intern!(py, "text_encoding"))?
                    .call1((encoding.cloned().unwrap_or_else(|| py.None().into_bound(py)), 1))?;
                let kwargs = PyDict::new(py);
                kwargs.set_item("encoding", encoding)?;
                cp.call_method(intern!(py, "read"), (fname,), Some(&kwargs))?;
            } else {
                cp.call_method1(intern!(py, "read"), (fname,))?;
            }
            Ok(cp)
        };
        match read() {
            Err(e) if minor >= 11 && e.is_instance(py, &configparser.getattr(intern!(py, "ParsingError"))?) => {
                let built = in_except(py, &e, || {
                    let format = builtin(py, intern!(py, "format"))?;
                    let fname = format.call1((fname,))?.str()?;
                    let err = format.call1((e.value(py),))?.str()?;
                    Ok(PyRuntimeError::new_err(format!("{fname} is invalid: {err}")))
                });
                return Err(match built {
                    Ok(err) => raise_during(py, err, e),
                    Err(e2) => e2,
                });
            }
            other => other?,
        }
    };

    let formatters = create_formatters(&cp)?;

    // critical section
    state::with_module_lock(py, || {
        clear_existing_handlers(py)?;
        // Handlers add themselves to logging._handlers
        let handlers = install_handlers(&cp, formatters.as_any())?;
        install_loggers(&cp, handlers.as_any(), disable_existing_loggers)
    })
}

/// Read the logging configuration from a ConfigParser-format file.
///
/// This can be called several times from an application, allowing an end user
/// the ability to select from various pre-canned configurations (if the
/// developer provides a mechanism to present the choices and load the chosen
/// configuration).
#[pyfunction]
#[pyo3(
    name = "fileConfig",
    signature = (fname, defaults = None, disable_existing_loggers = default_object(true)),
    text_signature = "(fname, defaults=None, disable_existing_loggers=True)"
)]
fn file_config_39<'py>(
    py: Python<'py>,
    fname: &Bound<'py, PyAny>,
    defaults: Option<&Bound<'py, PyAny>>,
    disable_existing_loggers: Py<PyAny>,
) -> PyResult<()> {
    let none = py.None().into_bound(py);
    file_config_impl(py, fname, defaults.unwrap_or(&none), disable_existing_loggers.bind(py), None)
}

/// Read the logging configuration from a ConfigParser-format file.
///
/// This can be called several times from an application, allowing an end user
/// the ability to select from various pre-canned configurations (if the
/// developer provides a mechanism to present the choices and load the chosen
/// configuration).
#[pyfunction]
#[pyo3(
    name = "fileConfig",
    signature = (fname, defaults = None, disable_existing_loggers = default_object(true), encoding = None),
    text_signature = "(fname, defaults=None, disable_existing_loggers=True, encoding=None)"
)]
fn file_config_310<'py>(
    py: Python<'py>,
    fname: &Bound<'py, PyAny>,
    defaults: Option<&Bound<'py, PyAny>>,
    disable_existing_loggers: Py<PyAny>,
    encoding: Option<&Bound<'py, PyAny>>,
) -> PyResult<()> {
    let none = py.None().into_bound(py);
    file_config_impl(py, fname, defaults.unwrap_or(&none), disable_existing_loggers.bind(py), encoding)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    if state::minor(py) >= 10 {
        m.add_function(wrap_pyfunction!(file_config_310, m)?)?;
    } else {
        m.add_function(wrap_pyfunction!(file_config_39, m)?)?;
    }
    m.add_function(wrap_pyfunction!(create_formatters, m)?)?;
    m.add_function(wrap_pyfunction!(install_handlers, m)?)?;
    m.add_function(wrap_pyfunction!(install_loggers, m)?)?;
    Ok(())
}
