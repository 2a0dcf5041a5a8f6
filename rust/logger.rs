//! `Logger` and `RootLogger` (SKELETON — the logger owner replaces this).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::filter::Filterer;

/// Instances of the Logger class represent a single logging channel.
#[pyclass(module = "logging", name = "Logger", extends = Filterer, subclass)]
pub struct Logger {}

impl Logger {
    pub fn initializer(py: Python<'_>) -> PyClassInitializer<Logger> {
        PyClassInitializer::from(Filterer::new(py)).add_subclass(Logger {})
    }
}

#[pymethods]
impl Logger {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<Logger> {
        Logger::initializer(py)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Logger>()?;
    Ok(())
}
