//! Frames: `currentframe`, `_is_internal_frame` and the walk behind `Logger.findCaller`.
//!
//! The stdlib's `findCaller` counts frames, and the frames it counts include its own
//! (`findCaller`, `_log`, `info`, `LoggerAdapter.log`, module-level `logging.info`, …),
//! which all live in `logging/__init__.py` (`_srcfile`). Native methods create no Python
//! frames, so the walk here runs over an *emulated* stack: the real Python frames with
//! "virtual" frames inserted where the stdlib would have had one of its own.
//!
//! Virtual frames come from two places:
//! - an explicit count passed between native functions (`info` → `_log` → `findCaller`
//!   calling each other directly: 2 virtual frames between `findCaller` and the caller);
//! - a thread-local list of [`VirtualFrames`] guards, held by native code while it calls
//!   back into Python (a Python override of `_log`, `findCaller`, `log`, …). Each guard
//!   records the Python frame that was on top when it was taken; its virtual frames sit
//!   just inside (newer than) that frame in the emulated stack.
//!
//! Virtual frames are always "internal" (`_srcfile` frames), so they are skipped as the
//! stdlib skips its own frames, and counted where the stdlib counts raw frames (3.9/3.10
//! `sys._getframe(3)` and the `stacklevel` steps before the skip).

use std::cell::{Cell, RefCell};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3::sync::PyOnceLock;
use pyo3::{ffi, intern, PyTraverseError, PyVisit};

use crate::attached_cell::AttachedCell;
use crate::state::{self, StandIn};

thread_local! {
    /// (id, frame pointer, count) of each live [`VirtualFrames`] guard, oldest first.
    static VIRTUAL: RefCell<Vec<(u64, usize, usize)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

/// RAII guard: while alive, `count` virtual logging frames sit just inside the Python frame
/// that is on top of the stack now. Hold one while native code that stands for stdlib
/// frames calls into Python code that may log (or call `findCaller`/`currentframe`).
pub struct VirtualFrames {
    id: u64,
}

impl VirtualFrames {
    /// Record `count` virtual frames above the current top Python frame.
    pub fn enter(_py: Python<'_>, count: usize) -> VirtualFrames {
        if count == 0 {
            return VirtualFrames { id: 0 };
        }
        // SAFETY: attached to the interpreter (we hold a `Python` token); the frame pointer
        // is only used as an identity key, never dereferenced.
        let ptr = unsafe { ffi::PyEval_GetFrame() } as usize;
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id.wrapping_add(1).max(1));
            id
        });
        VIRTUAL.with(|v| {
            if let Ok(mut v) = v.try_borrow_mut() {
                v.push((id, ptr, count));
            }
        });
        VirtualFrames { id }
    }
}

impl Drop for VirtualFrames {
    fn drop(&mut self) {
        if self.id == 0 {
            return;
        }
        let id = self.id;
        let _ = VIRTUAL.try_with(|v| {
            if let Ok(mut v) = v.try_borrow_mut() {
                if let Some(pos) = v.iter().rposition(|e| e.0 == id) {
                    v.remove(pos);
                }
            }
        });
    }
}

/// A snapshot of the thread's virtual-frame records.
fn virtual_snapshot() -> Vec<(usize, usize)> {
    VIRTUAL
        .try_with(|v| v.try_borrow().map(|v| v.iter().map(|e| (e.1, e.2)).collect()).unwrap_or_default())
        .unwrap_or_default()
}

/// One element of the emulated stack.
pub enum Elem<'py> {
    /// A frame of the stdlib's own that native code stands for (always internal).
    Virtual,
    /// A real Python frame.
    Real(Bound<'py, PyAny>),
}

/// Iterator over the emulated stack, newest first.
pub struct EmulatedStack<'py> {
    pending: usize,
    next_real: Option<Bound<'py, PyAny>>,
    records: Vec<(usize, usize)>,
}

impl<'py> EmulatedStack<'py> {
    fn virtual_for(records: &[(usize, usize)], frame: &Bound<'py, PyAny>) -> usize {
        let ptr = frame.as_ptr() as usize;
        records.iter().filter(|r| r.0 == ptr).map(|r| r.1).sum()
    }

    /// The emulated stack starting with `explicit` virtual frames newer than the current
    /// top Python frame (which is the caller of the running native code).
    pub fn from_top(py: Python<'py>, explicit: usize) -> EmulatedStack<'py> {
        let records = virtual_snapshot();
        let top = top_frame(py);
        let pending = explicit + top.as_ref().map_or(0, |f| Self::virtual_for(&records, f));
        EmulatedStack { pending, next_real: top, records }
    }

    /// The emulated stack starting at the real frame `frame`.
    pub fn from_frame(frame: Bound<'py, PyAny>) -> EmulatedStack<'py> {
        EmulatedStack { pending: 0, next_real: Some(frame), records: virtual_snapshot() }
    }

    fn step(&mut self) -> PyResult<Option<Elem<'py>>> {
        if self.pending > 0 {
            self.pending -= 1;
            return Ok(Some(Elem::Virtual));
        }
        match self.next_real.take() {
            None => Ok(None),
            Some(frame) => {
                let back = frame_back(&frame)?;
                if !back.is_none() {
                    self.pending = Self::virtual_for(&self.records, &back);
                    self.next_real = Some(back);
                }
                Ok(Some(Elem::Real(frame)))
            }
        }
    }
}

/// The top Python frame (the caller of the running native code), if any.
pub fn top_frame(py: Python<'_>) -> Option<Bound<'_, PyAny>> {
    // SAFETY: attached; PyEval_GetFrame returns a borrowed reference or NULL.
    unsafe {
        let f = ffi::PyEval_GetFrame();
        Bound::from_borrowed_ptr_or_opt(py, f as *mut ffi::PyObject)
    }
}

/// `frame.f_back` (None at the bottom): `PyFrame_GetBack` for real frames.
fn frame_back<'py>(frame: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = frame.py();
    // SAFETY: attached; `frame` is checked to be a frame object; PyFrame_GetBack returns a
    // new reference or NULL (no exception) at the bottom of the stack.
    unsafe {
        if ffi::PyFrame_Check(frame.as_ptr()) != 0 {
            let back = ffi::PyFrame_GetBack(frame.as_ptr() as *mut ffi::PyFrameObject);
            return Ok(Bound::from_owned_ptr_or_opt(py, back as *mut ffi::PyObject).unwrap_or_else(|| py.None().into_bound(py)));
        }
    }
    frame.getattr(intern!(py, "f_back"))
}

/// `frame.f_code`: `PyFrame_GetCode` for real frames.
fn frame_code<'py>(frame: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = frame.py();
    // SAFETY: attached; `frame` is checked to be a frame object; PyFrame_GetCode returns a
    // new (non-NULL) reference.
    unsafe {
        if ffi::PyFrame_Check(frame.as_ptr()) != 0 {
            let code = ffi::PyFrame_GetCode(frame.as_ptr() as *mut ffi::PyFrameObject);
            return Bound::from_owned_ptr_or_err(py, code as *mut ffi::PyObject);
        }
    }
    frame.getattr(intern!(py, "f_code"))
}

/// Whether `os.path.normcase` is the identity (POSIX), computed once.
fn normcase<'py>(py: Python<'py>, filename: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    // PyOnceLock: a thread waiting for another's initialisation detaches meanwhile (the
    // initialiser runs Python code, which may hand the GIL over).
    static POSIX: PyOnceLock<bool> = PyOnceLock::new();
    let posix = *POSIX.get_or_init(py, || {
        py.import("os")
            .and_then(|os| os.getattr("name"))
            .and_then(|n| n.extract::<String>())
            .map(|n| n != "nt")
            .unwrap_or(true)
    });
    if posix && filename.is_instance_of::<PyString>() {
        return Ok(filename);
    }
    py.import("os")?
        .getattr(intern!(py, "path"))?
        .call_method1(intern!(py, "normcase"), (filename,))
}

/// A code object's `co_filename` and `co_name` (immutable, so remembered for the last code
/// object seen: consecutive records from one call site reuse them).
fn code_names<'py>(code: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    /// (code object, co_filename, co_name); the code object is held so its address stays its own.
    type Names = (Py<PyAny>, Py<PyAny>, Py<PyAny>);
    static LAST: AttachedCell<Option<Names>> = AttachedCell::new(None);
    let py = code.py();
    // SAFETY: a type check of a live object.
    let exact_code = unsafe { ffi::PyCode_Check(code.as_ptr()) } != 0;
    if exact_code {
        let hit = LAST.try_with(py, |last| {
            last.as_ref()
                .filter(|(cached, _, _)| cached.as_ptr() == code.as_ptr())
                .map(|(_, filename, name)| (filename.bind(py).clone(), name.bind(py).clone()))
        });
        if let Some(Some(names)) = hit {
            return Ok(names);
        }
    }
    let filename = code.getattr(intern!(py, "co_filename"))?;
    let name = code.getattr(intern!(py, "co_name"))?;
    if exact_code {
        let replaced = LAST.try_with(py, |last| {
            last.replace((code.clone().unbind(), filename.clone().unbind(), name.clone().unbind()))
        });
        // Dropped once the cache is free (the last reference to a code object may run a
        // finalizer).
        drop(replaced);
    }
    Ok((filename, name))
}

/// `os.path.normcase(frame.f_code.co_filename)`.
fn frame_filename<'py>(frame: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = frame.py();
    let (filename, _) = code_names(&frame_code(frame)?)?;
    normcase(py, filename)
}

/// `a == b`, by identity first (two str objects compare by value, as Python's `==`).
fn same_or_eq(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<bool> {
    if a.is(b) && a.is_exact_instance_of::<PyString>() {
        return Ok(true);
    }
    a.eq(b)
}

/// `normcase(co_filename) == _srcfile` (3.9/3.10's test).
fn is_srcfile(frame: &Bound<'_, PyAny>, srcfile: &Bound<'_, PyAny>) -> PyResult<bool> {
    same_or_eq(&frame_filename(frame)?, srcfile)
}

/// The stdlib's `_is_internal_frame` (3.11+) on a real frame.
fn is_internal_real(frame: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = frame.py();
    is_internal_with(frame, &crate::state::global(py, intern!(py, "_srcfile"))?)
}

/// `_is_internal_frame(frame)` with `_srcfile` read by the caller.
///
/// The answer for a code object and an exact-str `_srcfile` is remembered for the last pair
/// seen (a code object's `co_filename` never changes): consecutive records from one call
/// site ask about the same frames.
fn is_internal_with(frame: &Bound<'_, PyAny>, srcfile: &Bound<'_, PyAny>) -> PyResult<bool> {
    /// (code object, `_srcfile`, the answer); both held so their addresses stay their own.
    type Answer = (Py<PyAny>, Py<PyAny>, bool);
    static LAST: AttachedCell<Option<Answer>> = AttachedCell::new(None);
    let py = frame.py();
    let code = frame_code(frame)?;
    // SAFETY: a type check of a live object.
    let cacheable = unsafe { ffi::PyCode_Check(code.as_ptr()) } != 0 && srcfile.is_exact_instance_of::<PyString>();
    if cacheable {
        let hit = LAST.try_with(py, |last| {
            last.as_ref()
                .filter(|(c, f, _)| c.as_ptr() == code.as_ptr() && f.as_ptr() == srcfile.as_ptr())
                .map(|(_, _, internal)| *internal)
        });
        if let Some(Some(internal)) = hit {
            return Ok(internal);
        }
    }
    let (filename, _) = code_names(&code)?;
    let filename = normcase(py, filename)?;
    let internal = if same_or_eq(&filename, srcfile)? {
        true
    } else if let Some(s) = filename.cast::<PyString>().ok().and_then(|s| s.to_str().ok()) {
        s.contains("importlib") && s.contains("_bootstrap")
    } else {
        filename.contains("importlib")? && filename.contains("_bootstrap")?
    };
    if cacheable && filename.is_exact_instance_of::<PyString>() {
        let replaced = LAST.try_with(py, |last| last.replace((code.clone().unbind(), srcfile.clone().unbind(), internal)));
        // Dropped once the cache is free (the last reference to a code object may run a
        // finalizer).
        drop(replaced);
    }
    Ok(internal)
}

/// Signal whether the frame is a CPython or logging module internal.
#[pyfunction]
#[pyo3(name = "_is_internal_frame")]
pub fn is_internal_frame(frame: &Bound<'_, PyAny>) -> PyResult<bool> {
    is_internal_real(frame)
}

/// Return the frame object for the caller's stack frame.
///
/// On 3.11+ this is the caller's frame (`sys._getframe(1)` of the stdlib's lambda). On
/// 3.9/3.10 the stdlib returns the frame three levels above its lambda; logging's own
/// frames are emulated, and where that lands on one of them the nearest real frame inside
/// it is returned (its `f_back` then skips the logging frames, as the stdlib's callers do).
#[pyfunction]
pub fn currentframe(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let Some(top) = top_frame(py) else {
        return Ok(py.None().into_bound(py));
    };
    if state::minor(py) >= 11 {
        return Ok(top);
    }
    // sys._getframe(3) from the lambda: lambda=0, caller=1 (top), 2, 3.
    let mut stack = EmulatedStack::from_frame(top);
    let mut target = None;
    for _ in 0..3 {
        match stack.step()? {
            None => return Err(PyValueError::new_err("call stack is not deep enough")),
            Some(e) => target = Some(e),
        }
    }
    match target {
        Some(Elem::Real(f)) => Ok(f),
        _ => {
            // A logging frame native code stands for: hand out a stand-in frame whose
            // `f_back` chain runs through the following logging frames to the next real
            // one, so callers stepping back and skipping `_srcfile` frames count as the
            // stdlib's do.
            let mut back = stack.next_real.take().unwrap_or_else(|| py.None().into_bound(py));
            for _ in 0..=stack.pending {
                back = VirtualFrame::new(py, back)?.into_any();
            }
            Ok(back)
        }
    }
}

/// A stand-in for a frame of `logging/__init__.py` that native code stands for (3.9/3.10
/// `currentframe()` may return one): `f_code.co_filename` is `_srcfile`.
#[pyclass(module = "logging", name = "_VirtualFrame", frozen)]
pub struct VirtualFrame {
    #[pyo3(get)]
    f_back: Py<PyAny>,
    #[pyo3(get)]
    f_code: Py<VirtualCode>,
    #[pyo3(get)]
    f_lineno: i64,
    #[pyo3(get)]
    f_lasti: i64,
    #[pyo3(get)]
    f_globals: Py<PyAny>,
    #[pyo3(get)]
    f_locals: Py<PyAny>,
    #[pyo3(get)]
    f_trace: Py<PyAny>,
}

impl VirtualFrame {
    fn new<'py>(py: Python<'py>, back: Bound<'py, PyAny>) -> PyResult<Bound<'py, VirtualFrame>> {
        let module = state::logging_module(py)?;
        let srcfile = crate::state::global(py, intern!(py, "_srcfile"))?;
        let filename = if srcfile.is_truthy()? { srcfile } else { module.getattr(intern!(py, "__file__"))? };
        let code = Bound::new(
            py,
            VirtualCode { co_filename: filename.unbind(), co_name: PyString::new(py, "<logging>").into_any().unbind() },
        )?;
        Bound::new(
            py,
            VirtualFrame {
                f_back: back.unbind(),
                f_code: code.unbind(),
                f_lineno: 0,
                f_lasti: 0,
                f_globals: module.dict().into_any().unbind(),
                f_locals: pyo3::types::PyDict::new(py).into_any().unbind(),
                f_trace: py.None(),
            },
        )
    }
}

#[pymethods]
impl VirtualFrame {
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if !crate::gc::is_written(&self.f_back) {
            return Ok(());
        }
        visit.call(&self.f_back)?;
        visit.call(&self.f_code)?;
        visit.call(&self.f_globals)?;
        visit.call(&self.f_locals)?;
        visit.call(&self.f_trace)
    }
}

/// The code object of a [`VirtualFrame`].
#[pyclass(module = "logging", name = "_VirtualCode", frozen)]
pub struct VirtualCode {
    #[pyo3(get)]
    co_filename: Py<PyAny>,
    #[pyo3(get)]
    co_name: Py<PyAny>,
}

#[pymethods]
impl VirtualCode {
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if !crate::gc::is_written(&self.co_filename) {
            return Ok(());
        }
        visit.call(&self.co_filename)?;
        visit.call(&self.co_name)
    }
}

/// The unknown-caller tuple.
fn unknown(py: Python<'_>) -> PyResult<Caller<'_>> {
    Ok((
        PyString::new(py, "(unknown file)").into_any(),
        0i64.into_pyobject(py)?.into_any(),
        PyString::new(py, "(unknown function)").into_any(),
        py.None().into_bound(py),
    ))
}

/// `findCaller`'s result: `(co_filename, f_lineno, co_name, sinfo)`.
pub type Caller<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>);

/// `fn, lno, func, sinfo = result` of a Python `findCaller` (a wrong count is the
/// ValueError `_log` turns into the unknown caller).
pub fn unpack<'py>(result: &Bound<'py, PyAny>) -> PyResult<Caller<'py>> {
    let [filename, lineno, name, sinfo] = crate::dispatch::unpack(result)?;
    Ok((filename, lineno, name, sinfo))
}

/// `(co_filename, f_lineno, co_name, sinfo)` for the chosen frame.
fn caller_tuple<'py>(frame: &Bound<'py, PyAny>, stack_info: bool) -> PyResult<Caller<'py>> {
    let py = frame.py();
    let co = frame_code(frame)?;
    let sinfo = if stack_info { stack_text(frame)? } else { py.None().into_bound(py) };
    // SAFETY: attached; checked to be a frame object.
    let lineno = if unsafe { ffi::PyFrame_Check(frame.as_ptr()) } != 0 {
        let n = unsafe { line_number(py, frame.as_ptr() as *mut ffi::PyFrameObject, &co) };
        (n as i64).into_pyobject(py)?.into_any()
    } else {
        frame.getattr(intern!(py, "f_lineno"))?
    };
    let (filename, name) = code_names(&co)?;
    Ok((filename, lineno, name, sinfo))
}

// ---------------------------------------------------------------------------------------
// The caller's line number
// ---------------------------------------------------------------------------------------
//
// `PyFrame_GetLineNumber` walks the code object's line table from its start up to the
// frame's instruction (~600 instructions for a small function, more for a long one). While
// the frame's own `f_lineno` field is unset (0; on 3.9, while it has no `f_trace`), the line
// it returns is a function of the code object and the instruction offset alone, so the
// answer is remembered for the last pair seen: consecutive records from one call site ask
// about the same one. The fields are read at the offsets of each version's `struct _frame`,
// checked once on a frame made for the purpose; when they don't check out, every call asks
// CPython.

/// The head of `struct _frame` in 3.9 (Include/cpython/frameobject.h).
#[repr(C)]
struct FrameHead39 {
    ob_base: ffi::PyVarObject,
    f_back: *mut ffi::PyObject,
    f_code: *mut ffi::PyObject,
    f_builtins: *mut ffi::PyObject,
    f_globals: *mut ffi::PyObject,
    f_locals: *mut ffi::PyObject,
    f_valuestack: *mut *mut ffi::PyObject,
    f_stacktop: *mut *mut ffi::PyObject,
    f_trace: *mut ffi::PyObject,
    f_trace_lines: std::os::raw::c_char,
    f_trace_opcodes: std::os::raw::c_char,
    f_gen: *mut ffi::PyObject,
    f_lasti: std::os::raw::c_int,
    f_lineno: std::os::raw::c_int,
}

/// The head of `struct _frame` in 3.10 (Include/cpython/frameobject.h).
#[repr(C)]
struct FrameHead310 {
    ob_base: ffi::PyVarObject,
    f_back: *mut ffi::PyObject,
    f_code: *mut ffi::PyObject,
    f_builtins: *mut ffi::PyObject,
    f_globals: *mut ffi::PyObject,
    f_locals: *mut ffi::PyObject,
    f_valuestack: *mut *mut ffi::PyObject,
    f_trace: *mut ffi::PyObject,
    f_stackdepth: std::os::raw::c_int,
    f_trace_lines: std::os::raw::c_char,
    f_trace_opcodes: std::os::raw::c_char,
    f_gen: *mut ffi::PyObject,
    f_lasti: std::os::raw::c_int,
    f_lineno: std::os::raw::c_int,
}

/// The head of `struct _frame` in 3.11–3.13 (Include/internal/pycore_frame.h).
#[repr(C)]
struct FrameHead311 {
    ob_base: ffi::PyObject,
    f_back: *mut ffi::PyObject,
    f_frame: *mut std::ffi::c_void,
    f_trace: *mut ffi::PyObject,
    f_lineno: std::os::raw::c_int,
}

/// `(f_trace, f_lineno, f_code or NULL, the instruction offset)` as read from `f`'s fields
/// (3.11+: the offset from `PyFrame_GetLasti`, the code object not read).
///
/// # Safety
/// Attached; `f` is a live frame object of the running version's layout.
unsafe fn frame_fields(py: Python<'_>, f: *mut ffi::PyFrameObject) -> (*mut ffi::PyObject, i32, *mut ffi::PyObject, i32) {
    match state::minor(py) {
        9 => {
            let h = f as *mut FrameHead39;
            ((*h).f_trace, (*h).f_lineno, (*h).f_code, (*h).f_lasti)
        }
        10 => {
            let h = f as *mut FrameHead310;
            ((*h).f_trace, (*h).f_lineno, (*h).f_code, (*h).f_lasti)
        }
        _ => {
            let h = f as *mut FrameHead311;
            #[cfg(Py_3_11)]
            let lasti = ffi::PyFrame_GetLasti(f);
            #[cfg(not(Py_3_11))]
            let lasti = -1;
            ((*h).f_trace, (*h).f_lineno, std::ptr::null_mut(), lasti)
        }
    }
}

/// Whether [`frame_fields`] reads the running interpreter's frames right: checked once on
/// the finished frame of a throwaway function, against what CPython's own accessors say
/// (`f_trace` set to a marker and back, `f_code`, `f_lasti`, `f_lineno` unset).
fn frame_layout_verified(py: Python<'_>) -> bool {
    // PyOnceLock, not a std OnceLock: the check runs Python code, which may hand the GIL to
    // another thread logging meanwhile; that thread must wait detached, not holding the GIL.
    static VERIFIED: PyOnceLock<bool> = PyOnceLock::new();
    *VERIFIED.get_or_init(py, || {
        if cfg!(Py_GIL_DISABLED) {
            return false;
        }
        (|| -> PyResult<bool> {
            let frame = py.eval(c"(lambda: __import__('sys')._getframe())()", None, None)?;
            if unsafe { ffi::PyFrame_Check(frame.as_ptr()) } == 0 {
                return Ok(false);
            }
            let f = frame.as_ptr() as *mut ffi::PyFrameObject;
            let marker = pyo3::types::PyTuple::new(py, [0])?;
            frame.setattr("f_trace", &marker)?;
            // SAFETY: attached; a live frame, read as this version's layout to compare.
            let (traced, ..) = unsafe { frame_fields(py, f) };
            frame.setattr("f_trace", py.None())?;
            let (untraced, lineno, code, lasti) = unsafe { frame_fields(py, f) };
            let mut ok = traced == marker.as_ptr() && untraced.is_null();
            let minor = state::minor(py);
            if minor <= 10 {
                ok &= code == frame.getattr("f_code")?.as_ptr();
                let f_lasti: i32 = frame.getattr("f_lasti")?.extract()?;
                ok &= f_lasti == if minor == 9 || lasti < 0 { lasti } else { lasti * 2 };
            } else {
                ok &= cfg!(Py_3_11) && lasti == frame.getattr("f_lasti")?.extract::<i32>()?;
            }
            // Unset on a frame never traced (3.13 marks "compute once" with -1).
            ok &= minor == 9 || lineno == 0 || (minor >= 13 && lineno == -1);
            Ok(ok)
        })()
        .unwrap_or(false)
    })
}

/// `PyFrame_GetLineNumber(f)` for a frame whose code object is `code`.
///
/// # Safety
/// Attached; `f` is a live frame object and `code` its code object.
unsafe fn line_number(py: Python<'_>, f: *mut ffi::PyFrameObject, code: &Bound<'_, PyAny>) -> i32 {
    /// (code object, instruction offset, line); the code object is held so its address
    /// stays its own.
    type Line = (Py<PyAny>, i32, i32);
    static LAST: AttachedCell<Option<Line>> = AttachedCell::new(None);
    if !frame_layout_verified(py) || ffi::PyCode_Check(code.as_ptr()) == 0 {
        return ffi::PyFrame_GetLineNumber(f);
    }
    let (trace, lineno, _, lasti) = frame_fields(py, f);
    let unset = if state::minor(py) == 9 { trace.is_null() } else { lineno == 0 };
    if !unset {
        return ffi::PyFrame_GetLineNumber(f);
    }
    let hit = LAST.try_with(py, |last| {
        last.as_ref().filter(|(c, i, _)| c.as_ptr() == code.as_ptr() && *i == lasti).map(|(_, _, line)| *line)
    });
    if let Some(Some(line)) = hit {
        return line;
    }
    let line = ffi::PyFrame_GetLineNumber(f);
    let replaced = LAST.try_with(py, |last| last.replace((code.clone().unbind(), lasti, line)));
    // Dropped once the cache is free (the last reference to a code object may run a
    // finalizer).
    drop(replaced);
    line
}

/// 'Stack (most recent call last):\n' + traceback.print_stack(f) into a StringIO, with the
/// final newline removed.
fn stack_text<'py>(frame: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = frame.py();
    let sio = state::global(py, intern!(py, "io"))?.call_method0(intern!(py, "StringIO"))?;
    let body = (|| -> PyResult<Bound<'py, PyAny>> {
        sio.call_method1(intern!(py, "write"), ("Stack (most recent call last):\n",))?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item(intern!(py, "file"), &sio)?;
        state::global(py, intern!(py, "traceback"))?
            .getattr(intern!(py, "print_stack"))?
            .call((frame,), Some(&kwargs))?;
        let sinfo = sio.call_method0(intern!(py, "getvalue"))?;
        if sinfo.get_item(-1)?.eq("\n")? {
            return sinfo.get_item(crate::py_slice::slice(py, Some(0), Some(-1))?);
        }
        Ok(sinfo)
    })();
    let closed = sio.call_method0(intern!(py, "close"));
    let sinfo = body?;
    closed?;
    Ok(sinfo)
}

/// The stdlib's `Logger.findCaller` body, run over the emulated stack.
///
/// `virtual_frames` is the number of logging frames between `findCaller` and the top
/// Python frame that native code stands for (e.g. 2 for `logger.info` → `_log`), not
/// counting `findCaller` itself.
pub fn find_caller<'py>(
    py: Python<'py>,
    stack_info: bool,
    stacklevel: &Bound<'py, PyAny>,
    virtual_frames: usize,
) -> PyResult<Caller<'py>> {
    let mut stack = EmulatedStack::from_top(py, virtual_frames);
    if state::minor(py) >= 11 {
        let srcfile = crate::state::global(py, intern!(py, "_srcfile"))?;
        if stacklevel.is_exact_instance_of::<pyo3::types::PyInt>() {
            if let Ok(mut level) = stacklevel.extract::<i64>() {
                // The same walk with the count as a machine integer.
                let mut current: Option<Bound<'py, PyAny>> = None;
                while level > 0 {
                    match stack.step()? {
                        None => break,
                        Some(Elem::Virtual) => current = None,
                        Some(Elem::Real(f)) => {
                            let internal = is_internal_with(&f, &srcfile)?;
                            current = Some(f);
                            if !internal {
                                level -= 1;
                            }
                        }
                    }
                }
                return match current {
                    Some(f) => caller_tuple(&f, stack_info),
                    None => unknown(py),
                };
            }
        }
        let mut stacklevel = stacklevel.clone();
        let zero = 0i64.into_pyobject(py)?;
        // f = currentframe() is findCaller's own (virtual) frame.
        let mut current: Option<Bound<'py, PyAny>> = None;
        while stacklevel.gt(&zero)? {
            match stack.step()? {
                None => break,
                Some(Elem::Virtual) => current = None,
                Some(Elem::Real(f)) => {
                    let internal = is_internal_with(&f, &srcfile)?;
                    current = Some(f);
                    if !internal {
                        stacklevel = stacklevel.sub(1)?;
                    }
                }
            }
        }
        return match current {
            Some(f) => caller_tuple(&f, stack_info),
            None => unknown(py),
        };
    }
    // 3.9/3.10: f = sys._getframe(3) from the lambda, i.e. emulated index 2 where index 0
    // is findCaller itself (implicit: `stack` yields index 1, 2, …); it must exist.
    for _ in 0..2 {
        if stack.step()?.is_none() {
            return Err(PyValueError::new_err("call stack is not deep enough"));
        }
    }
    // f = f.f_back (index 3): orig_f.
    let Some(orig) = stack.step()? else { return unknown(py) };
    // Remaining stack from orig onwards: collect lazily.
    // while f and stacklevel > 1: f = f.f_back; stacklevel -= 1  (Python comparisons)
    let one = 1i64.into_pyobject(py)?;
    let mut walk: Vec<Elem<'py>> = vec![orig];
    let mut pos = 0usize;
    let mut level = stacklevel.clone();
    let mut ran_out = false;
    while level.gt(&one)? {
        if pos + 1 >= walk.len() {
            match stack.step()? {
                None => {
                    ran_out = true;
                    break;
                }
                Some(e) => walk.push(e),
            }
        }
        pos += 1;
        level = level.sub(&one)?;
    }
    if ran_out {
        pos = 0;
    }
    let srcfile = crate::state::global(py, intern!(py, "_srcfile"))?;
    loop {
        while pos >= walk.len() {
            match stack.step()? {
                None => return unknown(py),
                Some(e) => walk.push(e),
            }
        }
        match &walk[pos] {
            Elem::Virtual => pos += 1,
            Elem::Real(f) => {
                if is_srcfile(f, &srcfile)? {
                    pos += 1;
                    continue;
                }
                return caller_tuple(f, stack_info);
            }
        }
    }
}

/// Whether `logging.currentframe`, or from 3.11 `logging._is_internal_frame`, is no longer
/// the module's own: the stdlib's `findCaller` calls them (code replaces `currentframe` with
/// `lambda: sys._getframe(N)` to skip its own wrappers), so it must then run in Python.
pub fn frame_functions_replaced(py: Python<'_>) -> bool {
    state::is_replaced(py, StandIn::CurrentFrame)
        || (state::minor(py) >= 11 && state::is_replaced(py, StandIn::IsInternalFrame))
}

/// The stdlib's `findCaller` run in Python by the facade's `_log`, from `depth` frames of
/// the facade's file standing for the stdlib's `findCaller` and the logging frames below it
/// (see [`frame_functions_replaced`]).
pub fn find_caller_in_python<'py>(
    py: Python<'py>,
    depth: usize,
    stack_info: &Bound<'py, PyAny>,
    stacklevel: &Bound<'py, PyAny>,
) -> PyResult<Caller<'py>> {
    let through = state::global(py, intern!(py, "_log"))?;
    unpack(&through.call1((depth, py.None(), stack_info, stacklevel))?)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let currentframe = wrap_pyfunction!(currentframe, m)?;
    let is_internal_frame = wrap_pyfunction!(is_internal_frame, m)?;
    state::register_own(StandIn::CurrentFrame, &currentframe);
    state::register_own(StandIn::IsInternalFrame, &is_internal_frame);
    m.add_function(currentframe)?;
    m.add_function(is_internal_frame)?;
    Ok(())
}
