//! logixde's native core: the stdlib's `logging`, `logging.handlers` and `logging.config`
//! implemented in Rust. One file per stdlib concept; `pylib/logixde/logging/` is the thin
//! Python facade that holds the module globals users assign and re-exports these classes.

use pyo3::prelude::*;

pub mod attached_cell;
pub mod dispatch;
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
            }
        }
    }
    Ok(())
}
