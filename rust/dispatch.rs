//! Override dispatch: the one way the core calls a method the stdlib calls on an object.
//!
//! Wherever the stdlib calls `hdlr.handle(record)`, `self.emit(record)`, `self.format(record)`,
//! … the object may be a native instance, a Python subclass overriding the method, a class
//! the user monkeypatched, or a foreign duck-typed object (a stdlib handler, a callable).
//! Every such call goes through here so that native fast paths, when added, are decided in
//! one place: native code only when the method found on the type is still the native one.

use pyo3::prelude::*;
use pyo3::call::PyCallArgs;
use pyo3::types::PyString;

/// Call `obj.name(*args)` as Python would.
#[inline]
pub fn call_method<'py, A>(
    obj: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
    args: A,
) -> PyResult<Bound<'py, PyAny>>
where
    A: PyCallArgs<'py>,
{
    obj.call_method1(name, args)
}

/// Call `obj.name()` as Python would.
#[inline]
pub fn call_method0<'py>(
    obj: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    obj.call_method0(name)
}
