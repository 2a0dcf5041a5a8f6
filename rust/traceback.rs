//! `traceback.format_exception(type(value), value, tb)` — what `Formatter.formatException`
//! prints — for the common case, natively and byte for byte as the running version's
//! traceback.py. `None` (nothing done yet; the caller makes the stdlib's calls) unless:
//! - the exception is one exception: no `__cause__`, no `__context__`, no instance `__notes__`,
//!   not a SyntaxError, not an exception group, 3.11+ not an ImportError/NameError/
//!   AttributeError (their "Did you mean" suggestions), its class's metaclass is `type` and no
//!   Python class of it defines a name whose reading could run code (`__cause__`, `__bool__`,
//!   `__getattr__`, `__class__`, ... see `EXCEPTION_NAMES`);
//! - `sys` has no `tracebacklimit`; every frame's filename and name are plain str;
//! - traceback.py, linecache.py, textwrap (3.11+), builtins and traceback's classes are as
//!   first seen — their namespaces' version tags (`dispatch::dict_version`), else their items
//!   compared one by one — and, when first seen, what the native steps stand for was
//!   traceback.py's, linecache.py's and the interpreter's own (`take_originals`).
//!
//! The side effects are the stdlib's, in its order: `linecache.lazycache` per frame (inline
//! only when the file is already in `linecache.cache`, where it returns touching nothing),
//! `linecache.checkcache` per file in the order of a set built as the stdlib builds it (inline
//! for a four-item entry: `os.stat` looked up and called as linecache does, the entry dropped
//! on the same errors and differences), `linecache.getline` per line (inline when the cache
//! holds the file's lines, a plain read; else the call, which may load the file), then
//! `str(value)` once (its failure text per version).
//!
//! The text: 3.9/3.10 format a frame inline (two `str.format` lines). 3.11+ call traceback's own
//! `StackSummary.format_frame_summary` on a `FrameSummary` with the frame's fields, and keep
//! what it returns: it reads only the frame's filename, line numbers, columns, name and source
//! line(s) (no locals, no colour) and the functions watched above, and imports `ast` (source
//! lines) and `unicodedata` (non-ASCII source). A kept text is reused for the same filename
//! and name objects, positions and source text, only for ASCII source, and for a frame with
//! source only while `sys.modules["ast"]` is the `ast` module first seen there with its
//! namespace unchanged. The caret anchors `ast.parse` finds were most of the stdlib's time
//! (3.12: ~115k of ~145k instructions per frame; 3.13 ~400k with `_should_show_carets`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyInt, PyList, PyModule, PySet, PyString, PyTuple, PyType};

use crate::attached_cell::AttachedCell;
use crate::dispatch;
use crate::state;

/// A dict (a module's or a class's namespace) as first seen: its items, and the version tag at
/// which they were last found unchanged.
struct Watched {
    dict: Py<PyDict>,
    version: AtomicU64,
    items: Vec<(Py<PyAny>, Py<PyAny>)>,
    /// Keys whose value may change (builtins' `_`, set by the interactive displayhook).
    ignore: &'static [&'static str],
}

impl Watched {
    fn new(dict: &Bound<'_, PyDict>, ignore: &'static [&'static str]) -> PyResult<Self> {
        let mut items = Vec::with_capacity(dict.len());
        for (k, v) in dict.iter() {
            if k.is_exact_instance_of::<PyString>() && ignore.iter().any(|i| k.cast::<PyString>().is_ok_and(|s| s == *i)) {
                continue;
            }
            items.push((k.unbind(), v.unbind()));
        }
        // SAFETY: a live exact dict; the caller checked version_tags_work.
        let version = unsafe { dispatch::dict_version(dict.as_ptr()) };
        Ok(Watched { dict: dict.clone().unbind(), version: AtomicU64::new(version), items, ignore })
    }

    /// Whether the dict holds exactly the items first seen (same keys, identical values).
    fn unchanged(&self, py: Python<'_>) -> PyResult<bool> {
        let dict = self.dict.bind(py);
        // SAFETY: a live exact dict; version tags work (checked before any Watched exists).
        let now = unsafe { dispatch::dict_version(dict.as_ptr()) };
        if now == self.version.load(Relaxed) {
            return Ok(true);
        }
        let mut ignored = 0;
        for i in self.ignore {
            if dict.contains(*i)? {
                ignored += 1;
            }
        }
        if dict.len() != self.items.len() + ignored {
            return Ok(false);
        }
        for (k, v) in &self.items {
            match dict.get_item(k.bind(py))? {
                Some(now) if now.is(v.bind(py)) => {}
                _ => return Ok(false),
            }
        }
        self.version.store(now, Relaxed);
        Ok(true)
    }
}

/// What the fast path relies on, taken the first time every piece is traceback.py's own.
struct Originals {
    watched: Vec<Watched>,
    linecache_cache: Py<PyDict>,
    lazycache: Py<PyAny>,
    checkcache: Py<PyAny>,
    /// linecache's `os` (3.9–3.12; 3.13 imports it in `checkcache`).
    linecache_os: Option<Py<PyAny>>,
    getline: Py<PyAny>,
    /// 3.11+: `FrameSummary`, `StackSummary.format_frame_summary` and a `StackSummary()` to
    /// call it on.
    frame_summary: Option<Py<PyAny>>,
    format_frame_summary: Option<Py<PyAny>>,
    stack_summary: Option<Py<PyAny>>,
    format_final_exc_line: Py<PyAny>,
    /// Exception classes that take the stdlib's path (SyntaxError; 3.11+: groups and the ones
    /// with suggestions).
    excluded: Vec<Py<PyAny>>,
}

fn module_dict<'py>(m: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    Ok(m.cast::<PyModule>()?.dict())
}

fn class_dict<'py>(cls: &Bound<'py, PyAny>) -> Option<Bound<'py, PyDict>> {
    let tp = cls.cast::<PyType>().ok()?;
    // SAFETY: a live heap type (traceback.py's classes); its tp_dict is its namespace dict.
    unsafe {
        let t = tp.as_type_ptr();
        if (*t).tp_flags & ffi::Py_TPFLAGS_HEAPTYPE == 0 || (*t).tp_dict.is_null() {
            return None;
        }
        Bound::from_borrowed_ptr(cls.py(), (*t).tp_dict).cast_into_exact::<PyDict>().ok()
    }
}

fn originals(py: Python<'_>) -> PyResult<Option<&'static Originals>> {
    static ORIGINALS: PyOnceLock<Option<Originals>> = PyOnceLock::new();
    if !dispatch::version_tags_work(py) {
        return Ok(None);
    }
    Ok(ORIGINALS.get_or_try_init(py, || take_originals(py))?.as_ref())
}

fn take_originals(py: Python<'_>) -> PyResult<Option<Originals>> {
    let minor = state::minor(py);
    let traceback = py.import("traceback")?.into_any();
    let linecache = py.import("linecache")?.into_any();
    let file = traceback.getattr(intern!(py, "__file__"))?;
    let own = |f: &Bound<'_, PyAny>, file: &Bound<'_, PyAny>| -> PyResult<bool> {
        Ok(match f.getattr(intern!(py, "__code__")) {
            Ok(code) => code.getattr(intern!(py, "co_filename"))?.eq(file)?,
            Err(_) => false,
        })
    };
    let lfile = linecache.getattr(intern!(py, "__file__"))?;
    let lazycache = linecache.getattr("lazycache")?;
    let checkcache = linecache.getattr("checkcache")?;
    let getline = linecache.getattr("getline")?;
    let getlines = linecache.getattr("getlines")?;
    for f in [&lazycache, &checkcache, &getline, &getlines] {
        if !own(f, &lfile)? {
            return Ok(None);
        }
    }
    if !traceback.getattr("linecache")?.is(&linecache) {
        return Ok(None);
    }
    let cache = linecache.getattr("cache")?;
    let Ok(cache) = cache.cast_into_exact::<PyDict>() else { return Ok(None) };
    let format_final_exc_line = traceback.getattr("_format_final_exc_line")?;
    if !own(&format_final_exc_line, &file)? {
        return Ok(None);
    }
    // The functions whose steps are taken natively are traceback.py's own, as are the names
    // they read: no global shadows a builtin (SyntaxError, len, str, ...), `sys` is sys, and
    // the repeat cut-off is 3.
    let replaced: &[&str] = match minor {
        9 => &["walk_tb", "_some_str"],
        10 => &["walk_tb", "_some_str", "_parse_value_tb"],
        _ => &["_walk_tb_with_full_positions", "_get_code_position", "_safe_string", "_parse_value_tb"],
    };
    for name in replaced {
        if !own(&traceback.getattr(*name)?, &file)? {
            return Ok(None);
        }
    }
    let builtins_dict = module_dict(py.import("builtins")?.as_any())?;
    for m in [&traceback, &linecache] {
        for (k, _) in module_dict(m)?.iter() {
            let dunder = k.cast::<PyString>().is_ok_and(|k| k.to_str().is_ok_and(|k| k.starts_with("__") && k.ends_with("__")));
            if !dunder && builtins_dict.contains(&k)? {
                return Ok(None);
            }
        }
    }
    let cutoff = traceback.getattr("_RECURSIVE_CUTOFF")?;
    if !cutoff.is_exact_instance_of::<PyInt>() || cutoff.extract::<i64>()? != 3 || !traceback.getattr("sys")?.is(py.import("sys")?.as_any()) {
        return Ok(None);
    }
    if minor <= 12 && !linecache.getattr("os")?.is(py.import("os")?.as_any()) {
        return Ok(None);
    }
    let mut watched = vec![
        Watched::new(&module_dict(&traceback)?, &[])?,
        Watched::new(&module_dict(&linecache)?, &[])?,
        Watched::new(&module_dict(py.import("builtins")?.as_any())?, &["_"])?,
    ];
    let mut classes = vec!["StackSummary", "FrameSummary", "TracebackException"];
    if minor >= 11 {
        classes.push("_ExceptionPrintContext");
        let textwrap = traceback.getattr("textwrap")?;
        let textwrap_file = textwrap.getattr(intern!(py, "__file__"))?;
        if !textwrap.is(py.import("textwrap")?.as_any()) || !own(&textwrap.getattr("indent")?, &textwrap_file)? {
            return Ok(None);
        }
        watched.push(Watched::new(&module_dict(&textwrap)?, &[])?);
        if let Some(d) = class_dict(&traceback.getattr("suppress")?) {
            watched.push(Watched::new(&d, &[])?);
        } else {
            return Ok(None);
        }
    }
    for name in &classes {
        let cls = traceback.getattr(*name)?;
        let Some(d) = class_dict(&cls) else { return Ok(None) };
        for (_, v) in d.iter() {
            if v.hasattr(intern!(py, "__code__"))? && !own(&v, &file)? {
                return Ok(None);
            }
        }
        watched.push(Watched::new(&d, &[])?);
    }
    let builtins = py.import("builtins")?;
    // The builtins traceback.py and linecache.py call where the steps are native are the
    // interpreter's own (the watch above only notices changes made after this).
    // SAFETY: addresses of the interpreter's static type objects, only compared.
    let types: [(&str, *mut ffi::PyObject); 12] = unsafe {
        [
            ("str", (&raw mut ffi::PyUnicode_Type).cast()),
            ("type", (&raw mut ffi::PyType_Type).cast()),
            ("set", (&raw mut ffi::PySet_Type).cast()),
            ("list", (&raw mut ffi::PyList_Type).cast()),
            ("tuple", (&raw mut ffi::PyTuple_Type).cast()),
            ("range", (&raw mut ffi::PyRange_Type).cast()),
            ("SyntaxError", ffi::PyExc_SyntaxError),
            ("ImportError", ffi::PyExc_ImportError),
            ("NameError", ffi::PyExc_NameError),
            ("AttributeError", ffi::PyExc_AttributeError),
            ("OSError", ffi::PyExc_OSError),
            ("ValueError", ffi::PyExc_ValueError),
        ]
    };
    for (name, tp) in types {
        if builtins.getattr(name)?.as_ptr() != tp {
            return Ok(None);
        }
    }
    for name in ["len", "getattr", "isinstance", "issubclass", "id", "iter", "next", "__import__"] {
        let f = builtins.getattr(name)?;
        if !f.is_exact_instance_of::<pyo3::types::PyCFunction>() || !f.getattr(intern!(py, "__self__"))?.is(&builtins) {
            return Ok(None);
        }
    }
    let mut excluded = vec![builtins.getattr("SyntaxError")?.unbind()];
    let (mut frame_summary, mut format_frame_summary, mut stack_summary) = (None, None, None);
    if minor >= 11 {
        for name in ["BaseExceptionGroup", "ImportError", "NameError", "AttributeError"] {
            excluded.push(builtins.getattr(name)?.unbind());
        }
        let ss = traceback.getattr("StackSummary")?;
        let ffs = class_dict(&ss).and_then(|d| d.get_item("format_frame_summary").ok().flatten());
        let Some(ffs) = ffs else { return Ok(None) };
        format_frame_summary = Some(ffs.unbind());
        stack_summary = Some(ss.call0()?.unbind());
        frame_summary = Some(traceback.getattr("FrameSummary")?.unbind());
    }
    Ok(Some(Originals {
        watched,
        linecache_cache: cache.unbind(),
        lazycache: lazycache.unbind(),
        checkcache: checkcache.unbind(),
        linecache_os: if minor >= 13 { None } else { Some(linecache.getattr("os")?.unbind()) },
        getline: getline.unbind(),
        frame_summary,
        format_frame_summary,
        stack_summary,
        format_final_exc_line: format_final_exc_line.unbind(),
        excluded,
    }))
}

/// Names whose definition on a Python class of the exception would make reading the exception
/// run code (the stdlib reads them, or tests the exception's truth or class).
const EXCEPTION_NAMES: [&str; 10] = [
    "__cause__",
    "__context__",
    "__suppress_context__",
    "__notes__",
    "__traceback__",
    "__getattr__",
    "__getattribute__",
    "__bool__",
    "__len__",
    "__class__",
];

/// Whether `value` is an exception the fast path formats exactly as traceback.py: a plain
/// (metaclass `type`) exception class, none of whose Python classes defines a name above, not
/// one of `excluded`, with no `__cause__`, `__context__` or instance `__notes__`.
fn plain_exception(value: &Bound<'_, PyAny>, o: &Originals) -> PyResult<bool> {
    let py = value.py();
    // SAFETY: attached; live objects only inspected (str keys of a dict run no Python code).
    unsafe {
        let v = value.as_ptr();
        if ffi::PyExceptionInstance_Check(v) == 0 {
            return Ok(false);
        }
        let tp = ffi::Py_TYPE(v);
        if ffi::Py_TYPE(tp.cast()) != &raw mut ffi::PyType_Type {
            return Ok(false);
        }
        for ex in &o.excluded {
            if ffi::PyType_IsSubtype(tp, ex.as_ptr().cast()) != 0 {
                return Ok(false);
            }
        }
        let mro = (*tp).tp_mro;
        if mro.is_null() || ffi::PyTuple_Check(mro) == 0 {
            return Ok(false);
        }
        for i in 0..ffi::PyTuple_GET_SIZE(mro) {
            let t = ffi::PyTuple_GET_ITEM(mro, i) as *mut ffi::PyTypeObject;
            if (*t).tp_flags & ffi::Py_TPFLAGS_HEAPTYPE == 0 {
                continue;
            }
            let d = (*t).tp_dict;
            if d.is_null() || ffi::PyDict_CheckExact(d) == 0 {
                return Ok(false);
            }
            for name in EXCEPTION_NAMES {
                let n = PyString::intern(py, name);
                if ffi::PyDict_Contains(d, n.as_ptr()) != 0 {
                    ffi::PyErr_Clear();
                    return Ok(false);
                }
            }
        }
        for get in [ffi::PyException_GetCause, ffi::PyException_GetContext] {
            let p = get(v);
            if !p.is_null() {
                let none = p == ffi::Py_None();
                ffi::Py_DECREF(p);
                if !none {
                    return Ok(false);
                }
            }
        }
        let dict = dispatch::instance_dict_ptr(v);
        if !dict.is_null() {
            if ffi::PyDict_CheckExact(dict) == 0 {
                return Ok(false);
            }
            if ffi::PyDict_Contains(dict, intern!(py, "__notes__").as_ptr()) != 0 {
                ffi::PyErr_Clear();
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// One frame of the traceback: `(filename, lineno, end_lineno, colno, end_colno, name)` as
/// `_walk_tb_with_full_positions` and `StackSummary._extract_from_extended_frame_gen` take them.
struct Frame<'py> {
    filename: Bound<'py, PyString>,
    name: Bound<'py, PyString>,
    globals: Bound<'py, PyAny>,
    pos: [Option<i64>; 4],
}

type Positions = HashMap<(usize, i64), (Py<PyAny>, [Option<i64>; 4])>;
static POSITIONS: AttachedCell<Option<Positions>> = AttachedCell::new(None);
const MEMO_LIMIT: usize = 1024;

fn opt_int(v: &Bound<'_, PyAny>) -> Option<Option<i64>> {
    if v.is_none() {
        Some(None)
    } else if v.is_exact_instance_of::<PyInt>() {
        v.extract::<i64>().ok().map(Some)
    } else {
        None
    }
}

/// `_get_code_position(code, lasti)` (3.11+): the `lasti // 2`-th of `code.co_positions()`.
/// `None`: not four ints-or-None (the stdlib's path decides).
fn code_position(code: &Bound<'_, PyAny>, lasti: i64) -> PyResult<Option<[Option<i64>; 4]>> {
    if lasti < 0 {
        return Ok(Some([None; 4]));
    }
    let key = (code.as_ptr() as usize, lasti);
    let py = code.py();
    // A cache in use is a miss (it only costs the lookup).
    if let Some(Some(p)) = POSITIONS.try_with(py, |m| m.as_ref().and_then(|m| m.get(&key).map(|(_, p)| *p))) {
        return Ok(Some(p));
    }
    let mut it = code.call_method0(intern!(code.py(), "co_positions"))?.try_iter()?;
    let Some(item) = it.nth((lasti / 2) as usize) else { return Ok(None) };
    let item = item?;
    let Ok(t) = item.cast::<PyTuple>() else { return Ok(None) };
    if t.len() != 4 {
        return Ok(None);
    }
    let mut p = [None; 4];
    for (i, slot) in p.iter_mut().enumerate() {
        match opt_int(&t.get_item(i)?) {
            Some(v) => *slot = v,
            None => return Ok(None),
        }
    }
    let dropped = POSITIONS.try_with(py, |memo| {
        let map = memo.get_or_insert_with(HashMap::new);
        let dropped = if map.len() >= MEMO_LIMIT { Some(std::mem::take(map)) } else { None };
        (dropped, map.insert(key, (code.clone().unbind(), p)))
    });
    // Dropped once the cache is free (the last reference to a code object may run a
    // finalizer).
    drop(dropped);
    Ok(Some(p))
}

/// The frames of `tb`, or `None` when one is not what the fast path formats.
fn walk<'py>(tb: &Bound<'py, PyAny>, minor: u8) -> PyResult<Option<Vec<Frame<'py>>>> {
    let py = tb.py();
    let mut frames = Vec::new();
    let mut tb = tb.clone();
    while !tb.is_none() {
        // SAFETY: type check of a live object.
        if unsafe { ffi::PyTraceBack_Check(tb.as_ptr()) } == 0 {
            return Ok(None);
        }
        let frame = tb.getattr(intern!(py, "tb_frame"))?;
        let code = frame.getattr(intern!(py, "f_code"))?;
        let (Ok(filename), Ok(name)) = (
            code.getattr(intern!(py, "co_filename"))?.cast_into_exact::<PyString>(),
            code.getattr(intern!(py, "co_name"))?.cast_into_exact::<PyString>(),
        ) else {
            return Ok(None);
        };
        let Some(tb_lineno) = opt_int(&tb.getattr(intern!(py, "tb_lineno"))?) else { return Ok(None) };
        let pos = if minor >= 11 {
            let Some(Some(lasti)) = opt_int(&tb.getattr(intern!(py, "tb_lasti"))?) else { return Ok(None) };
            let Some(mut p) = code_position(&code, lasti)? else { return Ok(None) };
            if p[0].is_none() {
                p[0] = tb_lineno;
            }
            p
        } else {
            [tb_lineno, None, None, None]
        };
        frames.push(Frame { filename, name, globals: frame.getattr(intern!(py, "f_globals"))?, pos });
        tb = tb.getattr(intern!(py, "tb_next"))?;
    }
    Ok(Some(frames))
}

/// `linecache.checkcache(filename)` (linecache.py's, the same on 3.9–3.12; 3.13 imports `os`
/// in the function and also forgets the file on a ValueError): inline for a cache entry of four
/// items, through the call otherwise. `os.stat` is looked up at each call, as linecache does.
fn checkcache(o: &Originals, filename: &Bound<'_, PyAny>, minor: u8) -> PyResult<()> {
    let py = filename.py();
    let cache = o.linecache_cache.bind(py);
    let Some(entry) = cache.get_item(filename)? else { return Ok(()) };
    let Ok(entry) = entry.cast_exact::<PyTuple>() else { return o.checkcache.bind(py).call1((filename,)).map(drop) };
    if entry.len() == 1 {
        return Ok(());
    }
    let os = if minor >= 13 { sys_module(py, intern!(py, "os")) } else { o.linecache_os.as_ref().map(|m| m.bind(py).clone()) };
    let os = match os {
        Some(os) if entry.len() == 4 && os.is_exact_instance_of::<PyModule>() => os,
        _ => return o.checkcache.bind(py).call1((filename,)).map(drop),
    };
    let (size, mtime, fullname) = (entry.get_item(0)?, entry.get_item(1)?, entry.get_item(3)?);
    if mtime.is_none() {
        return Ok(());
    }
    let stat = match state::module_attr(&os, intern!(py, "stat"))?.call1((fullname,)) {
        Ok(stat) => stat,
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyOSError>(py) || (minor >= 13 && e.is_instance_of::<pyo3::exceptions::PyValueError>(py)) => {
            pop(cache, filename)?;
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    if size.ne(stat.getattr(intern!(py, "st_size"))?)? || mtime.ne(stat.getattr(intern!(py, "st_mtime"))?)? {
        pop(cache, filename)?;
    }
    Ok(())
}

/// `cache.pop(filename, None)`.
fn pop(cache: &Bound<'_, PyDict>, key: &Bound<'_, PyAny>) -> PyResult<()> {
    if cache.contains(key)? {
        cache.del_item(key)?;
    }
    Ok(())
}

/// `linecache.getline(filename, lineno)`: read from `linecache.cache` when it holds the file's
/// lines (what `getlines` returns then), else the call.
fn getline<'py>(o: &Originals, filename: &Bound<'py, PyString>, lineno: i64) -> PyResult<Bound<'py, PyAny>> {
    let py = filename.py();
    let cache = o.linecache_cache.bind(py);
    if let Some(entry) = cache.get_item(filename)? {
        if let Ok(entry) = entry.cast_exact::<PyTuple>() {
            if entry.len() == 4 {
                if let Ok(lines) = entry.get_item(2)?.cast_into_exact::<PyList>() {
                    if lineno >= 1 && (lineno as usize) <= lines.len() {
                        return lines.get_item((lineno - 1) as usize);
                    }
                    return Ok(PyString::new(py, "").into_any());
                }
            }
        }
    }
    o.getline.bind(py).call1((filename, lineno))
}

type FrameKey = (usize, usize, [Option<i64>; 4]);
struct FrameText {
    _filename: Py<PyString>,
    _name: Py<PyString>,
    line: Option<Py<PyString>>,
    text: Py<PyString>,
}
static FRAME_TEXTS: AttachedCell<Option<HashMap<FrameKey, FrameText>>> = AttachedCell::new(None);

/// The `ast` module first found in `sys.modules`, and its namespace.
struct AstWatch {
    module: Py<PyAny>,
    watched: Watched,
}

/// Whether `sys.modules["ast"]` is the `ast` module first seen there, its namespace unchanged
/// (what `format_frame_summary` parses the source with, after `import ast`).
fn ast_unchanged(py: Python<'_>) -> PyResult<bool> {
    static AST: PyOnceLock<Option<AstWatch>> = PyOnceLock::new();
    let Some(now) = sys_module(py, intern!(py, "ast")) else { return Ok(false) };
    let watch = AST.get_or_try_init(py, || -> PyResult<Option<AstWatch>> {
        let Ok(m) = now.cast::<PyModule>() else { return Ok(None) };
        Ok(Some(AstWatch { module: now.clone().unbind(), watched: Watched::new(&m.dict(), &[])? }))
    })?;
    match watch {
        Some(w) if w.module.bind(py).is(&now) => w.watched.unchanged(py),
        _ => Ok(false),
    }
}

fn sys_module<'py>(py: Python<'py>, name: &Bound<'py, PyString>) -> Option<Bound<'py, PyAny>> {
    // SAFETY: attached; the interpreter's modules dict, borrowed for a str-key lookup.
    unsafe {
        let modules = ffi::PyImport_GetModuleDict();
        let m = Bound::from_borrowed_ptr(py, modules);
        let m = m.cast_exact::<PyDict>().ok()?;
        m.get_item(name).ok().flatten()
    }
}

/// `StackSummary.format_frame_summary(FrameSummary(...))` (3.11+), kept for ASCII source.
fn frame_text<'py>(o: &Originals, f: &Frame<'py>, line: &Bound<'py, PyAny>, minor: u8) -> PyResult<Bound<'py, PyAny>> {
    let py = line.py();
    let exact_line = if line.is_none() {
        Some(None)
    } else {
        line.cast_exact::<PyString>().ok().map(Some)
    };
    let ascii = |s: &Bound<'_, PyString>| s.to_str().is_ok_and(|t| t.is_ascii());
    let keepable = match &exact_line {
        Some(None) => true,
        Some(Some(s)) => ascii(s),
        None => false,
    };
    let key: FrameKey = (f.filename.as_ptr() as usize, f.name.as_ptr() as usize, f.pos);
    // Whether format_frame_summary shows source (and imports `ast` for carets): the line's
    // `.strip()` is not empty. Decided for ASCII text (the only text kept), where Python's
    // whitespace is these characters.
    let has_source = match &exact_line {
        Some(Some(s)) => s.to_str().map_or(true, |t| t.chars().any(|c| !matches!(c, ' ' | '\t'..='\r' | '\x1c'..='\x1f'))),
        _ => false,
    };
    if keepable && (!has_source || ast_unchanged(py)?) {
        // The entry's objects are taken out of the cache before comparing.
        let kept = FRAME_TEXTS
            .try_with(py, |texts| {
                texts.as_ref().and_then(|m| m.get(&key)).map(|t| (t.line.as_ref().map(|l| l.clone_ref(py)), t.text.clone_ref(py)))
            })
            .flatten();
        if let Some((kept_line, text)) = kept {
            let same_line = match (&kept_line, &exact_line) {
                (None, Some(None)) => true,
                (Some(kept), Some(Some(now))) => kept.bind(py).is(now) || kept.bind(py).as_any().eq(now)?,
                _ => false,
            };
            if same_line {
                return Ok(text.into_bound(py).into_any());
            }
        }
    }
    let (Some(fs_cls), Some(ffs), Some(ss)) = (&o.frame_summary, &o.format_frame_summary, &o.stack_summary) else {
        return Err(PyRuntimeError::new_err("traceback: no FrameSummary"));
    };
    let kwargs = PyDict::new(py);
    kwargs.set_item(intern!(py, "lookup_line"), false)?;
    kwargs.set_item(intern!(py, "line"), line)?;
    kwargs.set_item(intern!(py, "end_lineno"), f.pos[1])?;
    kwargs.set_item(intern!(py, "colno"), f.pos[2])?;
    kwargs.set_item(intern!(py, "end_colno"), f.pos[3])?;
    let fs = fs_cls.bind(py).call((&f.filename, f.pos[0], &f.name), Some(&kwargs))?;
    let text = if minor >= 13 {
        let kw = PyDict::new(py);
        kw.set_item(intern!(py, "colorize"), false)?;
        ffs.bind(py).call((ss.bind(py), &fs), Some(&kw))?
    } else {
        ffs.bind(py).call1((ss.bind(py), &fs))?
    };
    if keepable {
        if let Ok(t) = text.cast_exact::<PyString>() {
            // `ast` as after the call (which imports it for source lines).
            if !has_source || ast_unchanged(py)? {
                let entry = FrameText {
                    _filename: f.filename.clone().unbind(),
                    _name: f.name.clone().unbind(),
                    line: exact_line.flatten().map(|s| s.clone().unbind()),
                    text: t.clone().unbind(),
                };
                let dropped = FRAME_TEXTS.try_with(py, |texts| {
                    let map = texts.get_or_insert_with(HashMap::new);
                    let dropped = if map.len() >= MEMO_LIMIT { Some(std::mem::take(map)) } else { None };
                    (dropped, map.insert(key, entry))
                });
                // Dropped once the cache is free (entries hold Python objects).
                drop(dropped);
            }
        }
    }
    Ok(text)
}

/// `"".join(traceback.format_exception(type(value), value, tb, None))` when the running
/// version's traceback.py would produce it by the steps above; `None` (nothing done yet) else.
pub fn format_exception<'py>(value: &Bound<'py, PyAny>, tb: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyString>>> {
    let py = value.py();
    let Some(o) = originals(py)? else { return Ok(None) };
    for w in &o.watched {
        if !w.unchanged(py)? {
            return Ok(None);
        }
    }
    let sys = sys_module(py, intern!(py, "sys"));
    match sys {
        Some(sys) if sys.is_exact_instance_of::<PyModule>() => {
            if sys.cast::<PyModule>()?.dict().contains(intern!(py, "tracebacklimit"))? {
                return Ok(None);
            }
        }
        _ => return Ok(None),
    }
    if !plain_exception(value, o)? {
        return Ok(None);
    }
    let tp = value.get_type();
    let (Ok(qualname), Ok(module)) = (
        tp.getattr(intern!(py, "__qualname__"))?.cast_into_exact::<PyString>(),
        tp.getattr(intern!(py, "__module__"))?.cast_into_exact::<PyString>(),
    ) else {
        return Ok(None);
    };
    if qualname.to_str().is_err() || module.to_str().is_err() {
        return Ok(None);
    }
    let minor = state::minor(py);
    let Some(frames) = walk(tb, minor)? else { return Ok(None) };

    // From here on, the stdlib's side effects, in its order.
    let cache = o.linecache_cache.bind(py);
    for f in &frames {
        if !cache.contains(&f.filename)? {
            o.lazycache.bind(py).call1((&f.filename, &f.globals))?;
        }
    }
    let fnames = PySet::empty(py)?;
    for f in &frames {
        fnames.add(&f.filename)?;
    }
    for filename in fnames.iter() {
        checkcache(o, &filename, minor)?;
    }
    let mut lines = Vec::with_capacity(frames.len());
    for f in &frames {
        let line = match f.pos[0] {
            None => py.None().into_bound(py),
            Some(lineno) if minor >= 13 => {
                let end = f.pos[1].unwrap_or(lineno);
                let parts = PyList::empty(py);
                for n in lineno..=end {
                    parts.append(getline(o, &f.filename, n)?.call_method0(intern!(py, "rstrip"))?)?;
                }
                PyString::new(py, "\n").call_method1(intern!(py, "join"), (parts,))?.add("\n")?
            }
            Some(lineno) if minor == 9 => getline(o, &f.filename, lineno)?.call_method0(intern!(py, "strip"))?,
            Some(lineno) => getline(o, &f.filename, lineno)?,
        };
        lines.push(line);
    }
    let s = match value.str() {
        Ok(s) => s.into_any(),
        Err(_) if minor <= 10 => {
            // '<unprintable %s object>' % type(value).__name__
            let name = tp.getattr(intern!(py, "__name__"))?;
            PyString::new(py, "<unprintable %s object>").rem(PyTuple::new(py, [name])?)?
        }
        Err(_) => PyString::new(py, "<exception str() failed>").into_any(),
    };

    // The text, as parts joined by Python (a line or message may hold lone surrogates).
    let out = PyList::empty(py);
    if !frames.is_empty() {
        out.append(intern!(py, "Traceback (most recent call last):\n"))?;
    }
    // (filename, lineno, name) of the frame the current run of repeats started at.
    let mut last: Option<(&Bound<'py, PyString>, Option<i64>, &Bound<'py, PyString>)> = None;
    let mut count = 0i64;
    let repeated = |out: &Bound<'py, PyList>, count: i64| -> PyResult<()> {
        if count > 3 {
            let c = count - 3;
            out.append(format!("  [Previous line repeated {} more time{}]\n", c, if c > 1 { "s" } else { "" }))?;
        }
        Ok(())
    };
    for (f, line) in frames.iter().zip(&lines) {
        let text = if minor >= 11 { Some(frame_text(o, f, line, minor)?) } else { None };
        let same = match last {
            Some((file, lineno, name)) => file.as_any().eq(&f.filename)? && lineno == f.pos[0] && name.as_any().eq(&f.name)?,
            None => false,
        };
        // The stdlib's `last_line is None` test: a frame with no line number never repeats.
        if !same || f.pos[0].is_none() {
            repeated(&out, count)?;
            last = Some((&f.filename, f.pos[0], &f.name));
            count = 0;
        }
        count += 1;
        if count > 3 {
            continue;
        }
        match text {
            Some(t) => out.append(t)?,
            None => {
                let lineno = match f.pos[0] {
                    Some(n) => n.to_string(),
                    None => "None".to_owned(),
                };
                out.append(format!("  File \"{}\", line {}, in {}\n", f.filename.to_str()?, lineno, f.name.to_str()?))?;
                // 3.9 stored `getline(...).strip()`; 3.10 strips on each read of `.line`.
                let shown = if line.is_none() {
                    None
                } else if minor == 9 {
                    Some(line.clone())
                } else {
                    Some(line.call_method0(intern!(py, "strip"))?)
                };
                if let Some(shown) = shown {
                    if shown.is_truthy()? {
                        let stripped = shown.call_method0(intern!(py, "strip"))?;
                        out.append(intern!(py, "    "))?;
                        out.append(format_empty(&stripped)?)?;
                        out.append(intern!(py, "\n"))?;
                    }
                }
            }
        }
    }
    repeated(&out, count)?;
    let stype = if module == "__main__" || module == "builtins" {
        qualname.to_str()?.to_owned()
    } else {
        format!("{}.{}", module.to_str()?, qualname.to_str()?)
    };
    match s.cast_exact::<PyString>() {
        Ok(s) => {
            out.append(&stype)?;
            if !s.is_empty()? {
                out.append(intern!(py, ": "))?;
                out.append(s)?;
            }
            out.append(intern!(py, "\n"))?;
        }
        Err(_) => out.append(o.format_final_exc_line.bind(py).call1((PyString::new(py, &stype), &s))?)?,
    }
    let text = PyString::new(py, "").call_method1(intern!(py, "join"), (out,))?;
    Ok(Some(text.cast_into::<PyString>()?))
}

/// `format(value, "")`, what `"{}".format(value)` inserts.
fn format_empty<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if value.is_exact_instance_of::<PyString>() {
        return Ok(value.clone());
    }
    let py = value.py();
    let spec = PyString::new(py, "");
    // SAFETY: attached; live objects; a new reference or an error.
    unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyObject_Format(value.as_ptr(), spec.as_ptr())) }
}
