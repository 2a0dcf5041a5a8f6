//! logixde's native core: the stdlib's `logging`, `logging.handlers` and `logging.config`
//! implemented in Rust. One file per stdlib concept; `pylib/logixde/logging/` is the thin
//! Python facade that holds the module globals users assign and re-exports these classes.

use pyo3::prelude::*;

pub mod attached_cell;
pub mod dispatch;
pub mod gc;
pub mod py_slice;
pub mod state;

pub mod adapter;
pub mod caller;
pub mod file_handler;
pub mod filter;
pub mod formatter;
pub mod handler;
pub mod levels;
pub mod logger;
pub mod manager;
pub mod method_functions;
pub mod module_functions;
pub mod capture;
pub mod class_patterns;
pub mod record;
pub mod stream_handler;
pub mod style;
pub mod traceback;

pub mod handlers;

pub mod config;

/// The private extension module behind `logixde.logging`.
#[pymodule]
#[pyo3(name = "_core")]
fn core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(state::bind_logging_module, m)?)?;
    m.add_function(wrap_pyfunction!(method_functions::methods_as_functions, m)?)?;
    m.add_function(wrap_pyfunction!(method_functions::functions_as_functions, m)?)?;
    levels::register(m)?;
    record::register(m)?;
    filter::register(m)?;
    style::register(m)?;
    formatter::register(m)?;
    handler::register(m)?;
    stream_handler::register(m)?;
    file_handler::register(m)?;
    logger::register(m)?;
    manager::register(m)?;
    adapter::register(m)?;
    caller::register(m)?;
    module_functions::register(m)?;
    handlers::register(m)?;
    config::register(m)?;
    present_as_stdlib_types(m)
}

/// Give each class the stdlib's short `tp_name`.
///
/// pyo3 names a type `"logging.Logger"` internally, and CPython quotes that name in its own
/// messages (`'logging.Logger' object has no attribute 'x'`), where the stdlib's
/// pure-Python classes say `'Logger' object …`. Re-assigning `__name__` on these heap types
/// sets `tp_name` to the short name; `__module__` stays the stdlib module's.
pub(crate) fn present_as_stdlib_types(m: &Bound<'_, PyModule>) -> PyResult<()> {
    present_as_stdlib_values(m.py(), m.dict().values().iter())
}

/// `present_as_stdlib_types` for some values of a module (classes added later).
pub(crate) fn present_as_stdlib_values<'py>(
    py: Python<'py>,
    values: impl Iterator<Item = Bound<'py, PyAny>>,
) -> PyResult<()> {
    for value in values {
        if let Ok(cls) = value.cast::<pyo3::types::PyType>() {
            let module: String = cls.getattr(pyo3::intern!(py, "__module__"))?.extract()?;
            if module == "logging" || module.starts_with("logging.") {
                let name = cls.getattr(pyo3::intern!(py, "__name__"))?;
                cls.setattr(pyo3::intern!(py, "__name__"), name)?;
                install_weakref_descriptor(cls)?;
            }
        }
    }
    Ok(())
}

/// `__weakref__` on the class that brings the weak-reference slot, as a Python class has it
/// (`obj.__weakref__`, `dir(obj)`); pyo3's types have the slot but not the descriptor.
fn install_weakref_descriptor(cls: &Bound<'_, pyo3::types::PyType>) -> PyResult<()> {
    use pyo3::ffi;
    let py = cls.py();
    let tp = cls.as_type_ptr();
    // SAFETY: attached; `tp` is a live heap type whose dict is its own.
    unsafe {
        let base = (*tp).tp_base;
        let brings_slot = (*tp).tp_weaklistoffset > 0 && (base.is_null() || (*base).tp_weaklistoffset == 0);
        if !brings_slot || !ffi::PyDict_GetItemWithError((*tp).tp_dict, pyo3::intern!(py, "__weakref__").as_ptr()).is_null() {
            return Ok(());
        }
        let def = Box::leak(Box::new(ffi::PyGetSetDef {
            name: c"__weakref__".as_ptr(),
            get: Some(get_weakref),
            set: None,
            doc: c"list of weak references to the object".as_ptr(),
            closure: std::ptr::null_mut(),
        }));
        let descr = Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewGetSet(tp, def))?;
        if ffi::PyDict_SetItem((*tp).tp_dict, pyo3::intern!(py, "__weakref__").as_ptr(), descr.as_ptr()) != 0 {
            return Err(PyErr::fetch(py));
        }
        ffi::PyType_Modified(tp);
    }
    Ok(())
}

/// The getter of [`install_weakref_descriptor`]: the head of the object's weak-reference
/// list, or None (CPython's own for Python classes reads the same slot).
unsafe extern "C" fn get_weakref(obj: *mut pyo3::ffi::PyObject, _closure: *mut std::ffi::c_void) -> *mut pyo3::ffi::PyObject {
    use pyo3::ffi;
    // SAFETY: called by the descriptor on an instance of the class that has the slot (or a
    // subclass, at the same offset), attached.
    unsafe {
        let offset = (*ffi::Py_TYPE(obj)).tp_weaklistoffset;
        let head = *(obj.cast::<u8>().offset(offset).cast::<*mut ffi::PyObject>());
        let result = if head.is_null() { ffi::Py_None() } else { head };
        ffi::Py_IncRef(result);
        result
    }
}
