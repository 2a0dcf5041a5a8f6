//! `Logger` and `RootLogger`.
//!
//! Every call the stdlib makes on `self` (`self.isEnabledFor`, `self._log`, `self.findCaller`,
//! `self.makeRecord`, `self.handle`, `self.filter`, `self.callHandlers`, …) runs the native
//! code directly only while the method found on the object's type is still the native one
//! and the instance does not shadow it ([`NativeMethods`]); otherwise it goes through Python,
//! so subclasses and monkeypatched classes (sentry-sdk replaces `Logger.callHandlers`) win.
//!
//! Native methods create no Python frames; the stdlib frames they stand for are counted for
//! `findCaller` as "virtual frames" (see `crate::caller`).

use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PySet, PyString, PyTuple, PyType};
use pyo3::{ffi, intern, PyTraverseError, PyVisit};
use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering::Relaxed};

use crate::caller::{self, VirtualFrames};
use crate::dispatch::{self, Truth};
use crate::filter::{self, Filterer};
use crate::levels;
use crate::manager::{self, with_lock, Manager};
use crate::record;
use crate::state;

/// Attributes read on every record, each with its call-site cache.
static LEVEL: dispatch::Attr = dispatch::Attr::new("level");

const NOTSET: i64 = 0;
const DEBUG: i64 = 10;
const INFO: i64 = 20;
const WARNING: i64 = 30;
const ERROR: i64 = 40;
const CRITICAL: i64 = 50;

/// The methods the stdlib calls on a logger that run natively while not overridden.
pub(crate) static IS_ENABLED_FOR: dispatch::NativeMethod<Logger> = dispatch::NativeMethod::new("isEnabledFor");
static GET_EFFECTIVE_LEVEL: dispatch::NativeMethod<Logger> = dispatch::NativeMethod::new("getEffectiveLevel");
static LOG_: dispatch::NativeMethod<Logger> = dispatch::NativeMethod::new("_log");
static FIND_CALLER: dispatch::NativeMethod<Logger> = dispatch::NativeMethod::new("findCaller");
static MAKE_RECORD: dispatch::NativeMethod<Logger> = dispatch::NativeMethod::new("makeRecord");
static HANDLE: dispatch::NativeMethod<Logger> = dispatch::NativeMethod::new("handle");
/// `Filterer.filter`, inherited.
static FILTER: dispatch::NativeMethod<Filterer> = dispatch::NativeMethod::new("filter");
static CALL_HANDLERS: dispatch::NativeMethod<Logger> = dispatch::NativeMethod::new("callHandlers");

/// Whether `logger.<name>` is the native Logger method.
pub fn is_native(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> bool {
    dispatch::resolves_natively::<Logger>(obj, name)
}

fn py_int(py: Python<'_>, v: i64) -> Bound<'_, PyAny> {
    v.into_pyobject(py).map(|v| v.into_any()).unwrap_or_else(|e| match e {})
}

/// Default argument `True`.
fn py_bool(py: Python<'_>, v: bool) -> Bound<'_, PyAny> {
    PyBool::new(py, v).to_owned().into_any()
}

/// Instances of the Logger class represent a single logging channel. A
/// "logging channel" indicates an area of an application. Exactly how an
/// "area" is defined is up to the application developer. Since an
/// application can have any number of areas, logging channels are identified
/// by a unique string. Application areas can be nested (e.g. an area
/// of "input processing" might include sub-areas "read CSV files", "read
/// XLS files" and "read Gnumeric files"). To cater for this natural nesting,
/// channel names are organized into a namespace hierarchy where levels are
/// separated by periods, much like the Java or Python package namespace. So
/// in the instance given above, channel names might be "input" for the upper
/// level, and "input.csv", "input.xls" and "input.gnu" for the sub-levels.
/// There is no arbitrary limit to the depth of nesting.
#[pyclass(module = "logging", name = "Logger", extends = Filterer, subclass)]
pub struct Logger {
    #[pyo3(get, set)]
    name: Py<PyAny>,
    #[pyo3(get, set)]
    level: Py<PyAny>,
    #[pyo3(get, set)]
    parent: Py<PyAny>,
    #[pyo3(get, set)]
    propagate: Py<PyAny>,
    #[pyo3(get, set)]
    handlers: Py<PyAny>,
    #[pyo3(get, set)]
    disabled: Py<PyAny>,
    #[pyo3(get, set, name = "_cache")]
    cache: Py<PyAny>,
    /// The `manager` `Manager.getLogger` assigns, when kept here rather than in the
    /// instance `__dict__` (see [`assign_manager`]).
    manager: Option<Py<PyAny>>,
    /// What `_cache` answered for the level methods' levels (read in place).
    enabled_memo: EnabledMemo,
}

/// `_cache`'s answers for the levels of the five level methods, kept with the dict's
/// address and version tag: while `_cache` is that dict and unchanged, an answer stands
/// without probing it again (a disabled call is little more than that probe).
#[derive(Default)]
struct EnabledMemo {
    cache: AtomicUsize,
    version: AtomicU64,
    /// Bit `which` (an index in [`LEVEL_METHODS`]): an answer is kept; bit `8 + which`: it
    /// is `True`.
    answers: AtomicU16,
}

/// The options of `_log` after `level, msg, args`.
struct LogOptions<'py> {
    exc_info: Bound<'py, PyAny>,
    extra: Bound<'py, PyAny>,
    stack_info: Bound<'py, PyAny>,
    stacklevel: Bound<'py, PyAny>,
}

impl<'py> LogOptions<'py> {
    fn defaults(py: Python<'py>) -> Self {
        LogOptions {
            exc_info: py.None().into_bound(py),
            extra: py.None().into_bound(py),
            stack_info: py_bool(py, false),
            stacklevel: py_int(py, 1),
        }
    }

    /// `**kwargs` bound to `_log`'s keyword parameters, with its error for others.
    fn from_kwargs(py: Python<'py>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Self> {
        let mut opts = Self::defaults(py);
        if let Some(kwargs) = kwargs {
            for (key, value) in kwargs.iter() {
                match log_keyword(py, &key) {
                    Some(k) => opts.set(k, value),
                    None => {
                        let func = if state::minor(py) >= 10 { "Logger._log()" } else { "_log()" };
                        return Err(PyTypeError::new_err(format!(
                            "{func} got an unexpected keyword argument {}",
                            key.repr()?
                        )));
                    }
                }
            }
        }
        Ok(opts)
    }

    /// Bind keyword parameter `k` (an index into [`LOG_KEYWORDS`]).
    fn set(&mut self, k: usize, value: Bound<'py, PyAny>) {
        match k {
            0 => self.extra = value,
            1 => self.exc_info = value,
            2 => self.stack_info = value,
            _ => self.stacklevel = value,
        }
    }

    /// The options of a vectorcall's keywords (`names`, a tuple of str, and one value each
    /// at `values`) when each is one of `_log`'s keyword parameters, at most once; `None`
    /// otherwise (the generated method then raises the stdlib's errors).
    ///
    /// # Safety
    /// Attached; `names` is NULL or a tuple, and `values` holds one object per name.
    unsafe fn from_kwnames(py: Python<'py>, names: *mut ffi::PyObject, values: *const *mut ffi::PyObject) -> Option<Self> {
        let mut opts = Self::defaults(py);
        if names.is_null() {
            return Some(opts);
        }
        let names = Bound::from_borrowed_ptr(py, names);
        let names = names.cast::<PyTuple>().ok()?;
        let mut seen = 0u8;
        for (i, name) in names.iter().enumerate() {
            let k = log_keyword(py, &name)?;
            if seen & (1 << k) != 0 {
                return None;
            }
            seen |= 1 << k;
            opts.set(k, Bound::from_borrowed_ptr(py, *values.add(i)));
        }
        Some(opts)
    }
}

/// `_log`'s keyword parameters, the usual first.
const LOG_KEYWORDS: [&str; 4] = ["extra", "exc_info", "stack_info", "stacklevel"];

/// Which of [`LOG_KEYWORDS`] the keyword name `key` is: the interned name by identity (what
/// a call site passes), else a str (or subclass) by content, as Python binds keywords.
fn log_keyword(py: Python<'_>, key: &Bound<'_, PyAny>) -> Option<usize> {
    let interned = [intern!(py, "extra"), intern!(py, "exc_info"), intern!(py, "stack_info"), intern!(py, "stacklevel")];
    if let Some(k) = interned.iter().position(|name| name.is(key)) {
        return Some(k);
    }
    let text = key.cast::<PyString>().ok()?.to_cow().ok()?;
    LOG_KEYWORDS.iter().position(|name| *name == text)
}

impl Logger {
    /// A logger with the stdlib's `__init__` defaults, for native subclasses' initializers.
    pub fn initializer(py: Python<'_>) -> PyClassInitializer<Logger> {
        PyClassInitializer::from(Filterer::new(py)).add_subclass(Logger {
            name: py.None(),
            level: py_int(py, NOTSET).unbind(),
            parent: py.None(),
            propagate: py_bool(py, true).unbind(),
            handlers: PyList::empty(py).into_any().unbind(),
            disabled: py_bool(py, false).unbind(),
            cache: PyDict::new(py).into_any().unbind(),
            manager: None,
            enabled_memo: EnabledMemo::default(),
        })
    }

    /// The stdlib's `Logger.__init__(self, name, level)`.
    pub fn init(slf: &Bound<'_, Logger>, name: &Bound<'_, PyAny>, level: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        filter::init_filters(slf.as_any())?;
        if FIELDS.of(slf.as_any()).is_none() {
            // Each assignment as the stdlib makes it, in its order (properties see them).
            slf.setattr(intern!(py, "name"), name)?;
            slf.setattr(intern!(py, "level"), manager::check_level(py, level)?)?;
            slf.setattr(intern!(py, "parent"), py.None())?;
            slf.setattr(intern!(py, "propagate"), true)?;
            slf.setattr(intern!(py, "handlers"), PyList::empty(py))?;
            slf.setattr(intern!(py, "disabled"), false)?;
            return slf.setattr(intern!(py, "_cache"), PyDict::new(py));
        }
        slf.borrow_mut().name = name.clone().unbind();
        let level = manager::check_level(py, level)?.unbind();
        let mut this = slf.borrow_mut();
        this.level = level;
        this.parent = py.None();
        this.propagate = py_bool(py, true).unbind();
        this.handlers = PyList::empty(py).into_any().unbind();
        this.disabled = py_bool(py, false).unbind();
        this.cache = PyDict::new(py).into_any().unbind();
        drop(this);
        drop_unused_dict(slf.as_any());
        Ok(())
    }

    fn slot(&self, field: Field) -> &Py<PyAny> {
        match field {
            Field::Name => &self.name,
            Field::Level => &self.level,
            Field::Parent => &self.parent,
            Field::Propagate => &self.propagate,
            Field::Handlers => &self.handlers,
            Field::Disabled => &self.disabled,
            Field::Cache => &self.cache,
        }
    }
}

// A logger's instance `__dict__`. The interpreter specialises `logger.info(...)` (3.12+:
// `LOAD_ATTR_METHOD_LAZY_DICT`, which finds the method on the type once) only for an
// object whose `tp_dictoffset` slot is NULL; otherwise every call looks the method up
// (`_PyObject_GetMethod`: ~280 instructions of a disabled call's ~1 100). Python classes
// keep their attributes in "values" the specialisation reads through; a native class
// gets that only while it has no dict. So on 3.12+ a logger is left without one: 3.12
// creates an empty dict in `object.__new__` (3.11 too, whose `LOAD_METHOD_WITH_DICT`
// wants it, so it stays), and the `manager` the stdlib assigns to each logger is kept
// natively when reads find the same object on the class.

/// Drop the empty instance dict 3.12's `object.__new__` made for `logger` (a dict is made
/// again by the first attribute stored in it, or by a read of `__dict__`).
fn drop_unused_dict(logger: &Bound<'_, PyAny>) {
    if !cfg!(all(Py_3_12, not(Py_3_13))) {
        return;
    }
    // SAFETY: attached; the slot is `logger`'s own; a dict only the slot holds (refcount
    // 1) and that is empty is released with no one seeing it go.
    unsafe {
        let o = logger.as_ptr();
        let offset = (*ffi::Py_TYPE(o)).tp_dictoffset;
        if offset <= 0 {
            return;
        }
        let slot = (o as *mut u8).offset(offset) as *mut *mut ffi::PyObject;
        let dict = *slot;
        if !dict.is_null() && ffi::PyDict_CheckExact(dict) != 0 && ffi::PyDict_Size(dict) == 0 && ffi::Py_REFCNT(dict) == 1 {
            *slot = std::ptr::null_mut();
            ffi::Py_DECREF(dict);
        }
    }
}

/// `rv.manager = manager`, as `Manager.getLogger` assigns it. On 3.12+, when the generic
/// `__setattr__` would store it in the instance dict and a read would find the very same
/// object on the class (`Logger.manager`, no descriptor), it is kept natively instead:
/// reads give the same object, and the logger keeps no dict (see above). The core reads
/// it back with [`manager_of`], so a logger keeps the manager that made it when
/// `Logger.manager` is replaced later, as the stdlib's do.
pub(crate) fn assign_manager(rv: &Bound<'_, PyAny>, manager: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = rv.py();
    if cfg!(Py_3_12) {
        if let Ok(logger) = rv.cast::<Logger>() {
            // SAFETY: attached; live objects; a type lookup runs no Python code.
            let natively = unsafe {
                let tp = ffi::Py_TYPE(rv.as_ptr());
                let generic = dispatch::generic_setattr(tp);
                let on_class = dispatch::_PyType_Lookup(tp, intern!(py, "manager").as_ptr());
                let manager_type = ffi::Py_TYPE(manager.as_ptr());
                generic
                    && on_class == manager.as_ptr()
                    && (*manager_type).tp_descr_get.is_none()
                    && (*manager_type).tp_descr_set.is_none()
                    && dispatch::instance_dict_ptr(rv.as_ptr()).is_null()
            };
            if natively {
                if let Ok(mut this) = logger.try_borrow_mut() {
                    this.manager = Some(manager.clone().unbind());
                    return Ok(());
                }
            }
        }
    }
    rv.setattr(intern!(py, "manager"), manager)
}

/// `logger.manager` as the stdlib's methods read it: the manager [`assign_manager`] kept
/// natively (what the stdlib's instance dict would hold) unless the instance dict has one
/// now or the class makes `manager` a data descriptor or reads attributes its own way.
pub(crate) fn manager_of<'py>(logger: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = logger.py();
    if let Ok(native) = logger.cast::<Logger>() {
        let kept = native.try_borrow().ok().and_then(|this| this.manager.as_ref().map(|m| m.clone_ref(py).into_bound(py)));
        if let Some(kept) = kept {
            let name = intern!(py, "manager");
            // SAFETY: attached; live objects; a type lookup runs no Python code, nor does
            // probing a dict with a str key (`shadowed_by_instance`).
            let plain = unsafe {
                let tp = ffi::Py_TYPE(logger.as_ptr());
                let generic = dispatch::generic_getattr(tp);
                let on_class = dispatch::_PyType_Lookup(tp, name.as_ptr());
                generic && (on_class.is_null() || (*ffi::Py_TYPE(on_class)).tp_descr_set.is_none())
            };
            if plain && !dispatch::shadowed_by_instance(logger, name) {
                return Ok(kept);
            }
        }
    }
    logger.getattr(intern!(py, "manager"))
}

/// `Logger`'s data fields, as the core reads them.
#[derive(Clone, Copy)]
pub enum Field {
    Name,
    Level,
    Parent,
    Propagate,
    Handlers,
    Disabled,
    Cache,
}

impl Field {
    fn name<'py>(self, py: Python<'py>) -> &'py Bound<'py, PyString> {
        match self {
            Field::Name => intern!(py, "name"),
            Field::Level => intern!(py, "level"),
            Field::Parent => intern!(py, "parent"),
            Field::Propagate => intern!(py, "propagate"),
            Field::Handlers => intern!(py, "handlers"),
            Field::Disabled => intern!(py, "disabled"),
            Field::Cache => intern!(py, "_cache"),
        }
    }
}

/// The fields are used in place while no subclass or patch of the class redefines one (a
/// property over `handlers` sees every read and assignment the stdlib makes).
static FIELDS: dispatch::NativeFields<Logger> =
    dispatch::NativeFields::new(&["name", "level", "parent", "propagate", "handlers", "disabled", "_cache"]);

/// A logger (or any object the stdlib would treat as one: a parent may be anything) whose
/// fields the core reads: in place when [`FIELDS`] allows, else as attributes. Decided once
/// for the several reads the stdlib makes of one logger.
pub struct Fields<'a, 'py> {
    obj: &'a Bound<'py, PyAny>,
    native: bool,
}

impl<'a, 'py> Fields<'a, 'py> {
    #[inline]
    pub fn of(obj: &'a Bound<'py, PyAny>) -> Self {
        Fields { obj, native: FIELDS.of(obj).is_some() }
    }

    /// `logger.<field>`.
    #[inline]
    pub fn get(&self, field: Field) -> PyResult<Bound<'py, PyAny>> {
        let py = self.obj.py();
        if self.native {
            // SAFETY: attached; a Logger (FIELDS checked); the value is owned at once.
            if let Some(value) = unsafe { field_in_place(self.obj, field) } {
                return Ok(unsafe { Bound::from_borrowed_ptr(py, value) });
            }
        }
        self.obj.getattr(field.name(py))
    }
}

// ---------------------------------------------------------------------------------------
// The bodies of the stdlib's methods, callable from native code.
// ---------------------------------------------------------------------------------------

/// `logger.name`: the field in place for a logger whose fields are native, else the
/// attribute.
pub fn name_of<'py>(logger: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    Fields::of(logger).get(Field::Name)
}

/// `self.isEnabledFor(level)` through dispatch, as a truth value.
pub fn dispatch_is_enabled_for(slf: &Bound<'_, PyAny>, level: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = slf.py();
    let name = intern!(py, "isEnabledFor");
    if let Ok(logger) = slf.cast::<Logger>() {
        if IS_ENABLED_FOR.is_native(slf) {
            if let Some(enabled) = quick_enabled(logger, level, None) {
                return Ok(enabled);
            }
            return is_enabled_for(logger, level)?.is_true();
        }
    }
    dispatch::call_method(slf, name, (level,))?.is_true()
}

/// The body of `Logger.isEnabledFor`.
pub fn is_enabled_for<'py>(slf: &Bound<'py, Logger>, level: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let fields = Fields::of(slf.as_any());
    if fields.get(Field::Disabled)?.is_true()? {
        return Ok(py_bool(py, false));
    }
    let cache = fields.get(Field::Cache)?;
    let miss = if let Ok(d) = cache.cast_exact::<PyDict>() {
        match d.get_item(level)? {
            Some(v) => return Ok(v),
            None => None,
        }
    } else {
        match cache.get_item(level) {
            Ok(v) => return Ok(v),
            Err(e) if e.is_instance_of::<PyKeyError>(py) => Some(e),
            Err(e) => return Err(e),
        }
    };
    // The stdlib computes the answer in `except KeyError:`, so what it raises there has the
    // KeyError as its `__context__`.
    let in_except_key_error = |err: PyErr| {
        if err.context(py).is_none() {
            err.set_context(py, Some(miss.unwrap_or_else(|| PyKeyError::new_err((level.clone().unbind(),)))));
        }
        err
    };
    with_lock(py, || {
        let manager = manager_of(slf)?;
        let disable = Manager::disable_of(&manager)?;
        let is_enabled = if disable.ge(level)? {
            py_bool(py, false)
        } else {
            let effective = dispatch_get_effective_level(slf.as_any())?;
            level.rich_compare(&effective, pyo3::basic::CompareOp::Ge)?
        };
        // `self._cache[level] = …` reads `_cache` again.
        fields.get(Field::Cache)?.set_item(level, &is_enabled)?;
        Ok(is_enabled)
    })
    .map_err(in_except_key_error)
}

/// `self.getEffectiveLevel()` through dispatch.
pub fn dispatch_get_effective_level<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let name = intern!(py, "getEffectiveLevel");
    if let Ok(logger) = slf.cast::<Logger>() {
        if GET_EFFECTIVE_LEVEL.is_native(slf) {
            return get_effective_level(logger);
        }
    }
    dispatch::call_method0(slf, name)
}

/// The body of `Logger.getEffectiveLevel`.
pub fn get_effective_level<'py>(slf: &Bound<'py, Logger>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let mut logger = slf.clone().into_any();
    // `while logger: if logger.level: return logger.level; logger = logger.parent`
    while !logger.is_none() && logger.is_true()? {
        let fields = Fields::of(&logger);
        if fields.get(Field::Level)?.is_true()? {
            return fields.get(Field::Level);
        }
        logger = fields.get(Field::Parent)?;
    }
    Ok(py_int(py, NOTSET))
}

/// `self._log(level, msg, args, **kwargs)` through dispatch, from a native method that
/// stands for `frames` stdlib frames (e.g. 1 for `info`).
pub fn dispatch_log<'py>(
    slf: &Bound<'py, Logger>,
    level: &Bound<'py, PyAny>,
    msg: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    frames: usize,
) -> PyResult<()> {
    let py = slf.py();
    let name = intern!(py, "_log");
    if LOG_.is_native(slf.as_any()) {
        let opts = LogOptions::from_kwargs(py, kwargs)?;
        return do_log(slf, level, msg, args.as_any(), opts, frames + 1);
    }
    let _guard = VirtualFrames::enter(py, frames);
    slf.as_any().getattr(name)?.call((level, msg, args), kwargs)?;
    Ok(())
}

/// A level method (`debug`, `info`, …): `if self.isEnabledFor(L): self._log(L, msg, args,
/// **kwargs)`, standing for `frames` stdlib frames.
pub fn level_method<'py>(
    slf: &Bound<'py, Logger>,
    level: i64,
    msg: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    frames: usize,
) -> PyResult<()> {
    let level = py_int(slf.py(), level);
    if dispatch_is_enabled_for(slf.as_any(), &level)? {
        dispatch_log(slf, &level, msg, args, kwargs, frames)?;
    }
    Ok(())
}

/// Byte offsets of `Logger`'s fields (in [`Field`]'s order) from the object's address, the
/// same in every instance of `Logger` and its subclasses (their layouts extend Logger's);
/// measured once at registration from a live instance. 0: unknown.
static OFFSETS: [AtomicUsize; 7] = [const { AtomicUsize::new(0) }; 7];
/// The byte offset of [`Logger::enabled_memo`], likewise.
static MEMO_OFFSET: AtomicUsize = AtomicUsize::new(0);

fn measure_field_offsets(py: Python<'_>) -> PyResult<()> {
    let logger = Bound::new(py, Logger::initializer(py))?;
    let this = logger.borrow();
    let base = logger.as_ptr() as usize;
    let fields = [Field::Name, Field::Level, Field::Parent, Field::Propagate, Field::Handlers, Field::Disabled, Field::Cache];
    for field in fields {
        OFFSETS[field as usize].store(this.slot(field) as *const Py<PyAny> as usize - base, Relaxed);
    }
    MEMO_OFFSET.store(&this.enabled_memo as *const EnabledMemo as usize - base, Relaxed);
    Ok(())
}

/// The object a native logger's field holds, read in place: no borrow of the cell (pyo3's
/// borrow flag costs two atomic operations a read, and these are read several times a
/// record). `None` when the offsets are unknown, or for a value being deallocated (reference
/// count 0: read from a finalizer its replacement triggered, while the setter still holds
/// the cell).
///
/// # Safety
/// Attached; `logger` is an instance of `Logger` or a subclass (whose layout begins with
/// Logger's); the pointer is used before any Python code runs.
#[inline(always)]
unsafe fn field_in_place(logger: &Bound<'_, PyAny>, field: Field) -> Option<*mut ffi::PyObject> {
    let offset = OFFSETS[field as usize].load(Relaxed);
    if offset == 0 {
        return None;
    }
    let value = *((logger.as_ptr() as *const u8).add(offset) as *const *mut ffi::PyObject);
    (!value.is_null() && ffi::Py_REFCNT(value) > 0).then_some(value)
}

/// `isEnabledFor(level)` of a native logger when the answer needs no Python code: `Some(false)`
/// for `disabled is True` or a cached `False`, `Some(true)` for a cached `True`, `None`
/// otherwise (the full body then runs, filling `_cache` as the stdlib does).
///
/// The two fields are read in place (this runs on every disabled call): the interpreter
/// lock is held and nothing here runs Python code, so no write can interleave.
///
/// `which` (an index in [`LEVEL_METHODS`], whose level `level` is) lets the answer come from
/// the logger's [`EnabledMemo`].
#[inline]
fn quick_enabled(logger: &Bound<'_, Logger>, level: &Bound<'_, PyAny>, which: Option<usize>) -> Option<bool> {
    let logger = FIELDS.of(logger.as_any())?;
    // SAFETY: attached; `logger` is an instance of Logger (FIELDS checked); `disabled` is
    // only compared; `_cache` is an exact dict, whose probe with an int key runs no Python
    // code.
    unsafe {
        let disabled = field_in_place(logger, Field::Disabled)?;
        if disabled == ffi::Py_True() {
            return Some(false);
        }
        if disabled != ffi::Py_False() {
            return None;
        }
        let cache = field_in_place(logger, Field::Cache)?;
        if ffi::PyDict_CheckExact(cache) == 0 {
            return None;
        }
        let memo = which.and_then(|which| Some((memo_in_place(logger)?, which)));
        if let Some((memo, which)) = memo {
            if let Some(answer) = memo.get(cache, which) {
                return Some(answer);
            }
        }
        // A failed probe is a miss (the full body then looks again, raising as the stdlib).
        let v = ffi::PyDict_GetItemWithError(cache, level.as_ptr());
        if v == ffi::Py_False() || v == ffi::Py_True() {
            let answer = v == ffi::Py_True();
            if let Some((memo, which)) = memo {
                memo.set(logger.py(), cache, which, answer);
            }
            Some(answer)
        } else {
            if v.is_null() && !ffi::PyErr_Occurred().is_null() {
                ffi::PyErr_Clear();
            }
            None
        }
    }
}

/// A native logger's [`EnabledMemo`], in place (see [`field_in_place`]).
///
/// # Safety
/// As [`field_in_place`].
#[inline(always)]
unsafe fn memo_in_place<'a>(logger: &'a Bound<'_, PyAny>) -> Option<&'a EnabledMemo> {
    let offset = MEMO_OFFSET.load(Relaxed);
    (offset != 0).then(|| &*((logger.as_ptr() as *const u8).add(offset) as *const EnabledMemo))
}

impl EnabledMemo {
    /// The answer kept for level method `which`, if `cache` is the dict it came from and
    /// has not changed since.
    ///
    /// # Safety
    /// Attached; `cache` is a live dict.
    #[inline(always)]
    unsafe fn get(&self, cache: *mut ffi::PyObject, which: usize) -> Option<bool> {
        let answers = self.answers.load(Relaxed);
        if answers & (1 << which) == 0
            || self.cache.load(Relaxed) != cache as usize
            || self.version.load(Relaxed) != dispatch::dict_version(cache)
        {
            return None;
        }
        Some(answers & (1 << (8 + which)) != 0)
    }

    /// Keep `answer` for level method `which`, read from `cache` as it is now (the answers
    /// kept for another state of it are dropped).
    ///
    /// # Safety
    /// Attached; `cache` is a live dict.
    unsafe fn set(&self, py: Python<'_>, cache: *mut ffi::PyObject, which: usize, answer: bool) {
        if !dispatch::version_tags_work(py) {
            return;
        }
        let version = dispatch::dict_version(cache);
        let mut answers = self.answers.load(Relaxed);
        if self.cache.load(Relaxed) != cache as usize || self.version.load(Relaxed) != version {
            answers = 0;
            self.cache.store(cache as usize, Relaxed);
            self.version.store(version, Relaxed);
        }
        answers = (answers & !(1 << (8 + which))) | (1 << which) | (u16::from(answer) << (8 + which));
        self.answers.store(answers, Relaxed);
    }
}

/// The pyo3-generated level methods, kept to serve calls the fast entry points pass on
/// (keyword arguments, a missing `msg`): exactly the generated argument handling and errors.
static GENERATED: [PyOnceLock<Py<PyAny>>; 5] = [const { PyOnceLock::new() }; 5];
const LEVEL_METHODS: [(&str, i64); 5] =
    [("debug", DEBUG), ("info", INFO), ("warning", WARNING), ("error", ERROR), ("critical", CRITICAL)];

/// The level methods as call sites outside `Logger` check them (is `root.info` still
/// `Logger`'s own?), in [`LEVEL_METHODS`]' order.
static LEVEL_METHOD_NATIVE: [dispatch::NativeMethod<Logger>; 5] = [
    dispatch::NativeMethod::new("debug"),
    dispatch::NativeMethod::new("info"),
    dispatch::NativeMethod::new("warning"),
    dispatch::NativeMethod::new("error"),
    dispatch::NativeMethod::new("critical"),
];

/// `logger.<LEVEL_METHODS[which]>(*args, **kwargs)` as a module-level function makes it
/// (standing for that function's frame): run natively when the method found is `Logger`'s
/// own and the keywords, if any, are `_log`'s; `None` (nothing done) otherwise.
///
/// # Safety
/// Attached; `args` holds `nargs` positional arguments followed by one value per name in
/// `kwnames` (NULL or a tuple of str).
pub unsafe fn module_level_call(
    logger: &Bound<'_, PyAny>,
    which: usize,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> Option<PyResult<()>> {
    let py = logger.py();
    if nargs < 1 || !logger.is_instance_of::<Logger>() || !LEVEL_METHOD_NATIVE[which].is_native(logger) {
        return None;
    }
    let opts = LogOptions::from_kwnames(py, kwnames, args.add(nargs as usize))?;
    let _guard = VirtualFrames::enter(py, 1);
    let level = py_int(py, LEVEL_METHODS[which].1);
    let quick = quick_level_check(logger, &level, which);
    Some(level_call(logger, &level, quick, args, nargs, kwnames, opts))
}

/// The index in [`LEVEL_METHODS`] of a level method's name.
pub fn level_method_index(name: &str) -> Option<usize> {
    LEVEL_METHODS.iter().position(|(n, _)| *n == name)
}

/// The body of the fast `debug`/`info`/… entry points (METH_FASTCALL): calls whose keywords
/// (if any) are all `_log`'s check `isEnabledFor` against `_cache` before any argument tuple
/// is built; other calls go to the generated method.
///
/// # Safety
/// Called by CPython's method descriptor with the interpreter attached, `slf` an instance
/// of `Logger` (the descriptor checked it) and `args` holding `nargs` positional arguments
/// followed by one value per name in `kwnames`.
unsafe fn fast_level(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
    which: usize,
) -> *mut ffi::PyObject {
    crate::dispatch::c_method_result("a Logger method", || -> PyResult<*mut ffi::PyObject> {
        let py = Python::assume_attached();
        if nargs >= 1 {
            let obj = Bound::from_borrowed_ptr(py, slf);
            let level = py_int(py, LEVEL_METHODS[which].1);
            let quick = quick_level_check(&obj, &level, which);
            if quick == Some(false) && kwnames.is_null() {
                // Disabled, and nothing more to bind (with keywords, a second `msg` is a
                // TypeError even so).
                return Ok(py.None().into_ptr());
            }
            // Positional calls, and keywords that are all `_log`'s: bound here.
            if let Some(opts) = LogOptions::from_kwnames(py, kwnames, args.add(nargs as usize)) {
                level_call(&obj, &level, quick, args, nargs, kwnames, opts)?;
                return Ok(py.None().into_ptr());
            }
        }
        if let Some(err) = level_binding_error(py, nargs, kwnames, "Logger", LEVEL_METHODS[which].0) {
            return Err(err);
        }
        call_generated(py, &GENERATED[which], slf, args, nargs, kwnames)
    })
}

/// The errors binding a call to `info(self, msg, *args, **kwargs)` (and the other level
/// methods of `class`) raises, worded as the running version words them (`info()` on 3.9,
/// `Logger.info()` later; the generated method always says the latter).
///
/// # Safety
/// Attached; `kwnames` is NULL or a tuple.
pub(crate) unsafe fn level_binding_error(
    py: Python<'_>,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
    class: &str,
    name: &str,
) -> Option<PyErr> {
    let msg_keyword = !kwnames.is_null()
        && Bound::from_borrowed_ptr(py, kwnames).cast::<PyTuple>().is_ok_and(|names| {
            names.iter().any(|name| {
                name.is(intern!(py, "msg"))
                    || name.cast::<PyString>().is_ok_and(|n| n.to_cow().is_ok_and(|t| t == "msg"))
            })
        });
    let problem = match (nargs >= 1, msg_keyword) {
        (true, true) => "got multiple values for argument 'msg'",
        (false, false) => "missing 1 required positional argument: 'msg'",
        _ => return None,
    };
    let func = if state::minor(py) >= 10 { format!("{class}.{name}()") } else { format!("{name}()") };
    Some(PyTypeError::new_err(format!("{func} {problem}")))
}

/// What `isEnabledFor(level)` answers when that is `Logger`'s own method and the answer
/// needs no Python code (`disabled` and `_cache` read in place); `None` otherwise.
#[inline]
fn quick_level_check(obj: &Bound<'_, PyAny>, level: &Bound<'_, PyAny>, which: usize) -> Option<bool> {
    // SAFETY: `obj` is an instance of `Logger` (every caller's method descriptor, or
    // `module_level_call`, checked it).
    IS_ENABLED_FOR.is_native(obj).then(|| quick_enabled(unsafe { obj.cast_unchecked::<Logger>() }, level, Some(which))).flatten()
}

/// A level method's body once its arguments are bound: `isEnabledFor` (`quick`, from
/// [`quick_level_check`], else called), then the native `_log` with `opts` (or an
/// overriding one with the keywords as given).
///
/// # Safety
/// As [`fast_level`], with `nargs >= 1`.
unsafe fn level_call<'py>(
    obj: &Bound<'py, PyAny>,
    level: &Bound<'py, PyAny>,
    quick: Option<bool>,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
    opts: LogOptions<'py>,
) -> PyResult<()> {
    let py = obj.py();
    let logger = obj.cast_unchecked::<Logger>();
    if quick == Some(false) {
        return Ok(());
    }
    let msg = Bound::from_borrowed_ptr(py, *args);
    let rest = std::slice::from_raw_parts(args.add(1), (nargs - 1) as usize);
    let rest = PyTuple::new(py, rest.iter().map(|p| Bound::from_borrowed_ptr(py, *p)))?;
    if quick.is_none() && !dispatch_is_enabled_for(obj, level)? {
        return Ok(());
    }
    if LOG_.is_native(obj) {
        // As `level_method` → `dispatch_log` → `do_log`: `info` and `_log`.
        return do_log(logger, level, &msg, rest.as_any(), opts, 2);
    }
    drop(opts);
    if kwnames.is_null() {
        return dispatch_log(logger, level, &msg, &rest, None, 1);
    }
    let kwargs = PyDict::new(py);
    let names = Bound::from_borrowed_ptr(py, kwnames);
    for (i, name) in names.try_iter()?.enumerate() {
        kwargs.set_item(name?, Bound::from_borrowed_ptr(py, *args.add(nargs as usize + i)))?;
    }
    dispatch_log(logger, level, &msg, &rest, Some(&kwargs), 1)
}

static GENERATED_IS_ENABLED_FOR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `isEnabledFor` (METH_O): the answer from `disabled` and `_cache` when it needs no Python
/// code, else the generated method (the full body, which fills `_cache`).
///
/// # Safety
/// Called by CPython's method descriptor with the interpreter attached and `slf` an
/// instance of `Logger`.
unsafe extern "C" fn fast_is_enabled_for(slf: *mut ffi::PyObject, level: *mut ffi::PyObject) -> *mut ffi::PyObject {
    crate::dispatch::c_method_result("Logger.isEnabledFor", || -> PyResult<*mut ffi::PyObject> {
        let py = Python::assume_attached();
        let obj = Bound::from_borrowed_ptr(py, slf);
        let level_b = Bound::from_borrowed_ptr(py, level);
        match quick_enabled(obj.cast_unchecked::<Logger>(), &level_b, None) {
            Some(true) => Ok(py_bool(py, true).into_ptr()),
            Some(false) => Ok(py_bool(py, false).into_ptr()),
            None => {
                let generated = GENERATED_IS_ENABLED_FOR
                    .get(py)
                    .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("logixde: Logger is not initialised"))?;
                let args = [slf, level];
                let r = ffi::PyObject_Vectorcall(generated.as_ptr(), args.as_ptr(), 2, std::ptr::null_mut());
                Bound::from_owned_ptr_or_err(py, r).map(Bound::into_ptr)
            }
        }
    })
}

/// A METH_* descriptor for `ty.<name>` with `generated`'s signature and doc.
pub(crate) fn new_descriptor<'py>(
    ty: &Bound<'py, PyType>,
    name: &str,
    generated: &Bound<'py, PyAny>,
    meth: ffi::PyMethodDefPointer,
    flags: std::os::raw::c_int,
) -> PyResult<Bound<'py, PyAny>> {
    let py = ty.py();
    let sig: Option<String> = generated.getattr("__text_signature__")?.extract()?;
    let doc: Option<String> = generated.getattr("__doc__")?.extract()?;
    let mut text = String::new();
    if let Some(sig) = sig {
        text.push_str(&format!("{name}{sig}\n--\n\n"));
    }
    text.push_str(doc.as_deref().unwrap_or(""));
    let c_name = std::ffi::CString::new(name).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let c_doc = std::ffi::CString::new(text).map_err(|e| PyValueError::new_err(e.to_string()))?;
    // The method definition must outlive the type: leaked once per process.
    let def: &'static mut ffi::PyMethodDef = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: c_name.into_raw(),
        ml_meth: meth,
        ml_flags: flags,
        ml_doc: c_doc.into_raw(),
    }));
    // SAFETY: attached; `def` is 'static; a new reference or NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(ty.as_type_ptr(), def)) }
}

/// A level method's METH_FASTCALL entry, `W` its index in [`LEVEL_METHODS`].
unsafe extern "C" fn level_entry<const W: usize>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    fast_level(slf, args, nargs, kwnames, W)
}

/// `generated(slf, *args, **kwnames)`: the pyo3-generated method a fast entry passes a call
/// on to (its argument binding and errors).
///
/// # Safety
/// Attached; `args` holds `nargs` positional arguments followed by one value per name in
/// `kwnames` (NULL or a tuple).
pub(crate) unsafe fn call_generated(
    py: Python<'_>,
    generated: &PyOnceLock<Py<PyAny>>,
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> PyResult<*mut ffi::PyObject> {
    let generated = generated
        .get(py)
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("logixde: a fast method is not initialised"))?;
    let nkw = if kwnames.is_null() { 0 } else { ffi::PyTuple_Size(kwnames) };
    let mut all: Vec<*mut ffi::PyObject> = Vec::with_capacity((1 + nargs + nkw) as usize);
    all.push(slf);
    all.extend_from_slice(std::slice::from_raw_parts(args, (nargs + nkw) as usize));
    let r = ffi::PyObject_Vectorcall(generated.as_ptr(), all.as_ptr(), (nargs + 1) as usize, kwnames);
    Bound::from_owned_ptr_or_err(py, r).map(Bound::into_ptr)
}

/// Replace the generated methods `names` of `ty` with the METH_FASTCALL `entries`, of the
/// same name, signature and doc; the generated ones are kept in `generated` (for
/// [`call_generated`]).
pub(crate) fn install_fast_methods(
    ty: &Bound<'_, PyType>,
    names: &[&str],
    entries: &[ffi::PyCFunctionFastWithKeywords],
    generated: &[PyOnceLock<Py<PyAny>>],
) -> PyResult<()> {
    let py = ty.py();
    for ((name, entry), store) in names.iter().zip(entries).zip(generated) {
        let method = ty.getattr(*name)?;
        let descr = new_descriptor(
            ty,
            name,
            &method,
            ffi::PyMethodDefPointer { PyCFunctionFastWithKeywords: *entry },
            ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        )?;
        let _ = store.set(py, method.unbind());
        ty.setattr(*name, descr)?;
    }
    Ok(())
}

/// Replace the generated `debug`/`info`/`warning`/`error`/`critical` descriptors of `Logger`
/// with METH_FASTCALL ones of the same name, signature and doc; the generated ones serve
/// the calls the fast ones pass on.
fn install_fast_level_methods(ty: &Bound<'_, PyType>) -> PyResult<()> {
    let py = ty.py();
    let names = LEVEL_METHODS.map(|(name, _)| name);
    let entries: [ffi::PyCFunctionFastWithKeywords; 5] =
        [level_entry::<0>, level_entry::<1>, level_entry::<2>, level_entry::<3>, level_entry::<4>];
    install_fast_methods(ty, &names, &entries, &GENERATED)?;
    let generated = ty.getattr("isEnabledFor")?;
    let descr = new_descriptor(
        ty,
        "isEnabledFor",
        &generated,
        ffi::PyMethodDefPointer { PyCFunction: fast_is_enabled_for },
        ffi::METH_O,
    )?;
    let _ = GENERATED_IS_ENABLED_FOR.set(py, generated.unbind());
    ty.setattr("isEnabledFor", descr)?;
    Ok(())
}

/// `self.<method>(msg, *args, **kwargs)` through dispatch from a native method standing for
/// `frames` stdlib frames, running the native level method directly when not overridden.
fn dispatch_level_method<'py>(
    slf: &Bound<'py, Logger>,
    method: &Bound<'py, PyString>,
    level: i64,
    msg: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    frames: usize,
) -> PyResult<()> {
    if is_native(slf.as_any(), method) {
        return level_method(slf, level, msg, args, kwargs, frames + 1);
    }
    call_with_frames(slf.as_any(), method, &dispatch::prepend_args(&[msg], args)?, kwargs, frames)?;
    Ok(())
}

/// The body of `Logger.log`, standing for `frames` stdlib frames (1 when called from Python).
pub fn log_method<'py>(
    slf: &Bound<'py, Logger>,
    level: &Bound<'py, PyAny>,
    msg: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    frames: usize,
) -> PyResult<()> {
    let py = slf.py();
    if !level.is_instance_of::<PyInt>() {
        if state::global_is_true(py, intern!(py, "raiseExceptions"))? {
            return Err(PyTypeError::new_err("level must be an integer"));
        }
        return Ok(());
    }
    if dispatch_is_enabled_for(slf.as_any(), level)? {
        dispatch_log(slf, level, msg, args, kwargs, frames)?;
    }
    Ok(())
}

/// `logger.log(level, msg, *args, **kwargs)` on any logger object, from native code standing
/// for `frames` stdlib frames (e.g. `LoggerAdapter.log`): native directly when `logger` is a
/// native Logger whose `log` is not overridden, else through Python with the frames recorded.
pub fn call_log<'py>(
    logger: &Bound<'py, PyAny>,
    level: &Bound<'py, PyAny>,
    msg: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    frames: usize,
) -> PyResult<()> {
    let py = logger.py();
    let name = intern!(py, "log");
    if let Ok(l) = logger.cast::<Logger>() {
        if is_native(logger, name) {
            return log_method(l, level, msg, args, kwargs, frames + 1);
        }
    }
    call_with_frames(logger, name, &dispatch::prepend_args(&[level, msg], args)?, kwargs, frames)?;
    Ok(())
}

/// [`call_log`] with the keyword arguments `{"extra": extra}` when `logger.log` and `_log`
/// are `Logger`'s own: the dict `**kwargs` would make is never seen, so none is made.
/// `None` (nothing done) otherwise; the caller then makes the call with the dict.
pub fn call_log_with_extra<'py>(
    logger: &Bound<'py, PyAny>,
    level: &Bound<'py, PyAny>,
    msg: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    extra: &Bound<'py, PyAny>,
    frames: usize,
) -> Option<PyResult<()>> {
    let py = logger.py();
    let l = logger.cast::<Logger>().ok()?;
    if !(is_native(logger, intern!(py, "log")) && LOG_.is_native(logger) && level.is_instance_of::<PyInt>()) {
        return None;
    }
    // As `call_log` → `log_method` → `dispatch_log` → `do_log`: `log` and `_log`.
    Some(dispatch_is_enabled_for(logger, level).and_then(|enabled| {
        if !enabled {
            return Ok(());
        }
        let opts = LogOptions { extra: extra.clone(), ..LogOptions::defaults(py) };
        do_log(l, level, msg, args.as_any(), opts, frames + 2)
    }))
}

/// `obj.<name>(*args, **kwargs)` from native code that stands for `frames` stdlib frames of
/// `logging/__init__.py` (for `findCaller`'s frame counting).
///
/// For module-level functions: `logging.info(msg, ...)` is one stdlib frame calling
/// `root.info(...)`, so call `call_with_frames(root, "info", (msg, *args), kwargs, 1)`;
/// `logging.exception` → `error` → `root.error` is 2 frames (likewise `warn`, and `fatal` on
/// 3.10+; on 3.9 `fatal` is `critical`, 1 frame). Works for any logger object: a native
/// method called this way adds its own frames to these.
pub fn call_with_frames<'py>(
    obj: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    frames: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let _guard = VirtualFrames::enter(obj.py(), frames);
    obj.getattr(name)?.call(args, kwargs)
}

/// The body of `Logger._log`; `frames` counts the stdlib frames from `_log` (included) to
/// the top Python frame.
fn do_log<'py>(
    slf: &Bound<'py, Logger>,
    level: &Bound<'py, PyAny>,
    msg: &Bound<'py, PyAny>,
    args: &Bound<'py, PyAny>,
    opts: LogOptions<'py>,
    frames: usize,
) -> PyResult<()> {
    let py = slf.py();
    let unknown = || {
        (
            PyString::new(py, "(unknown file)").into_any(),
            py_int(py, 0),
            PyString::new(py, "(unknown function)").into_any(),
            py.None().into_bound(py),
        )
    };
    let (fn_, lno, func, sinfo) = if crate::state::global(py, intern!(py, "_srcfile"))?.is_true()? {
        let result = if FIND_CALLER.is_native(slf.as_any()) {
            if caller::frame_functions_replaced(py) {
                // One more frame: the one standing for `findCaller` itself.
                caller::find_caller_in_python(py, frames.max(1) + 1, &opts.stack_info, &opts.stacklevel)
            } else {
                caller::find_caller(py, opts.stack_info.is_true()?, &opts.stacklevel, frames)
            }
        } else {
            // Through the facade's `_log`: real frames of `_srcfile` where the stdlib's are,
            // for a findCaller that walks or counts frames itself.
            let find_caller = slf.getattr(FIND_CALLER.name(py))?;
            let through = state::global(py, intern!(py, "_log"))?;
            through
                .call1((frames.max(1), find_caller, &opts.stack_info, &opts.stacklevel))
                .and_then(|t| caller::unpack(&t))
        };
        match result {
            Ok(t) => t,
            Err(e) if e.is_instance_of::<PyValueError>(py) => unknown(),
            Err(e) => return Err(e),
        }
    } else {
        unknown()
    };
    let mut exc_info = opts.exc_info;
    if exc_info.is_true()? {
        if exc_info.is_instance_of::<pyo3::exceptions::PyBaseException>() {
            let tb = exc_info.getattr(intern!(py, "__traceback__"))?;
            exc_info = PyTuple::new(py, [exc_info.get_type().into_any(), exc_info.clone(), tb])?.into_any();
        } else if !exc_info.is_instance_of::<PyTuple>() {
            exc_info = state::global(py, intern!(py, "sys"))?.call_method0(intern!(py, "exc_info"))?;
        }
    }
    let name = Fields::of(slf.as_any()).get(Field::Name)?;
    let make_record = intern!(py, "makeRecord");
    let record = if MAKE_RECORD.is_native(slf.as_any()) {
        make_record_impl(py, &name, level, &fn_, &lno, msg, args, &exc_info, &func, &opts.extra, &sinfo)?
    } else {
        let call_args = PyTuple::new(
            py,
            [name, level.clone(), fn_, lno, msg.clone(), args.clone(), exc_info, func, opts.extra, sinfo],
        )?;
        dispatch::call_method(slf.as_any(), make_record, call_args)?
    };
    let handled = dispatch_handle(slf, &record);
    // (`record` is the only reference the core holds.)
    record::settle(&record)?;
    handled
}

/// `self.handle(record)` through dispatch.
fn dispatch_handle<'py>(slf: &Bound<'py, Logger>, record: &Bound<'py, PyAny>) -> PyResult<()> {
    let py = slf.py();
    let name = intern!(py, "handle");
    if HANDLE.is_native(slf.as_any()) {
        return handle_impl(slf, record);
    }
    dispatch::call_method(slf.as_any(), name, (record,))?;
    Ok(())
}

/// The body of `Logger.makeRecord`.
#[allow(clippy::too_many_arguments)]
fn make_record_impl<'py>(
    py: Python<'py>,
    name: &Bound<'py, PyAny>,
    level: &Bound<'py, PyAny>,
    fn_: &Bound<'py, PyAny>,
    lno: &Bound<'py, PyAny>,
    msg: &Bound<'py, PyAny>,
    args: &Bound<'py, PyAny>,
    exc_info: &Bound<'py, PyAny>,
    func: &Bound<'py, PyAny>,
    extra: &Bound<'py, PyAny>,
    sinfo: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let factory = crate::state::global(py, intern!(py, "_logRecordFactory"))?;
    let rv = if record::makes_plain_records(&factory) {
        // `LogRecord(...)` itself: built natively, a young record (the caller settles it).
        let attrs = record::Attributes::capture(name, level, fn_, lno, msg, args, exc_info, Some(func), Some(sinfo))?;
        record::new_record(py, attrs)?
    } else {
        factory.call1((name, level, fn_, lno, msg, args, exc_info, func, sinfo))?
    };
    if !extra.is_none() {
        if let Err(err) = add_extra(&rv, extra) {
            record::settle(&rv)?;
            return Err(err);
        }
    }
    Ok(rv)
}

/// The `extra` loop of `makeRecord`:
///
/// ```python
/// for key in extra:
///     if (key in ["message", "asctime"]) or (key in rv.__dict__):
///         raise KeyError("Attempt to overwrite %r in LogRecord" % key)
///     rv.__dict__[key] = extra[key]
/// ```
///
/// An exact dict whose keys are all exact str is walked in place (nothing in the loop then
/// runs Python code, so `extra` cannot change under it; a change of size raises as the
/// dict's iterator would); any other `extra` with Python's iteration and `__getitem__`.
fn add_extra<'py>(rv: &Bound<'py, PyAny>, extra: &Bound<'py, PyAny>) -> PyResult<()> {
    let py = rv.py();
    let mut rv_dict = None;
    if let Ok(dict) = extra.cast_exact::<PyDict>() {
        // SAFETY: attached; `dict` is a live dict; `PyDict_Next` yields borrowed entries,
        // each taken as a new reference before anything else runs.
        unsafe {
            let (mut pos, mut key, mut value) = (0, std::ptr::null_mut(), std::ptr::null_mut());
            let mut all_str = true;
            while ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut key, &mut value) != 0 {
                if ffi::PyUnicode_CheckExact(key) == 0 {
                    all_str = false;
                    break;
                }
            }
            if all_str {
                let size = ffi::PyDict_Size(dict.as_ptr());
                pos = 0;
                loop {
                    if ffi::PyDict_Size(dict.as_ptr()) != size {
                        return Err(pyo3::exceptions::PyRuntimeError::new_err(
                            "dictionary changed size during iteration",
                        ));
                    }
                    if ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut key, &mut value) == 0 {
                        return Ok(());
                    }
                    let key = Bound::from_borrowed_ptr(py, key);
                    let value = Bound::from_borrowed_ptr(py, value);
                    if rv_dict.is_none() {
                        if is_reserved_extra_key(&key)? {
                            return Err(overwrite_error(&key)?);
                        }
                        match record::add_new_native_key(rv, key.cast_unchecked::<PyString>(), &value)? {
                            Some(true) => continue,
                            Some(false) => return Err(overwrite_error(&key)?),
                            None => {}
                        }
                    }
                    add_extra_key(rv, &mut rv_dict, &key, || Ok(value))?;
                }
            }
        }
    }
    for key in extra.try_iter()? {
        let key = key?;
        add_extra_key(rv, &mut rv_dict, &key, || extra.get_item(&key))?;
    }
    Ok(())
}

/// One key of [`add_extra`]; `value` is `extra[key]`, asked for after the checks.
/// `rv_dict` is `rv.__dict__` once the record's attributes are no longer held natively.
fn add_extra_key<'py>(
    rv: &Bound<'py, PyAny>,
    rv_dict: &mut Option<Bound<'py, PyAny>>,
    key: &Bound<'py, PyAny>,
    value: impl FnOnce() -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<()> {
    let py = rv.py();
    let overwrite = || overwrite_error(key);
    if is_reserved_extra_key(key)? {
        return Err(overwrite()?);
    }
    let rv_dict = match rv_dict {
        Some(d) => d,
        None => match record::has_native_key(rv, key)? {
            // A str key for a natively held record: into the native store.
            Some(true) => return Err(overwrite()?),
            Some(false) => {
                let value = value()?;
                if !record::add_native_key(rv, key, &value)? {
                    rv.getattr(intern!(py, "__dict__"))?.set_item(key, value)?;
                }
                return Ok(());
            }
            None => rv_dict.insert(rv.getattr(intern!(py, "__dict__"))?),
        },
    };
    if rv_dict.contains(key)? {
        return Err(overwrite()?);
    }
    rv_dict.set_item(key, value()?)
}

/// `KeyError("Attempt to overwrite %r in LogRecord" % key)`.
fn overwrite_error(key: &Bound<'_, PyAny>) -> PyResult<PyErr> {
    let msg = PyString::new(key.py(), "Attempt to overwrite %r in LogRecord").rem(key)?;
    Ok(PyKeyError::new_err(msg.unbind()))
}

/// `key in ["message", "asctime"]`: each literal `== key` in turn (the literal's `__eq__`
/// first, as the list's `in`); for an exact str that is a comparison of contents, made
/// without Python objects.
fn is_reserved_extra_key(key: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = key.py();
    let (message, asctime) = (intern!(py, "message"), intern!(py, "asctime"));
    if key.is(message) || key.is(asctime) {
        return Ok(true);
    }
    if let Ok(text) = key.cast_exact::<PyString>() {
        // Both literals are 7 characters long: another length equals neither. A str that
        // is not valid UTF-8 (lone surrogates) equals neither either.
        // SAFETY: a live str.
        if unsafe { ffi::PyUnicode_GET_LENGTH(text.as_ptr()) } != 7 {
            return Ok(false);
        }
        return Ok(text.to_str().is_ok_and(|t| t == "message" || t == "asctime"));
    }
    Ok(message.as_any().eq(key)? || asctime.as_any().eq(key)?)
}

/// The body of `Logger.handle`.
fn handle_impl<'py>(slf: &Bound<'py, Logger>, record: &Bound<'py, PyAny>) -> PyResult<()> {
    let py = slf.py();
    if Fields::of(slf.as_any()).get(Field::Disabled)?.is_true()? {
        return Ok(());
    }
    let filter_name = intern!(py, "filter");
    let maybe_record = if FILTER.is_native(slf.as_any()) {
        filter::run_filters(slf.as_any(), record)?
    } else {
        dispatch::call_method(slf.as_any(), filter_name, (record,))?
    };
    if !maybe_record.is_true()? {
        return Ok(());
    }
    let mut record = record.clone();
    // (The record itself passed back: `record = maybe_record` changes nothing.)
    if state::minor(py) >= 12 && !maybe_record.is(&record) && !maybe_record.is_instance_of::<PyBool>() {
        let log_record = crate::state::global(py, intern!(py, "LogRecord"))?;
        if maybe_record.is_instance(&log_record)? {
            record = maybe_record;
        }
    }
    dispatch_call_handlers(slf, &record)
}

/// `self.callHandlers(record)` through dispatch.
fn dispatch_call_handlers<'py>(slf: &Bound<'py, Logger>, record: &Bound<'py, PyAny>) -> PyResult<()> {
    let py = slf.py();
    let name = intern!(py, "callHandlers");
    if CALL_HANDLERS.is_native(slf.as_any()) {
        return call_handlers_impl(slf, record);
    }
    dispatch::call_method(slf.as_any(), name, (record,))?;
    Ok(())
}

/// `hdlr.handle(record)`: the native `Handler.handle` (or `NullHandler`'s no-op) when not
/// overridden, else through Python.
fn call_handler_handle<'py>(hdlr: &Bound<'py, PyAny>, record: &Bound<'py, PyAny>) -> PyResult<()> {
    // Its own call-site cache: the logger's `handle` is asked about in between.
    static HANDLER_HANDLE: dispatch::NativeMethod<crate::handler::Handler> = dispatch::NativeMethod::new("handle");
    static NULL_HANDLER_HANDLE: dispatch::NativeMethod<crate::handler::NullHandler> = dispatch::NativeMethod::new("handle");
    if HANDLER_HANDLE.is_native(hdlr) {
        crate::handler::Handler::handle_impl(hdlr, record)?;
    } else if NULL_HANDLER_HANDLE.is_native(hdlr) {
        // NullHandler.handle: "Stub."
    } else {
        HANDLE.call(hdlr, (record,))?;
    }
    Ok(())
}

/// The body of `Logger.callHandlers`.
fn call_handlers_impl<'py>(slf: &Bound<'py, Logger>, record: &Bound<'py, PyAny>) -> PyResult<()> {
    let py = slf.py();
    let mut c: Option<Bound<'py, PyAny>> = Some(slf.clone().into_any());
    let mut found: usize = 0;
    while let Some(cur) = c.take() {
        if !cur.is_true()? {
            break;
        }
        let fields = Fields::of(&cur);
        let handlers = fields.get(Field::Handlers)?;
        let mut each_handler = |hdlr: Bound<'py, PyAny>| -> PyResult<()> {
            found += 1;
            let levelno = crate::record::field(record, crate::record::Field::Levelno)?;
            if levels::ge(&levelno, &LEVEL.get(&hdlr)?)? {
                call_handler_handle(&hdlr, record)?;
            }
            Ok(())
        };
        if let Ok(list) = handlers.cast_exact::<PyList>() {
            // A list iterator's walk: the live list, its length read at every step.
            let mut i = 0;
            while i < list.len() {
                let hdlr = list.get_item(i)?;
                i += 1;
                each_handler(hdlr)?;
            }
        } else {
            for hdlr in handlers.try_iter()? {
                each_handler(hdlr?)?;
            }
        }
        // `propagate` and then `parent` read after the handlers ran, as the stdlib's
        // `if not c.propagate: … else: c = c.parent` does.
        if fields.get(Field::Propagate)?.is_true()? {
            c = Some(fields.get(Field::Parent)?);
        }
    }
    if found == 0 {
        let last_resort = crate::state::global(py, intern!(py, "lastResort"))?;
        if last_resort.is_true()? {
            let levelno = crate::record::field(record, crate::record::Field::Levelno)?;
            if levelno.ge(last_resort.getattr(intern!(py, "level"))?)? {
                dispatch::call_method(&last_resort, intern!(py, "handle"), (record,))?;
            }
        } else if state::global_is_true(py, intern!(py, "raiseExceptions"))? {
            let manager = manager_of(slf)?;
            if !manager.getattr(intern!(py, "emittedNoHandlerWarning"))?.is_true()? {
                let name = Fields::of(slf.as_any()).get(Field::Name)?;
                let text = PyString::new(py, "No handlers could be found for logger \"%s\"\n").rem((name,))?;
                state::global(py, intern!(py, "sys"))?
                    .getattr(intern!(py, "stderr"))?
                    .call_method1(intern!(py, "write"), (text,))?;
                manager.setattr(intern!(py, "emittedNoHandlerWarning"), true)?;
            }
        }
    }
    Ok(())
}

/// `'<%s %s (%s)>' % (cls name, name, getLevelName(level))` for loggers and adapters.
pub fn repr_with_level<'py>(
    obj: &Bound<'py, PyAny>,
    name: &Bound<'py, PyAny>,
    level: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    let level_name = crate::levels::call_get_level_name(level)?;
    let cls_name = obj.getattr(intern!(py, "__class__"))?.getattr(intern!(py, "__name__"))?;
    PyString::new(py, "<%s %s (%s)>").rem((cls_name, name, level_name))
}

/// `(getLogger, args)` of `__reduce__`.
fn reduce_to_get_logger<'py>(py: Python<'py>, args: Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyTuple>> {
    let get_logger = state::global(py, intern!(py, "getLogger"))?;
    PyTuple::new(py, [get_logger, args.into_any()])
}

#[pymethods]
impl Logger {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(name, level=0)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<Logger> {
        Logger::initializer(py)
    }

    /// Initialize the logger with a name and an optional level.
    #[pyo3(signature = (name, level = crate::module_functions::default_object(0)))]
    fn __init__(slf: &Bound<'_, Self>, name: &Bound<'_, PyAny>, level: Py<PyAny>) -> PyResult<()> {
        Logger::init(slf, name, level.bind(slf.py()))
    }

    /// Set the logging level of this logger.  level must be an int or a str.
    #[pyo3(name = "setLevel")]
    fn set_level(slf: &Bound<'_, Self>, level: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let level = manager::check_level(py, level)?;
        slf.setattr(intern!(py, "level"), level)?;
        let manager = manager_of(slf)?;
        dispatch::call_method0(&manager, intern!(py, "_clear_cache"))?;
        Ok(())
    }

    /// Log 'msg % args' with severity 'DEBUG'.
    ///
    /// To pass exception information, use the keyword argument exc_info with
    /// a true value, e.g.
    ///
    /// logger.debug("Houston, we have a %s", "thorny problem", exc_info=True)
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn debug(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        level_method(slf, DEBUG, msg, args, kwargs, 1)
    }

    /// Log 'msg % args' with severity 'INFO'.
    ///
    /// To pass exception information, use the keyword argument exc_info with
    /// a true value, e.g.
    ///
    /// logger.info("Houston, we have a %s", "notable problem", exc_info=True)
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn info(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        level_method(slf, INFO, msg, args, kwargs, 1)
    }

    /// Log 'msg % args' with severity 'WARNING'.
    ///
    /// To pass exception information, use the keyword argument exc_info with
    /// a true value, e.g.
    ///
    /// logger.warning("Houston, we have a %s", "bit of a problem", exc_info=True)
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn warning(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        level_method(slf, WARNING, msg, args, kwargs, 1)
    }

    /// Deprecated alias of `warning`.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn warn(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        let py = slf.py();
        let category = py.get_type::<pyo3::exceptions::PyDeprecationWarning>();
        PyErr::warn(py, &category, c"The 'warn' method is deprecated, use 'warning' instead", 1)?;
        dispatch_level_method(slf, intern!(py, "warning"), WARNING, msg, args, kwargs, 1)
    }

    /// Log 'msg % args' with severity 'ERROR'.
    ///
    /// To pass exception information, use the keyword argument exc_info with
    /// a true value, e.g.
    ///
    /// logger.error("Houston, we have a %s", "major problem", exc_info=True)
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn error(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        level_method(slf, ERROR, msg, args, kwargs, 1)
    }

    /// Convenience method for logging an ERROR with exception information.
    #[pyo3(signature = (msg, *args, exc_info = crate::module_functions::default_object(true), **kwargs), text_signature = "($self, msg, *args, exc_info=True, **kwargs)")]
    fn exception(
        slf: &Bound<'_, Self>,
        msg: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
        exc_info: Py<PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let all = PyDict::new(py);
        all.set_item(intern!(py, "exc_info"), exc_info)?;
        if let Some(kwargs) = kwargs {
            all.update(kwargs.as_mapping())?;
        }
        dispatch_level_method(slf, intern!(py, "error"), ERROR, msg, args, Some(&all), 1)
    }

    /// Log 'msg % args' with severity 'CRITICAL'.
    ///
    /// To pass exception information, use the keyword argument exc_info with
    /// a true value, e.g.
    ///
    /// logger.critical("Houston, we have a %s", "major disaster", exc_info=True)
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn critical(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        level_method(slf, CRITICAL, msg, args, kwargs, 1)
    }

    /// Don't use this method, use critical() instead.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn fatal(slf: &Bound<'_, Self>, msg: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        let py = slf.py();
        dispatch_level_method(slf, intern!(py, "critical"), CRITICAL, msg, args, kwargs, 1)
    }

    /// Log 'msg % args' with the integer severity 'level'.
    ///
    /// To pass exception information, use the keyword argument exc_info with
    /// a true value, e.g.
    ///
    /// logger.log(level, "We have a %s", "mysterious problem", exc_info=True)
    #[pyo3(signature = (level, msg, *args, **kwargs))]
    fn log(
        slf: &Bound<'_, Self>,
        level: &Bound<'_, PyAny>,
        msg: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        log_method(slf, level, msg, args, kwargs, 1)
    }

    /// Find the stack frame of the caller so that we can note the source
    /// file name, line number and function name.
    #[pyo3(
        name = "findCaller",
        signature = (stack_info = crate::module_functions::default_object(false), stacklevel = crate::module_functions::default_object(1)),
        text_signature = "($self, stack_info=False, stacklevel=1)"
    )]
    fn find_caller<'py>(
        slf: &Bound<'py, Self>,
        stack_info: Py<PyAny>,
        stacklevel: Py<PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let (filename, lineno, name, sinfo) = if caller::frame_functions_replaced(py) {
            caller::find_caller_in_python(py, 1, stack_info.bind(py), stacklevel.bind(py))?
        } else {
            caller::find_caller(py, stack_info.bind(py).is_true()?, stacklevel.bind(py), 0)?
        };
        PyTuple::new(py, [filename, lineno, name, sinfo])
    }

    /// A factory method which can be overridden in subclasses to create
    /// specialized LogRecords.
    #[pyo3(name = "makeRecord", signature = (name, level, r#fn, lno, msg, args, exc_info, func = None, extra = None, sinfo = None))]
    #[allow(clippy::too_many_arguments)]
    fn make_record<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyAny>,
        level: &Bound<'py, PyAny>,
        r#fn: &Bound<'py, PyAny>,
        lno: &Bound<'py, PyAny>,
        msg: &Bound<'py, PyAny>,
        args: &Bound<'py, PyAny>,
        exc_info: &Bound<'py, PyAny>,
        func: Option<&Bound<'py, PyAny>>,
        extra: Option<&Bound<'py, PyAny>>,
        sinfo: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let none = py.None().into_bound(py);
        let record = make_record_impl(
            py,
            name,
            level,
            r#fn,
            lno,
            msg,
            args,
            exc_info,
            func.unwrap_or(&none),
            extra.unwrap_or(&none),
            sinfo.unwrap_or(&none),
        )?;
        // Returned to Python: no longer young.
        record::release(&record)?;
        Ok(record)
    }

    /// Low-level logging routine which creates a LogRecord and then calls
    /// all the handlers of this logger to handle the record.
    #[pyo3(
        name = "_log",
        signature = (level, msg, args, exc_info = None, extra = None, stack_info = None, stacklevel = crate::module_functions::default_object(1)),
        text_signature = "($self, level, msg, args, exc_info=None, extra=None, stack_info=False, stacklevel=1)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn log_<'py>(
        slf: &Bound<'py, Self>,
        level: &Bound<'py, PyAny>,
        msg: &Bound<'py, PyAny>,
        args: &Bound<'py, PyAny>,
        exc_info: Option<&Bound<'py, PyAny>>,
        extra: Option<&Bound<'py, PyAny>>,
        stack_info: Option<&Bound<'py, PyAny>>,
        stacklevel: Py<PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let mut opts = LogOptions::defaults(py);
        if let Some(v) = exc_info {
            opts.exc_info = v.clone();
        }
        if let Some(v) = extra {
            opts.extra = v.clone();
        }
        if let Some(v) = stack_info {
            opts.stack_info = v.clone();
        }
        opts.stacklevel = stacklevel.into_bound(py);
        do_log(slf, level, msg, args, opts, 1)
    }

    /// Call the handlers for the specified record.
    ///
    /// This method is used for unpickled records received from a socket, as
    /// well as those created locally. Logger-level filtering is applied.
    fn handle(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        handle_impl(slf, record)
    }

    /// Add the specified handler to this logger.
    #[pyo3(name = "addHandler")]
    fn add_handler(slf: &Bound<'_, Self>, hdlr: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        with_lock(py, || {
            // `if not (hdlr in self.handlers): self.handlers.append(hdlr)`
            if !slf.getattr(intern!(py, "handlers"))?.contains(hdlr)? {
                slf.getattr(intern!(py, "handlers"))?.call_method1(intern!(py, "append"), (hdlr,))?;
            }
            Ok(())
        })
    }

    /// Remove the specified handler from this logger.
    #[pyo3(name = "removeHandler")]
    fn remove_handler(slf: &Bound<'_, Self>, hdlr: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        with_lock(py, || {
            // `if hdlr in self.handlers: self.handlers.remove(hdlr)`
            if slf.getattr(intern!(py, "handlers"))?.contains(hdlr)? {
                slf.getattr(intern!(py, "handlers"))?.call_method1(intern!(py, "remove"), (hdlr,))?;
            }
            Ok(())
        })
    }

    /// See if this logger has any handlers configured.
    ///
    /// Loop through all handlers for this logger and its parents in the
    /// logger hierarchy. Return True if a handler was found, else False.
    /// Stop searching up the hierarchy whenever a logger with the "propagate"
    /// attribute set to zero is found - that will be the last logger which
    /// is checked for the existence of handlers.
    #[pyo3(name = "hasHandlers")]
    fn has_handlers(slf: &Bound<'_, Self>) -> PyResult<bool> {
        let py = slf.py();
        let mut c = slf.clone().into_any();
        while c.is_true()? {
            if c.getattr(intern!(py, "handlers"))?.is_true()? {
                return Ok(true);
            }
            if !c.getattr(intern!(py, "propagate"))?.is_true()? {
                break;
            }
            c = c.getattr(intern!(py, "parent"))?;
        }
        Ok(false)
    }

    /// Pass a record to all relevant handlers.
    ///
    /// Loop through all handlers for this logger and its parents in the
    /// logger hierarchy. If no handler was found, output a one-off error
    /// message to sys.stderr. Stop searching up the hierarchy whenever a
    /// logger with the "propagate" attribute set to zero is found - that
    /// will be the last logger whose handlers are called.
    #[pyo3(name = "callHandlers")]
    fn call_handlers(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        call_handlers_impl(slf, record)
    }

    /// Get the effective level for this logger.
    ///
    /// Loop through this logger and its parents in the logger hierarchy,
    /// looking for a non-zero logging level. Return the first one found.
    #[pyo3(name = "getEffectiveLevel")]
    fn get_effective_level<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        get_effective_level(slf)
    }

    /// Is this logger enabled for level 'level'?
    #[pyo3(name = "isEnabledFor")]
    fn is_enabled_for<'py>(slf: &Bound<'py, Self>, level: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        is_enabled_for(slf, level)
    }

    /// Get a logger which is a descendant to this one.
    ///
    /// This is a convenience method, such that
    ///
    /// logging.getLogger('abc').getChild('def.ghi')
    ///
    /// is the same as
    ///
    /// logging.getLogger('abc.def.ghi')
    ///
    /// It's useful, for example, when the parent logger is named using
    /// __name__ rather than a literal string.
    #[pyo3(name = "getChild")]
    fn get_child<'py>(slf: &Bound<'py, Self>, suffix: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let mut suffix = suffix.clone();
        let root = slf.getattr(intern!(py, "root"))?;
        if !root.is(slf) {
            let name = slf.getattr(intern!(py, "name"))?;
            suffix = PyString::new(py, ".").call_method1(intern!(py, "join"), ((name, suffix),))?;
        }
        let manager = manager_of(slf)?;
        manager::dispatch_get_logger(&manager, &suffix)
    }

    /// Return a set of loggers which are immediate children of this logger.
    #[pyo3(name = "getChildren")]
    fn get_children<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PySet>> {
        let py = slf.py();
        let hierlevel = |logger: &Bound<'py, PyAny>| -> PyResult<Bound<'py, PyAny>> {
            let root = manager_of(logger)?.getattr(intern!(py, "root"))?;
            if logger.is(&root) {
                return Ok(py_int(py, 0));
            }
            let count = logger.getattr(intern!(py, "name"))?.call_method1(intern!(py, "count"), (".",))?;
            py_int(py, 1).add(count)
        };
        let d = manager_of(slf)?.getattr(intern!(py, "loggerDict"))?;
        with_lock(py, || {
            let out = PySet::empty(py)?;
            for item in d.call_method0(intern!(py, "values"))?.try_iter()? {
                let item = item?;
                if !item.is_instance_of::<Logger>() {
                    continue;
                }
                let parent = item.getattr(intern!(py, "parent"))?;
                if !parent.is(slf) {
                    continue;
                }
                if hierlevel(&item)?.eq(py_int(py, 1).add(hierlevel(&parent)?)?)? {
                    out.add(&item)?;
                }
            }
            Ok(out)
        })
    }

    fn __repr__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let level = dispatch_get_effective_level(slf.as_any())?;
        let name = slf.getattr(intern!(slf.py(), "name"))?;
        repr_with_level(slf.as_any(), &name, &level)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let name = slf.getattr(intern!(py, "name"))?;
        let get_logger = state::global(py, intern!(py, "getLogger"))?;
        if !get_logger.call1((&name,))?.is(slf) {
            let err = py.import("pickle")?.getattr("PicklingError")?.call1(("logger cannot be pickled",))?;
            return Err(PyErr::from_value(err));
        }
        reduce_to_get_logger(py, PyTuple::new(py, [name])?)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if !crate::gc::is_written(&self.name) {
            return Ok(());
        }
        visit.call(&self.name)?;
        visit.call(&self.level)?;
        visit.call(&self.parent)?;
        visit.call(&self.propagate)?;
        visit.call(&self.handlers)?;
        visit.call(&self.disabled)?;
        visit.call(&self.cache)?;
        if let Some(manager) = &self.manager {
            visit.call(manager)?;
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        Python::attach(|py| {
            self.name = py.None();
            self.level = py.None();
            self.parent = py.None();
            self.propagate = py.None();
            self.handlers = py.None();
            self.disabled = py.None();
            self.cache = py.None();
            self.manager = None;
        });
    }
}

/// A root logger is not that different to any other logger, except that
/// it must have a logging level and there is only one instance of it in
/// the hierarchy.
#[pyclass(module = "logging", name = "RootLogger", extends = Logger, subclass)]
pub struct RootLogger {}

#[pymethods]
impl RootLogger {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(level)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<RootLogger> {
        Logger::initializer(py).add_subclass(RootLogger {})
    }

    /// Initialize the logger with the name "root".
    fn __init__(slf: &Bound<'_, Self>, level: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        Logger::init(slf.as_super(), PyString::new(py, "root").as_any(), level)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        reduce_to_get_logger(py, PyTuple::empty(py))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Logger>()?;
    m.add_class::<RootLogger>()?;
    let ty = py.get_type::<Logger>();
    let minor = state::minor(py);
    if minor < 12 {
        ty.delattr("getChildren")?;
    }
    measure_field_offsets(py)?;
    install_fast_level_methods(&ty)?;
    if minor == 9 {
        // 3.9: `fatal = critical`.
        ty.setattr("fatal", ty.getattr("critical")?)?;
    }
    Ok(())
}
