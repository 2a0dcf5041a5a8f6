//! Levels: the names of the numeric levels, both ways, and level validation.
//!
//! The tables are the facade's real dicts `_levelToName` and `_nameToLevel` (users and the
//! suite read, copy and restore them), read live on every call.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString};
use pyo3::intern;

use crate::state::{self, StandIn};

fn level_to_name(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    state::global(py, intern!(py, "_levelToName"))
}

fn name_to_level(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    state::global(py, intern!(py, "_nameToLevel"))
}

/// Look up `key` in a mapping the user may have replaced: an exact dict's `get` natively,
/// anything else (a dict subclass may override `get`) through its own `get`.
fn mapping_get<'py>(mapping: &Bound<'py, PyAny>, key: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    if let Ok(dict) = mapping.cast_exact::<PyDict>() {
        return dict.get_item(key);
    }
    let value = mapping.call_method1(intern!(mapping.py(), "get"), (key,))?;
    Ok(if value.is_none() { None } else { Some(value) })
}

/// `a >= b`, natively for two exact ints that fit in 64 bits (levels always do).
#[inline]
pub fn ge(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<bool> {
    if a.is_exact_instance_of::<PyInt>() && b.is_exact_instance_of::<PyInt>() {
        if let (Ok(x), Ok(y)) = (a.extract::<i64>(), b.extract::<i64>()) {
            return Ok(x >= y);
        }
    }
    a.ge(b)
}

/// `getLevelName(level)` as a Rust function, for the core's own callers.
pub fn get_level_name<'py>(level: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = level.py();
    // Unhashable levels raise TypeError from the dict lookup, as in the stdlib.
    if let Some(name) = mapping_get(&level_to_name(py)?, level)? {
        if !name.is_none() {
            return Ok(name);
        }
    }
    if let Some(value) = mapping_get(&name_to_level(py)?, level)? {
        if !value.is_none() {
            return Ok(value);
        }
    }
    PyString::new(py, "Level %s").rem(level)
}

/// `fallback(level)` while the module global of `which` is the module's own function, else
/// a call of whatever the global now is: the stdlib calls these two by their global names,
/// and code replaces them (`logging.getLevelName = my_names` "for better printing").
fn call_global<'py>(
    level: &Bound<'py, PyAny>,
    which: StandIn,
    name: &Bound<'py, PyString>,
    fallback: fn(&Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    if !state::is_replaced(level.py(), which) {
        return fallback(level);
    }
    state::global(level.py(), name)?.call1((level,))
}

/// `getLevelName(level)` as the stdlib's callers make it: through the module's global.
pub fn call_get_level_name<'py>(level: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    call_global(level, StandIn::GetLevelName, intern!(level.py(), "getLevelName"), get_level_name)
}

/// `_checkLevel(level)` as the stdlib's callers make it: through the module's global.
pub fn call_check_level<'py>(level: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    call_global(level, StandIn::CheckLevel, intern!(level.py(), "_checkLevel"), check_level)
}

/// `_checkLevel(level)`: an int passes, a registered level name maps to its number.
pub fn check_level<'py>(level: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = level.py();
    if level.is_instance_of::<PyInt>() {
        return Ok(level.clone());
    }
    // `str(level) == level`: true for str and str subclasses that compare equal.
    if level.str()?.as_any().eq(level)? {
        let table = name_to_level(py)?;
        if !table.contains(level)? {
            let message = PyString::new(py, "Unknown level: %r").rem(level)?;
            return Err(PyValueError::new_err(message.unbind()));
        }
        return table.get_item(level);
    }
    let template = PyString::new(py, "Level not an integer or a valid string: %r");
    let message = if state::minor(py) <= 9 {
        template.rem(level)?
    } else {
        template.rem((level,))?
    };
    Err(PyTypeError::new_err(message.unbind()))
}

/// Return the textual or numeric representation of logging level 'level'.
///
/// If the level is one of the predefined levels (CRITICAL, ERROR, WARNING, INFO, DEBUG)
/// then you get the corresponding string. If you have associated levels with names using
/// addLevelName then the name you have associated with 'level' is returned.
///
/// If a numeric value corresponding to one of the defined levels is passed in, the
/// corresponding string representation is returned.
///
/// If a string representation of the level is passed in, the corresponding numeric value
/// is returned.
///
/// If no matching numeric or string value is passed in, the string 'Level %s' % level is
/// returned.
#[pyfunction]
#[pyo3(name = "getLevelName", signature = (level))]
fn py_get_level_name<'py>(level: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    get_level_name(level)
}

/// Associate 'levelName' with 'level'.
///
/// This is used when converting levels to text during message formatting.
#[pyfunction]
#[pyo3(name = "addLevelName", signature = (level, levelName))]
#[allow(non_snake_case)]
fn add_level_name(level: &Bound<'_, PyAny>, levelName: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = level.py();
    state::with_module_lock(py, || {
        level_to_name(py)?.set_item(level, levelName)?;
        name_to_level(py)?.set_item(levelName, level)
    })
}

#[pyfunction]
#[pyo3(name = "_checkLevel", signature = (level))]
fn py_check_level<'py>(level: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    check_level(level)
}

/// Return a mapping of all level names to their numeric values (3.11+).
#[pyfunction]
#[pyo3(name = "getLevelNamesMapping")]
fn get_level_names_mapping(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    name_to_level(py)?.call_method0(intern!(py, "copy"))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let get_level_name = wrap_pyfunction!(py_get_level_name, m)?;
    let check_level = wrap_pyfunction!(py_check_level, m)?;
    state::register_own(StandIn::GetLevelName, &get_level_name);
    state::register_own(StandIn::CheckLevel, &check_level);
    m.add_function(get_level_name)?;
    m.add_function(wrap_pyfunction!(add_level_name, m)?)?;
    m.add_function(check_level)?;
    m.add_function(wrap_pyfunction!(get_level_names_mapping, m)?)?;
    Ok(())
}
