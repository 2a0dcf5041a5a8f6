//! `ConvertingMixin`, `ConvertingDict`, `ConvertingList`, `ConvertingTuple`.
//!
//! These are real `dict`/`list`/`tuple` subclasses with the stdlib's MRO
//! (`ConvertingDict(dict, ConvertingMixin)`), instance `__dict__` (`configurator`, `parent`,
//! `key`) and weak-referenceability. pyo3 cannot subclass `list` or (variable-sized)
//! `tuple` with `#[pyclass(extends = …)]`, nor give a class two bases, so the types are
//! built with `type(name, bases, namespace)` at module initialisation; every method in
//! their namespace is a native function wrapped with `PyInstanceMethod_New`, which binds
//! to the instance exactly as a Python function in a class body does.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};

use crate::module_functions::default_object;
use crate::dispatch;

static MIXIN: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CONVERTING_DICT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CONVERTING_LIST: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CONVERTING_TUPLE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

extern "C" {
    // Part of CPython's (non-limited) C API since 3.0 (Objects/classobject.c); pyo3-ffi
    // does not declare it.
    fn PyInstanceMethod_New(func: *mut pyo3::ffi::PyObject) -> *mut pyo3::ffi::PyObject;
}

fn instance_method<'py>(func: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = func.py();
    // SAFETY: `func` is a valid object; PyInstanceMethod_New returns a new reference or
    // NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(py, PyInstanceMethod_New(func.as_ptr())) }
}

fn get_type<'py>(py: Python<'py>, cell: &PyOnceLock<Py<PyType>>) -> PyResult<Bound<'py, PyType>> {
    cell.get(py)
        .map(|t| t.bind(py).clone())
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("logixde: logging.config is not initialised"))
}

pub(crate) fn converting_dict(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    get_type(py, &CONVERTING_DICT)
}

pub(crate) fn converting_list(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    get_type(py, &CONVERTING_LIST)
}

pub(crate) fn converting_tuple(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    get_type(py, &CONVERTING_TUPLE)
}

/// `type(result) in (ConvertingDict, ConvertingList, ConvertingTuple)`.
fn is_exact_converting(result: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = result.py();
    let t = result.get_type();
    Ok(t.is(&converting_dict(py)?) || t.is(&converting_list(py)?) || t.is(&converting_tuple(py)?))
}

/// The body of `ConvertingMixin.convert_with_key`.
fn convert_with_key_impl<'py>(
    slf: &Bound<'py, PyAny>,
    key: &Bound<'py, PyAny>,
    value: &Bound<'py, PyAny>,
    replace: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let configurator = slf.getattr(intern!(py, "configurator"))?;
    let result = dispatch::call_method(&configurator, intern!(py, "convert"), (value,))?;
    // If the converted value is different, save for next time
    if !value.is(&result) {
        if replace {
            slf.set_item(key, &result)?;
        }
        if is_exact_converting(&result)? {
            result.setattr(intern!(py, "parent"), slf)?;
            result.setattr(intern!(py, "key"), key)?;
        }
    }
    Ok(result)
}

// Convert `value` with the container's configurator, replacing it under `key` (no
// docstring: the stdlib's has none).
#[pyfunction]
#[pyo3(name = "convert_with_key", signature = (slf, key, value, replace = default_object(true)), text_signature = "(self, key, value, replace=True)")]
fn mixin_convert_with_key<'py>(
    slf: &Bound<'py, PyAny>,
    key: &Bound<'py, PyAny>,
    value: &Bound<'py, PyAny>,
    replace: Py<PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    convert_with_key_impl(slf, key, value, replace.bind(slf.py()).is_truthy()?)
}

// Convert `value` with the container's configurator (no docstring, as the stdlib's).
#[pyfunction]
#[pyo3(name = "convert", text_signature = "(self, value)")]
fn mixin_convert<'py>(slf: &Bound<'py, PyAny>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let configurator = slf.getattr(intern!(py, "configurator"))?;
    let result = dispatch::call_method(&configurator, intern!(py, "convert"), (value,))?;
    if !value.is(&result) && is_exact_converting(&result)? {
        result.setattr(intern!(py, "parent"), slf)?;
    }
    Ok(result)
}

fn base_method<'py, T: pyo3::PyTypeInfo>(py: Python<'py>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    py.get_type::<T>().getattr(name)
}

#[pyfunction]
#[pyo3(name = "__getitem__", text_signature = "(self, key)")]
fn dict_getitem<'py>(slf: &Bound<'py, PyAny>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let value = base_method::<PyDict>(py, intern!(py, "__getitem__"))?.call1((slf, key))?;
    dispatch::call_method(slf, intern!(py, "convert_with_key"), (key, value))
}

#[pyfunction]
#[pyo3(name = "get", signature = (slf, key, default = None), text_signature = "(self, key, default=None)")]
fn dict_get<'py>(
    slf: &Bound<'py, PyAny>,
    key: &Bound<'py, PyAny>,
    default: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let default = default.cloned().unwrap_or_else(|| py.None().into_bound(py));
    let value = base_method::<PyDict>(py, intern!(py, "get"))?.call1((slf, key, default))?;
    dispatch::call_method(slf, intern!(py, "convert_with_key"), (key, value))
}

#[pyfunction]
#[pyo3(name = "pop", signature = (slf, key, default = None), text_signature = "(self, key, default=None)")]
fn dict_pop<'py>(
    slf: &Bound<'py, PyAny>,
    key: &Bound<'py, PyAny>,
    default: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let default = default.cloned().unwrap_or_else(|| py.None().into_bound(py));
    let value = base_method::<PyDict>(py, intern!(py, "pop"))?.call1((slf, key, default))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item(intern!(py, "replace"), false)?;
    slf.getattr(intern!(py, "convert_with_key"))?.call((key, value), Some(&kwargs))
}

#[pyfunction]
#[pyo3(name = "__getitem__", text_signature = "(self, key)")]
fn list_getitem<'py>(slf: &Bound<'py, PyAny>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let value = base_method::<PyList>(py, intern!(py, "__getitem__"))?.call1((slf, key))?;
    dispatch::call_method(slf, intern!(py, "convert_with_key"), (key, value))
}

#[pyfunction]
#[pyo3(name = "pop", signature = (slf, idx = default_object(-1)), text_signature = "(self, idx=-1)")]
fn list_pop<'py>(slf: &Bound<'py, PyAny>, idx: Py<PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let value = base_method::<PyList>(py, intern!(py, "pop"))?.call1((slf, idx))?;
    dispatch::call_method(slf, intern!(py, "convert"), (value,))
}

#[pyfunction]
#[pyo3(name = "__getitem__", text_signature = "(self, key)")]
fn tuple_getitem<'py>(slf: &Bound<'py, PyAny>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let value = base_method::<PyTuple>(py, intern!(py, "__getitem__"))?.call1((slf, key))?;
    // Can't replace a tuple entry.
    let kwargs = PyDict::new(py);
    kwargs.set_item(intern!(py, "replace"), false)?;
    slf.getattr(intern!(py, "convert_with_key"))?.call((key, value), Some(&kwargs))
}

/// `type(name, bases, namespace)` with `__module__` `logging.config`; each native function
/// in `methods` becomes a method named by its `__name__`, and `attrs` are added as-is.
pub(crate) fn make_type<'py>(
    py: Python<'py>,
    name: &str,
    qualname: &str,
    doc: Option<&str>,
    bases: Bound<'py, PyTuple>,
    methods: Vec<Bound<'py, PyAny>>,
    attrs: Vec<(&str, Bound<'py, PyAny>)>,
) -> PyResult<Bound<'py, PyType>> {
    let ns = PyDict::new(py);
    ns.set_item("__module__", "logging.config")?;
    ns.set_item("__qualname__", qualname)?;
    if let Some(doc) = doc {
        ns.set_item("__doc__", doc)?;
    }
    for f in methods {
        let fname = f.getattr(intern!(py, "__name__"))?;
        ns.set_item(fname, instance_method(&f)?)?;
    }
    for (k, v) in attrs {
        ns.set_item(k, v)?;
    }
    let t = py.get_type::<PyType>().call1((name, bases, ns))?;
    Ok(t.cast_into::<PyType>()?)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let object = py.get_type::<pyo3::types::PyAny>();
    let mixin = make_type(
        py,
        "ConvertingMixin",
        "ConvertingMixin",
        Some("For ConvertingXXX's, this mixin class provides common functions"),
        PyTuple::new(py, [object])?,
        vec![
            wrap_pyfunction!(mixin_convert_with_key, m)?.into_any(),
            wrap_pyfunction!(mixin_convert, m)?.into_any(),
        ],
        vec![],
    )?;
    let dict = make_type(
        py,
        "ConvertingDict",
        "ConvertingDict",
        Some("A converting dictionary wrapper."),
        PyTuple::new(py, [py.get_type::<PyDict>(), mixin.clone()])?,
        vec![
            wrap_pyfunction!(dict_getitem, m)?.into_any(),
            wrap_pyfunction!(dict_get, m)?.into_any(),
            wrap_pyfunction!(dict_pop, m)?.into_any(),
        ],
        vec![],
    )?;
    let list = make_type(
        py,
        "ConvertingList",
        "ConvertingList",
        Some("A converting list wrapper."),
        PyTuple::new(py, [py.get_type::<PyList>(), mixin.clone()])?,
        vec![
            wrap_pyfunction!(list_getitem, m)?.into_any(),
            wrap_pyfunction!(list_pop, m)?.into_any(),
        ],
        vec![],
    )?;
    let tuple = make_type(
        py,
        "ConvertingTuple",
        "ConvertingTuple",
        Some("A converting tuple wrapper."),
        PyTuple::new(py, [py.get_type::<PyTuple>(), mixin.clone()])?,
        vec![wrap_pyfunction!(tuple_getitem, m)?.into_any()],
        vec![],
    )?;
    m.add("ConvertingMixin", &mixin)?;
    m.add("ConvertingDict", &dict)?;
    m.add("ConvertingList", &list)?;
    m.add("ConvertingTuple", &tuple)?;
    let _ = MIXIN.set(py, mixin.unbind());
    let _ = CONVERTING_DICT.set(py, dict.unbind());
    let _ = CONVERTING_LIST.set(py, list.unbind());
    let _ = CONVERTING_TUPLE.set(py, tuple.unbind());
    Ok(())
}
