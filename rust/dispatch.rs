//! Override dispatch: the one way the core calls a method the stdlib calls on an object.
//!
//! Wherever the stdlib calls `hdlr.handle(record)`, `self.emit(record)`, `self.format(record)`,
//! … the object may be a native instance, a Python subclass overriding the method, a class
//! the user monkeypatched (sentry-sdk replaces `Logger.callHandlers`), an instance whose
//! attribute was patched (`mock.patch.object(handler, "emit")`), or a foreign duck-typed
//! object (a stdlib handler, a callable). Every such call is decided here:
//!
//! - [`call_method`] / [`call_method0`]: the generic path, exactly what Python would do.
//! - [`NativeMethod::is_native`]: true when looking the name up on the object would find the
//!   native class's own method — the object is an instance of the native class (or of a
//!   subclass that doesn't override it), nobody replaced the method on its class, and its
//!   instance `__dict__` doesn't shadow it. Only then may the caller run the Rust
//!   implementation directly. The check is a type-cache lookup plus, for instances with a
//!   non-empty `__dict__`, one dict probe.

use pyo3::call::PyCallArgs;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};
use pyo3::PyTypeInfo;

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

extern "C" {
    // Exported by CPython 3.9–3.13 (PyAPI_FUNC in cpython/object.h) and served from the
    // interpreter's type attribute cache; returns a borrowed reference or NULL, and never
    // sets an exception.
    fn _PyType_Lookup(type_: *mut ffi::PyTypeObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject;
    // Exported by CPython 3.9–3.13: the address of the instance `__dict__` slot, or NULL.
    fn _PyObject_GetDictPtr(obj: *mut ffi::PyObject) -> *mut *mut ffi::PyObject;
}

/// A method of a native class that the core may call directly when not overridden.
pub struct NativeMethod {
    name: &'static str,
    interned: PyOnceLock<Py<PyString>>,
    /// The descriptor found on the native class at first use (kept alive by the class).
    original: PyOnceLock<usize>,
}

impl NativeMethod {
    pub const fn new(name: &'static str) -> Self {
        NativeMethod { name, interned: PyOnceLock::new(), original: PyOnceLock::new() }
    }

    /// The method name as an interned Python string.
    pub fn name<'py>(&self, py: Python<'py>) -> &Bound<'py, PyString> {
        self.interned.get_or_init(py, || PyString::intern(py, self.name).unbind()).bind(py)
    }

    fn lookup(type_: &Bound<'_, PyType>, name: &Bound<'_, PyString>) -> usize {
        // SAFETY: both pointers are valid live objects while `type_` and `name` are bound;
        // the result is a borrowed pointer only compared, never dereferenced.
        unsafe { _PyType_Lookup(type_.as_type_ptr(), name.as_ptr()) as usize }
    }

    /// True when `obj.<name>` would resolve to `T`'s own native method.
    pub fn is_native<T: PyTypeInfo>(&self, obj: &Bound<'_, PyAny>) -> bool {
        let py = obj.py();
        let name = self.name(py);
        let original = *self.original.get_or_init(py, || Self::lookup(&T::type_object(py), name));
        if original == 0 || Self::lookup(&obj.get_type(), name) != original {
            return false;
        }
        !shadowed_by_instance(obj, name)
    }

    /// `obj.<name>(*args)` through Python (the override, the patch or the foreign object).
    #[inline]
    pub fn call<'py, A>(&self, obj: &Bound<'py, PyAny>, args: A) -> PyResult<Bound<'py, PyAny>>
    where
        A: PyCallArgs<'py>,
    {
        obj.call_method1(self.name(obj.py()), args)
    }
}

/// Whether the instance `__dict__` of `obj` holds `name` (an instance-level patch).
fn shadowed_by_instance(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> bool {
    // SAFETY: `_PyObject_GetDictPtr` returns NULL or a pointer into `obj`'s layout, which
    // stays valid while `obj` is bound; the dict it points to is borrowed.
    unsafe {
        let dict_ptr = _PyObject_GetDictPtr(obj.as_ptr());
        if dict_ptr.is_null() || (*dict_ptr).is_null() {
            return false;
        }
        let dict = *dict_ptr;
        if ffi::PyDict_Size(dict) == 0 {
            return false;
        }
        !ffi::PyDict_GetItemWithError(dict, name.as_ptr()).is_null()
    }
}
