//! Python slices built without leaking.
//!
//! `pyo3::types::PySlice::new` (0.30.1) hands new int references to `PySlice_New`, which
//! borrows its arguments, so every call leaks its three index objects (ints above 256 are
//! not cached). Use [`slice`] instead.

use pyo3::prelude::*;
use pyo3::types::{PyInt, PySlice};

/// `slice(start, stop)`; `None` stands for an omitted bound (`s[start:]`, `s[:stop]`).
pub fn slice(py: Python<'_>, start: Option<isize>, stop: Option<isize>) -> PyResult<Bound<'_, PySlice>> {
    let bound = |v: Option<isize>| -> Bound<'_, PyAny> {
        match v {
            Some(v) => PyInt::new(py, v).into_any(),
            None => py.None().into_bound(py),
        }
    };
    let (start, stop, step) = (bound(start), bound(stop), py.None().into_bound(py));
    // SAFETY: PySlice_New borrows its arguments (alive in the bindings above) and returns a
    // new reference, or NULL with an exception set.
    unsafe {
        Bound::from_owned_ptr_or_err(py, pyo3::ffi::PySlice_New(start.as_ptr(), stop.as_ptr(), step.as_ptr()))
            .map(|s| s.cast_into_unchecked())
    }
}
