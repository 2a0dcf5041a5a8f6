//! `LogRecord` (SKELETON — being written by the lead).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// A LogRecord instance represents an event being logged.
#[pyclass(module = "logging", name = "LogRecord", subclass, dict)]
pub struct LogRecord {}

#[pymethods]
impl LogRecord {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn __new__(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        LogRecord {}
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<LogRecord>()?;
    Ok(())
}
