//! `Handler`: the base class of every handler (SKELETON — the handler owner replaces this).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::filter::Filterer;

/// Handler instances dispatch logging events to specific destinations.
#[pyclass(module = "logging", name = "Handler", extends = Filterer, subclass)]
pub struct Handler {}

impl Handler {
    /// The initializer native subclasses (`StreamHandler`, `logging.handlers.*`) chain from.
    pub fn initializer(py: Python<'_>) -> PyClassInitializer<Handler> {
        PyClassInitializer::from(Filterer::new(py)).add_subclass(Handler {})
    }
}

#[pymethods]
impl Handler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<Handler> {
        Handler::initializer(py)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Handler>()?;
    Ok(())
}
