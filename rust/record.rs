//! `LogRecord`: an event being logged, and the record factory.
//!
//! The class is a plain Python class (its class statement run by the core, its methods
//! calling native functions): its instances have exactly the layout of any Python object
//! with a `__dict__`, as the stdlib's do, so code that retypes a plain object into a record
//! works (coloredlogs copies each record with `copy = Empty(); copy.__class__ =
//! record.__class__`, which CPython allows only between identical layouts), and
//! `object.__new__(LogRecord)` makes one.
//!
//! `record.__dict__` is an interface: `PercentStyle` formats `fmt % record.__dict__`,
//! `makeLogRecord` updates it, `extra=` adds to it, `copy.copy`, pickling and `vars()` read
//! it. It holds every attribute, as the stdlib's. Filling a 21-entry dict is most of what
//! creating a record costs, and the native path (native logger → native handler → native
//! formatter) never reads it; so while the native `Logger._log` handles a record it made
//! (a *young* record), the record's attributes are kept in an [`Attributes`] store beside
//! it, keyed by its address, that stands in for the dict — same keys, same order, same
//! values. The class's `tp_getattro`/`tp_setattro` read and assign with the store in the
//! dict's place. When Python asks for the dict itself (`__dict__`, `vars()`, pickling,
//! deleting an attribute, assigning `__class__`), and when the call ends with the record
//! still referenced elsewhere (a queue, a list of captured records), the dict is built
//! once and is the only store from then on; a record no one kept just drops its store.
//! Records made any other way (`LogRecord(...)`, a factory, `makeRecord` called from
//! Python, a subclass) are filled in their dict at once, as the stdlib's.
//!
//! The store is never seen by the garbage collector, which is why it lives only for the
//! call: its references cannot then keep a cycle alive. Assignments go through the class's
//! own `__setattr__` and `__delattr__` (which CPython's `object.__setattr__` and a
//! subclass's `super().__setattr__` accept, as they would not a C-level `tp_setattro`):
//! `vars(LogRecord)` shows these two where the stdlib's class has neither.
//!
//! The constructor captures at creation what the stdlib captures (`crate::capture`).

use pyo3::exceptions::{PyAttributeError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering::Relaxed};
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use pyo3::{ffi, intern};
use smallvec::SmallVec;

use crate::attached_cell::AttachedCell;
use crate::capture::{self, Created};
use crate::dispatch::{Truth, _PyType_Lookup, type_version};
use crate::levels;
use crate::state;

extern "C" {
    // Exported by CPython 3.9–3.13 (cpython/dictobject.h): a dict sized for `minused` keys.
    fn _PyDict_NewPresized(minused: ffi::Py_ssize_t) -> *mut ffi::PyObject;
}

/// The class statement (`record_class.py`).
const CLASS_SOURCE: &str = include_str!("record_class.py");

/// The file name the class's code is compiled under (tracebacks show it).
const CLASS_FILENAME: &str = "<logging.LogRecord>";

// `RECORD_CLASS_BUILT_FOR` (the `sys.version` build.rs ran) and `RECORD_CLASS_CODE` (the
// marshalled code of [`CLASS_SOURCE`] it compiled; empty when it could not).
include!(concat!(env!("OUT_DIR"), "/record_class.rs"));

// ---------------------------------------------------------------------------------------
// The native attribute store
// ---------------------------------------------------------------------------------------

/// The attributes `LogRecord.__init__` sets, in its order (`taskName` from 3.12).
const FIELDS: [&str; 21] = [
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
    "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
    "relativeCreated", "thread", "threadName", "processName", "process", "taskName",
];
const CREATED: usize = 13;
const MSECS: usize = 14;
const RELATIVE_CREATED: usize = 15;
const TASK_NAME: usize = 20;

/// An attribute of [`FIELDS`] the core reads, by position: no name to look for.
#[derive(Clone, Copy)]
pub enum Field {
    Name = 0,
    Msg = 1,
    Args = 2,
    Levelno = 4,
    ExcInfo = 8,
    ExcText = 9,
    StackInfo = 10,
    Created = 13,
    Msecs = 14,
}

fn field_index(name: &str) -> Option<usize> {
    Some(match name {
        "name" => 0,
        "msg" => 1,
        "args" => 2,
        "levelname" => 3,
        "levelno" => 4,
        "pathname" => 5,
        "filename" => 6,
        "module" => 7,
        "exc_info" => 8,
        "exc_text" => 9,
        "stack_info" => 10,
        "lineno" => 11,
        "funcName" => 12,
        "created" => CREATED,
        "msecs" => MSECS,
        "relativeCreated" => RELATIVE_CREATED,
        "thread" => 16,
        "threadName" => 17,
        "processName" => 18,
        "process" => 19,
        "taskName" => TASK_NAME,
        _ => return None,
    })
}

/// A record's attributes held natively: what its `__dict__` would hold, in its order.
pub struct Attributes {
    /// The `__init__` attributes, indexed as [`FIELDS`]. `None` for a time field not made
    /// into a float yet, and for `taskName` before 3.12 (no such attribute).
    values: [Option<Py<PyAny>>; 21],
    time: Created,
    has_task_name: bool,
    /// Attributes added after `__init__`, in the order they were set (`extra=` keys, then
    /// `message`, `asctime` from the formatter): the first few without a heap allocation.
    later: SmallVec<[(Py<PyString>, Py<PyAny>); 4]>,
}

impl Attributes {
    /// Capture a new record's attributes as the version's `LogRecord.__init__` does, in its
    /// order (the clock first).
    #[allow(clippy::too_many_arguments)]
    pub fn capture<'py>(
        name: &Bound<'py, PyAny>,
        level: &Bound<'py, PyAny>,
        pathname: &Bound<'py, PyAny>,
        lineno: &Bound<'py, PyAny>,
        msg: &Bound<'py, PyAny>,
        args: &Bound<'py, PyAny>,
        exc_info: &Bound<'py, PyAny>,
        func: Option<&Bound<'py, PyAny>>,
        sinfo: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Box<Self>> {
        let py = name.py();
        let time = capture::clock(py)?;
        // Bound, not Py: dropped here, where pyo3 may not count the thread as attached (the
        // level methods' raw entry), a `Py` would go through pyo3's deferred-decref pool.
        let none = py.None().into_bound(py);
        let args = single_mapping_argument(args)?.unwrap_or_else(|| args.clone());
        let levelname = levels::call_get_level_name(level)?;
        let (filename, module) = match path_parts(pathname)? {
            Ok(parts) => parts,
            Err(err)
                if err.is_instance_of::<PyTypeError>(py)
                    || err.is_instance_of::<PyValueError>(py)
                    || err.is_instance_of::<PyAttributeError>(py) =>
            {
                (pathname.clone(), intern!(py, "Unknown module").clone().into_any())
            }
            Err(err) => return Err(err),
        };
        let (thread, thread_name) = if state::global_is_true(py, intern!(py, "logThreads"))? {
            let (ident, name) = capture::thread(py)?;
            (ident.unbind(), name.unbind())
        } else {
            (none.clone().unbind(), none.clone().unbind())
        };
        // `sys.modules`, read when first needed (by processName, then taskName).
        let mut modules = None;
        let mut sys_modules = || -> PyResult<Bound<'py, PyAny>> {
            if modules.is_none() {
                modules = Some(capture::sys_modules(py)?);
            }
            Ok(modules.clone().expect("set above"))
        };
        let process_name = if state::global_is_true(py, intern!(py, "logMultiprocessing"))? {
            capture::process_name(&sys_modules()?)?.unbind()
        } else {
            none.clone().unbind()
        };
        let process = if state::global_is_true(py, intern!(py, "logProcesses"))? {
            capture::process_id(py)?.map_or_else(|| none.clone().unbind(), Bound::unbind)
        } else {
            none.clone().unbind()
        };
        let has_task_name = state::minor(py) >= 12;
        let task_name = if has_task_name {
            Some(if state::global_is_true(py, intern!(py, "logAsyncioTasks"))? {
                capture::task_name(&sys_modules()?)?.unbind()
            } else {
                none.clone().unbind()
            })
        } else {
            None
        };
        // Boxed: the store moves from here to the young records' list and out again, a
        // pointer rather than its ~270 bytes each time.
        Ok(Box::new(Attributes {
            values: [
                Some(name.clone().unbind()),
                Some(msg.clone().unbind()),
                Some(args.unbind()),
                Some(levelname.unbind()),
                Some(level.clone().unbind()),
                Some(pathname.clone().unbind()),
                Some(filename.unbind()),
                Some(module.unbind()),
                Some(exc_info.clone().unbind()),
                Some(none.clone().unbind()),
                Some(sinfo.map_or_else(|| none.clone().unbind(), |s| s.clone().unbind())),
                Some(lineno.clone().unbind()),
                Some(func.map_or_else(|| none.clone().unbind(), |f| f.clone().unbind())),
                None,
                None,
                None,
                Some(thread),
                Some(thread_name),
                Some(process_name),
                Some(process),
                task_name,
            ],
            time,
            has_task_name,
            later: SmallVec::new(),
        }))
    }

    /// The index of an `__init__` attribute of this version.
    fn index(&self, name: &str) -> Option<usize> {
        field_index(name).filter(|&i| i != TASK_NAME || self.has_task_name)
    }

    /// The value of field `i` (making a time field's float on first use).
    fn field<'py>(&mut self, py: Python<'py>, i: usize) -> Option<Bound<'py, PyAny>> {
        if self.values[i].is_none() {
            let seconds = match i {
                CREATED => self.time.created,
                MSECS => self.time.msecs,
                RELATIVE_CREATED => self.time.relative_created,
                _ => return None,
            };
            self.values[i] = Some(PyFloat::new(py, seconds).into_any().unbind());
        }
        self.values[i].as_ref().map(|v| v.bind(py).clone())
    }

    /// `__dict__[name]`: no Python code runs.
    pub fn get<'py>(&mut self, name: &Bound<'py, PyString>) -> Option<Bound<'py, PyAny>> {
        let py = name.py();
        // A name is an `__init__` field or in `later`, never both: the cheap tests first
        // (the same str object in `later`, a field's interned name), then by text.
        if let Some(slot) = self.later.iter().position(|(key, _)| key.as_ptr() == name.as_ptr()) {
            return Some(self.later[slot].1.bind(py).clone());
        }
        let field = field_by_address(py, name)
            .filter(|&i| i != TASK_NAME || self.has_task_name)
            .or_else(|| name.to_str().ok().and_then(|text| self.index(text)));
        if let Some(i) = field {
            return self.field(py, i);
        }
        self.later_slot(name).map(|slot| self.later[slot].1.bind(py).clone())
    }

    /// The position in `later` of the key equal to `name` (an exact str).
    fn later_slot(&self, name: &Bound<'_, PyString>) -> Option<usize> {
        // The keys are exact strs, mostly the interned names callers pass: the same object
        // first, then equal text (compared without Python code).
        let name = name.as_ptr();
        let keys = || self.later.iter().map(|(key, _)| key.as_ptr());
        // SAFETY: exact str objects: lengths compared first, then CPython's own comparison.
        keys().position(|key| key == name).or_else(|| {
            keys().position(|key| unsafe {
                ffi::PyUnicode_GET_LENGTH(key) == ffi::PyUnicode_GET_LENGTH(name)
                    && !known_hashes_differ(key, name)
                    && ffi::PyUnicode_Compare(key, name) == 0
            })
        })
    }

    /// `__dict__[name]` for `name`, which is `FIELDS[i]`.
    fn get_field<'py>(&mut self, py: Python<'py>, i: usize, name: &Bound<'py, PyString>) -> Option<Bound<'py, PyAny>> {
        if i == TASK_NAME && !self.has_task_name {
            return self.get(name);
        }
        self.field(py, i)
    }

    /// Whether `__dict__` has `name`.
    fn contains(&self, name: &Bound<'_, PyString>) -> bool {
        name.to_str().ok().and_then(|text| self.index(text)).is_some() || self.later_slot(name).is_some()
    }

    /// `__dict__[name] = value`; returns the replaced value, to be dropped once nothing
    /// borrows the record (dropping it may run Python code).
    /// `text` is `name`'s UTF-8 form.
    fn set(&mut self, name: &Bound<'_, PyString>, text: &str, value: &Bound<'_, PyAny>) -> Option<Py<PyAny>> {
        if let Some(i) = self.index(text) {
            return self.values[i].replace(value.clone().unbind());
        }
        self.set_later(name, value)
    }

    /// [`Self::set`] for a `name` that is none of [`FIELDS`].
    fn set_later(&mut self, name: &Bound<'_, PyString>, value: &Bound<'_, PyAny>) -> Option<Py<PyAny>> {
        let value = value.clone().unbind();
        if let Some(slot) = self.later_slot(name) {
            return Some(std::mem::replace(&mut self.later[slot].1, value));
        }
        self.later.push((name.clone().unbind(), value));
        None
    }

    /// Drop the attributes (as bound references: pyo3 may not count the thread as attached
    /// where the core was entered raw, and would defer dropping a `Py`).
    fn release(mut self: Box<Self>, py: Python<'_>) {
        for value in self.values.iter_mut().filter_map(Option::take) {
            drop(value.into_bound(py));
        }
        for (key, value) in self.later.drain(..) {
            drop((key.into_bound(py), value.into_bound(py)));
        }
    }

    /// A new dict of every attribute, in `__dict__` order.
    fn into_dict(self: Box<Self>, py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let items = self.into_items(py);
        let dict = presized_dict(py, items.len())?;
        for (key, value) in items {
            dict.set_item(key, value)?;
        }
        Ok(dict)
    }

    /// Every attribute in `__dict__` order.
    fn into_items(mut self: Box<Self>, py: Python<'_>) -> Vec<(Bound<'_, PyString>, Bound<'_, PyAny>)> {
        let mut items = Vec::with_capacity(FIELDS.len() + self.later.len());
        for (i, name) in field_names(py).iter().enumerate() {
            if let Some(value) = self.field(py, i) {
                items.push((name.bind(py).clone(), value));
            }
        }
        items.extend(self.later.drain(..).map(|(k, v)| (k.into_bound(py), v.into_bound(py))));
        items
    }

    /// What `copy.copy` gives a record of these attributes: the same values (the time
    /// fields' floats made first, so both records hold the same objects, as both dicts would).
    fn shallow_copy(&mut self, py: Python<'_>) -> Box<Attributes> {
        for i in [CREATED, MSECS, RELATIVE_CREATED] {
            self.field(py, i);
        }
        Box::new(Attributes {
            values: std::array::from_fn(|i| self.values[i].as_ref().map(|v| v.clone_ref(py))),
            time: self.time,
            has_task_name: self.has_task_name,
            later: self.later.iter().map(|(k, v)| (k.clone_ref(py), v.clone_ref(py))).collect(),
        })
    }

    /// Whether an attribute added later is named `name` (an instance attribute that would
    /// shadow a method of the class).
    fn later_has(&self, name: &Bound<'_, PyString>) -> bool {
        self.later_slot(name).is_some()
    }
}

/// Whether the type of `obj` has a data descriptor `name` (which wins over the dict).
fn has_data_descriptor(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> bool {
    // SAFETY: live objects; the borrowed descriptor is only inspected.
    unsafe {
        let descr = _PyType_Lookup(ffi::Py_TYPE(obj.as_ptr()), name.as_ptr());
        !descr.is_null() && (*ffi::Py_TYPE(descr)).tp_descr_set.is_some()
    }
}

// ---------------------------------------------------------------------------------------
// Young records and their stores
// ---------------------------------------------------------------------------------------

/// The stores of the young records (see the module's docs), by record address: one per
/// logging call under way, in any thread (a few at most).
static YOUNG: AttachedCell<Vec<(usize, Box<Attributes>)>> = AttachedCell::new(Vec::new());

/// The error for a store asked for while another use of [`YOUNG`] is under way: never, as
/// no use runs Python code.
fn store_in_use() -> PyErr {
    PyRuntimeError::new_err("logixde: LogRecord is in use")
}

/// Run `f` on the store of a young record; `None` for any other object. `f` must not run
/// Python code (nor drop a Python object: return it, to be dropped after).
fn with_attrs<R>(record: &Bound<'_, PyAny>, f: impl FnOnce(&mut Attributes) -> R) -> PyResult<Option<R>> {
    if !is_exact(record) {
        return Ok(None);
    }
    let address = record.as_ptr() as usize;
    YOUNG
        .try_with(record.py(), |young| young.iter_mut().rev().find(|(a, _)| *a == address).map(|(_, attrs)| f(attrs)))
        .ok_or_else(store_in_use)
}

/// Take a young record's store away: the record is young no more.
fn take_store(record: &Bound<'_, PyAny>) -> PyResult<Option<Box<Attributes>>> {
    if !is_exact(record) {
        return Ok(None);
    }
    let address = record.as_ptr() as usize;
    YOUNG
        .try_with(record.py(), |young| young.iter().rposition(|(a, _)| *a == address).map(|i| young.swap_remove(i).1))
        .ok_or_else(store_in_use)
}

/// Move a young record's store into its instance `__dict__` (once; later calls, and calls
/// for any other object, do nothing).
///
/// Entries already in the dict (there are none but what C code wrote past the class's
/// `__setattr__`) were assigned after everything in the store: they come last.
fn materialize(record: &Bound<'_, PyAny>) -> PyResult<()> {
    let Some(attrs) = take_store(record)? else {
        return Ok(());
    };
    let py = record.py();
    // SAFETY: attached; a live object; a new reference or NULL with an exception set.
    let current = unsafe {
        Bound::from_owned_ptr_or_err(py, ffi::PyObject_GenericGetDict(record.as_ptr(), std::ptr::null_mut()))?
            .cast_into_unchecked::<PyDict>()
    };
    let dict = attrs.into_dict(py)?;
    if !current.is_empty() {
        dict.update(current.as_mapping())?;
    }
    set_instance_dict(record, Some(dict.as_any()))
}

/// A new dict sized for `n` entries.
fn presized_dict(py: Python<'_>, n: usize) -> PyResult<Bound<'_, PyDict>> {
    // SAFETY: `_PyDict_NewPresized` returns a new dict or NULL with an exception set.
    unsafe { Ok(Bound::from_owned_ptr_or_err(py, _PyDict_NewPresized(n as ffi::Py_ssize_t))?.cast_into_unchecked()) }
}

/// `record.__dict__ = dict` (`None`: `del record.__dict__`), by the setter the class
/// statement gave the class (`PyObject_GenericSetDict` leaves 3.13's inline attribute values
/// in place, which lookups then read first).
fn set_instance_dict(record: &Bound<'_, PyAny>, dict: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    let value = dict.map_or(std::ptr::null_mut(), Bound::as_ptr);
    // SAFETY: attached; the class's original `__dict__` getset descriptor (kept alive for
    // the process) applies to any record; the setter takes its own reference.
    unsafe {
        let descr = CLASS_DICT_DESCRIPTOR.load(Relaxed) as *mut ffi::PyObject;
        let set = (*ffi::Py_TYPE(descr)).tp_descr_set.expect("a getset descriptor has a setter");
        if set(descr, record.as_ptr(), value) != 0 {
            return Err(PyErr::fetch(record.py()));
        }
    }
    Ok(())
}

/// The end of a young record's logging call: a record referenced elsewhere keeps its
/// attributes in its dict from now on; one about to be freed just drops its store.
/// `record` must be the caller's only reference of its own.
pub fn settle(record: &Bound<'_, PyAny>) -> PyResult<()> {
    // SAFETY: a live object.
    if unsafe { ffi::Py_REFCNT(record.as_ptr()) } > 1 {
        materialize(record)
    } else {
        if let Some(attrs) = take_store(record)? {
            attrs.release(record.py());
        }
        Ok(())
    }
}

/// A record leaving the native call that made it (`makeRecord` called from Python): its
/// attributes go to its dict.
pub fn release(record: &Bound<'_, PyAny>) -> PyResult<()> {
    materialize(record)
}

/// `getattr(record, name)`: the generic algorithm, with the store in the dict's place.
fn lookup<'py>(record: &Bound<'py, PyAny>, name: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(name) = name.cast_exact::<PyString>() {
        let py = record.py();
        match field_by_address(py, name) {
            // One of `__init__`'s names (as the core and most callers pass them: interned).
            Some(i) => {
                if known_names_have_no_data_descriptor(record) || !has_data_descriptor(record, name) {
                    if let Some(Some(value)) = with_attrs(record, |attrs| attrs.get_field(py, i, name))? {
                        return Ok(value);
                    }
                }
            }
            None => {
                if asks_for_state(name) {
                    // `object.__reduce_ex__` and `__getstate__` read the instance dict
                    // itself, not `__dict__`: it must hold the attributes first.
                    materialize(record)?;
                } else if !has_data_descriptor(record, name) {
                    if let Some(Some(value)) = with_attrs(record, |attrs| attrs.get(name))? {
                        return Ok(value);
                    }
                }
            }
        }
    }
    // SAFETY: live objects; new reference or NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(record.py(), ffi::PyObject_GenericGetAttr(record.as_ptr(), name.as_ptr())) }
}

/// Whether `name` is what pickling and copying look up on the instance before reading its
/// state: `__reduce_ex__`, `__reduce__`, `__getstate__`.
fn asks_for_state(name: &Bound<'_, PyString>) -> bool {
    let py = name.py();
    let names = [intern!(py, "__reduce_ex__"), intern!(py, "__reduce__"), intern!(py, "__getstate__")];
    // The interned names themselves, as lookups mostly pass them; else by text (strs
    // compared without Python code).
    names.iter().any(|n| n.as_ptr() == name.as_ptr())
        // SAFETY: live exact str objects.
        || names.iter().any(|n| unsafe {
            ffi::PyUnicode_GET_LENGTH(n.as_ptr()) == ffi::PyUnicode_GET_LENGTH(name.as_ptr())
                && !known_hashes_differ(n.as_ptr(), name.as_ptr())
                && ffi::PyUnicode_Compare(n.as_ptr(), name.as_ptr()) == 0
        })
}

/// The interned names of [`FIELDS`] (the objects `intern!` gives the core's readers).
static FIELD_NAMES: PyOnceLock<[Py<PyString>; 21]> = PyOnceLock::new();

/// [`FIELD_NAMES`], interned once (interning anew costs a lookup in the interned table).
#[inline]
fn field_names(py: Python<'_>) -> &'static [Py<PyString>; 21] {
    FIELD_NAMES.get_or_init(py, || std::array::from_fn(|i| PyString::intern(py, FIELDS[i]).unbind()))
}

/// The names `Formatter.format` assigns to a record, interned.
fn formatter_names(py: Python<'_>) -> &'static [Py<PyString>; 2] {
    static NAMES: PyOnceLock<[Py<PyString>; 2]> = PyOnceLock::new();
    NAMES.get_or_init(py, || [PyString::intern(py, "message").unbind(), PyString::intern(py, "asctime").unbind()])
}

/// The index of `name` in [`FIELDS`] when `name` is the interned name itself.
#[inline]
fn field_by_address(py: Python<'_>, name: &Bound<'_, PyString>) -> Option<usize> {
    field_names(py).iter().position(|n| n.as_ptr() == name.as_ptr())
}

/// Whether two strs both have their hash computed (interned names always do) and the
/// hashes differ: then their texts differ.
///
/// # Safety
/// Both are live str objects.
#[inline]
unsafe fn known_hashes_differ(a: *mut ffi::PyObject, b: *mut ffi::PyObject) -> bool {
    let (ha, hb) = ((*(a as *mut ffi::PyASCIIObject)).hash, (*(b as *mut ffi::PyASCIIObject)).hash);
    ha != -1 && hb != -1 && ha != hb
}

/// Whether the record's type has no data descriptor for any of [`FIELDS`] nor for the names
/// the formatter assigns (`message`, `asctime`): remembered for
/// one type and version tag (renewed by any change to the type or its bases, so a
/// property patched onto `LogRecord` later is seen).
#[inline]
fn known_names_have_no_data_descriptor(record: &Bound<'_, PyAny>) -> bool {
    static TYPE: AtomicUsize = AtomicUsize::new(0);
    static VERSION: AtomicU32 = AtomicU32::new(0);
    let py = record.py();
    // SAFETY: a live object's type; attached.
    unsafe {
        let tp = ffi::Py_TYPE(record.as_ptr());
        let version = type_version(py, tp);
        if version != 0 && tp as usize == TYPE.load(Relaxed) && version == VERSION.load(Relaxed) {
            return true;
        }
        let none = field_names(py).iter().chain(formatter_names(py)).all(|n| !has_data_descriptor(record, n.bind(py)));
        // Remembered only under a tag that was there before the lookups (which assign one
        // to a type without) and is still there after them.
        let after = type_version(py, tp);
        if none && after != 0 && version == after {
            TYPE.store(tp as usize, Relaxed);
            VERSION.store(after, Relaxed);
        }
        none
    }
}

/// `setattr(record, name, value)`: the generic algorithm, with the store in the dict's place.
fn assign(record: &Bound<'_, PyAny>, name: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
    if let Ok(name) = name.cast_exact::<PyString>() {
        // (A name with lone surrogates, which has no UTF-8 form, goes to the dict.)
        let text = name.to_str();
        if let (Ok(text), false) = (&text, has_data_descriptor(record, name)) {
            if let Some(replaced) = with_attrs(record, |attrs| attrs.set(name, text, value))? {
                drop(replaced.map(|v| v.into_bound(record.py())));
                return Ok(());
            }
        } else if text.is_ok_and(|t| t == "__class__") {
            // A record retyped keeps its attributes in its dict: the store is this class's.
            materialize(record)?;
        }
    }
    // SAFETY: live objects; 0 or -1 with an exception set.
    if unsafe { ffi::PyObject_GenericSetAttr(record.as_ptr(), name.as_ptr(), value.as_ptr()) } != 0 {
        return Err(PyErr::fetch(record.py()));
    }
    Ok(())
}

/// `getattr(record, name)` for the core's readers: natively while the record's attributes
/// are native.
pub fn getattr<'py>(record: &Bound<'py, PyAny>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    if is_exact(record) {
        lookup(record, name.as_any())
    } else {
        crate::dispatch::getattr(record, name)
    }
}

/// `getattr(record, name)` for an `__init__` attribute, found by position while the record's
/// attributes are native and its class defines none of them as a data descriptor.
pub fn field<'py>(record: &Bound<'py, PyAny>, field: Field) -> PyResult<Bound<'py, PyAny>> {
    if let Some([value]) = native_fields(record, [field])? {
        return Ok(value);
    }
    let py = record.py();
    getattr(record, field_names(py)[field as usize].bind(py))
}

/// `getattr(record, name)` for each of `wanted`, all in one look at a native store (see
/// [`field`]), when the record's attributes are held natively: such reads run no code, so
/// reading ahead is the same as reading each when the stdlib does. `None` otherwise (the
/// caller then reads each attribute at its point, as an attribute may be a property).
pub fn native_fields<'py, const N: usize>(record: &Bound<'py, PyAny>, wanted: [Field; N]) -> PyResult<Option<[Bound<'py, PyAny>; N]>> {
    let py = record.py();
    if !is_exact(record) || !known_names_have_no_data_descriptor(record) {
        return Ok(None);
    }
    let names = field_names(py);
    let read = with_attrs(record, |attrs| {
        let mut out: [Option<Bound<'py, PyAny>>; N] = std::array::from_fn(|_| None);
        for (slot, &f) in out.iter_mut().zip(&wanted) {
            *slot = Some(attrs.get_field(py, f as usize, names[f as usize].bind(py))?);
        }
        Some(out.map(Option::unwrap))
    })?;
    Ok(read.flatten())
}

/// The value of the time field `field` (`created` or `msecs`) as a float, read from a native
/// record's clock while no float was made for it (nothing was read or assigned there yet):
/// what `getattr(record, name)` would return, without making the object. `None` when it
/// must be read as an attribute.
pub fn native_time(record: &Bound<'_, PyAny>, field: Field) -> Option<f64> {
    if !is_exact(record) || !known_names_have_no_data_descriptor(record) {
        return None;
    }
    let i = field as usize;
    with_attrs(record, |attrs| {
        if attrs.values[i].is_some() {
            return None;
        }
        match i {
            CREATED => Some(attrs.time.created),
            MSECS => Some(attrs.time.msecs),
            _ => None,
        }
    })
    .ok()
    .flatten()
    .flatten()
}

/// `setattr(record, name, value)` for the core's writers (`message`, `asctime`, `exc_text`).
pub fn setattr(record: &Bound<'_, PyAny>, name: &Bound<'_, PyString>, value: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = record.py();
    let native_setters = if is_exact(record) {
        // `message`/`asctime` themselves (interned) on a plain record: no field of that
        // name, no descriptor on the type; the store takes them as `assign` would.
        if formatter_names(py).iter().any(|n| n.as_ptr() == name.as_ptr()) && known_names_have_no_data_descriptor(record) {
            if let Some(replaced) = with_attrs(record, |attrs| attrs.set_later(name, value))? {
                drop(replaced.map(|v| v.into_bound(py)));
                return Ok(());
            }
        }
        class_slots_are_native(py)
    } else {
        // SAFETY: a live object's type.
        has_native_setters(py, unsafe { ffi::Py_TYPE(record.as_ptr()) })
    };
    if native_setters {
        // What the class's `__setattr__` would do, without the call by name.
        assign(record, name.as_any(), value)
    } else {
        // A `__setattr__` patched onto the class or defined by a subclass runs.
        crate::dispatch::setattr(record, name, value)
    }
}

/// Whether `record` is a `LogRecord` whose attributes are still held natively: then
/// [`pending_item`] answers `record.__dict__[key]` without building the dict.
pub fn is_pending(record: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(with_attrs(record, |_| ())?.is_some())
}

/// `record.__dict__[key]` for each of `keys` in turn, pushed to `found`, for a record whose
/// attributes are held natively (see [`is_pending`]), all in one look at the store. False
/// at the first key missing (nothing more is pushed), and when the attributes are not held
/// natively. Runs no Python code.
pub fn pending_items<'py, 'k, A>(
    record: &Bound<'py, PyAny>,
    keys: impl Iterator<Item = &'k Bound<'py, PyString>>,
    found: &mut SmallVec<A>,
) -> PyResult<bool>
where
    'py: 'k,
    A: smallvec::Array<Item = Bound<'py, PyAny>>,
{
    let all = with_attrs(record, |attrs| {
        for key in keys {
            match attrs.get(key) {
                Some(value) => found.push(value),
                None => return false,
            }
        }
        true
    })?;
    Ok(all == Some(true))
}

/// `key in record.__dict__` for `extra=` keys (`Logger.makeRecord`), answered natively for
/// a record whose attributes are held natively and an exact `str` key (`None`: use the dict).
pub fn has_native_key(record: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<Option<bool>> {
    let Ok(key) = key.cast_exact::<PyString>() else {
        return Ok(None);
    };
    with_attrs(record, |attrs| attrs.contains(key))
}

/// `record.getMessage()`: the native body when the method found is `LogRecord.getMessage`,
/// else through Python.
pub fn call_get_message<'py>(record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = record.py();
    let name = intern!(py, "getMessage");
    if class_method_is(record, name, &GET_MESSAGE) {
        // The instance's own attribute of that name (store or dict) would be called instead.
        let shadowed = match with_attrs(record, |attrs| attrs.later_has(name))? {
            Some(held) => held,
            None => crate::dispatch::shadowed_by_instance(record, name),
        };
        if !shadowed {
            return get_message(record);
        }
    }
    record.call_method0(name)
}

/// The instance `__dict__` of an exact `LogRecord` that is not young (`None` for any other
/// object): what `record.__dict__` gives, without the attribute lookup.
pub fn settled_dict<'py>(record: &Bound<'py, PyAny>) -> Option<Bound<'py, PyDict>> {
    if !is_exact(record) {
        return None;
    }
    // SAFETY: attached; a live object of a class with an instance dict; a new reference or
    // NULL with an exception set (cleared: the caller then asks for `__dict__`).
    unsafe {
        let dict = ffi::PyObject_GenericGetDict(record.as_ptr(), std::ptr::null_mut());
        if dict.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        Some(Bound::from_owned_ptr(record.py(), dict).cast_into_unchecked())
    }
}

/// `record.__dict__[key] = value` for a new `extra=` key of a record whose attributes are
/// held natively; false when they no longer are (use the dict).
pub fn add_native_key(record: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    let Ok(key) = key.cast_exact::<PyString>() else {
        return Ok(false);
    };
    Ok(with_attrs(record, |attrs| attrs.later.push((key.clone().unbind(), value.clone().unbind())))?.is_some())
}

/// [`has_native_key`] and then [`add_native_key`] in one look at the store: `key` stored
/// (`Some(true)`) unless already in `__dict__` (`Some(false)`); `None` when the record is
/// not held natively. Runs no Python code.
pub fn add_new_native_key(record: &Bound<'_, PyAny>, key: &Bound<'_, PyString>, value: &Bound<'_, PyAny>) -> PyResult<Option<bool>> {
    with_attrs(record, |attrs| {
        if attrs.contains(key) {
            return false;
        }
        attrs.later.push((key.clone().unbind(), value.clone().unbind()));
        true
    })
}

/// A young record, made by the native `makeRecord` when the factory is `LogRecord` itself
/// (see [`makes_plain_records`]): no argument tuple, no `__init__` call, no dict. The caller
/// ends its youth with [`settle`] or [`release`].
pub fn new_record<'py>(py: Python<'py>, attrs: Box<Attributes>) -> PyResult<Bound<'py, PyAny>> {
    let record = new_instance(py)?;
    if class_slots_are_native(py) {
        let address = record.as_ptr() as usize;
        YOUNG.try_with(py, |young| young.push((address, attrs))).ok_or_else(store_in_use)?;
    } else {
        fill_new_dict(&record, attrs)?;
    }
    Ok(record)
}

/// A record of these attributes, held in its dict.
fn new_settled_record<'py>(py: Python<'py>, attrs: Box<Attributes>) -> PyResult<Bound<'py, PyAny>> {
    let record = new_instance(py)?;
    fill_new_dict(&record, attrs)?;
    Ok(record)
}

/// `object.__new__(LogRecord)`.
fn new_instance(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    // SAFETY: attached; `object`'s `tp_new` with an empty argument tuple (or the class's
    // `tp_alloc`, see below); a new reference or NULL with an exception set.
    unsafe {
        if cfg!(all(Py_3_11, not(Py_3_13))) {
            // On 3.11/3.12 `object.__new__` is `tp_alloc` and then a separate allocation
            // for the instance's attribute values (freed again with the object). A record
            // whose attributes the core holds, or that is given its dict at once, has no
            // use for it: without values or dict the first read of `__dict__` makes the
            // dict, as for any object whose dict was not made yet. (The class is not
            // abstract and takes no arguments: nothing else `object.__new__` does applies.)
            let tp = record_type();
            let alloc = (*tp).tp_alloc.unwrap_or(ffi::PyType_GenericAlloc);
            return Bound::from_owned_ptr_or_err(py, alloc(tp, 0));
        }
        let new = ffi::PyBaseObject_Type.tp_new.expect("object has tp_new");
        Bound::from_owned_ptr_or_err(py, new(record_type(), PyTuple::empty(py).as_ptr(), std::ptr::null_mut()))
    }
}

/// A new record's `__dict__`: `attrs`, in order.
fn fill_new_dict(record: &Bound<'_, PyAny>, attrs: Box<Attributes>) -> PyResult<()> {
    set_instance_dict(record, Some(attrs.into_dict(record.py())?.as_any()))
}

/// Whether `factory` is the `LogRecord` class making records as the native path does:
/// its `__new__` and `__init__` are the class's own (a patched `__init__` must run).
pub fn makes_plain_records(factory: &Bound<'_, PyAny>) -> bool {
    let py = factory.py();
    // SAFETY: attached; the class is live; descriptors are only compared.
    factory.as_ptr() == record_type().cast()
        && unsafe { (*record_type()).tp_new.map(|f| f as usize) == ffi::PyBaseObject_Type.tp_new.map(|f| f as usize) }
        && unsafe { type_has_method(record_type(), intern!(py, "__init__"), &INIT) }
}

// ---------------------------------------------------------------------------------------
// copy.copy(record)
// ---------------------------------------------------------------------------------------
//
// `QueueHandler.prepare` copies every record (`copy.copy(record)`, bpo-35726). For a
// `LogRecord` the standard protocol is: `copy.copy` finds no `_copy_dispatch` entry, no
// `__copy__` and no `copyreg.dispatch_table` entry, calls `record.__reduce_ex__(4)`
// (`object`'s), which returns `(copyreg.__newobj__, (LogRecord,), record.__getstate__(), None,
// None)`, and `copy._reconstruct` makes `LogRecord.__new__(LogRecord)` and, the class having
// no `__setstate__`, updates its `__dict__` with the state: the instance dict. So the copy is
// a new record with the same attributes, in the same order, holding the same objects. When
// every piece of that protocol is the standard one, [`copy_natively`] makes that record
// directly (its attribute store a copy of the original's); when any piece was replaced (a
// patched `copy.copy`, a `copyreg.pickle(LogRecord, …)`, a `__copy__` or `__reduce_ex__`
// assigned to the class or to the record, …) the caller runs `copy.copy` itself.

static COPY: crate::dispatch::StdlibFunction = crate::dispatch::StdlibFunction::new("copy", "copy");
static RECONSTRUCT: crate::dispatch::StdlibFunction = crate::dispatch::StdlibFunction::new("copy", "_reconstruct");
static NEWOBJ: crate::dispatch::StdlibFunction = crate::dispatch::StdlibFunction::new("copyreg", "__newobj__");

/// Whether `copy_fn(record)` is the standard `copy.copy` running the standard protocol for a
/// `LogRecord` as far as the `copy` and `copyreg` modules decide it: `copy_fn` is
/// `copy.copy`; in its module, `_copy_dispatch` and `dispatch_table` have no entry for
/// `LogRecord`, `_reconstruct` is the module's own and no builtin it calls is shadowed by a
/// global; `copyreg.__newobj__` (which `object.__reduce_ex__` returns) is copyreg's own.
fn copy_module_is_standard(py: Python<'_>, copy_fn: &Bound<'_, PyAny>) -> bool {
    if !COPY.is(copy_fn) {
        return false;
    }
    let tp = record_type() as *mut ffi::PyObject;
    // SAFETY: attached; `copy_fn` is a Python function (checked above); borrowed dict
    // entries are only inspected while nothing else runs (a dict probe with a type key
    // compares it with other keys of its hash, which for the tables `copy` keeps are types;
    // a failure is treated as a hit).
    unsafe {
        let globals = ffi::PyFunction_GetGlobals(copy_fn.as_ptr());
        let item = |name: &Bound<'_, PyString>| ffi::PyDict_GetItemWithError(globals, name.as_ptr());
        for table in [intern!(py, "_copy_dispatch"), intern!(py, "dispatch_table")] {
            let d = item(table);
            if d.is_null() || ffi::PyDict_CheckExact(d) == 0 || ffi::PyDict_Contains(d, tp) != 0 {
                ffi::PyErr_Clear();
                return false;
            }
        }
        let reconstruct = item(intern!(py, "_reconstruct"));
        if reconstruct.is_null() || !RECONSTRUCT.is(&Bound::from_borrowed_ptr(py, reconstruct)) {
            ffi::PyErr_Clear();
            return false;
        }
        for builtin in [
            intern!(py, "type"),
            intern!(py, "issubclass"),
            intern!(py, "getattr"),
            intern!(py, "isinstance"),
            intern!(py, "hasattr"),
        ] {
            if !item(builtin).is_null() || !ffi::PyErr_Occurred().is_null() {
                ffi::PyErr_Clear();
                return false;
            }
        }
        // `object.__reduce_ex__` takes `copyreg` from `sys.modules`.
        let copyreg = ffi::PyImport_GetModule(intern!(py, "copyreg").as_ptr());
        if copyreg.is_null() {
            ffi::PyErr_Clear();
            return false;
        }
        let copyreg = Bound::from_owned_ptr(py, copyreg);
        match copyreg.getattr(intern!(py, "__newobj__")) {
            Ok(newobj) => NEWOBJ.is(&newobj),
            Err(_) => false,
        }
    }
}

/// Whether the `LogRecord` class still copies by the default protocol: no `__copy__` (on
/// the class or its metaclass, which is `type`), no `__getnewargs_ex__`/`__getnewargs__`,
/// no `__setstate__`, `object`'s `__new__`, `__reduce_ex__`, `__reduce__` and (from 3.11)
/// `__getstate__`, its own `__dict__` descriptor. Remembered for the class's version tag,
/// renewed by any change to it.
fn class_copies_by_default(py: Python<'_>) -> bool {
    static VERSION: AtomicU32 = AtomicU32::new(0);
    // SAFETY: attached; the class is live; descriptors found are only inspected.
    unsafe {
        let tp = record_type();
        let version = type_version(py, tp);
        if version != 0 && version == VERSION.load(Relaxed) {
            return true;
        }
        let type_type = &raw mut ffi::PyType_Type;
        let object = &raw mut ffi::PyBaseObject_Type;
        let from_object = |name: &Bound<'_, PyString>| _PyType_Lookup(tp, name.as_ptr()) == _PyType_Lookup(object, name.as_ptr());
        let absent = |on: *mut ffi::PyTypeObject, name: &Bound<'_, PyString>| _PyType_Lookup(on, name.as_ptr()).is_null();
        let new = _PyType_Lookup(tp, intern!(py, "__new__").as_ptr());
        let ok = ffi::Py_TYPE(tp.cast()) == type_type
            && absent(tp, intern!(py, "__copy__"))
            && absent(type_type, intern!(py, "__copy__"))
            && absent(tp, intern!(py, "__getnewargs_ex__"))
            && absent(tp, intern!(py, "__getnewargs__"))
            && absent(tp, intern!(py, "__setstate__"))
            && _PyType_Lookup(tp, intern!(py, "__dict__").as_ptr()) as usize == DICT_DESCRIPTOR.load(Relaxed)
            && from_object(intern!(py, "__getstate__"))
            && from_object(intern!(py, "__reduce_ex__"))
            && from_object(intern!(py, "__reduce__"))
            && !new.is_null()
            && ffi::PyCFunction_Check(new) != 0
            && ffi::PyCFunction_GetSelf(new) == object.cast();
        // Remembered only under a tag that was there before the lookups (which assign one
        // to a type without) and is still there after them.
        let after = type_version(py, tp);
        if ok && after != 0 && version == after {
            VERSION.store(after, Relaxed);
        }
        ok
    }
}

/// `copy_fn(record)` made natively when it is `copy.copy` copying a young record by the
/// standard protocol (see above); `None` when the caller must call `copy_fn` itself. The
/// copy keeps its attributes in its dict.
pub fn copy_natively<'py>(copy_fn: &Bound<'py, PyAny>, record: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = record.py();
    if !is_exact(record) || !class_copies_by_default(py) || !copy_module_is_standard(py, copy_fn) {
        return Ok(None);
    }
    // `record.__reduce_ex__` and `record.__getstate__` are looked up on the record: an
    // attribute of that name in its store would be called instead.
    let (reduce_ex, getstate) = (intern!(py, "__reduce_ex__"), intern!(py, "__getstate__"));
    let copied = with_attrs(record, |attrs| {
        (!attrs.later_has(reduce_ex) && !attrs.later_has(getstate)).then(|| attrs.shallow_copy(py))
    })?
    .flatten();
    match copied {
        Some(attrs) => new_settled_record(py, attrs).map(Some),
        None => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------
// What __init__ computes
// ---------------------------------------------------------------------------------------

/// `args and len(args) == 1 and isinstance(args[0], collections.abc.Mapping) and args[0]`:
/// a single non-empty mapping argument is used as the mapping for `%(key)s` formatting.
fn single_mapping_argument<'py>(args: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = args.py();
    if !args.is_true()? || args.len()? != 1 {
        return Ok(None);
    }
    let first = args.get_item(0)?;
    // The common arguments are exact builtins that are never Mappings: skip the ABC check.
    if first.is_exact_instance_of::<PyString>()
        || first.is_exact_instance_of::<PyInt>()
        || first.is_exact_instance_of::<PyFloat>()
        || first.is_exact_instance_of::<PyTuple>()
        || first.is_exact_instance_of::<PyList>()
        || first.is_none()
    {
        return Ok(None);
    }
    let is_mapping = first.is_instance_of::<PyDict>() || {
        let abc = state::global(py, intern!(py, "collections"))?
            .getattr(intern!(py, "abc"))?
            .getattr(intern!(py, "Mapping"))?;
        first.is_instance(&abc)?
    };
    if is_mapping && first.is_true()? {
        Ok(Some(first))
    } else {
        Ok(None)
    }
}

/// A record's `filename` and `module`, derived from its `pathname`.
type PathParts<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>);

/// A `pathname` and its (filename, module).
type CachedPathParts = (Py<PyString>, Py<PyAny>, Py<PyAny>);

/// The last `pathname` seen and its parts: a call site's `co_filename` is the same string
/// object every time, so consecutive records from one place reuse the parts.
static LAST_PATH: AttachedCell<Option<CachedPathParts>> = AttachedCell::new(None);

/// `os.path.basename(pathname)` and `os.path.splitext(filename)[0]`.
///
/// The outer result is for errors to propagate; the inner one carries the errors the
/// stdlib catches (TypeError, ValueError, AttributeError). A `str` path on POSIX is split
/// natively with posixpath's rules; anything else goes through `os.path`.
fn path_parts<'py>(pathname: &Bound<'py, PyAny>) -> PyResult<PyResult<PathParts<'py>>> {
    let py = pathname.py();
    if cfg!(unix) {
        if let Ok(path) = pathname.cast_exact::<PyString>() {
            let hit = LAST_PATH.try_with(py, |last| {
                last.as_ref()
                    .filter(|(cached, _, _)| cached.as_ptr() == path.as_ptr())
                    .map(|(_, filename, module)| (filename.bind(py).clone(), module.bind(py).clone()))
            });
            if let Some(Some(parts)) = hit {
                return Ok(Ok(parts));
            }
            // A str with lone surrogates has no UTF-8 view: os.path handles it below.
            if let Ok(text) = path.to_cow() {
                let (filename, module) = split_posix_path(&text);
                let filename = PyString::new(py, filename).into_any();
                let module = PyString::new(py, module).into_any();
                let replaced = LAST_PATH
                    .try_with(py, |last| last.replace((path.clone().unbind(), filename.clone().unbind(), module.clone().unbind())));
                drop(replaced);
                return Ok(Ok((filename, module)));
            }
        }
    }
    let os_path = state::global(py, intern!(py, "os"))?.getattr(intern!(py, "path"))?;
    Ok(os_path.call_method1(intern!(py, "basename"), (pathname,)).and_then(|filename| {
        let module = os_path.call_method1(intern!(py, "splitext"), (&filename,))?.get_item(0)?;
        Ok((filename, module))
    }))
}

/// posixpath's `basename(p)` and `splitext(basename(p))[0]`: the text after the last '/',
/// then without its extension — from the last '.', unless only dots precede it (".bashrc").
fn split_posix_path(path: &str) -> (&str, &str) {
    let filename = match path.rfind('/') {
        Some(i) => &path[i + 1..],
        None => path,
    };
    let module = match filename.rfind('.') {
        Some(dot) if filename[..dot].bytes().any(|b| b != b'.') => &filename[..dot],
        _ => filename,
    };
    (filename, module)
}

/// Attributes `LogRecord.__init__` sets: the size a record's `__dict__` is made with.
const RECORD_ATTRIBUTES: usize = 22;

/// The instance `__dict__` about to receive a record's attributes.
///
/// A fresh record's empty `__dict__` is replaced by one sized for every attribute, so
/// filling it never resizes; a dict that already holds entries (a subclass that set
/// attributes before calling `LogRecord.__init__`) is kept and filled in place.
fn fresh_instance_dict<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let current = instance_dict(obj)?;
    if !current.is_empty() {
        return Ok(current);
    }
    let dict = presized_dict(obj.py(), RECORD_ATTRIBUTES)?;
    set_instance_dict(obj, Some(dict.as_any()))?;
    Ok(dict)
}

/// The instance `__dict__` of a record (or of any object with one).
pub fn instance_dict<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    Ok(obj.getattr(intern!(obj.py(), "__dict__"))?.cast_into::<PyDict>()?)
}

// ---------------------------------------------------------------------------------------
// The class's methods
// ---------------------------------------------------------------------------------------

/// Initialize a logging record with interesting information.
#[pyfunction]
#[pyo3(
    name = "_init",
    signature = (slf, name, level, pathname, lineno, msg, args, exc_info, func = None, sinfo = None, **_kwargs)
)]
#[allow(clippy::too_many_arguments)]
fn record_init(
    slf: &Bound<'_, PyAny>,
    name: &Bound<'_, PyAny>,
    level: &Bound<'_, PyAny>,
    pathname: &Bound<'_, PyAny>,
    lineno: &Bound<'_, PyAny>,
    msg: &Bound<'_, PyAny>,
    args: &Bound<'_, PyAny>,
    exc_info: &Bound<'_, PyAny>,
    func: Option<&Bound<'_, PyAny>>,
    sinfo: Option<&Bound<'_, PyAny>>,
    _kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    let py = slf.py();
    let attrs = Attributes::capture(name, level, pathname, lineno, msg, args, exc_info, func, sinfo)?;
    // The stdlib's assignments, `self.<name> = value` each (a subclass's `__setattr__` or
    // property runs), straight into the dict where that is all the assignment would do.
    materialize(slf)?;
    let d = fresh_instance_dict(slf)?;
    // SAFETY: attached; a live type object, its slot only compared.
    let plain_setattr = unsafe {
        let tp = ffi::Py_TYPE(slf.as_ptr());
        crate::dispatch::generic_setattr(tp) || has_native_setters(py, tp)
    };
    let plain = plain_setattr && known_names_have_no_data_descriptor(slf);
    for (key, value) in attrs.into_items(py) {
        if plain || (plain_setattr && !has_data_descriptor(slf, &key)) {
            d.set_item(key, value)?;
        } else {
            slf.setattr(key, value)?;
        }
    }
    Ok(())
}

#[pyfunction]
#[pyo3(name = "_repr", signature = (slf))]
fn record_repr<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let fields = (
        slf.getattr(intern!(py, "name"))?,
        slf.getattr(intern!(py, "levelno"))?,
        slf.getattr(intern!(py, "pathname"))?,
        slf.getattr(intern!(py, "lineno"))?,
        slf.getattr(intern!(py, "msg"))?,
    );
    PyString::new(py, "<LogRecord: %s, %s, %s, %s, \"%s\">").rem(fields)
}

/// Return the message for this LogRecord.
///
/// Return the message for this LogRecord after merging any user-supplied arguments with
/// the message.
#[pyfunction]
#[pyo3(name = "_get_message", signature = (slf))]
fn record_get_message<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    get_message(slf)
}

/// `str(record.msg) % record.args` when there are args, with Python's own `%`.
pub fn get_message<'py>(record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let (msg, args, read_ahead) = match native_fields(record, [Field::Msg, Field::Args])? {
        Some([msg, args]) if msg.is_exact_instance_of::<PyString>() => (msg, args, true),
        // `str(self.msg)` may run Python code: `self.args` is read after it.
        _ => (field(record, Field::Msg)?.str()?.into_any(), field(record, Field::Args)?, false),
    };
    if args.is_true()? {
        // `msg % self.args` reads the attribute again (seen by a property).
        let args = if read_ahead { args } else { field(record, Field::Args)? };
        if let (Ok(m), Ok(a)) = (msg.cast_exact::<PyString>(), args.cast_exact::<PyTuple>()) {
            if let Some(formatted) = format_plain(m, a) {
                return formatted;
            }
        }
        msg.rem(args)
    } else {
        Ok(msg)
    }
}

/// The most conversions [`format_plain`] takes.
const PLAIN_MAX: usize = 8;

/// `msg % args` (PyUnicode_Format's result) for the common message: an ASCII `msg` whose
/// only conversions are bare `%s`, `%d` and `%%`, one per item of the exact tuple `args`,
/// each `%d` an exact int within i64. `%s` takes an exact str as is and calls `str()` on
/// anything else, in order, as PyUnicode_Format does; `%d` writes the decimal digits (its
/// own fast path for an exact int). `None` when anything else is asked for: nothing has
/// run then, and the caller leaves it to Python's `%`.
fn format_plain<'py>(msg: &Bound<'py, PyString>, args: &Bound<'py, PyTuple>) -> Option<PyResult<Bound<'py, PyAny>>> {
    let py = msg.py();
    let m = msg.as_ptr();
    // SAFETY: `msg` is a live exact str (compact: ASCII data is its 1-byte data); `args` a
    // live exact tuple whose items are read borrowed while it is alive.
    unsafe {
        if ffi::PyUnicode_IS_ASCII(m) == 0 {
            return None;
        }
        let fmt = std::slice::from_raw_parts(ffi::PyUnicode_1BYTE_DATA(m), ffi::PyUnicode_GET_LENGTH(m) as usize);
        let nargs = args.len();
        if nargs == 0 || nargs > PLAIN_MAX {
            return None;
        }
        let mut kinds = [0u8; PLAIN_MAX];
        let (mut n, mut percents) = (0, 0);
        let mut ends_with_conversion = false;
        let mut i = 0;
        while i < fmt.len() {
            if fmt[i] == b'%' {
                match fmt.get(i + 1) {
                    Some(b'%') => percents += 1,
                    Some(&c @ (b's' | b'd')) if n < nargs => {
                        kinds[n] = c;
                        n += 1;
                    }
                    _ => return None,
                }
                i += 2;
                ends_with_conversion = fmt[i - 1] != b'%';
            } else {
                i += 1;
                ends_with_conversion = false;
            }
        }
        if n != nargs {
            return None;
        }
        let mut ints = [0i64; PLAIN_MAX];
        for j in 0..n {
            if kinds[j] == b'd' {
                let a = ffi::PyTuple_GET_ITEM(args.as_ptr(), j as ffi::Py_ssize_t);
                if ffi::PyLong_CheckExact(a) == 0 {
                    return None;
                }
                let mut overflow = 0;
                let v = ffi::PyLong_AsLongLongAndOverflow(a, &mut overflow);
                if overflow != 0 || (v == -1 && !ffi::PyErr_Occurred().is_null()) {
                    ffi::PyErr_Clear();
                    return None;
                }
                ints[j] = v;
            }
        }
        // From here on the conversions run as PyUnicode_Format runs them, left to right.
        let mut strs: [Option<Bound<'py, PyAny>>; PLAIN_MAX] = Default::default();
        let mut total = fmt.len() - 2 * n - percents;
        let mut ascii = true;
        for j in 0..n {
            if kinds[j] == b's' {
                let a = Bound::from_borrowed_ptr(py, ffi::PyTuple_GET_ITEM(args.as_ptr(), j as ffi::Py_ssize_t));
                let s = if ffi::PyUnicode_CheckExact(a.as_ptr()) != 0 {
                    a
                } else {
                    match Bound::from_owned_ptr_or_err(py, ffi::PyObject_Str(a.as_ptr())) {
                        Ok(s) => s,
                        Err(err) => return Some(Err(err)),
                    }
                };
                ascii &= ffi::PyUnicode_IS_ASCII(s.as_ptr()) != 0;
                total += ffi::PyUnicode_GET_LENGTH(s.as_ptr()) as usize;
                strs[j] = Some(s);
            } else {
                total += decimal_len(ints[j]);
            }
        }
        // PyUnicode_Format's writer returns a last `%s` string itself (of whatever str type
        // `str()` gave) when nothing was written before it.
        if ends_with_conversion {
            if let Some(last) = &strs[n - 1] {
                if total > 0 && total == ffi::PyUnicode_GET_LENGTH(last.as_ptr()) as usize {
                    return Some(Ok(last.clone()));
                }
            }
        }
        if ascii {
            let out = match Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_New(total as ffi::Py_ssize_t, 127)) {
                Ok(out) => out,
                Err(err) => return Some(Err(err)),
            };
            let dst = ffi::PyUnicode_1BYTE_DATA(out.as_ptr());
            let mut at = 0;
            // Each write stays within the `total` bytes counted above.
            plain_pieces(fmt, |piece| match piece {
                Piece::Literal(a, b) => {
                    std::ptr::copy_nonoverlapping(fmt.as_ptr().add(a), dst.add(at), b - a);
                    at += b - a;
                }
                Piece::Percent => {
                    *dst.add(at) = b'%';
                    at += 1;
                }
                Piece::Arg(j) => match &strs[j] {
                    Some(s) => {
                        let len = ffi::PyUnicode_GET_LENGTH(s.as_ptr()) as usize;
                        std::ptr::copy_nonoverlapping(ffi::PyUnicode_1BYTE_DATA(s.as_ptr()), dst.add(at), len);
                        at += len;
                    }
                    None => {
                        let len = decimal_len(ints[j]);
                        write_decimal(ints[j], std::slice::from_raw_parts_mut(dst.add(at), len));
                        at += len;
                    }
                },
            });
            debug_assert_eq!(at, total);
            return Some(Ok(out));
        }
        // A non-ASCII value: joined by Python, which picks the result's width.
        let parts = PyList::empty(py);
        let mut failed = None;
        plain_pieces(fmt, |piece| {
            let part = match piece {
                Piece::Literal(a, b) => {
                    Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_Substring(m, a as ffi::Py_ssize_t, b as ffi::Py_ssize_t))
                }
                Piece::Percent => Ok(intern!(py, "%").clone().into_any()),
                Piece::Arg(j) => match &strs[j] {
                    Some(s) => Ok(s.clone()),
                    None => Ok(PyString::new(py, &ints[j].to_string()).into_any()),
                },
            };
            if failed.is_none() {
                if let Err(err) = part.and_then(|p| parts.append(p)) {
                    failed = Some(err);
                }
            }
        });
        if let Some(err) = failed {
            return Some(Err(err));
        }
        Some(Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_Join(intern!(py, "").as_ptr(), parts.as_ptr())))
    }
}

enum Piece {
    /// `fmt[a..b]`.
    Literal(usize, usize),
    /// `%%`.
    Percent,
    /// The `j`th conversion.
    Arg(usize),
}

/// The pieces of a format [`format_plain`] accepted, in order.
fn plain_pieces(fmt: &[u8], mut f: impl FnMut(Piece)) {
    let (mut start, mut i, mut j) = (0, 0, 0);
    while i < fmt.len() {
        if fmt[i] != b'%' {
            i += 1;
            continue;
        }
        if start < i {
            f(Piece::Literal(start, i));
        }
        if fmt[i + 1] == b'%' {
            f(Piece::Percent);
        } else {
            f(Piece::Arg(j));
            j += 1;
        }
        i += 2;
        start = i;
    }
    if start < fmt.len() {
        f(Piece::Literal(start, fmt.len()));
    }
}

/// The length of `str(v)`.
fn decimal_len(v: i64) -> usize {
    let mut u = v.unsigned_abs();
    let mut len = 1 + usize::from(v < 0);
    while u >= 10 {
        u /= 10;
        len += 1;
    }
    len
}

/// `str(v)` into `out`, which is [`decimal_len`] long.
fn write_decimal(v: i64, out: &mut [u8]) {
    let mut u = v.unsigned_abs();
    for d in out.iter_mut().rev() {
        *d = b'0' + (u % 10) as u8;
        u /= 10;
    }
    if v < 0 {
        out[0] = b'-';
    }
}

// ---------------------------------------------------------------------------------------
// The class
// ---------------------------------------------------------------------------------------

/// The `LogRecord` class (made once, in [`register`]).
static RECORD_TYPE: AtomicUsize = AtomicUsize::new(0);

/// The `LogRecord` class.
#[inline]
fn record_type() -> *mut ffi::PyTypeObject {
    RECORD_TYPE.load(Relaxed) as *mut ffi::PyTypeObject
}

/// Whether `obj` is a `LogRecord` of that class exactly.
#[inline]
pub fn is_exact(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: a live object.
    unsafe { ffi::Py_TYPE(obj.as_ptr()) == record_type() }
}

/// `isinstance(obj, LogRecord)` as the type alone answers it.
pub fn is_instance(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: attached; a live object and type.
    unsafe { ffi::PyObject_TypeCheck(obj.as_ptr(), record_type()) != 0 }
}

/// The class's methods as made (by address), to tell them from replacements.
static INIT: AtomicUsize = AtomicUsize::new(0);
static GET_MESSAGE: AtomicUsize = AtomicUsize::new(0);

/// Whether `tp.<name>` (on the class or a base) is still `method`.
///
/// # Safety
/// Attached; `tp` is a live type.
unsafe fn type_has_method(tp: *mut ffi::PyTypeObject, name: &Bound<'_, PyString>, method: &AtomicUsize) -> bool {
    _PyType_Lookup(tp, name.as_ptr()) as usize == method.load(Relaxed)
}

/// Whether `type(obj).<name>` is still `method`.
fn class_method_is(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>, method: &AtomicUsize) -> bool {
    // SAFETY: attached; a live object's type.
    unsafe { type_has_method(ffi::Py_TYPE(obj.as_ptr()), name, method) }
}

/// Whether the class still reads attributes with [`record_getattro`] and assigns and
/// deletes them with its own `__setattr__`/`__delattr__` ([`install_attribute_setters`]);
/// a `__getattr__`, `__setattr__`, … assigned to the class replaces them, and must see
/// every attribute in the dict. Remembered per version tag of the class.
fn class_slots_are_native(py: Python<'_>) -> bool {
    static NATIVE_AT: AtomicU32 = AtomicU32::new(0);
    let tp = record_type();
    // SAFETY: a live type; its slots only compared.
    let (getattro, version) = unsafe { ((*tp).tp_getattro.map(|f| f as usize), type_version(py, tp)) };
    if getattro != Some(record_getattro as *const () as usize) {
        return false;
    }
    if version != 0 && version == NATIVE_AT.load(Relaxed) {
        return true;
    }
    let native = has_native_setters(py, tp);
    if native {
        NATIVE_AT.store(version, Relaxed);
    }
    native
}

/// Whether instances of `tp` are assigned and deleted through `LogRecord`'s own
/// `__setattr__`/`__delattr__` (neither redefined by `tp` or a patch of the class).
fn has_native_setters(py: Python<'_>, tp: *mut ffi::PyTypeObject) -> bool {
    // SAFETY: attached; a live type; the descriptors found are only compared.
    unsafe {
        (*tp).tp_setattro.map(|f| f as usize) == Some(SLOT_SETATTRO.load(Relaxed))
            && _PyType_Lookup(tp, intern!(py, "__setattr__").as_ptr()) as usize == SETATTR.load(Relaxed)
            && _PyType_Lookup(tp, intern!(py, "__delattr__").as_ptr()) as usize == DELATTR.load(Relaxed)
    }
}

/// `tp_getattro` of the class: [`lookup`].
unsafe extern "C" fn record_getattro(obj: *mut ffi::PyObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject {
    crate::dispatch::c_method_result("LogRecord.__getattribute__", || {
        // SAFETY: called by CPython, attached, with live objects.
        let py = unsafe { Python::assume_attached() };
        let (obj, name) = unsafe { (Bound::from_borrowed_ptr(py, obj), Bound::from_borrowed_ptr(py, name)) };
        lookup(&obj, &name).map(Bound::into_ptr)
    })
}

/// `LogRecord.__setattr__(self, name, value)`: [`assign`].
unsafe extern "C" fn record_setattr(
    obj: *mut ffi::PyObject,
    args: *mut *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    crate::dispatch::c_method_result("LogRecord.__setattr__", || {
        // SAFETY: called by CPython, attached, with `nargs` live arguments.
        let py = unsafe { Python::assume_attached() };
        if nargs != 2 {
            // CPython's wording for `object.__setattr__`, leading space included.
            return Err(PyTypeError::new_err(format!(" expected 2 arguments, got {nargs}")));
        }
        let (obj, name, value) = unsafe {
            (Bound::from_borrowed_ptr(py, obj), Bound::from_borrowed_ptr(py, *args), Bound::from_borrowed_ptr(py, *args.add(1)))
        };
        assign(&obj, &name, &value)?;
        Ok(py.None().into_ptr())
    })
}

/// `LogRecord.__delattr__(self, name)`: from the dict (the store moves there first).
unsafe extern "C" fn record_delattr(
    obj: *mut ffi::PyObject,
    args: *mut *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    crate::dispatch::c_method_result("LogRecord.__delattr__", || {
        // SAFETY: called by CPython, attached, with `nargs` live arguments.
        let py = unsafe { Python::assume_attached() };
        if nargs != 1 {
            return Err(PyTypeError::new_err(format!("expected 1 argument, got {nargs}")));
        }
        let obj = unsafe { Bound::from_borrowed_ptr(py, obj) };
        materialize(&obj)?;
        // SAFETY: live objects; a NULL value deletes; 0 or -1 with an exception set.
        if unsafe { ffi::PyObject_GenericSetAttr(obj.as_ptr(), *args, std::ptr::null_mut()) } != 0 {
            return Err(PyErr::fetch(py));
        }
        Ok(py.None().into_ptr())
    })
}

/// `LogRecord`'s `__setattr__` and `__delattr__` (method descriptors), and CPython's
/// `slot_tp_setattro`, which calls them by name as for any class defining them.
static SETATTR: AtomicUsize = AtomicUsize::new(0);
static DELATTR: AtomicUsize = AtomicUsize::new(0);
static SLOT_SETATTRO: AtomicUsize = AtomicUsize::new(0);

/// Give the class its own `__setattr__` and `__delattr__` (with the store in the dict's
/// place) and the slot a Python class defining them gets. A C-level `tp_setattro` would do
/// the same, but CPython then refuses `object.__setattr__(record, …)` and a subclass's
/// `super().__setattr__(…)` ("can't apply this __setattr__"), which it allows for a class
/// whose slot calls its `__setattr__`: as here.
fn install_attribute_setters(cls: &Bound<'_, PyType>) -> PyResult<()> {
    let py = cls.py();
    // A class defining `__setattr__` gets `slot_tp_setattro`, which CPython does not export.
    let probe = PyDict::new(py);
    py.run(c"class Probe:\n    def __setattr__(self, name, value): pass\n", Some(&probe), None)?;
    let probe = probe.get_item("Probe")?.expect("the class statement ran").cast_into::<PyType>()?;
    let methods: [(&std::ffi::CStr, ffi::PyCFunctionFast, &std::ffi::CStr, &AtomicUsize); 2] = [
        (c"__setattr__", record_setattr, c"__setattr__($self, name, value, /)\n--\n\nImplement setattr(self, name, value).", &SETATTR),
        (c"__delattr__", record_delattr, c"__delattr__($self, name, /)\n--\n\nImplement delattr(self, name).", &DELATTR),
    ];
    // SAFETY: attached; the definitions live for the process, as the class; the class is
    // a heap type whose dict and slots are its own, and PyType_Modified drops the lookups
    // cached for it.
    unsafe {
        let tp = cls.as_type_ptr();
        for (name, meth, doc, store) in methods {
            let def: &'static mut ffi::PyMethodDef = Box::leak(Box::new(ffi::PyMethodDef {
                ml_name: name.as_ptr(),
                ml_meth: ffi::PyMethodDefPointer { PyCFunctionFast: meth },
                ml_flags: ffi::METH_FASTCALL,
                ml_doc: doc.as_ptr(),
            }));
            let descr = Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(tp, def))?;
            let key = PyString::new(py, name.to_str().expect("ASCII"));
            if ffi::PyDict_SetItem((*tp).tp_dict, key.as_ptr(), descr.as_ptr()) != 0 {
                return Err(PyErr::fetch(py));
            }
            store.store(descr.as_ptr() as usize, Relaxed);
        }
        (*tp).tp_setattro = (*probe.as_type_ptr()).tp_setattro;
        SLOT_SETATTRO.store((*tp).tp_setattro.map_or(0, |f| f as usize), Relaxed);
        ffi::PyType_Modified(tp);
    }
    Ok(())
}

/// The `__dict__` descriptor of `LogRecord`: the store moves into the dict before anyone
/// sees or replaces it.
fn dict_descriptor_access(obj: *mut ffi::PyObject, value: Option<*mut ffi::PyObject>) -> PyResult<*mut ffi::PyObject> {
    // SAFETY: called by CPython with the interpreter attached and a live instance.
    let py = unsafe { Python::assume_attached() };
    let obj = unsafe { Bound::from_borrowed_ptr(py, obj) };
    materialize(&obj)?;
    // SAFETY: the generic dict accessors for a type with an instance dict.
    unsafe {
        match value {
            None => {
                let d = ffi::PyObject_GenericGetDict(obj.as_ptr(), std::ptr::null_mut());
                if d.is_null() { Err(PyErr::fetch(py)) } else { Ok(d) }
            }
            Some(v) => {
                // (NULL: `del record.__dict__`.)
                let value = (!v.is_null()).then(|| Bound::from_borrowed_ptr(py, v));
                set_instance_dict(&obj, value.as_ref())?;
                Ok(ffi::Py_None())
            }
        }
    }
}

unsafe extern "C" fn get_dict(obj: *mut ffi::PyObject, _closure: *mut std::ffi::c_void) -> *mut ffi::PyObject {
    crate::dispatch::c_method_result("LogRecord.__dict__", || dict_descriptor_access(obj, None))
}

unsafe extern "C" fn set_dict(obj: *mut ffi::PyObject, value: *mut ffi::PyObject, _closure: *mut std::ffi::c_void) -> std::ffi::c_int {
    let done = crate::dispatch::c_method_result("LogRecord.__dict__", || dict_descriptor_access(obj, Some(value)));
    if done.is_null() { -1 } else { 0 }
}

/// The `__dict__` descriptor [`install_dict_descriptor`] gave `LogRecord`.
static DICT_DESCRIPTOR: AtomicUsize = AtomicUsize::new(0);

/// The `__dict__` descriptor `type()` made for the class (replaced by [`DICT_DESCRIPTOR`]).
static CLASS_DICT_DESCRIPTOR: AtomicUsize = AtomicUsize::new(0);

/// Replace the class's `__dict__` descriptor with [`get_dict`]/[`set_dict`].
fn install_dict_descriptor(cls: &Bound<'_, PyType>) -> PyResult<()> {
    let py = cls.py();
    let def = Box::leak(Box::new(ffi::PyGetSetDef {
        name: c"__dict__".as_ptr(),
        get: Some(get_dict),
        set: Some(set_dict),
        doc: c"dictionary for instance variables".as_ptr(),
        closure: std::ptr::null_mut(),
    }));
    // SAFETY: `def` lives for the process; the class is a heap type whose dict is its own,
    // and PyType_Modified drops the lookups cached for it.
    unsafe {
        let tp = cls.as_type_ptr();
        let original = ffi::PyDict_GetItemWithError((*tp).tp_dict, intern!(py, "__dict__").as_ptr());
        if original.is_null() {
            return Err(PyErr::take(py).unwrap_or_else(|| PyRuntimeError::new_err("LogRecord has no __dict__ descriptor")));
        }
        // Kept for the process, as the class.
        ffi::Py_IncRef(original);
        CLASS_DICT_DESCRIPTOR.store(original as usize, Relaxed);
        let descr = Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewGetSet(tp, def))?;
        if ffi::PyDict_SetItem((*tp).tp_dict, intern!(py, "__dict__").as_ptr(), descr.as_ptr()) != 0 {
            return Err(PyErr::fetch(py));
        }
        DICT_DESCRIPTOR.store(descr.as_ptr() as usize, Relaxed);
        ffi::PyType_Modified(tp);
    }
    Ok(())
}

/// The code of [`CLASS_SOURCE`]: as build.rs compiled it when this is the interpreter it ran
/// (compiling it at import would cost a tenth of `import logging`), else compiled here.
fn class_code(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    if !RECORD_CLASS_CODE.is_empty() && py.import("sys")?.getattr("version")?.extract::<String>()? == RECORD_CLASS_BUILT_FOR {
        return py.import("marshal")?.call_method1("loads", (pyo3::types::PyBytes::new(py, RECORD_CLASS_CODE),));
    }
    py.import("builtins")?.call_method1("compile", (CLASS_SOURCE, CLASS_FILENAME, "exec"))
}

/// Make the `LogRecord` class ([`CLASS_SOURCE`], run as a module named `logging`), with the
/// attribute slots and `__dict__` descriptor of the young records' stores.
fn make_class<'py>(m: &Bound<'py, PyModule>) -> PyResult<Bound<'py, PyType>> {
    let py = m.py();
    let globals = PyDict::new(py);
    globals.set_item("__name__", "logging")?;
    globals.set_item("_init", wrap_pyfunction!(record_init, m)?)?;
    globals.set_item("_repr", wrap_pyfunction!(record_repr, m)?)?;
    globals.set_item("_get_message", wrap_pyfunction!(record_get_message, m)?)?;
    let builtins = py.import("builtins")?;
    builtins.getattr(intern!(py, "exec"))?.call1((class_code(py)?, &globals))?;
    let cls = globals.get_item("LogRecord")?.expect("the class statement ran").cast_into::<PyType>()?;
    if state::minor(py) >= 13 {
        // What the stdlib's methods assign, as 3.13's compiler records it; no
        // `__firstlineno__`, which would point `inspect.getsource` into the facade.
        let mut assigned = FIELDS.to_vec();
        assigned.sort_unstable();
        cls.setattr("__static_attributes__", PyTuple::new(py, assigned)?)?;
        cls.delattr("__firstlineno__")?;
    }
    let method = |name: &str| -> PyResult<usize> { Ok(cls.getattr(name)?.as_ptr() as usize) };
    let body = globals.get_item("_native_method_body")?.expect("the def ran").getattr("__code__")?;
    crate::method_functions::set_template(py, body.unbind());
    INIT.store(method("__init__")?, Relaxed);
    GET_MESSAGE.store(method("getMessage")?, Relaxed);
    install_dict_descriptor(&cls)?;
    install_attribute_setters(&cls)?;
    // SAFETY: the class is new and a heap type: its slots are its own.
    unsafe {
        let tp = cls.as_type_ptr();
        (*tp).tp_getattro = Some(record_getattro);
        ffi::PyType_Modified(tp);
        RECORD_TYPE.store(tp as usize, Relaxed);
    }
    // The class lives as long as the process: the address above stays valid.
    std::mem::forget(cls.clone());
    Ok(cls)
}

/// Set the factory to be used when instantiating a log record.
#[pyfunction]
#[pyo3(name = "setLogRecordFactory", signature = (factory))]
fn set_log_record_factory(factory: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = factory.py();
    state::logging_module(py)?.setattr(intern!(py, "_logRecordFactory"), factory)
}

/// Return the factory to be used when instantiating a log record.
#[pyfunction]
#[pyo3(name = "getLogRecordFactory")]
fn get_log_record_factory(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    state::global(py, intern!(py, "_logRecordFactory"))
}

/// Make a LogRecord whose attributes are defined by the specified dictionary.
///
/// This function is useful for converting a logging event received over a socket
/// connection (which is sent as a dictionary) into a LogRecord instance.
#[pyfunction]
#[pyo3(name = "makeLogRecord", signature = (dict))]
fn make_log_record<'py>(dict: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = dict.py();
    let factory = state::global(py, intern!(py, "_logRecordFactory"))?;
    let none = py.None().into_bound(py);
    let rv = factory.call1((&none, &none, "", 0, "", PyTuple::empty(py), &none, &none))?;
    rv.getattr(intern!(py, "__dict__"))?
        .call_method1(intern!(py, "update"), (dict,))?;
    Ok(rv)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("LogRecord", make_class(m)?)?;
    m.add_function(wrap_pyfunction!(set_log_record_factory, m)?)?;
    m.add_function(wrap_pyfunction!(get_log_record_factory, m)?)?;
    m.add_function(wrap_pyfunction!(make_log_record, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_posix_path;

    #[test]
    fn splits_like_posixpath() {
        assert_eq!(split_posix_path("/a/b/c.py"), ("c.py", "c"));
        assert_eq!(split_posix_path("c.tar.gz"), ("c.tar.gz", "c.tar"));
        assert_eq!(split_posix_path("/a/.bashrc"), (".bashrc", ".bashrc"));
        assert_eq!(split_posix_path("..x"), ("..x", "..x"));
        assert_eq!(split_posix_path("a..b"), ("a..b", "a."));
        assert_eq!(split_posix_path("/a/b/"), ("", ""));
        assert_eq!(split_posix_path("<stdin>"), ("<stdin>", "<stdin>"));
        assert_eq!(split_posix_path("dir.d/file"), ("file", "file"));
        assert_eq!(split_posix_path(""), ("", ""));
    }
}
