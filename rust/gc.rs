//! Garbage-collector support for the classes that hold Python objects.

use pyo3::{ffi, Py};

/// Whether a native object's fields have been written yet, told by one of its fields.
///
/// On 3.11, `object.__new__` gives a new instance of a class with a `__dict__` its dict
/// (`_PyObject_InitializeDict`) after the collector tracks the instance and before pyo3
/// writes its fields; making that dict may run a collection, which then traverses the
/// instance while its fields are still zeroed memory. pyo3 writes all the fields at once,
/// so while one is null none is set, and `__traverse__` must visit nothing. The read is
/// volatile: a `Py` is never null, and a plain check would be optimized away.
#[inline]
pub fn is_written<T>(field: &Py<T>) -> bool {
    // SAFETY: a `Py` is one object pointer; reading it as raw bits is valid whatever they are.
    unsafe { !std::ptr::read_volatile((field as *const Py<T>).cast::<*mut ffi::PyObject>()).is_null() }
}
