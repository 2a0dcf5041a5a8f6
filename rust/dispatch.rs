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
//!   implementation directly. "The native class's own method" is recognised by the
//!   descriptor itself (a method descriptor created for that class under that name), so a
//!   patch is seen whenever it happened. [`resolves_natively`] asks the same for a name
//!   known at run time.
//! - [`Attr::get`] / [`getattr`]: an attribute read, exactly as Python's generic lookup.
//! - [`NativeFields::of`]: whether a native class's data fields (`Logger.handlers`,
//!   `Filterer.filters`, …) may be read and written in place for an object: its type still
//!   resolves each name to the class's own descriptor (no subclass or patch made one a
//!   property); otherwise every access goes through Python, as the stdlib's would.
//!
//! The answers are cached as CPython's own interpreter caches them: per call site for the
//! last object seen ([`SiteCache`]), then in a shared table, both valid while the object's
//! instance dict and its type keep their version tags.

use pyo3::call::PyCallArgs;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyTuple, PyType};
use pyo3::PyTypeInfo;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed};

/// `bool(obj)`, as `PyObject_IsTrue` decides it, with its first answers (`True`, `False`,
/// `None`: most of the flags the stdlib tests on every record) made without the call.
pub trait Truth {
    fn is_true(&self) -> PyResult<bool>;
}

impl Truth for Bound<'_, PyAny> {
    #[inline(always)]
    fn is_true(&self) -> PyResult<bool> {
        let p = self.as_ptr();
        // SAFETY: the singletons' addresses are only compared.
        unsafe {
            if p == ffi::Py_True() {
                return Ok(true);
            }
            if p == ffi::Py_False() || p == ffi::Py_None() {
                return Ok(false);
            }
        }
        self.is_truthy()
    }
}

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

/// `(*prefix, *rest)`: the positional arguments of a call the stdlib writes
/// `f(msg, *args)` or `f(level, msg, *args)`.
pub fn prepend_args<'py>(
    prefix: &[&Bound<'py, PyAny>],
    rest: &Bound<'py, PyTuple>,
) -> PyResult<Bound<'py, PyTuple>> {
    let mut items: Vec<Bound<'py, PyAny>> = prefix.iter().map(|a| (*a).clone()).collect();
    items.extend(rest.iter());
    PyTuple::new(rest.py(), items)
}

extern "C" {
    // Exported by CPython 3.9–3.13 (PyAPI_FUNC in cpython/object.h) and served from the
    // interpreter's type attribute cache; returns a borrowed reference or NULL, and never
    // sets an exception.
    pub(crate) fn _PyType_Lookup(type_: *mut ffi::PyTypeObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject;
    // Exported by CPython 3.9–3.13: the address of the instance `__dict__` slot, or NULL.
    pub(crate) fn _PyObject_GetDictPtr(obj: *mut ffi::PyObject) -> *mut *mut ffi::PyObject;
}

/// A name the core looks up, interned once.
struct Name {
    text: &'static str,
    interned: PyOnceLock<Py<PyString>>,
}

impl Name {
    const fn new(text: &'static str) -> Self {
        Name { text, interned: PyOnceLock::new() }
    }

    #[inline]
    fn get<'py>(&self, py: Python<'py>) -> &Bound<'py, PyString> {
        self.interned.get_or_init(py, || PyString::intern(py, self.text).unbind()).bind(py)
    }
}

/// A method of the native class `T` (the class defining it: for `Logger.filter`,
/// `Filterer`) that the core may call directly when not overridden.
pub struct NativeMethod<T> {
    name: Name,
    /// The verdict (1: native) for the last object asked about.
    site: SiteCache,
    class: std::marker::PhantomData<fn() -> T>,
}

impl<T: PyTypeInfo> NativeMethod<T> {
    pub const fn new(name: &'static str) -> Self {
        NativeMethod { name: Name::new(name), site: SiteCache::new(), class: std::marker::PhantomData }
    }

    /// The method name as an interned Python string.
    #[inline]
    pub fn name<'py>(&self, py: Python<'py>) -> &Bound<'py, PyString> {
        self.name.get(py)
    }

    /// True when `obj.<name>` would resolve to `T`'s own native method: the method found on
    /// `type(obj)` is the method descriptor `T` was created with under this name (so neither
    /// a subclass nor a patch of the class replaced it, whenever that happened) and the
    /// instance `__dict__` does not shadow it. An inherited method's descriptor names the
    /// class defining it.
    #[inline(always)]
    pub fn is_native(&self, obj: &Bound<'_, PyAny>) -> bool {
        // SAFETY: attached; `obj` is live.
        match unsafe { self.site.get(obj.py(), obj.as_ptr()) } {
            Some(verdict) => verdict != 0,
            None => self.decide(obj),
        }
    }

    /// [`Self::is_native`] decided anew, and kept for `obj`.
    #[inline(never)]
    fn decide(&self, obj: &Bound<'_, PyAny>) -> bool {
        let py = obj.py();
        let native = resolves_natively::<T>(obj, self.name(py));
        // SAFETY: attached; `obj` is live; the value is a verdict, not a reference.
        unsafe { self.site.set(py, obj.as_ptr(), usize::from(native)) };
        native
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

/// Data fields of the native class `T` (its `#[pyo3(get, set)]` descriptors) that the core
/// reads and writes in place: allowed for an instance of `T` while each of `names` on its
/// type still resolves to `T`'s own descriptor. A subclass or a patch defining one as a
/// property (or anything else) sends every access to all of them through Python, as the
/// stdlib makes it. The verdict is kept per type, for a few types (a logger's parents are
/// often of another class), while the type keeps its version tag.
pub struct NativeFields<T> {
    names: &'static [&'static str],
    sites: [SiteCache; 4],
    /// The site the next new type takes.
    next: AtomicUsize,
    class: std::marker::PhantomData<fn() -> T>,
}

impl<T: PyTypeInfo> NativeFields<T> {
    pub const fn new(names: &'static [&'static str]) -> Self {
        NativeFields {
            names,
            sites: [const { SiteCache::new() }; 4],
            next: AtomicUsize::new(0),
            class: std::marker::PhantomData,
        }
    }

    /// `obj` as a `T` whose fields may be used in place, if it is one.
    #[inline(always)]
    pub fn of<'a, 'py>(&self, obj: &'a Bound<'py, PyAny>) -> Option<&'a Bound<'py, T>> {
        let py = obj.py();
        // SAFETY: attached; `obj` is live; a true verdict was decided for its type (and that
        // type's version, which renews with any change to its bases) with `T` among them.
        unsafe {
            let tp = ffi::Py_TYPE(obj.as_ptr());
            let native = match self.sites.iter().find_map(|site| site.get_for_type(py, tp)) {
                Some(verdict) => verdict != 0,
                None => self.decide(py, tp),
            };
            native.then(|| obj.cast_unchecked::<T>())
        }
    }

    /// Whether `tp` is `T` or a subclass with `T`'s own fields, decided anew and kept.
    ///
    /// # Safety
    /// Attached; `tp` is live.
    #[inline(never)]
    unsafe fn decide(&self, py: Python<'_>, tp: *mut ffi::PyTypeObject) -> bool {
        let owner = T::type_object_raw(py);
        let native = ffi::PyType_IsSubtype(tp, owner) != 0
            && self.names.iter().all(|name| {
                let name = PyString::intern(py, name);
                is_own(_PyType_Lookup(tp, name.as_ptr()) as usize, &raw mut ffi::PyGetSetDescr_Type, owner, &name)
            });
        // A type seen before (its verdict outdated) keeps its site; a new one takes the next.
        let site = match self.sites.iter().find(|site| site.tp.load(Relaxed) == tp as usize) {
            Some(site) => site,
            None => &self.sites[self.next.fetch_add(1, Relaxed) % self.sites.len()],
        };
        site.set_for_type(py, tp, usize::from(native));
        native
    }
}

impl<T: pyo3::PyClass> NativeFields<T> {
    /// `obj.<name>`: the field `pick` selects, read from the native object while its fields
    /// are native, else the attribute (a property sees the read).
    #[inline]
    pub fn get<'py>(
        &self,
        obj: &Bound<'py, PyAny>,
        name: &Bound<'py, PyString>,
        pick: impl FnOnce(&T) -> &Py<PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match self.of(obj) {
            Some(native) => Ok(pick(&native.borrow()).clone_ref(obj.py()).into_bound(obj.py())),
            None => obj.getattr(name),
        }
    }
}

/// [`NativeMethod::is_native`] for a name known at run time (an interned str, or the
/// answer is not cached).
#[inline]
pub fn resolves_natively<T: PyTypeInfo>(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> bool {
    let py = obj.py();
    let found = resolve_method(obj, name);
    // SAFETY: `found` is a live descriptor of `type(obj)` (or a marker), only inspected.
    unsafe { is_own(found, &raw mut ffi::PyMethodDescr_Type, T::type_object_raw(py), name) }
}

/// Whether `found` (a descriptor address, or 0 / [`SHADOWED`]) is the descriptor of kind
/// `kind` that the native class `owner` defines under `name`: CPython names a method or
/// getset descriptor with the interned name and the class it was created for.
///
/// # Safety
/// Attached; `found` is 0, [`SHADOWED`] or a live object.
#[inline]
unsafe fn is_own(found: usize, kind: *mut ffi::PyTypeObject, owner: *mut ffi::PyTypeObject, name: &Bound<'_, PyString>) -> bool {
    if found == 0 || found == SHADOWED {
        return false;
    }
    // A native method stands in the class's dict as a function calling it.
    let descr = crate::method_functions::native_descriptor(found) as *mut ffi::PyDescrObject;
    if ffi::Py_TYPE(descr.cast()) != kind || (*descr).d_type != owner {
        return false;
    }
    let d_name = (*descr).d_name;
    d_name == name.as_ptr() || ffi::PyUnicode_Compare(d_name, name.as_ptr()) == 0
}

/// The descriptor `obj.<name>` finds on its type, or [`SHADOWED`] when the instance `__dict__`
/// holds the name (0: none on the type); kept in the inline cache (below) for an object with
/// an instance dict while the dict and the type keep their version tags.
#[inline]
fn resolve_method(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> usize {
    let py = obj.py();
    // SAFETY: attached; live objects; a cached or found descriptor is only compared.
    unsafe {
        let o = obj.as_ptr();
        let tp = ffi::Py_TYPE(o);
        let dict = instance_dict_ptr(o);
        let cache = !dict.is_null() && version_tags_work(py);
        if cache {
            if let Some(found) = method_cached(tp, dict, name.as_ptr()) {
                return found;
            }
        }
        let mut found = _PyType_Lookup(tp, name.as_ptr()) as usize;
        if found != 0 && shadowed_by_instance(obj, name) {
            found = SHADOWED;
        }
        if cache {
            method_remember(tp, dict, name.as_ptr(), found);
        }
        found
    }
}

/// Whether the instance `__dict__` of `obj` holds the str `name` (an instance-level patch).
#[inline]
pub(crate) fn shadowed_by_instance(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> bool {
    // SAFETY: attached; the dict slot (if any) points into `obj`, alive for the call; the
    // dict it holds is borrowed for the probe (a str key compared with an attribute dict's
    // str keys runs no Python code).
    unsafe {
        let dict = instance_dict_ptr(obj.as_ptr());
        if dict.is_null() {
            return false;
        }
        if ffi::PyDict_CheckExact(dict) == 0 {
            return true;
        }
        if dict_len(dict) == 0 {
            return false;
        }
        // PyDict_Contains: 0/1 with no exception state to inspect on a miss; -1 (a key
        // comparison failed): let the generic path, which raises it, decide.
        match ffi::PyDict_Contains(dict, name.as_ptr()) {
            0 => false,
            1 => true,
            _ => {
                ffi::PyErr_Clear();
                true
            }
        }
    }
}

/// `len(d)` for a dict (or dict subclass) object: `PyDict_Size` without the call.
///
/// # Safety
/// `dict` is a live dict.
#[inline(always)]
pub(crate) unsafe fn dict_len(dict: *mut ffi::PyObject) -> ffi::Py_ssize_t {
    (*(dict as *mut ffi::PyDictObject)).ma_used
}

/// The instance `__dict__` of `o` (borrowed), NULL when it has none (yet).
///
/// # Safety
/// Attached; `o` is live.
#[inline]
pub(crate) unsafe fn instance_dict_ptr(o: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let tp = ffi::Py_TYPE(o);
    let slot = if (*tp).tp_dictoffset > 0 {
        (o as *mut u8).offset((*tp).tp_dictoffset) as *mut *mut ffi::PyObject
    } else {
        _PyObject_GetDictPtr(o)
    };
    if slot.is_null() {
        std::ptr::null_mut()
    } else {
        *slot
    }
}

/// `_thread.RLock` (the type `threading.RLock()` returns) and its `acquire` and `release`
/// method descriptors. The type is immutable (a static type before 3.10), so neither its
/// methods nor its `__enter__`/`__exit__` (the same C functions as `acquire`/`release`) can
/// be replaced: calling the descriptors is exactly what `lock.acquire()` and `with lock:` do,
/// without the attribute lookups.
struct RLockMethods {
    type_ptr: usize,
    acquire: Py<PyAny>,
    release: Py<PyAny>,
}

static RLOCK: PyOnceLock<Option<RLockMethods>> = PyOnceLock::new();

fn rlock_methods(py: Python<'_>) -> Option<&'static RLockMethods> {
    RLOCK
        .get_or_init(py, || {
            let load = || -> PyResult<RLockMethods> {
                let ty = py.import("_thread")?.getattr("RLock")?.cast_into::<PyType>()?;
                let acquire = ty.getattr("acquire")?.unbind();
                let release = ty.getattr("release")?.unbind();
                // `__enter__`/`__exit__` must be the same C functions for `with` to match.
                let same = |a: &str, b: &str| -> PyResult<bool> {
                    let x = ty.getattr(a)?;
                    let y = ty.getattr(b)?;
                    // SAFETY: both are method descriptors of a builtin type (checked below).
                    Ok(x.get_type().is(y.get_type())
                        && x.get_type().name()?.to_cow()? == "method_descriptor"
                        && unsafe {
                            let dx = x.as_ptr() as *mut ffi::PyMethodDescrObject;
                            let dy = y.as_ptr() as *mut ffi::PyMethodDescrObject;
                            (*(*dx).d_method).ml_meth.PyCFunction as usize
                                == (*(*dy).d_method).ml_meth.PyCFunction as usize
                        })
                };
                if !(same("__enter__", "acquire")? && same("__exit__", "release")?) {
                    return Err(pyo3::exceptions::PyTypeError::new_err("unexpected RLock"));
                }
                Ok(RLockMethods { type_ptr: ty.as_type_ptr() as usize, acquire, release })
            };
            load().ok()
        })
        .as_ref()
}

/// The cached `_thread.RLock` methods when `lock` is exactly such a lock.
#[inline]
fn exact_rlock(lock: &Bound<'_, PyAny>) -> Option<&'static RLockMethods> {
    let m = rlock_methods(lock.py())?;
    // SAFETY: `lock` is a live object; its type pointer is only compared.
    let ty = unsafe { ffi::Py_TYPE(lock.as_ptr()) } as usize;
    (ty == m.type_ptr).then_some(m)
}

fn call_descr(descr: &Py<PyAny>, obj: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = obj.py();
    let args = [obj.as_ptr()];
    // SAFETY: `descr` is a live method descriptor, `args` one valid borrowed object; the
    // result is a new reference or NULL with an exception set.
    let r = unsafe { ffi::PyObject_Vectorcall(descr.as_ptr(), args.as_ptr(), 1, std::ptr::null_mut()) };
    if r.is_null() {
        return Err(PyErr::fetch(py));
    }
    // SAFETY: `r` is a new reference.
    unsafe { ffi::Py_DECREF(r) };
    Ok(())
}

/// The fields of a `_thread.RLock` as CPython 3.9–3.13 lay it out (`rlockobject`):
/// `PyObject_HEAD`, the OS lock, the owner's thread ident, the recursion count.
#[repr(C)]
struct RLockLayout {
    ob_base: ffi::PyObject,
    rlock_lock: *mut std::ffi::c_void,
    rlock_owner: std::os::raw::c_ulong,
    rlock_count: std::os::raw::c_ulong,
}

/// Whether [`RLockLayout`] is the running interpreter's, checked once on a fresh RLock
/// (owner and count read back after acquiring twice and releasing twice).
fn rlock_layout_verified(py: Python<'_>) -> bool {
    static VERIFIED: PyOnceLock<bool> = PyOnceLock::new();
    *VERIFIED.get_or_init(py, || {
        let check = || -> PyResult<bool> {
            let Some(m) = rlock_methods(py) else { return Ok(false) };
            if !(9..=13).contains(&crate::state::minor(py)) {
                return Ok(false);
            }
            // Taking the lock natively relies on the GIL serializing the lock's users, as
            // CPython's own methods do on these builds (not on a free-threaded one).
            if let Ok(f) = py.import("sys")?.getattr("_is_gil_enabled") {
                if !f.call0()?.is_truthy()? {
                    return Ok(false);
                }
            }
            // SAFETY: the type pointer is the live `_thread.RLock` type.
            let ty = unsafe { Bound::from_borrowed_ptr(py, m.type_ptr as *mut ffi::PyObject) };
            let size: usize = ty.getattr("__basicsize__")?.extract()?;
            if size < std::mem::size_of::<RLockLayout>() {
                return Ok(false);
            }
            let lock = ty.call0()?;
            // SAFETY: the object is an RLock of at least the layout's size; only read.
            let read = |lock: &Bound<'_, PyAny>| unsafe {
                let l = lock.as_ptr() as *const RLockLayout;
                ((*l).rlock_owner, (*l).rlock_count)
            };
            // SAFETY: attached.
            let me = unsafe { ffi::PyThread_get_thread_ident() };
            let mut ok = read(&lock).1 == 0;
            call_descr(&m.acquire, &lock)?;
            ok &= read(&lock) == (me, 1);
            call_descr(&m.acquire, &lock)?;
            ok &= read(&lock) == (me, 2);
            call_descr(&m.release, &lock)?;
            ok &= read(&lock) == (me, 1);
            call_descr(&m.release, &lock)?;
            ok &= read(&lock).1 == 0;
            if !ok {
                return Ok(false);
            }
            // `rlock_lock` is the PyThread lock the methods take and release: held after
            // `acquire`, free after the last `release` (3.14 replaced it by a PyMutex).
            // SAFETY: the layout matched above on a 3.9–3.13 interpreter; attached.
            unsafe {
                let os_lock = (*(lock.as_ptr() as *const RLockLayout)).rlock_lock;
                if os_lock.is_null() {
                    return Ok(false);
                }
                call_descr(&m.acquire, &lock)?;
                ok &= PyThread_acquire_lock(os_lock, 0) == 0;
                call_descr(&m.release, &lock)?;
                if PyThread_acquire_lock(os_lock, 0) == 1 {
                    PyThread_release_lock(os_lock);
                } else {
                    ok = false;
                }
            }
            Ok(ok && read(&lock).1 == 0)
        };
        check().unwrap_or(false)
    })
}

extern "C" {
    // The C API (stable ABI) `RLock.acquire`/`release` use on `rlock_lock` in 3.9–3.13.
    fn PyThread_acquire_lock(lock: *mut std::ffi::c_void, waitflag: std::os::raw::c_int) -> std::os::raw::c_int;
    fn PyThread_release_lock(lock: *mut std::ffi::c_void);
}

/// The `_thread.RLock` type when [`RLockLayout`] is verified for it; 0 when not (or not
/// `_thread.RLock` as expected), [`RLOCK_UNKNOWN`] until first asked.
static RLOCK_NATIVE_TYPE: AtomicUsize = AtomicUsize::new(RLOCK_UNKNOWN);
const RLOCK_UNKNOWN: usize = 1;

/// The fields of `lock` when it is exactly a `_thread.RLock` of the verified layout.
#[inline]
fn rlock_fields(lock: &Bound<'_, PyAny>) -> Option<*mut RLockLayout> {
    let mut native = RLOCK_NATIVE_TYPE.load(Relaxed);
    if native == RLOCK_UNKNOWN {
        let py = lock.py();
        native = match rlock_methods(py) {
            Some(m) if rlock_layout_verified(py) => m.type_ptr,
            _ => 0,
        };
        RLOCK_NATIVE_TYPE.store(native, Relaxed);
    }
    // SAFETY: `lock` is a live object; its type pointer is only compared.
    let ty = unsafe { ffi::Py_TYPE(lock.as_ptr()) } as usize;
    (ty == native).then(|| lock.as_ptr() as *mut RLockLayout)
}

/// Whether acquiring `lock` now would succeed at once: it is a `_thread.RLock` held by no
/// thread or by this one. With the interpreter attached and no Python code run until the
/// work is done, nothing can tell that work done then from the same work done holding it.
#[inline]
pub fn lock_is_free(lock: &Bound<'_, PyAny>) -> bool {
    let Some(l) = rlock_fields(lock) else { return false };
    // SAFETY: an exact RLock of the verified layout; attached; only read.
    unsafe { (*l).rlock_count == 0 || (*l).rlock_owner == ffi::PyThread_get_thread_ident() }
}

/// `lock.acquire()` (`op` is the interned "acquire") or `lock.release()` ("release").
///
/// For a `_thread.RLock` of the verified layout this is what CPython 3.9–3.13's
/// `rlock_acquire`/`rlock_release` do, without their argument parsing: the owner re-enters
/// by counting; otherwise a non-blocking `PyThread_acquire_lock` (their own first try,
/// made without releasing the interpreter) and owner = this thread, count = 1; a release by
/// the owner counts down and at 0 clears the owner and releases the OS lock. A contended
/// acquire (which must wait detached) and a release by a non-owner (which raises) call the
/// real methods; anything not an exact RLock is called as Python would.
pub fn lock_call(lock: &Bound<'_, PyAny>, op: &Bound<'_, PyString>, acquire: bool) -> PyResult<()> {
    if let Some(l) = rlock_fields(lock) {
        // SAFETY: an exact RLock of the verified layout whose `rlock_lock` is the
        // PyThread lock its methods use (checked by `rlock_layout_verified`); attached, so
        // no other thread runs its methods meanwhile (CPython's own methods rely on that).
        unsafe {
            let me = ffi::PyThread_get_thread_ident();
            let owned = (*l).rlock_count > 0 && (*l).rlock_owner == me;
            if acquire {
                if owned && (*l).rlock_count < std::os::raw::c_ulong::MAX {
                    (*l).rlock_count += 1;
                    return Ok(());
                }
                if !owned && PyThread_acquire_lock((*l).rlock_lock, 0) == 1 {
                    (*l).rlock_owner = me;
                    (*l).rlock_count = 1;
                    return Ok(());
                }
            } else if owned {
                (*l).rlock_count -= 1;
                if (*l).rlock_count == 0 {
                    (*l).rlock_owner = 0;
                    PyThread_release_lock((*l).rlock_lock);
                }
                return Ok(());
            }
        }
    }
    if let Some(m) = exact_rlock(lock) {
        return call_descr(if acquire { &m.acquire } else { &m.release }, lock);
    }
    lock.call_method0(op).map(|_| ())
}

/// Whether `lock` is exactly a `_thread.RLock` (always true: it has no `__bool__`/`__len__`).
pub fn is_exact_rlock(lock: &Bound<'_, PyAny>) -> bool {
    exact_rlock(lock).is_some()
}

/// Whether `tp` reads attributes with CPython's generic algorithm (`PyObject_GenericGetAttr`).
///
/// # Safety
/// `tp` is a live type.
#[inline]
pub(crate) unsafe fn generic_getattr(tp: *mut ffi::PyTypeObject) -> bool {
    (*tp).tp_getattro.map(|f| f as usize) == Some(ffi::PyObject_GenericGetAttr as *const () as usize)
}

/// Whether `tp` assigns attributes with CPython's generic algorithm (`PyObject_GenericSetAttr`).
///
/// # Safety
/// `tp` is a live type.
#[inline]
pub(crate) unsafe fn generic_setattr(tp: *mut ffi::PyTypeObject) -> bool {
    (*tp).tp_setattro.map(|f| f as usize) == Some(ffi::PyObject_GenericSetAttr as *const () as usize)
}

/// Whether `tp` looks attributes up with the generic algorithm over a `tp_dictoffset` dict
/// (native classes and their Python subclasses without `__getattr__`/`__getattribute__`),
/// for every name found: exact modules too (their `tp_getattro` differs only for a name
/// found nowhere, which it hands to the module's `__getattr__`; such a lookup is never kept).
#[inline]
unsafe fn generic_with_dict(tp: *mut ffi::PyTypeObject) -> bool {
    (generic_getattr(tp) || tp == std::ptr::addr_of_mut!(ffi::PyModule_Type))
        && (*tp).tp_dictoffset > 0
}

// ---------------------------------------------------------------------------------------
// A call site's own cache
// ---------------------------------------------------------------------------------------
//
// Like the inline cache CPython keeps in each `LOAD_ATTR` instruction: the answer for the
// last object seen at one place in the core (a handler's `lock`, a logger's `handle`), valid
// while that object's instance dict and its type keep their version tags (see the shared
// cache below for why that suffices); checking it is a few loads and no hashing. Another
// object at the same place replaces it, after a lookup in the shared cache.

pub struct SiteCache {
    tp: AtomicUsize,
    tp_version: AtomicU32,
    dict: AtomicUsize,
    dict_version: AtomicU64,
    value: AtomicUsize,
}

impl SiteCache {
    pub const fn new() -> Self {
        SiteCache {
            tp: AtomicUsize::new(0),
            tp_version: AtomicU32::new(0),
            dict: AtomicUsize::new(0),
            dict_version: AtomicU64::new(0),
            value: AtomicUsize::new(0),
        }
    }

    /// The answer kept for `o`, if it is the object (type and instance dict, both unchanged)
    /// it was kept for.
    ///
    /// # Safety
    /// Attached; `o` is live.
    #[inline(always)]
    unsafe fn get(&self, py: Python<'_>, o: *mut ffi::PyObject) -> Option<usize> {
        let tp = ffi::Py_TYPE(o);
        if self.tp.load(Relaxed) != tp as usize {
            return None;
        }
        let dict = instance_dict_slot(tp, o)?;
        // Only recorded once version tags were found to work; an object without a dict
        // (yet) is answered by its type alone (a native LogRecord's attribute store, which
        // stands in for its dict, is asked by `record::call_get_message`).
        if self.dict.load(Relaxed) != dict as usize
            || (!dict.is_null() && self.dict_version.load(Relaxed) != dict_version(dict))
            || self.tp_version.load(Relaxed) != type_version(py, tp)
        {
            return None;
        }
        Some(self.value.load(Relaxed))
    }

    /// Keep `value` as the answer for `o` (when it can be validated later).
    ///
    /// # Safety
    /// Attached; `o` is live; `value` is borrowed from `o`'s dict or type (or a marker).
    #[inline]
    unsafe fn set(&self, py: Python<'_>, o: *mut ffi::PyObject, value: usize) {
        let tp = ffi::Py_TYPE(o);
        let Some(dict) = instance_dict_slot(tp, o) else { return };
        if !version_tags_work(py) {
            return;
        }
        let tp_version = type_version(py, tp);
        if tp_version == 0 {
            return;
        }
        self.tp.store(tp as usize, Relaxed);
        self.tp_version.store(tp_version, Relaxed);
        self.dict.store(dict as usize, Relaxed);
        self.dict_version.store(if dict.is_null() { 0 } else { dict_version(dict) }, Relaxed);
        self.value.store(value, Relaxed);
    }
}

/// The instance dict of `o` (of type `tp`) when its type keeps it in a `tp_dictoffset` slot,
/// NULL when it holds nothing (no dict, not created yet, or empty: a native record's while
/// its attributes are held natively); `None` for the dicts CPython manages itself (3.11+
/// `Py_TPFLAGS_MANAGED_DICT`, whose inline values can change without the dict's version tag
/// changing).
///
/// # Safety
/// Attached; `o` is a live object of type `tp`.
#[inline(always)]
unsafe fn instance_dict_slot(tp: *mut ffi::PyTypeObject, o: *mut ffi::PyObject) -> Option<*mut ffi::PyObject> {
    match (*tp).tp_dictoffset {
        0 => Some(std::ptr::null_mut()),
        offset if offset > 0 => {
            let dict = *((o as *mut u8).offset(offset) as *mut *mut ffi::PyObject);
            if !dict.is_null() && (*(dict as *mut ffi::PyDictObject)).ma_used == 0 {
                return Some(std::ptr::null_mut());
            }
            Some(dict)
        }
        _ => None,
    }
}

impl SiteCache {
    /// A dict address no object has: marks an answer that depends on the type alone (never
    /// confused with an answer [`SiteCache::get`] would give for an object).
    const TYPE_ONLY: usize = usize::MAX;

    /// The answer kept for type `tp` alone, if still valid.
    ///
    /// # Safety
    /// Attached; `tp` is live.
    #[inline]
    unsafe fn get_for_type(&self, py: Python<'_>, tp: *mut ffi::PyTypeObject) -> Option<usize> {
        (self.tp.load(Relaxed) == tp as usize
            && self.dict.load(Relaxed) == Self::TYPE_ONLY
            && self.tp_version.load(Relaxed) == type_version(py, tp))
        .then(|| self.value.load(Relaxed))
    }

    /// Keep `value` (borrowed from `tp`'s MRO) as the answer for type `tp`.
    ///
    /// # Safety
    /// Attached; `tp` is live.
    #[inline]
    unsafe fn set_for_type(&self, py: Python<'_>, tp: *mut ffi::PyTypeObject, value: usize) {
        let tp_version = type_version(py, tp);
        if tp_version == 0 {
            return;
        }
        self.tp.store(tp as usize, Relaxed);
        self.tp_version.store(tp_version, Relaxed);
        self.dict.store(Self::TYPE_ONLY, Relaxed);
        self.value.store(value, Relaxed);
    }
}

impl Default for SiteCache {
    fn default() -> Self {
        Self::new()
    }
}

/// A method the core calls at one place on objects it does not own (a stream's `write` and
/// `flush`), with that place's cache: `obj.name(*args)` as the interpreter's own method call
/// makes it (`_PyObject_GetMethod`): a plain method found on the type (a function or method
/// descriptor) and not shadowed by the instance dict is called with `obj` as its first
/// argument, anything else through the attribute.
pub struct MethodCall {
    name: Name,
    /// The plain method found on the type for the last object called on (0: none).
    site: SiteCache,
}

impl MethodCall {
    pub const fn new(name: &'static str) -> Self {
        MethodCall { name: Name::new(name), site: SiteCache::new() }
    }

    /// The method name as an interned Python string.
    #[inline]
    pub fn name<'py>(&self, py: Python<'py>) -> &Bound<'py, PyString> {
        self.name.get(py)
    }

    /// `obj.name(*args)` (at most two arguments).
    #[inline]
    pub fn call<'py>(&self, obj: &Bound<'py, PyAny>, args: &[&Bound<'py, PyAny>]) -> PyResult<Bound<'py, PyAny>> {
        let py = obj.py();
        // SAFETY: attached; a kept descriptor is borrowed from the unchanged type; the
        // argument array holds borrowed live references for the call's duration.
        unsafe {
            let o = obj.as_ptr();
            let method = self.resolve(obj);
            if method != 0 {
                let mut all = [o, std::ptr::null_mut(), std::ptr::null_mut()];
                for (slot, arg) in all[1..].iter_mut().zip(args) {
                    *slot = arg.as_ptr();
                }
                let n = 1 + args.len().min(2);
                let r = ffi::PyObject_Vectorcall(method as *mut ffi::PyObject, all.as_ptr(), n, std::ptr::null_mut());
                return Bound::from_owned_ptr_or_err(py, r);
            }
        }
        let args = PyTuple::new(py, args)?;
        obj.call_method1(self.name(py), args)
    }

    /// Whether `obj.name(...)` calls the plain method on `obj`'s type (nothing in the
    /// instance dict or a custom `__getattribute__` takes part).
    #[inline]
    pub fn calls_plain_method(&self, obj: &Bound<'_, PyAny>) -> bool {
        self.resolve(obj) != 0
    }

    /// The plain method for `obj` (0: none), from this place's cache or found and kept.
    #[inline(always)]
    fn resolve(&self, obj: &Bound<'_, PyAny>) -> usize {
        let (py, o) = (obj.py(), obj.as_ptr());
        // SAFETY: attached; `obj` is live; a kept descriptor is borrowed from the unchanged
        // type.
        unsafe {
            self.site.get(py, o).unwrap_or_else(|| {
                let method = self.plain_method(obj);
                self.site.set(py, o, method);
                method
            })
        }
    }

    /// `hasattr(obj, name)`: true at once when this place's cache holds a plain method for
    /// `obj` (the lookup that found it is the one `hasattr` makes), else [`has_method`].
    #[inline]
    pub fn present(&self, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
        // SAFETY: attached; `obj` is live; the kept value is only compared.
        if unsafe { self.site.get(obj.py(), obj.as_ptr()) }.is_some_and(|method| method != 0) {
            return Ok(true);
        }
        has_method(obj, self.name(obj.py()))
    }

    /// The plain method `obj.name` finds on its type when the interpreter would call it
    /// unbound (0 otherwise).
    fn plain_method(&self, obj: &Bound<'_, PyAny>) -> usize {
        let name = self.name(obj.py());
        // SAFETY: attached; live objects; the descriptor is borrowed from the type.
        unsafe {
            let tp = ffi::Py_TYPE(obj.as_ptr());
            if !generic_getattr(tp) {
                return 0;
            }
            let descr = _PyType_Lookup(tp, name.as_ptr());
            if descr.is_null() || (*ffi::Py_TYPE(descr)).tp_flags & ffi::Py_TPFLAGS_METHOD_DESCRIPTOR == 0 {
                return 0;
            }
            if shadowed_by_instance(obj, name) {
                return 0;
            }
            descr as usize
        }
    }
}

/// An attribute the core reads at one place, with that place's cache: `getattr(obj, name)`.
pub struct Attr {
    name: Name,
    site: SiteCache,
}

impl Attr {
    pub const fn new(name: &'static str) -> Self {
        Attr { name: Name::new(name), site: SiteCache::new() }
    }

    /// The attribute name as an interned Python string.
    #[inline]
    pub fn name<'py>(&self, py: Python<'py>) -> &Bound<'py, PyString> {
        self.name.get(py)
    }

    /// `getattr(obj, name)`, exactly (see [`getattr`]).
    #[inline(always)]
    pub fn get<'py>(&self, obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        match self.cached(obj) {
            Some(v) => Ok(v),
            None => self.look_up(obj).map(|(v, _)| v),
        }
    }

    /// `getattr(obj, name)` when this place's cache answers it: a plain value (from the
    /// instance dict or the type, no descriptor), so reading it runs nothing. `None` (nothing
    /// read) otherwise.
    #[inline(always)]
    pub fn cached<'py>(&self, obj: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
        // SAFETY: attached; a kept value is borrowed from the unchanged dict or type and
        // owned by the Bound before anything else runs.
        unsafe {
            self.site
                .get(obj.py(), obj.as_ptr())
                .map(|v| Bound::from_borrowed_ptr(obj.py(), v as *mut ffi::PyObject))
        }
    }

    /// [`Self::get`], and whether the value is plain (see [`Self::cached`]): then reading
    /// `obj.name` again would only give it again, and a caller repeating the stdlib's
    /// repeated reads of the attribute may skip them.
    #[inline]
    pub fn get_plain<'py>(&self, obj: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, bool)> {
        match self.cached(obj) {
            Some(v) => Ok((v, true)),
            None => self.look_up(obj),
        }
    }

    /// [`Self::get_plain`] looked up anew, and kept for `obj` when it may be.
    #[inline(never)]
    fn look_up<'py>(&self, obj: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, bool)> {
        let py = obj.py();
        match plain_lookup(obj, self.name(py)) {
            Lookup::Found(v) => {
                // SAFETY: attached; `v` is borrowed from `obj`'s dict or type.
                unsafe { self.site.set(py, obj.as_ptr(), v.as_ptr() as usize) };
                Ok((v, true))
            }
            Lookup::Error(e) => Err(e),
            Lookup::Generic => Ok((obj.getattr(self.name(py))?, false)),
        }
    }
}

/// A module's own function and its code object (held, so its address stays its own; `None`
/// for a builtin).
type OwnFunction = (Py<PyAny>, Option<Py<PyAny>>);

/// A function of a standard module that the core may stand in for when it is still that
/// module's own (`copy.copy` for `QueueHandler.prepare`, `genericpath.exists` for
/// `RotatingFileHandler.shouldRollover`): the counterpart of [`NativeMethod`] for a module
/// attribute the stdlib calls. Recognised once as the module's own — a Python function whose
/// globals are the module's namespace and whose qualified name is `name`, or a builtin
/// function bound to the module — then by identity (and, for a Python function, its code
/// object), so a replacement of the attribute or of its `__code__` is seen.
pub struct StdlibFunction {
    module: &'static str,
    name: &'static str,
    own: PyOnceLock<Option<OwnFunction>>,
}

impl StdlibFunction {
    pub const fn new(module: &'static str, name: &'static str) -> Self {
        StdlibFunction { module, name, own: PyOnceLock::new() }
    }

    fn own(&self, py: Python<'_>) -> Option<&OwnFunction> {
        self.own
            .get_or_init(py, || {
                let m = py.import(self.module).ok()?;
                let f = m.getattr(self.name).ok()?;
                // SAFETY: attached; `f` is live; globals, self and code are only compared.
                unsafe {
                    let o = f.as_ptr();
                    if ffi::PyFunction_Check(o) != 0 {
                        let qualname = f.getattr("__qualname__").ok()?;
                        let named = qualname.cast::<PyString>().ok()?.to_str().ok()? == self.name;
                        (named && ffi::PyFunction_GetGlobals(o) == m.dict().as_ptr()).then(|| {
                            let code = Bound::from_borrowed_ptr(py, ffi::PyFunction_GetCode(o));
                            (f.clone().unbind(), Some(code.unbind()))
                        })
                    } else if ffi::PyCFunction_Check(o) != 0 && ffi::PyCFunction_GetSelf(o) == m.as_ptr() {
                        Some((f.clone().unbind(), None))
                    } else {
                        None
                    }
                }
            })
            .as_ref()
    }

    /// Whether `f` is the module's own function (false when the module did not provide it).
    #[inline]
    pub fn is(&self, f: &Bound<'_, PyAny>) -> bool {
        let Some((own, code)) = self.own(f.py()) else {
            return false;
        };
        // SAFETY: attached; `f` is live (and, being `own`, a Python function when `code` is
        // set); the code object's address is only compared.
        f.is(own) && code.as_ref().is_none_or(|code| unsafe { ffi::PyFunction_GetCode(f.as_ptr()) } == code.as_ptr())
    }

    /// The module's own function, when it provided one.
    pub fn get<'py>(&self, py: Python<'py>) -> Option<&Bound<'py, PyAny>> {
        self.own(py).map(|(f, _)| f.bind(py))
    }
}

// ---------------------------------------------------------------------------------------
// The shared cache: attribute reads and method lookups
// ---------------------------------------------------------------------------------------
//
// CPython's specializing interpreter makes `self.lock` or `self.formatter` in the stdlib's
// Python code a few instructions; the generic lookup is a type lookup plus a dict probe.
// Behind the call sites' own caches (above), and for [`getattr`] / [`dict_item`] with any
// name, this table keeps what Python's inline caches keep: `(instance dict, name)` → the
// value found (in the dict, or a plain
// class attribute), valid while the dict's version tag (renewed by every change to the
// dict, PEP 509, 3.9–3.13) and the type's version tag (renewed by every change to the type
// or its bases) are the ones recorded. The value is borrowed: while neither changed, the
// dict or the type still holds it. A slot holds a reference to its name, so the name's
// address stays its own. Only read and written while attached (the GIL serializes them).

struct AttrSlot {
    dict: AtomicUsize,
    name: AtomicUsize,
    dict_version: AtomicU64,
    tp: AtomicUsize,
    tp_version: AtomicU32,
    /// An attribute's value (`getattr`), or what a method lookup found ([`method_cached`]).
    method: AtomicBool,
    value: AtomicUsize,
}

/// A method lookup's verdict when the instance dict shadows the method.
const SHADOWED: usize = 1;

const ATTR_SLOTS: usize = 1024;

static ATTR_CACHE: [AttrSlot; ATTR_SLOTS] = [const {
    AttrSlot {
        dict: AtomicUsize::new(0),
        name: AtomicUsize::new(0),
        dict_version: AtomicU64::new(0),
        tp: AtomicUsize::new(0),
        tp_version: AtomicU32::new(0),
        method: AtomicBool::new(false),
        value: AtomicUsize::new(0),
    }
}; ATTR_SLOTS];

/// The offset of `ma_version_tag` in a dict (after `PyObject_HEAD` and `ma_used`) on 3.9–3.13.
const VERSION_TAG_OFFSET: usize = std::mem::size_of::<pyo3::ffi::PyObject>() + std::mem::size_of::<pyo3::ffi::Py_ssize_t>();

/// `dict`'s version tag.
///
/// # Safety
/// `dict` is a live exact dict and [`version_tags_work`] returned true.
#[inline]
pub unsafe fn dict_version(dict: *mut pyo3::ffi::PyObject) -> u64 {
    std::ptr::read((dict as *const u8).add(VERSION_TAG_OFFSET) as *const u64)
}

/// Whether dicts carry a version tag at [`VERSION_TAG_OFFSET`] that every change renews:
/// checked once on a fresh dict (3.9–3.13 with the GIL; 3.14 dropped the tag).
#[inline]
pub fn version_tags_work(py: Python<'_>) -> bool {
    // 0: not checked yet, 1: they work, 2: they don't.
    static WORKS: AtomicU8 = AtomicU8::new(0);
    match WORKS.load(Relaxed) {
        1 => return true,
        2 => return false,
        _ => {}
    }
    let works = check_version_tags(py);
    WORKS.store(if works { 1 } else { 2 }, Relaxed);
    works
}

#[cold]
fn check_version_tags(py: Python<'_>) -> bool {
    {
        let check = || -> PyResult<bool> {
            if !(9..=13).contains(&crate::state::minor(py)) {
                return Ok(false);
            }
            let sys = py.import("sys")?;
            if let Ok(f) = sys.getattr("_is_gil_enabled") {
                if !f.call0()?.is_truthy()? {
                    return Ok(false);
                }
            }
            let d = pyo3::types::PyDict::new(py);
            let key = PyString::new(py, "k");
            // SAFETY: `d` is a live exact dict at least this large (checked just below).
            let tag = || unsafe { dict_version(d.as_ptr()) };
            if (std::mem::size_of::<pyo3::ffi::PyDictObject>()) < VERSION_TAG_OFFSET + 8 {
                return Ok(false);
            }
            let mut seen = vec![tag()];
            let one = 1i32.into_pyobject(py)?;
            d.set_item(&key, &one)?;
            seen.push(tag());
            d.set_item(&key, 2)?;
            seen.push(tag());
            d.del_item(&key)?;
            seen.push(tag());
            d.set_item("other", &one)?;
            seen.push(tag());
            d.clear();
            seen.push(tag());
            let distinct = seen.windows(2).all(|w| w[0] != w[1] && w[1] != 0);
            Ok(distinct)
        };
        check().unwrap_or(false)
    }
}

/// A type's version tag, 0 when it has no valid one. A modified type's tag is reset to 0 on
/// 3.11+, but 3.9/3.10 only clear the valid-tag flag (kept through 3.12; 3.13 no longer
/// sets it, a non-zero tag being valid there).
///
/// # Safety
/// `tp` is a live type.
#[inline]
pub(crate) unsafe fn type_version(py: Python<'_>, tp: *mut ffi::PyTypeObject) -> u32 {
    if crate::state::minor(py) <= 12 && (*tp).tp_flags & ffi::Py_TPFLAGS_VALID_VERSION_TAG == 0 {
        return 0;
    }
    (*tp).tp_version_tag
}

#[inline]
fn attr_slot(dict: *mut ffi::PyObject, name: *mut ffi::PyObject) -> &'static AttrSlot {
    // Fibonacci hashing of both addresses: their low bits are alignment zeros.
    let h = (dict as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (name as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    &ATTR_CACHE[(h >> 54) as usize % ATTR_SLOTS]
}

/// The cached value of `name` for an object with instance dict `dict` and type `tp`.
///
/// # Safety
/// Attached; live objects.
#[inline]
unsafe fn attr_cached(tp: *mut ffi::PyTypeObject, dict: *mut ffi::PyObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let slot = attr_slot(dict, name);
    let tp_version = type_version(Python::assume_attached(), tp);
    if tp_version != 0
        && slot.dict.load(Relaxed) == dict as usize
        && slot.name.load(Relaxed) == name as usize
        && slot.tp.load(Relaxed) == tp as usize
        && slot.tp_version.load(Relaxed) == tp_version
        && !slot.method.load(Relaxed)
        && slot.dict_version.load(Relaxed) == dict_version(dict)
    {
        return slot.value.load(Relaxed) as *mut ffi::PyObject;
    }
    std::ptr::null_mut()
}

/// The descriptor a method lookup found on `tp` for an object with instance dict `dict`
/// (or [`SHADOWED`]), when remembered and still valid.
///
/// # Safety
/// Attached; live objects.
#[inline]
unsafe fn method_cached(tp: *mut ffi::PyTypeObject, dict: *mut ffi::PyObject, name: *mut ffi::PyObject) -> Option<usize> {
    let slot = attr_slot(dict, name);
    let tp_version = type_version(Python::assume_attached(), tp);
    (tp_version != 0
        && slot.dict.load(Relaxed) == dict as usize
        && slot.name.load(Relaxed) == name as usize
        && slot.tp.load(Relaxed) == tp as usize
        && slot.tp_version.load(Relaxed) == tp_version
        && slot.method.load(Relaxed)
        && slot.dict_version.load(Relaxed) == dict_version(dict))
    .then(|| slot.value.load(Relaxed))
}

/// Remember what a method lookup found (compared by address only, never dereferenced).
///
/// # Safety
/// Attached; live objects.
#[inline]
unsafe fn method_remember(tp: *mut ffi::PyTypeObject, dict: *mut ffi::PyObject, name: *mut ffi::PyObject, found: usize) {
    let tp_version = type_version(Python::assume_attached(), tp);
    if tp_version != 0 {
        let slot = attr_slot(dict, name);
        slot_store(slot, dict, name, tp, tp_version, found as *mut ffi::PyObject);
        slot.method.store(true, Relaxed);
    }
}

/// Remember `value` (borrowed from `dict` or from `tp`'s MRO) as `name`'s.
///
/// # Safety
/// Attached; live objects; `value` found by the generic lookup just now.
#[inline]
unsafe fn attr_remember(tp: *mut ffi::PyTypeObject, dict: *mut ffi::PyObject, name: *mut ffi::PyObject, value: *mut ffi::PyObject) {
    let tp_version = type_version(Python::assume_attached(), tp);
    if tp_version != 0 {
        slot_store(attr_slot(dict, name), dict, name, tp, tp_version, value);
    }
}

/// Fill a slot (`tp` null for a plain dict item).
///
/// # Safety
/// Attached; live objects.
#[inline]
unsafe fn slot_store(
    slot: &AttrSlot,
    dict: *mut ffi::PyObject,
    name: *mut ffi::PyObject,
    tp: *mut ffi::PyTypeObject,
    tp_version: u32,
    value: *mut ffi::PyObject,
) {
    let old_name = slot.name.load(Relaxed) as *mut ffi::PyObject;
    if old_name != name {
        ffi::Py_INCREF(name);
        slot.name.store(name as usize, Relaxed);
        if !old_name.is_null() {
            // A str's deallocation runs no Python code.
            ffi::Py_DECREF(old_name);
        }
    }
    slot.dict.store(dict as usize, Relaxed);
    slot.dict_version.store(dict_version(dict), Relaxed);
    slot.tp.store(tp as usize, Relaxed);
    slot.tp_version.store(tp_version, Relaxed);
    slot.method.store(false, Relaxed);
    slot.value.store(value as usize, Relaxed);
}

/// `dict.get(name)` for an exact dict, through the inline cache for an exact str name (a
/// slot with no type; a missing key is remembered too): module globals.
#[inline]
pub fn dict_item<'py>(dict: &Bound<'py, pyo3::types::PyDict>, name: &Bound<'py, PyString>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = dict.py();
    let (d, n) = (dict.as_ptr(), name.as_ptr());
    let slot = attr_slot(d, n);
    let cache = name.is_exact_instance_of::<PyString>() && version_tags_work(py);
    // SAFETY: attached; live objects; a hit is borrowed from the unchanged dict and owned
    // by the Bound before anything else runs; str keys of a dict run no Python code.
    unsafe {
        if cache
            && slot.dict.load(Relaxed) == d as usize
            && slot.name.load(Relaxed) == n as usize
            && slot.tp.load(Relaxed) == 0
            && !slot.method.load(Relaxed)
            && slot.dict_version.load(Relaxed) == dict_version(d)
        {
            // A null value: the dict had no such key.
            return Ok(Bound::from_borrowed_ptr_or_opt(py, slot.value.load(Relaxed) as *mut ffi::PyObject));
        }
        let v = ffi::PyDict_GetItemWithError(d, n);
        if v.is_null() && !ffi::PyErr_Occurred().is_null() {
            return Err(PyErr::fetch(py));
        }
        if cache {
            slot_store(slot, d, n, std::ptr::null_mut(), 0, v);
        }
        Ok(Bound::from_borrowed_ptr_or_opt(py, v))
    }
}

/// What the generic lookup of [`plain_lookup`] gave.
enum Lookup<'py> {
    /// The value: from the instance dict or a plain class attribute (kept in the shared
    /// cache; the caller may keep it as long).
    Found(Bound<'py, PyAny>),
    /// The dict probe raised.
    Error(PyErr),
    /// Not a plain lookup (descriptors, missing attributes, other types): `PyObject_GetAttr`.
    Generic,
}

/// The generic algorithm for objects using the generic lookup over an instance dict (no
/// descriptor with `__get__` on the type → instance dict → plain class attribute), its
/// result kept in the shared cache.
#[inline]
fn plain_lookup<'py>(obj: &Bound<'py, PyAny>, name: &Bound<'py, PyString>) -> Lookup<'py> {
    let py = obj.py();
    // SAFETY: `obj` and `name` are live; borrowed results are turned into owned references
    // before anything else runs.
    unsafe {
        let o = obj.as_ptr();
        let tp = ffi::Py_TYPE(o);
        if generic_with_dict(tp) && name.is_exact_instance_of::<PyString>() {
            let dict = *((o as *mut u8).offset((*tp).tp_dictoffset) as *mut *mut ffi::PyObject);
            let cache = !dict.is_null() && version_tags_work(py);
            if cache {
                let cached = attr_cached(tp, dict, name.as_ptr());
                if !cached.is_null() {
                    return Lookup::Found(Bound::from_borrowed_ptr(py, cached));
                }
            }
            let descr = _PyType_Lookup(tp, name.as_ptr());
            if descr.is_null() || (*ffi::Py_TYPE(descr)).tp_descr_get.is_none() {
                if !dict.is_null() {
                    let v = ffi::PyDict_GetItemWithError(dict, name.as_ptr());
                    if !v.is_null() {
                        if cache {
                            attr_remember(tp, dict, name.as_ptr(), v);
                        }
                        return Lookup::Found(Bound::from_borrowed_ptr(py, v));
                    }
                    if !ffi::PyErr_Occurred().is_null() {
                        return Lookup::Error(PyErr::fetch(py));
                    }
                }
                if !descr.is_null() {
                    if cache {
                        attr_remember(tp, dict, name.as_ptr(), descr);
                    }
                    return Lookup::Found(Bound::from_borrowed_ptr(py, descr));
                }
            }
        }
    }
    Lookup::Generic
}

/// `getattr(obj, name)`, exactly: the plain lookup through the shared cache when it
/// applies, else `PyObject_GetAttr`.
#[inline]
pub fn getattr<'py>(obj: &Bound<'py, PyAny>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    match plain_lookup(obj, name) {
        Lookup::Found(v) => Ok(v),
        Lookup::Error(e) => Err(e),
        Lookup::Generic => obj.getattr(name),
    }
}

/// `setattr(obj, name, value)`, exactly: straight into the instance dict for objects using
/// the generic assignment over an existing `tp_dictoffset` dict when the type has no data
/// descriptor of that name; anything else through `PyObject_SetAttr`.
#[inline]
pub fn setattr(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>, value: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = obj.py();
    // SAFETY: as in `getattr`; `PyDict_SetItem` does not steal references.
    unsafe {
        let o = obj.as_ptr();
        let tp = ffi::Py_TYPE(o);
        if generic_setattr(tp)
            && (*tp).tp_dictoffset > 0
        {
            let descr = _PyType_Lookup(tp, name.as_ptr());
            if descr.is_null() || (*ffi::Py_TYPE(descr)).tp_descr_set.is_none() {
                let dict = *((o as *mut u8).offset((*tp).tp_dictoffset) as *mut *mut ffi::PyObject);
                if !dict.is_null() {
                    if ffi::PyDict_SetItem(dict, name.as_ptr(), value.as_ptr()) < 0 {
                        return Err(PyErr::fetch(py));
                    }
                    return Ok(());
                }
            }
        }
    }
    obj.setattr(name, value)
}

/// `hasattr(obj, name)` answered without running code when it is certainly true: the
/// object uses the generic lookup and its type has a plain method of that name (a builtin
/// method descriptor or a Python function, whose `__get__` neither fails nor runs code, and
/// which an instance attribute could only shadow with another value). Otherwise Python's
/// `hasattr`.
#[inline]
pub fn has_method(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> PyResult<bool> {
    // SAFETY: live objects; the descriptor pointer is only inspected.
    unsafe {
        let tp = ffi::Py_TYPE(obj.as_ptr());
        if generic_getattr(tp) {
            let descr = _PyType_Lookup(tp, name.as_ptr());
            if !descr.is_null() {
                let dt = ffi::Py_TYPE(descr);
                if std::ptr::eq(dt, std::ptr::addr_of!(ffi::PyMethodDescr_Type))
                    || std::ptr::eq(dt, std::ptr::addr_of!(ffi::PyFunction_Type))
                    || dt == crate::method_functions::function_type()
                {
                    return Ok(true);
                }
            }
        }
    }
    obj.hasattr(name)
}

/// `a, b, … = value` with `N` targets, as Python unpacks: any iterable of exactly `N` items
/// (a tuple or list read directly), else the interpreter's ValueError / TypeError.
pub fn unpack<'py, const N: usize>(value: &Bound<'py, PyAny>) -> PyResult<[Bound<'py, PyAny>; N]> {
    let py = value.py();
    let items: Vec<Bound<'py, PyAny>> = if let Ok(t) = value.cast_exact::<PyTuple>() {
        t.iter().collect()
    } else if let Ok(l) = value.cast_exact::<pyo3::types::PyList>() {
        l.iter().collect()
    } else {
        match value.try_iter() {
            // One more than needed: what tells "too many" from "exactly".
            Ok(iter) => iter.take(N + 1).collect::<PyResult<_>>()?,
            Err(e) => {
                // SAFETY: attached; reading the type's iteration slots.
                let iterable = unsafe {
                    (*ffi::Py_TYPE(value.as_ptr())).tp_iter.is_some() || ffi::PySequence_Check(value.as_ptr()) != 0
                };
                if iterable || !e.is_instance_of::<pyo3::exceptions::PyTypeError>(py) {
                    return Err(e);
                }
                let name = value.get_type().name()?;
                return Err(pyo3::exceptions::PyTypeError::new_err(format!("cannot unpack non-iterable {name} object")));
            }
        }
    };
    let count = items.len();
    <[Bound<'py, PyAny>; N]>::try_from(items).map_err(|_| {
        if count > N {
            pyo3::exceptions::PyValueError::new_err(format!("too many values to unpack (expected {N})"))
        } else {
            pyo3::exceptions::PyValueError::new_err(format!("not enough values to unpack (expected {N}, got {count})"))
        }
    })
}

/// The end of a hand-written C method (the vectorcall fast paths): the body's result, its
/// error raised as the Python exception, a panic raised as `PanicException` — nothing
/// unwinds into CPython.
///
/// # Safety
/// Called by CPython with the interpreter attached.
pub unsafe fn c_method_result(
    what: &'static str,
    body: impl FnOnce() -> PyResult<*mut ffi::PyObject>,
) -> *mut ffi::PyObject {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(result)) => result,
        Ok(Err(err)) => {
            err.restore(Python::assume_attached());
            std::ptr::null_mut()
        }
        Err(_) => {
            pyo3::panic::PanicException::new_err(format!("logixde: panic in {what}"))
                .restore(Python::assume_attached());
            std::ptr::null_mut()
        }
    }
}
