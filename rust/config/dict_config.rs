//! `BaseConfigurator` and `DictConfigurator`: the `dictConfig` machinery.
//!
//! Every call the stdlib makes on `self` (`self.resolve`, `self.convert`,
//! `self.configure_handler`, …) goes through Python attribute lookup so that subclasses
//! (a common extension point) and class attributes users replace (`importer`,
//! `value_converters`, the `*_PATTERN`s) win.

use pyo3::exceptions::{PyAttributeError, PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyList, PySlice, PyString, PyTuple};

use super::converting::{converting_dict, converting_list, converting_tuple};
use super::{builtin, collect_children, dict_pop_required, existing_loggers, handle_existing_loggers, is_exception, in_except, issubclass, lg, logging_handlers, pct, raise_during, raise_from, resolve_name, unbound_local, valid_ident, value_error_from};
use crate::module_functions::default_object;
use crate::dispatch;
use crate::state;

fn compile<'py>(py: Python<'py>, pattern: &str) -> PyResult<Py<PyAny>> {
    Ok(py.import(intern!(py, "re"))?.call_method1(intern!(py, "compile"), (pattern,))?.unbind())
}

/// `except Exception as e: raise ValueError(fmt % arg) from e`.
fn reraise_value_error<T>(py: Python<'_>, r: PyResult<T>, fmt: &str, arg: &Bound<'_, PyAny>) -> PyResult<T> {
    match r {
        Err(e) if is_exception(py, &e) => Err(value_error_from(py, fmt, arg, e)),
        other => other,
    }
}

/// `callable(getattr(obj, name, None))`.
fn has_callable_attr(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> PyResult<bool> {
    match obj.getattr(name) {
        Ok(v) => Ok(v.is_callable()),
        Err(e) if e.is_instance_of::<PyAttributeError>(obj.py()) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `builtins.setattr(obj, name, value)` for each item of `props` (the `'.'` key).
fn set_props(result: &Bound<'_, PyAny>, props: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = result.py();
    if props.is_truthy()? {
        let setattr = builtin(py, intern!(py, "setattr"))?;
        for (name, value) in super::items(props)? {
            setattr.call1((result, name, value))?;
        }
    }
    Ok(())
}

/// `{k: config[k] for k in config if (k != '.' and valid_ident(k))}` (3.11+), or
/// `{k: config[k] for k in config if valid_ident(k)}` (3.9/3.10).
fn identifier_kwargs<'py>(config: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let py = config.py();
    let skip_dot = state::minor(py) >= 11;
    let kwargs = PyDict::new(py);
    for k in config.try_iter()? {
        let k = k?;
        if skip_dot && !k.ne(".")? {
            continue;
        }
        if valid_ident(&k)? {
            kwargs.set_item(&k, config.get_item(&k)?)?;
        }
    }
    Ok(kwargs)
}

/// The configurator base class which defines some useful defaults.
#[pyclass(module = "logging.config", name = "BaseConfigurator", subclass, dict, weakref)]
pub struct BaseConfigurator {}

#[pymethods]
impl BaseConfigurator {
    #[classattr]
    #[allow(non_snake_case)]
    fn CONVERT_PATTERN(py: Python<'_>) -> PyResult<Py<PyAny>> {
        compile(py, r"^(?P<prefix>[a-z]+)://(?P<suffix>.*)$")
    }

    #[classattr]
    #[allow(non_snake_case)]
    fn WORD_PATTERN(py: Python<'_>) -> PyResult<Py<PyAny>> {
        compile(py, r"^\s*(\w+)\s*")
    }

    #[classattr]
    #[allow(non_snake_case)]
    fn DOT_PATTERN(py: Python<'_>) -> PyResult<Py<PyAny>> {
        compile(py, r"^\.\s*(\w+)\s*")
    }

    #[classattr]
    #[allow(non_snake_case)]
    fn INDEX_PATTERN(py: Python<'_>) -> PyResult<Py<PyAny>> {
        if state::minor(py) >= 13 {
            compile(py, r"^\[([^\[\]]*)\]\s*")
        } else {
            compile(py, r"^\[\s*(\w+)\s*\]\s*")
        }
    }

    #[classattr]
    #[allow(non_snake_case)]
    fn DIGIT_PATTERN(py: Python<'_>) -> PyResult<Py<PyAny>> {
        compile(py, r"^\d+$")
    }

    #[classattr]
    fn value_converters(py: Python<'_>) -> PyResult<Py<PyAny>> {
        let d = PyDict::new(py);
        d.set_item("ext", "ext_convert")?;
        d.set_item("cfg", "cfg_convert")?;
        Ok(d.into_any().unbind())
    }

    #[classattr]
    fn importer(py: Python<'_>) -> PyResult<Py<PyAny>> {
        let import = builtin(py, intern!(py, "__import__"))?;
        Ok(builtin(py, intern!(py, "staticmethod"))?.call1((import,))?.unbind())
    }

    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(config)")]
    fn __new__(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        BaseConfigurator {}
    }

    fn __init__(slf: &Bound<'_, Self>, config: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let cd = converting_dict(py)?.call1((config,))?;
        slf.setattr(intern!(py, "config"), &cd)?;
        cd.setattr(intern!(py, "configurator"), slf)?;
        Ok(())
    }

    /// Resolve strings to objects using standard import and attribute
    /// syntax.
    fn resolve<'py>(slf: &Bound<'py, Self>, s: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.as_any();
        let name = s.call_method1(intern!(py, "split"), (".",))?;
        let used = name.call_method1(intern!(py, "pop"), (0,))?;
        let attempt = || -> PyResult<Bound<'py, PyAny>> {
            let mut used = used.clone();
            let mut found = dispatch::call_method(this, intern!(py, "importer"), (&used,))?;
            for frag in name.try_iter()? {
                let frag = frag?;
                used = used.add(".")?.add(&frag)?;
                let getattr = builtin(py, intern!(py, "getattr"))?;
                match getattr.call1((&found, &frag)) {
                    Ok(v) => found = v,
                    Err(e) if e.is_instance_of::<PyAttributeError>(py) => {
                        found = in_except(py, &e, || {
                            dispatch::call_method(this, intern!(py, "importer"), (&used,))?;
                            getattr.call1((&found, &frag))
                        })?;
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(found)
        };
        match attempt() {
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyImportError>(py) => {
                let args = PyTuple::new(py, [s.clone(), e.value(py).clone().into_any()])?;
                Err(value_error_from(py, "Cannot resolve %r: %s", args.as_any(), e))
            }
            other => other,
        }
    }

    /// Default converter for the ext:// protocol.
    fn ext_convert<'py>(slf: &Bound<'py, Self>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        dispatch::call_method(slf.as_any(), intern!(slf.py(), "resolve"), (value,))
    }

    /// Default converter for the cfg:// protocol.
    fn cfg_convert<'py>(slf: &Bound<'py, Self>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.as_any();
        let rest_after = |rest: &Bound<'py, PyAny>, m: &Bound<'py, PyAny>| -> PyResult<Bound<'py, PyAny>> {
            let end = m.call_method0(intern!(py, "end"))?.extract::<isize>()?;
            rest.get_item(super::slice(py, Some(end), None)?)
        };
        let group0 = |m: &Bound<'py, PyAny>| -> PyResult<Bound<'py, PyAny>> {
            m.call_method0(intern!(py, "groups"))?.get_item(0)
        };
        let mut rest = value.clone();
        let m = this
            .getattr(intern!(py, "WORD_PATTERN"))?
            .call_method1(intern!(py, "match"), (&rest,))?;
        if m.is_none() {
            return Err(PyValueError::new_err(pct(py, "Unable to convert %r", value)?));
        }
        rest = rest_after(&rest, &m)?;
        let mut d = this.getattr(intern!(py, "config"))?.get_item(group0(&m)?)?;
        while rest.is_truthy()? {
            let mut m = this
                .getattr(intern!(py, "DOT_PATTERN"))?
                .call_method1(intern!(py, "match"), (&rest,))?;
            if m.is_truthy()? {
                d = d.get_item(group0(&m)?)?;
            } else {
                m = this
                    .getattr(intern!(py, "INDEX_PATTERN"))?
                    .call_method1(intern!(py, "match"), (&rest,))?;
                if m.is_truthy()? {
                    let idx = group0(&m)?;
                    let digits = this
                        .getattr(intern!(py, "DIGIT_PATTERN"))?
                        .call_method1(intern!(py, "match"), (&idx,))?;
                    if !digits.is_truthy()? {
                        d = d.get_item(&idx)?;
                    } else {
                        // try as number first (most likely)
                        let attempt = py.get_type::<PyInt>().call1((&idx,)).and_then(|n| d.get_item(n));
                        d = match attempt {
                            Ok(v) => v,
                            Err(e) if e.is_instance_of::<PyTypeError>(py) => {
                                in_except(py, &e, || d.get_item(&idx))?
                            }
                            Err(e) => return Err(e),
                        };
                    }
                }
            }
            if m.is_truthy()? {
                rest = rest_after(&rest, &m)?;
            } else {
                let args = PyTuple::new(py, [value.clone(), rest.clone()])?;
                return Err(PyValueError::new_err(pct(py, "Unable to convert %r at %r", args.as_any())?));
            }
        }
        // rest should be empty
        Ok(d)
    }

    /// Convert values to an appropriate type. dicts, lists and tuples are
    /// replaced by their converting alternatives. Strings are checked to
    /// see if they have a conversion format and are converted if they do.
    fn convert<'py>(slf: &Bound<'py, Self>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.as_any();
        let (cd, cl, ct) = (converting_dict(py)?, converting_list(py)?, converting_tuple(py)?);
        let wrap = |t: &Bound<'py, pyo3::types::PyType>| -> PyResult<Bound<'py, PyAny>> {
            let v = t.call1((value,))?;
            v.setattr(intern!(py, "configurator"), this)?;
            Ok(v)
        };
        if !value.is_instance(&cd)? && value.is_instance(&py.get_type::<PyDict>())? {
            return wrap(&cd);
        }
        if !value.is_instance(&cl)? && value.is_instance(&py.get_type::<PyList>())? {
            return wrap(&cl);
        }
        if !value.is_instance(&ct)?
            && value.is_instance(&py.get_type::<PyTuple>())?
            && !value.hasattr(intern!(py, "_fields"))?
        {
            return wrap(&ct);
        }
        if value.is_instance(&py.get_type::<PyString>())? {
            let m = this
                .getattr(intern!(py, "CONVERT_PATTERN"))?
                .call_method1(intern!(py, "match"), (value,))?;
            if m.is_truthy()? {
                let d = m.call_method0(intern!(py, "groupdict"))?;
                let prefix = d.get_item("prefix")?;
                let converter = this
                    .getattr(intern!(py, "value_converters"))?
                    .call_method1(intern!(py, "get"), (prefix, py.None()))?;
                if converter.is_truthy()? {
                    let suffix = d.get_item("suffix")?;
                    let converter = builtin(py, intern!(py, "getattr"))?.call1((this, converter))?;
                    return converter.call1((suffix,));
                }
            }
        }
        Ok(value.clone())
    }

    /// Configure an object with a user-supplied factory.
    fn configure_custom<'py>(slf: &Bound<'py, Self>, config: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let mut c = config.call_method1(intern!(py, "pop"), ("()",))?;
        if !c.is_callable() {
            c = dispatch::call_method(slf.as_any(), intern!(py, "resolve"), (&c,))?;
        }
        let early_props = if state::minor(py) <= 10 {
            Some(config.call_method1(intern!(py, "pop"), (".", py.None()))?)
        } else {
            None
        };
        // Check for valid identifiers
        let kwargs = identifier_kwargs(config)?;
        let result = c.call((), Some(&kwargs))?;
        let props = match early_props {
            Some(p) => p,
            None => config.call_method1(intern!(py, "pop"), (".", py.None()))?,
        };
        set_props(&result, &props)?;
        Ok(result)
    }

    /// Utility function which converts lists to tuples.
    fn as_tuple<'py>(_slf: &Bound<'py, Self>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = value.py();
        if value.is_instance(&py.get_type::<PyList>())? {
            return py.get_type::<PyTuple>().call1((value,));
        }
        Ok(value.clone())
    }
}

/// Check that *obj* implements the Queue API.
#[pyfunction]
#[pyo3(name = "_is_queue_like_object")]
fn is_queue_like_object(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = obj.py();
    if obj.is_instance(&py.import(intern!(py, "queue"))?.getattr(intern!(py, "Queue"))?)? {
        return Ok(true);
    }
    // defer importing multiprocessing as much as possible
    let mp_queue = py.import(intern!(py, "multiprocessing.queues"))?.getattr(intern!(py, "Queue"))?;
    if obj.is_instance(&mp_queue)? {
        return Ok(true);
    }
    for method in ["empty", "full", "get", "get_nowait", "put", "put_nowait", "join", "qsize", "task_done"] {
        if !has_callable_attr(obj, &PyString::new(py, method))? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Configure logging using a dictionary-like object to describe the
/// configuration.
#[pyclass(module = "logging.config", name = "DictConfigurator", extends = BaseConfigurator, subclass)]
pub struct DictConfigurator {}

/// Run `f` and turn any `Exception` into `ValueError(msg) from e`.
fn unable<'py, T>(py: Python<'py>, msg: &str, arg: &Bound<'py, PyAny>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    reraise_value_error(py, f(), msg, arg)
}

fn configure_named_handler<'py>(
    this: &Bound<'py, PyAny>,
    handlers: &Bound<'py, PyAny>,
    name: &Bound<'py, PyAny>,
) -> PyResult<()> {
    let py = this.py();
    let handler = dispatch::call_method(this, intern!(py, "configure_handler"), (handlers.get_item(name)?,))?;
    handler.setattr(intern!(py, "name"), name)?;
    handlers.set_item(name, handler)?;
    Ok(())
}

impl DictConfigurator {
    fn configure_incremental(this: &Bound<'_, PyAny>, config: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = this.py();
        let empty = PyDict::new(py);
        let handlers = config.call_method1(intern!(py, "get"), ("handlers", &empty))?;
        for name in handlers.try_iter()? {
            let name = name?;
            let registry = lg(py, intern!(py, "_handlers"))?;
            if !registry.contains(&name)? {
                return Err(PyValueError::new_err(pct(py, "No handler found with name %r", &name)?));
            }
            unable(py, "Unable to configure handler %r", &name, || {
                let handler = registry.get_item(&name)?;
                let handler_config = handlers.get_item(&name)?;
                let level = handler_config.call_method1(intern!(py, "get"), ("level", py.None()))?;
                if level.is_truthy()? {
                    let level = lg(py, intern!(py, "_checkLevel"))?.call1((level,))?;
                    dispatch::call_method(&handler, intern!(py, "setLevel"), (level,))?;
                }
                Ok(())
            })?;
        }
        let loggers = config.call_method1(intern!(py, "get"), ("loggers", &empty))?;
        for name in loggers.try_iter()? {
            let name = name?;
            unable(py, "Unable to configure logger %r", &name, || {
                dispatch::call_method(this, intern!(py, "configure_logger"), (&name, loggers.get_item(&name)?, true))
            })?;
        }
        let root = config.call_method1(intern!(py, "get"), ("root", py.None()))?;
        if root.is_truthy()? {
            if let Err(e) = dispatch::call_method(this, intern!(py, "configure_root"), (&root, true)) {
                if is_exception(py, &e) {
                    return Err(raise_from(py, PyValueError::new_err("Unable to configure root logger"), e));
                }
                return Err(e);
            }
        }
        Ok(())
    }

    fn configure_full(this: &Bound<'_, PyAny>, config: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = this.py();
        let empty = PyDict::new(py);
        let disable_existing = config.call_method1(intern!(py, "pop"), ("disable_existing_loggers", true))?;

        super::clear_existing_handlers(py)?;

        // Do formatters first - they don't refer to anything else
        let formatters = config.call_method1(intern!(py, "get"), ("formatters", &empty))?;
        for name in formatters.try_iter()? {
            let name = name?;
            unable(py, "Unable to configure formatter %r", &name, || {
                let f = dispatch::call_method(this, intern!(py, "configure_formatter"), (formatters.get_item(&name)?,))?;
                formatters.set_item(&name, f)
            })?;
        }
        // Next, do filters - they don't refer to anything else, either
        let filters = config.call_method1(intern!(py, "get"), ("filters", &empty))?;
        for name in filters.try_iter()? {
            let name = name?;
            unable(py, "Unable to configure filter %r", &name, || {
                let f = dispatch::call_method(this, intern!(py, "configure_filter"), (filters.get_item(&name)?,))?;
                filters.set_item(&name, f)
            })?;
        }

        // Next, do handlers - they refer to formatters and filters
        // As handlers can refer to other handlers, sort the keys
        // to allow a deterministic order of configuration
        let handlers = config.call_method1(intern!(py, "get"), ("handlers", &empty))?;
        let marker = if state::minor(py) >= 12 { " not configured yet" } else { "target not configured yet" };
        let deferred = PyList::empty(py);
        let sorted = builtin(py, intern!(py, "sorted"))?.call1((&handlers,))?;
        for name in sorted.try_iter()? {
            let name = name?;
            if let Err(e) = configure_named_handler(this, &handlers, &name) {
                if !is_exception(py, &e) {
                    return Err(e);
                }
                let cause = e.value(py).getattr(intern!(py, "__cause__"))?.str()?;
                if cause.to_str()?.contains(marker) {
                    deferred.append(&name)?;
                } else {
                    return Err(value_error_from(py, "Unable to configure handler %r", &name, e));
                }
            }
        }
        // Now do any that were deferred
        for name in deferred.iter() {
            unable(py, "Unable to configure handler %r", &name, || configure_named_handler(this, &handlers, &name))?;
        }

        // Next, do loggers - they refer to handlers and filters
        let existing = existing_loggers(py)?;
        let child_loggers = PyList::empty(py);
        let loggers = config.call_method1(intern!(py, "get"), ("loggers", &empty))?;
        for name in loggers.try_iter()? {
            let name = name?;
            collect_children(&existing, &child_loggers, &name)?;
            unable(py, "Unable to configure logger %r", &name, || {
                dispatch::call_method(this, intern!(py, "configure_logger"), (&name, loggers.get_item(&name)?))
            })?;
        }

        // Disable any old loggers. There's no point deleting them as other threads may
        // continue to hold references and by disabling them, you stop them doing any
        // logging. However, don't disable children of named loggers, as that's probably
        // not what was intended by the user.
        handle_existing_loggers(existing.as_any(), child_loggers.as_any(), &disable_existing)?;

        // And finally, do the root logger
        let root = config.call_method1(intern!(py, "get"), ("root", py.None()))?;
        if root.is_truthy()? {
            if let Err(e) = dispatch::call_method(this, intern!(py, "configure_root"), (&root,)) {
                if is_exception(py, &e) {
                    return Err(raise_from(py, PyValueError::new_err("Unable to configure root logger"), e));
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// The `MemoryHandler` `target` special case of `configure_handler`.
    fn memory_target<'py>(
        this: &Bound<'py, PyAny>,
        config: &Bound<'py, PyAny>,
        config_copy: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        let py = this.py();
        let minor = state::minor(py);
        let mut tn: Option<Bound<'py, PyAny>> = None;
        let r = (|| -> PyResult<()> {
            let target = config.get_item("target")?;
            tn = Some(target.clone());
            let th = this.getattr(intern!(py, "config"))?.get_item("handlers")?.get_item(&target)?;
            if !th.is_instance(&lg(py, intern!(py, "Handler"))?)? {
                config.call_method1(intern!(py, "update"), (config_copy,))?; // restore for deferred cfg
                return Err(PyTypeError::new_err("target not configured yet"));
            }
            config.set_item("target", th)
        })();
        match r {
            Err(e) if is_exception(py, &e) => {
                if minor <= 11 {
                    // 'Unable to set target handler %r' % config['target']
                    match in_except(py, &e, || config.get_item("target")) {
                        Ok(t) => Err(value_error_from(py, "Unable to set target handler %r", &t, e)),
                        Err(e2) => Err(e2),
                    }
                } else {
                    match tn {
                        Some(t) => Err(value_error_from(py, "Unable to set target handler %r", &t, e)),
                        None => Err(raise_during(py, unbound_local(py, "tn"), e)),
                    }
                }
            }
            other => other,
        }
    }

    /// The `QueueHandler` special case of `configure_handler` (3.12+).
    fn queue_handler<'py>(
        this: &Bound<'py, PyAny>,
        config: &Bound<'py, PyAny>,
        config_copy: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        let py = this.py();
        let minor = state::minor(py);
        let handlers_mod = logging_handlers(py)?;
        let dict_type = py.get_type::<PyDict>();
        let str_type = py.get_type::<PyString>();
        let invalid = |fmt: &str, spec: &Bound<'py, PyAny>| -> PyErr {
            match pct(py, fmt, spec) {
                Ok(msg) => PyTypeError::new_err(msg),
                Err(e) => e,
            }
        };
        // Another special case for handler which refers to other handlers
        if minor == 12 && !config.contains("handlers")? {
            return Err(PyValueError::new_err("No handlers specified for a QueueHandler"));
        }
        if config.contains("queue")? {
            let qspec = config.get_item("queue")?;
            if minor == 12 {
                let queue_cls = py.import(intern!(py, "queue"))?.getattr(intern!(py, "Queue"))?;
                if !qspec.is_instance(&queue_cls)? {
                    let q = if qspec.is_instance(&str_type)? {
                        let q = dispatch::call_method(this, intern!(py, "resolve"), (&qspec,))?;
                        if !q.is_callable() {
                            return Err(invalid("Invalid queue specifier %r", &qspec));
                        }
                        q.call0()?
                    } else if qspec.is_instance(&dict_type)? {
                        if !qspec.contains("()")? {
                            return Err(invalid("Invalid queue specifier %r", &qspec));
                        }
                        let copy = dict_type.call1((&qspec,))?;
                        dispatch::call_method(this, intern!(py, "configure_custom"), (copy,))?
                    } else {
                        return Err(invalid("Invalid queue specifier %r", &qspec));
                    };
                    config.set_item("queue", q)?;
                }
            } else if qspec.is_instance(&str_type)? {
                let q = dispatch::call_method(this, intern!(py, "resolve"), (&qspec,))?;
                if !q.is_callable() {
                    return Err(invalid("Invalid queue specifier %r", &qspec));
                }
                config.set_item("queue", q.call0()?)?;
            } else if qspec.is_instance(&dict_type)? {
                if !qspec.contains("()")? {
                    return Err(invalid("Invalid queue specifier %r", &qspec));
                }
                let copy = dict_type.call1((&qspec,))?;
                let q = dispatch::call_method(this, intern!(py, "configure_custom"), (copy,))?;
                config.set_item("queue", q)?;
            } else if !is_queue_like_object(&qspec)? {
                return Err(invalid("Invalid queue specifier %r", &qspec));
            }
        }
        if config.contains("listener")? {
            let lspec = config.get_item("listener")?;
            let queue_listener = handlers_mod.getattr(intern!(py, "QueueListener"))?;
            if lspec.is_instance(&py.get_type::<pyo3::types::PyType>())? {
                if !issubclass(&lspec, &queue_listener)? {
                    return Err(invalid("Invalid listener specifier %r", &lspec));
                }
            } else {
                let listener = if lspec.is_instance(&str_type)? {
                    let listener = dispatch::call_method(this, intern!(py, "resolve"), (&lspec,))?;
                    if listener.is_instance(&py.get_type::<pyo3::types::PyType>())?
                        && !issubclass(&listener, &queue_listener)?
                    {
                        return Err(invalid("Invalid listener specifier %r", &lspec));
                    }
                    listener
                } else if lspec.is_instance(&dict_type)? {
                    if !lspec.contains("()")? {
                        return Err(invalid("Invalid listener specifier %r", &lspec));
                    }
                    let copy = dict_type.call1((&lspec,))?;
                    dispatch::call_method(this, intern!(py, "configure_custom"), (copy,))?
                } else {
                    return Err(invalid("Invalid listener specifier %r", &lspec));
                };
                if !listener.is_callable() {
                    return Err(invalid("Invalid listener specifier %r", &lspec));
                }
                config.set_item("listener", listener)?;
            }
        }
        if minor == 12 || config.contains("handlers")? {
            let hlist = PyList::empty(py);
            let mut hn: Option<Bound<'py, PyAny>> = None;
            let r = (|| -> PyResult<()> {
                for name in config.get_item("handlers")?.try_iter()? {
                    let name = name?;
                    hn = Some(name.clone());
                    let h = this.getattr(intern!(py, "config"))?.get_item("handlers")?.get_item(&name)?;
                    if !h.is_instance(&lg(py, intern!(py, "Handler"))?)? {
                        config.call_method1(intern!(py, "update"), (config_copy,))?; // restore for deferred cfg
                        return Err(PyTypeError::new_err(pct(py, "Required handler %r is not configured yet", &name)?));
                    }
                    hlist.append(h)?;
                }
                Ok(())
            })();
            match r {
                Err(e) if is_exception(py, &e) => {
                    return Err(match hn {
                        Some(n) => value_error_from(py, "Unable to set required handler %r", &n, e),
                        None => raise_during(py, unbound_local(py, "hn"), e),
                    });
                }
                Err(e) => return Err(e),
                Ok(()) => {}
            }
            config.set_item("handlers", hlist)?;
        }
        Ok(())
    }
}

#[pymethods]
impl DictConfigurator {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(config)")]
    fn __new__(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<Self> {
        PyClassInitializer::from(BaseConfigurator {}).add_subclass(DictConfigurator {})
    }

    /// Do the configuration.
    fn configure(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let this = slf.as_any();
        let config = this.getattr(intern!(py, "config"))?;
        if !config.contains("version")? {
            return Err(PyValueError::new_err("dictionary doesn't specify a version"));
        }
        if config.get_item("version")?.ne(1)? {
            let v = config.get_item("version")?;
            return Err(PyValueError::new_err(pct(py, "Unsupported version: %s", &v)?));
        }
        let incremental = config.call_method1(intern!(py, "pop"), ("incremental", false))?;
        state::with_module_lock(py, || {
            if incremental.is_truthy()? {
                Self::configure_incremental(this, &config)
            } else {
                Self::configure_full(this, &config)
            }
        })
    }

    /// Configure a formatter from a dictionary.
    fn configure_formatter<'py>(slf: &Bound<'py, Self>, config: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.as_any();
        if config.contains("()")? {
            let factory = config.get_item("()")?; // for use in exception handler
            return match dispatch::call_method(this, intern!(py, "configure_custom"), (config,)) {
                Err(te) if te.is_instance_of::<PyTypeError>(py) => {
                    if !te.value(py).str()?.to_str()?.contains("'format'") {
                        return Err(te);
                    }
                    // logging.Formatter and its subclasses expect the `fmt` parameter
                    // instead of `format`. Retry passing configuration with `fmt`.
                    let retry = || -> PyResult<Bound<'py, PyAny>> {
                        let format = config.call_method1(intern!(py, "pop"), ("format",))?;
                        config.set_item("fmt", format)?;
                        config.set_item("()", &factory)?;
                        dispatch::call_method(this, intern!(py, "configure_custom"), (config,))
                    };
                    in_except(py, &te, retry)
                }
                other => other,
            };
        }
        let fmt = config.call_method1(intern!(py, "get"), ("format", py.None()))?;
        let dfmt = config.call_method1(intern!(py, "get"), ("datefmt", py.None()))?;
        let style = config.call_method1(intern!(py, "get"), ("style", "%"))?;
        let cname = config.call_method1(intern!(py, "get"), ("class", py.None()))?;
        let kwargs = PyDict::new(py);
        let defaults = if state::minor(py) >= 12 {
            Some(config.call_method1(intern!(py, "get"), ("defaults", py.None()))?)
        } else {
            None
        };
        let c = if !cname.is_truthy()? {
            lg(py, intern!(py, "Formatter"))?
        } else {
            resolve_name(py, &cname)?
        };
        // Add defaults only if it exists. Prevents TypeError in custom formatter
        // callables that do not accept it.
        if let Some(defaults) = defaults {
            if !defaults.is_none() {
                kwargs.set_item("defaults", defaults)?;
            }
        }
        // A TypeError would be raised if "validate" key is passed in with a formatter
        // callable that does not accept "validate" as a parameter
        if config.contains("validate")? {
            c.call((fmt, dfmt, style, config.get_item("validate")?), Some(&kwargs))
        } else {
            c.call((fmt, dfmt, style), Some(&kwargs))
        }
    }

    /// Configure a filter from a dictionary.
    fn configure_filter<'py>(slf: &Bound<'py, Self>, config: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if config.contains("()")? {
            dispatch::call_method(slf.as_any(), intern!(py, "configure_custom"), (config,))
        } else {
            let name = config.call_method1(intern!(py, "get"), ("name", ""))?;
            lg(py, intern!(py, "Filter"))?.call1((name,))
        }
    }

    /// Add filters to a filterer from a list of names.
    fn add_filters(slf: &Bound<'_, Self>, filterer: &Bound<'_, PyAny>, filters: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let this = slf.as_any();
        let by_object = state::minor(py) >= 11;
        for f in filters.try_iter()? {
            let f = f?;
            unable(py, "Unable to add filter %r", &f, || {
                let filter = if by_object && (f.is_callable() || has_callable_attr(&f, intern!(py, "filter"))?) {
                    f.clone()
                } else {
                    this.getattr(intern!(py, "config"))?.get_item("filters")?.get_item(&f)?
                };
                dispatch::call_method(filterer, intern!(py, "addFilter"), (filter,))
            })?;
        }
        Ok(())
    }

    #[pyo3(signature = (klass, **kwargs))]
    fn _configure_queue_handler<'py>(
        slf: &Bound<'py, Self>,
        klass: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let kwargs = match kwargs {
            Some(k) => k.clone(),
            None => PyDict::new(py),
        };
        let queue_listener = logging_handlers(py)?.getattr(intern!(py, "QueueListener"))?;
        let new_queue = || -> PyResult<Bound<'py, PyAny>> {
            py.import(intern!(py, "queue"))?.getattr(intern!(py, "Queue"))?.call0() // unbounded
        };
        let listener_kwargs = PyDict::new(py);
        let (q, lklass, handlers, handler) = if state::minor(py) >= 13 {
            let q = match kwargs.get_item("queue")? {
                Some(_) => dict_pop_required(&kwargs, PyString::new(py, "queue").as_any())?,
                None => new_queue()?,
            };
            let rhl = pop_default(&kwargs, "respect_handler_level", false.into_pyobject(py)?.to_owned().into_any())?;
            let lklass = pop_default(&kwargs, "listener", queue_listener)?;
            let handlers = pop_default(&kwargs, "handlers", PyList::empty(py).into_any())?;
            listener_kwargs.set_item("respect_handler_level", rhl)?;
            (q, lklass, handlers, None)
        } else {
            let q = match kwargs.get_item("queue")? {
                Some(q) => q,
                None => new_queue()?,
            };
            let rhl = kwargs.call_method1(intern!(py, "get"), ("respect_handler_level", false))?;
            let lklass = match kwargs.get_item("listener")? {
                Some(l) => l,
                None => queue_listener,
            };
            let handlers = kwargs.as_any().get_item("handlers")?;
            listener_kwargs.set_item("respect_handler_level", rhl)?;
            (q, lklass, handlers, Some(()))
        };
        let mut args = vec![q.clone()];
        for h in handlers.try_iter()? {
            args.push(h?);
        }
        let listener = lklass.call(PyTuple::new(py, args)?, Some(&listener_kwargs))?;
        let handler = match handler {
            Some(()) => klass.call1((q,))?,
            None => klass.call((q,), Some(&kwargs))?,
        };
        handler.setattr(intern!(py, "listener"), listener)?;
        Ok(handler)
    }

    /// Configure a handler from a dictionary.
    fn configure_handler<'py>(slf: &Bound<'py, Self>, config: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.as_any();
        let minor = state::minor(py);
        let config_copy = py.get_type::<PyDict>().call1((config,))?; // for restoring in case of error
        let mut formatter = config.call_method1(intern!(py, "pop"), ("formatter", py.None()))?;
        if formatter.is_truthy()? {
            let name = formatter.clone();
            formatter = unable(py, "Unable to set formatter %r", &name, || {
                this.getattr(intern!(py, "config"))?.get_item("formatters")?.get_item(&name)
            })?;
        }
        let level = config.call_method1(intern!(py, "pop"), ("level", py.None()))?;
        let filters = config.call_method1(intern!(py, "pop"), ("filters", py.None()))?;
        let factory = if config.contains("()")? {
            let mut c = config.call_method1(intern!(py, "pop"), ("()",))?;
            if !c.is_callable() {
                c = dispatch::call_method(this, intern!(py, "resolve"), (&c,))?;
            }
            c
        } else {
            let cname = config.call_method1(intern!(py, "pop"), ("class",))?;
            let klass = if minor >= 12 && cname.is_callable() {
                cname
            } else {
                dispatch::call_method(this, intern!(py, "resolve"), (&cname,))?
            };
            let handlers_mod = logging_handlers(py)?;
            let memory = handlers_mod.getattr(intern!(py, "MemoryHandler"))?;
            let is_queue_handler = |klass: &Bound<'py, PyAny>| -> PyResult<bool> {
                issubclass(klass, &handlers_mod.getattr(intern!(py, "QueueHandler"))?)
            };
            if minor >= 13 && issubclass(&klass, &memory)? {
                if config.contains("flushLevel")? {
                    let fl = lg(py, intern!(py, "_checkLevel"))?.call1((config.get_item("flushLevel")?,))?;
                    config.set_item("flushLevel", fl)?;
                }
                if config.contains("target")? {
                    Self::memory_target(this, config, &config_copy)?;
                }
            } else if minor <= 12 && issubclass(&klass, &memory)? && config.contains("target")? {
                // Special case for handler which refers to another handler
                Self::memory_target(this, config, &config_copy)?;
            } else if minor >= 12 && is_queue_handler(&klass)? {
                Self::queue_handler(this, config, &config_copy)?;
            } else if issubclass(&klass, &handlers_mod.getattr(intern!(py, "SMTPHandler"))?)?
                && config.contains("mailhost")?
            {
                let t = dispatch::call_method(this, intern!(py, "as_tuple"), (config.get_item("mailhost")?,))?;
                config.set_item("mailhost", t)?;
            } else if issubclass(&klass, &handlers_mod.getattr(intern!(py, "SysLogHandler"))?)?
                && config.contains("address")?
            {
                let t = dispatch::call_method(this, intern!(py, "as_tuple"), (config.get_item("address")?,))?;
                config.set_item("address", t)?;
            }
            if minor >= 12 && is_queue_handler(&klass)? {
                let method = this.getattr(intern!(py, "_configure_queue_handler"))?;
                py.import(intern!(py, "functools"))?
                    .getattr(intern!(py, "partial"))?
                    .call1((method, klass))?
            } else {
                klass
            }
        };
        let early_props = if minor <= 10 {
            Some(config.call_method1(intern!(py, "pop"), (".", py.None()))?)
        } else {
            None
        };
        let kwargs = identifier_kwargs(config)?;
        let result = match factory.call((), Some(&kwargs)) {
            Ok(r) => r,
            Err(te) if te.is_instance_of::<PyTypeError>(py) => {
                if !te.value(py).str()?.to_str()?.contains("'stream'") {
                    return Err(te);
                }
                // The argument name changed from strm to stream
                // Retry with old name.
                // This is so that code can be used with older Python versions
                // (e.g. by Django)
                let retry = || -> PyResult<Bound<'py, PyAny>> {
                    let stream = dict_pop_required(&kwargs, PyString::new(py, "stream").as_any())?;
                    kwargs.set_item("strm", stream)?;
                    factory.call((), Some(&kwargs))
                };
                in_except(py, &te, retry)?
            }
            Err(e) => return Err(e),
        };
        if formatter.is_truthy()? {
            dispatch::call_method(&result, intern!(py, "setFormatter"), (formatter,))?;
        }
        if !level.is_none() {
            let level = lg(py, intern!(py, "_checkLevel"))?.call1((level,))?;
            dispatch::call_method(&result, intern!(py, "setLevel"), (level,))?;
        }
        if filters.is_truthy()? {
            dispatch::call_method(this, intern!(py, "add_filters"), (&result, filters))?;
        }
        let props = match early_props {
            Some(p) => p,
            None => config.call_method1(intern!(py, "pop"), (".", py.None()))?,
        };
        set_props(&result, &props)?;
        Ok(result)
    }

    /// Add handlers to a logger from a list of names.
    fn add_handlers(slf: &Bound<'_, Self>, logger: &Bound<'_, PyAny>, handlers: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let this = slf.as_any();
        for h in handlers.try_iter()? {
            let h = h?;
            unable(py, "Unable to add handler %r", &h, || {
                let handler = this.getattr(intern!(py, "config"))?.get_item("handlers")?.get_item(&h)?;
                dispatch::call_method(logger, intern!(py, "addHandler"), (handler,))
            })?;
        }
        Ok(())
    }

    /// Perform configuration which is common to root and non-root loggers.
    #[pyo3(signature = (logger, config, incremental = default_object(false)), text_signature = "($self, logger, config, incremental=False)")]
    fn common_logger_config(
        slf: &Bound<'_, Self>,
        logger: &Bound<'_, PyAny>,
        config: &Bound<'_, PyAny>,
        incremental: Py<PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let this = slf.as_any();
        let level = config.call_method1(intern!(py, "get"), ("level", py.None()))?;
        if !level.is_none() {
            let level = lg(py, intern!(py, "_checkLevel"))?.call1((level,))?;
            dispatch::call_method(logger, intern!(py, "setLevel"), (level,))?;
        }
        let incremental = incremental.bind(py).is_truthy()?;
        if !incremental {
            // Remove any existing handlers
            let current = logger.getattr(intern!(py, "handlers"))?.get_item(PySlice::full(py))?;
            for h in current.try_iter()? {
                dispatch::call_method(logger, intern!(py, "removeHandler"), (h?,))?;
            }
            let handlers = config.call_method1(intern!(py, "get"), ("handlers", py.None()))?;
            if handlers.is_truthy()? {
                dispatch::call_method(this, intern!(py, "add_handlers"), (logger, handlers))?;
            }
            let filters = config.call_method1(intern!(py, "get"), ("filters", py.None()))?;
            if filters.is_truthy()? {
                dispatch::call_method(this, intern!(py, "add_filters"), (logger, filters))?;
            }
        }
        Ok(())
    }

    /// Configure a non-root logger from a dictionary.
    #[pyo3(signature = (name, config, incremental = default_object(false)), text_signature = "($self, name, config, incremental=False)")]
    fn configure_logger(
        slf: &Bound<'_, Self>,
        name: &Bound<'_, PyAny>,
        config: &Bound<'_, PyAny>,
        incremental: Py<PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let this = slf.as_any();
        let incremental = incremental.bind(py);
        let logger = lg(py, intern!(py, "getLogger"))?.call1((name,))?;
        dispatch::call_method(this, intern!(py, "common_logger_config"), (&logger, config, incremental))?;
        if state::minor(py) >= 10 {
            logger.setattr(intern!(py, "disabled"), false)?;
        }
        let propagate = config.call_method1(intern!(py, "get"), ("propagate", py.None()))?;
        if !propagate.is_none() {
            logger.setattr(intern!(py, "propagate"), propagate)?;
        }
        Ok(())
    }

    /// Configure a root logger from a dictionary.
    #[pyo3(signature = (config, incremental = default_object(false)), text_signature = "($self, config, incremental=False)")]
    fn configure_root(slf: &Bound<'_, Self>, config: &Bound<'_, PyAny>, incremental: Py<PyAny>) -> PyResult<()> {
        let py = slf.py();
        let incremental = incremental.bind(py);
        let root = lg(py, intern!(py, "getLogger"))?.call0()?;
        dispatch::call_method(slf.as_any(), intern!(py, "common_logger_config"), (&root, config, incremental))?;
        Ok(())
    }
}

/// `d.pop(key, default)` on a plain dict.
fn pop_default<'py>(d: &Bound<'py, PyDict>, key: &str, default: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    match d.get_item(key)? {
        Some(v) => {
            d.del_item(key)?;
            Ok(v)
        }
        None => Ok(default),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<BaseConfigurator>()?;
    m.add_class::<DictConfigurator>()?;
    let dc = py.get_type::<DictConfigurator>();
    if state::minor(py) <= 11 {
        // _configure_queue_handler is new in 3.12.
        dc.delattr("_configure_queue_handler")?;
    }
    if state::minor(py) >= 13 {
        m.add_function(wrap_pyfunction!(is_queue_like_object, m)?)?;
    }
    m.add("dictConfigClass", dc)?;
    Ok(())
}
