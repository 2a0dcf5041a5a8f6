//! `logging.handlers`: one file per handler family.
//!
//! The classes present themselves as `logging.handlers.X`; the facade
//! `pylib/logixde/logging/handlers.py` re-exports them and holds the module globals
//! (`queue`, `copy`, `os`, …) the code below reads live.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::state;

pub mod buffering;
pub mod net;
pub mod nt_event_log;
pub mod queue;
pub mod rotating;
pub mod socket;
pub mod syslog;
pub mod timed;
pub mod watched;

/// A global of the `logging.handlers` module, read live; before that module is bound (or
/// if it lacks the name) the standard module of that name.
pub fn global<'py>(py: Python<'py>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(m) = state::handlers_module(py) {
        if let Ok(v) = m.as_any().getattr(name) {
            return Ok(v);
        }
    }
    py.import(name).map(|m| m.into_any())
}

/// True when the running interpreter is at least `minor.micro` within `minor`'s series, or a
/// later minor version (for fixes backported in a patch release).
pub fn at_least(py: Python<'_>, minor: u8, micro: u8) -> bool {
    let v = py.version_info();
    v.minor > minor || (v.minor == minor && v.patch >= micro)
}

/// Adds `_load_handlers` to `_core`; the classes themselves are created when the facade
/// `logging.handlers` is imported, as the stdlib creates them only then (`import logging`
/// stays as cheap as the stdlib's).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(load_handlers, m)?)
}

/// Called by the facade `logging.handlers`: adds the handler classes to `_core`, presented
/// as the stdlib's (see `present_as_stdlib_types`). Idempotent.
#[pyfunction]
#[pyo3(pass_module, name = "_load_handlers")]
fn load_handlers(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    if m.dict().contains(intern!(py, "WatchedFileHandler"))? {
        return Ok(());
    }
    let before = m.dict().copy()?;
    buffering::register(m)?;
    net::register(m)?;
    nt_event_log::register(m)?;
    queue::register(m)?;
    rotating::register(m)?;
    socket::register(m)?;
    syslog::register(m)?;
    timed::register(m)?;
    watched::register(m)?;
    let mut added = Vec::new();
    for (name, value) in m.dict().iter() {
        if !before.contains(&name)? {
            added.push(value);
        }
    }
    crate::present_as_stdlib_values(py, added.into_iter())
}
