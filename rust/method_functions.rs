//! The native classes' methods, and the modules' functions, as Python functions, as the
//! stdlib's are.
//!
//! Code depends on the stdlib's methods being functions: `mock.patch.object(Logger,
//! "warning", autospec=True)` binds the mock to the instance only when the original is a
//! function (a mock made from a method descriptor is called without `self`, and
//! `assert_called_with(ANY, "msg")` fails), `inspect.isfunction(Logger.info)`,
//! `inspect.signature(Logger.info)` shows no `/` after `self`. So each native method
//! descriptor in a class's dict (and each builtin bound as an `instancemethod`) is replaced
//! by a function with the stdlib's signature (the text signature, which pyo3 writes from the
//! same parameter list) whose vectorcall entry calls the native method: calling it runs no
//! Python code. Likewise each builtin of a facade module (mock's autospec checks the
//! signature of a function, not of a builtin).
//!
//! The function's body never runs: the interpreter calls a function through its vectorcall
//! entry (3.9, 3.10), or inlines its frame only while that entry is the default one (3.12
//! and 3.13, where `PyFunction_SetVectorcall` also keeps the function out of the
//! specialized calls). 3.11 inlines the frame of every object whose type is exactly
//! `function`, whatever its entry: there the functions are of a subtype of `function`
//! (named `function` too, see [`function_type`]), which `isinstance` and `inspect` take
//! for a function and the interpreter calls through its entry.
//!
//! The core recognises such a function as the native class's own method
//! ([`native_descriptor`]), so overriding or patching it is seen as before.

use std::collections::HashMap;

use pyo3::exceptions::PyValueError;
use pyo3::{ffi, intern};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};

const CO_VARARGS: i64 = 0x4;
const CO_VARKEYWORDS: i64 = 0x8;

/// The code every method function is made from, its parameters replaced: a body that
/// never runs, and says so if it does (`_native_method_body` in `record_class.py`, compiled
/// by `build.rs` with the `LogRecord` class; compiling at import would cost a fifth of it).
static TEMPLATE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Called once by `record.rs` with the template's code.
pub fn set_template(py: Python<'_>, code: Py<PyAny>) {
    let _ = TEMPLATE.set(py, code);
}

/// A method's parameters, as its text signature lists them.
struct Parameters {
    /// Positional-or-keyword names, `self` first.
    positional: Vec<String>,
    keyword_only: Vec<String>,
    varargs: Option<String>,
    varkw: Option<String>,
    /// The default of each of the last `positional_defaults.len()` positional names, then
    /// of each keyword-only name that has one: source text, evaluated in the module.
    positional_defaults: Vec<String>,
    keyword_defaults: Vec<(String, String)>,
}

/// Split `text` at the commas outside brackets and quotes.
fn split_top_level(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut quote, mut start) = (Vec::new(), 0i32, None::<char>, 0);
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Parse a text signature such as `($self, /, record, datefmt=None)` (a method's: `self`
/// first) or `(name=None)` (a module function's).
fn parse_signature(text: &str, method: bool) -> Option<Parameters> {
    let inner = text.strip_prefix('(')?.strip_suffix(')')?;
    let mut params = Parameters {
        positional: Vec::new(),
        keyword_only: Vec::new(),
        varargs: None,
        varkw: None,
        positional_defaults: Vec::new(),
        keyword_defaults: Vec::new(),
    };
    let mut keyword_only = false;
    for part in split_top_level(inner).into_iter().map(str::trim) {
        match part {
            "" | "/" => {}
            "$self" => params.positional.push("self".to_owned()),
            "*" => keyword_only = true,
            _ if part.starts_with("**") => params.varkw = Some(part[2..].to_owned()),
            _ if part.starts_with('*') => {
                params.varargs = Some(part[1..].to_owned());
                keyword_only = true;
            }
            _ => {
                let (name, default) = match part.split_once('=') {
                    Some((name, default)) => (name.trim().to_owned(), Some(default.trim().to_owned())),
                    None => (part.to_owned(), None),
                };
                if keyword_only {
                    if let Some(default) = default {
                        params.keyword_defaults.push((name.clone(), default));
                    }
                    params.keyword_only.push(name);
                } else {
                    if let Some(default) = default {
                        params.positional_defaults.push(default);
                    } else if !params.positional_defaults.is_empty() {
                        return None;
                    }
                    params.positional.push(name);
                }
            }
        }
    }
    (!method || params.positional.first().map(String::as_str) == Some("self")).then_some(params)
}

/// The code object for a parameter list: the template's, its parameters replaced (one per
/// distinct list, shared by the methods that have it).
fn code_for<'py>(
    py: Python<'py>,
    params: &Parameters,
    codes: &mut HashMap<String, Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    // The parameter list as one key: names by kind.
    let key = format!(
        "{}|{}|{}|{}",
        params.positional.join(","),
        params.keyword_only.join(","),
        params.varargs.as_deref().unwrap_or(""),
        params.varkw.as_deref().unwrap_or(""),
    );
    if let Some(code) = codes.get(&key) {
        return Ok(code.clone());
    }
    let template = TEMPLATE
        .get(py)
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("logixde: the LogRecord class is not made yet"))?
        .bind(py);
    let mut names: Vec<&str> = params.positional.iter().chain(&params.keyword_only).map(String::as_str).collect();
    let mut flags: i64 = template.getattr(intern!(py, "co_flags"))?.extract()?;
    if let Some(varargs) = &params.varargs {
        names.push(varargs);
        flags |= CO_VARARGS;
    }
    if let Some(varkw) = &params.varkw {
        names.push(varkw);
        flags |= CO_VARKEYWORDS;
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item(intern!(py, "co_argcount"), params.positional.len())?;
    kwargs.set_item(intern!(py, "co_posonlyargcount"), 0)?;
    kwargs.set_item(intern!(py, "co_kwonlyargcount"), params.keyword_only.len())?;
    kwargs.set_item(intern!(py, "co_nlocals"), names.len())?;
    kwargs.set_item(intern!(py, "co_varnames"), PyTuple::new(py, &names)?)?;
    kwargs.set_item(intern!(py, "co_flags"), flags)?;
    let code = template.call_method(intern!(py, "replace"), (), Some(&kwargs))?;
    codes.insert(key, code.clone());
    Ok(code)
}

/// The functions' vectorcall entry: their native method (or module function), called with
/// the same arguments.
unsafe extern "C" fn call_native(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython for one of our functions: its closure holds the cell of the
    // native method (see `methods_as_functions`), alive as long as the function. `self` is
    // the first argument, as a method descriptor takes it.
    let native = native_of(callable);
    if ffi::Py_TYPE(native) == std::ptr::addr_of_mut!(ffi::PyMethodDescr_Type) {
        let descriptor = native as *mut ffi::PyMethodDescrObject;
        let def = (*descriptor).d_method;
        let nargs = ffi::PyVectorcall_NARGS(nargsf);
        if (*def).ml_flags == ffi::METH_FASTCALL | ffi::METH_KEYWORDS
            && nargs >= 1
            && ffi::PyObject_TypeCheck(*args, (*descriptor).d_common.d_type) != 0
        {
            // What the descriptor's own entry does once it has checked `self` (its C
            // recursion count aside: the native method counts any Python it calls).
            return ((*def).ml_meth.PyCFunctionFastWithKeywords)(*args, args.add(1), nargs - 1, kwnames);
        }
        if let Some(entry) = (*descriptor).vectorcall {
            // What `PyObject_Vectorcall` would find and call (and the errors it raises).
            return entry(native, args, nargsf, kwnames);
        }
    } else if ffi::Py_TYPE(native) == std::ptr::addr_of_mut!(ffi::PyCFunction_Type) {
        // A module's function: what its vectorcall entry does (its C recursion count aside).
        let builtin = native as *mut ffi::PyCFunctionObject;
        let def = (*builtin).m_ml;
        if (*def).ml_flags == ffi::METH_FASTCALL | ffi::METH_KEYWORDS {
            let nargs = ffi::PyVectorcall_NARGS(nargsf);
            return ((*def).ml_meth.PyCFunctionFastWithKeywords)((*builtin).m_self, args, nargs, kwnames);
        }
    }
    ffi::PyObject_Vectorcall(native, args, nargsf, kwnames)
}

/// The native method (a method descriptor, or a builtin taking `self` first) held in the
/// closure of one of our functions (borrowed).
///
/// # Safety
/// `function` is one of our functions (its vectorcall entry is [`call_native`]).
unsafe fn native_of(function: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // The field itself: the C API's getters refuse anything but an exact `function` (3.11's
    // method functions are of a subtype).
    let closure = (*(function as *mut ffi::PyFunctionObject)).func_closure;
    let cell = ffi::PyTuple_GET_ITEM(closure, 0) as *mut ffi::PyCellObject;
    (*cell).ob_ref
}

/// The type of the method functions: `function`, or on 3.11 its subtype (see the module's
/// docs; null until the first functions are made).
pub fn function_type() -> *mut ffi::PyTypeObject {
    #[cfg(all(Py_3_11, not(Py_3_12)))]
    {
        function_subtype::get()
    }
    #[cfg(not(all(Py_3_11, not(Py_3_12))))]
    {
        std::ptr::addr_of_mut!(ffi::PyFunction_Type)
    }
}

/// 3.11: a static subtype of `function` for the method functions. Its instances are
/// functions in every way Python code looks (`isinstance(f, types.FunctionType)`,
/// `inspect.isfunction`, `type(f).__name__`, binding to an instance, `__code__`,
/// `__defaults__`…), but the interpreter, which inlines the frame of an exact `function`,
/// calls them through their vectorcall entry. Pickling and copying look a function's
/// reducer up by its exact type; `__reduce__` gives what they do for a function: its
/// qualified name, found again in its module.
#[cfg(all(Py_3_11, not(Py_3_12)))]
mod function_subtype {
    use pyo3::ffi;
    use pyo3::prelude::*;
    use std::sync::atomic::{AtomicPtr, Ordering::Relaxed};

    static TYPE: AtomicPtr<ffi::PyTypeObject> = AtomicPtr::new(std::ptr::null_mut());

    pub fn get() -> *mut ffi::PyTypeObject {
        TYPE.load(Relaxed)
    }

    /// The type, made and readied on first use.
    pub fn make(py: Python<'_>) -> PyResult<*mut ffi::PyTypeObject> {
        let made = get();
        if !made.is_null() {
            return Ok(made);
        }
        // SAFETY: attached; a zeroed static type filled as a C extension's would be, from
        // `function`'s own slots, leaked (a type lives as long as the process).
        unsafe {
            let base = std::ptr::addr_of_mut!(ffi::PyFunction_Type);
            let methods: &'static mut [ffi::PyMethodDef; 2] = Box::leak(Box::new([
                ffi::PyMethodDef {
                    ml_name: c"__reduce__".as_ptr(),
                    ml_meth: ffi::PyMethodDefPointer { PyCFunction: reduce },
                    ml_flags: ffi::METH_NOARGS,
                    ml_doc: std::ptr::null(),
                },
                ffi::PyMethodDef::zeroed(),
            ]));
            let tp: &'static mut ffi::PyTypeObject = Box::leak(Box::new(std::mem::zeroed()));
            tp.ob_base.ob_base.ob_refcnt = 1;
            tp.ob_base.ob_base.ob_type = std::ptr::addr_of_mut!(ffi::PyType_Type);
            tp.tp_name = c"function".as_ptr();
            tp.tp_basicsize = (*base).tp_basicsize;
            tp.tp_flags = ffi::Py_TPFLAGS_DEFAULT
                | ffi::Py_TPFLAGS_HAVE_GC
                | ffi::Py_TPFLAGS_METHOD_DESCRIPTOR
                | ffi::Py_TPFLAGS_HAVE_VECTORCALL;
            tp.tp_base = base;
            tp.tp_dealloc = (*base).tp_dealloc;
            tp.tp_vectorcall_offset = (*base).tp_vectorcall_offset;
            tp.tp_repr = (*base).tp_repr;
            tp.tp_call = (*base).tp_call;
            tp.tp_getattro = (*base).tp_getattro;
            tp.tp_setattro = (*base).tp_setattro;
            tp.tp_traverse = (*base).tp_traverse;
            tp.tp_clear = (*base).tp_clear;
            tp.tp_weaklistoffset = (*base).tp_weaklistoffset;
            tp.tp_descr_get = (*base).tp_descr_get;
            tp.tp_dictoffset = (*base).tp_dictoffset;
            tp.tp_methods = methods.as_mut_ptr();
            if ffi::PyType_Ready(tp) != 0 {
                return Err(PyErr::fetch(py));
            }
            TYPE.store(tp, Relaxed);
            Ok(tp)
        }
    }

    /// `f.__reduce__()`: `f.__qualname__`, as pickle and copy treat a function.
    unsafe extern "C" fn reduce(function: *mut ffi::PyObject, _: *mut ffi::PyObject) -> *mut ffi::PyObject {
        ffi::PyObject_GetAttrString(function, c"__qualname__".as_ptr())
    }
}

/// The byte offset of a function's vectorcall entry (`PyFunctionObject.vectorcall`).
fn vectorcall_offset() -> isize {
    // SAFETY: reading a static type's field.
    unsafe { (*std::ptr::addr_of!(ffi::PyFunction_Type)).tp_vectorcall_offset }
}

/// The native method `found` (a class-dict entry) stands for: the method one of our
/// functions calls; anything else is returned as is.
///
/// # Safety
/// Attached; `found` is a live object.
#[inline]
pub unsafe fn native_descriptor(found: usize) -> usize {
    let object = found as *mut ffi::PyObject;
    if ffi::Py_TYPE(object) != function_type() {
        return found;
    }
    let entry = *((object as *mut u8).offset(vectorcall_offset()) as *const usize);
    if entry == call_native as *const () as usize {
        native_of(object) as usize
    } else {
        found
    }
}

/// Make `function` call [`call_native`].
///
/// # Safety
/// Attached; `function` is a new function object no one has called.
unsafe fn set_entry(function: *mut ffi::PyObject) {
    #[cfg(Py_3_12)]
    {
        extern "C" {
            fn PyFunction_SetVectorcall(func: *mut ffi::PyObject, vectorcall: ffi::vectorcallfunc);
        }
        PyFunction_SetVectorcall(function, call_native);
    }
    #[cfg(not(Py_3_12))]
    {
        *((function as *mut u8).offset(vectorcall_offset()) as *mut ffi::vectorcallfunc) = call_native;
    }
    #[cfg(all(Py_3_11, not(Py_3_12)))]
    {
        // Same layout; both types are static (instances hold no reference to them).
        (*function).ob_type = function_type();
    }
}

/// What a class-dict entry calls when it is a native method, with its text signature: a
/// method descriptor itself; the builtin function an `instancemethod` wraps
/// (`logging.config`'s classes made by `type()`, see `config::converting`, bind builtins to
/// instances that way); the slot wrapper of a native `__init__` (its parameters the class's
/// own text signature, after `self`) or `__repr__`, which the stdlib defines as functions.
fn native_method<'py>(
    cls: &Bound<'py, PyType>,
    name: &Bound<'py, PyString>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Option<(Bound<'py, PyAny>, String)>> {
    let py = value.py();
    let signature_of = |callee: &Bound<'py, PyAny>| -> PyResult<String> { callee.getattr(intern!(py, "__text_signature__"))?.extract() };
    // SAFETY: a live object's type, only compared.
    if unsafe { ffi::Py_TYPE(value.as_ptr()) } == std::ptr::addr_of_mut!(ffi::PyMethodDescr_Type) {
        return Ok(Some((value.clone(), signature_of(value)?)));
    }
    let kind = value.get_type();
    let kind = kind.name()?;
    let kind = kind.to_str()?;
    if kind == "instancemethod" {
        let function = value.getattr(intern!(py, "__func__"))?;
        // SAFETY: a live object.
        if unsafe { ffi::PyCFunction_Check(function.as_ptr()) } != 0 {
            let signature = signature_of(&function)?;
            return Ok(Some((function, signature)));
        }
    }
    if kind == "wrapper_descriptor" {
        match name.to_str()? {
            "__init__" => {
                let class_signature: Option<String> = cls.getattr(intern!(py, "__text_signature__"))?.extract()?;
                if let Some(inner) = class_signature.as_deref().and_then(|s| s.strip_prefix('(')) {
                    let signature = if inner == ")" { "($self)".to_owned() } else { format!("($self, {inner}") };
                    return Ok(Some((value.clone(), signature)));
                }
            }
            "__repr__" => return Ok(Some((value.clone(), signature_of(value)?))),
            _ => {}
        }
    }
    Ok(None)
}

/// The value of a default's text when it is a plain literal (`None`, `True`, `False`, an
/// int, a float, a quoted string without escapes), without compiling it.
fn plain_literal<'py>(py: Python<'py>, text: &str) -> Option<Bound<'py, PyAny>> {
    match text {
        "None" => return Some(py.None().into_bound(py)),
        "True" => return Some(pyo3::types::PyBool::new(py, true).to_owned().into_any()),
        "False" => return Some(pyo3::types::PyBool::new(py, false).to_owned().into_any()),
        _ => {}
    }
    if let Ok(int) = text.parse::<i64>() {
        return int.into_pyobject(py).ok().map(Bound::into_any);
    }
    if text.contains('.') && text.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') {
        return text.parse::<f64>().ok().map(|f| pyo3::types::PyFloat::new(py, f).into_any());
    }
    let quoted = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\''));
    quoted.filter(|t| !t.contains(['\\', '\''])).map(|t| PyString::new(py, t).into_any())
}

/// The defaults of `params` that [`Defaults::resolve`] will need, noted.
struct Defaults<'py> {
    values: HashMap<String, Bound<'py, PyAny>>,
    others: Vec<String>,
}

impl<'py> Defaults<'py> {
    fn new() -> Self {
        Defaults { values: HashMap::new(), others: Vec::new() }
    }

    /// Note each default of `params`: a plain literal read at once, any other text kept to
    /// be evaluated with the rest.
    fn note(&mut self, py: Python<'py>, params: &Parameters) {
        for default in params.positional_defaults.iter().chain(params.keyword_defaults.iter().map(|(_, d)| d)) {
            if !self.values.contains_key(default) && !self.others.contains(default) {
                match plain_literal(py, default) {
                    Some(value) => {
                        self.values.insert(default.clone(), value);
                    }
                    None => self.others.push(default.clone()),
                }
            }
        }
    }

    /// Evaluate the other defaults' texts in `namespace`, all in one `eval` (compiling is
    /// what costs).
    fn resolve(&mut self, namespace: &Bound<'py, PyDict>) -> PyResult<()> {
        if self.others.is_empty() {
            return Ok(());
        }
        let py = namespace.py();
        let source = format!("({},)", self.others.join(","));
        let values = py.import("builtins")?.getattr("eval")?.call1((source, namespace))?.cast_into::<PyTuple>()?;
        for (text, value) in std::mem::take(&mut self.others).into_iter().zip(values.iter()) {
            self.values.insert(text, value);
        }
        Ok(())
    }
}

/// A function named `name` (`qualname`) with `params` and globals `namespace` whose calls
/// go to `callee` (see [`call_native`]).
fn make_function<'py>(
    namespace: &Bound<'py, PyDict>,
    name: &Bound<'py, PyString>,
    qualname: &Bound<'py, PyAny>,
    callee: &Bound<'py, PyAny>,
    params: &Parameters,
    defaults: &Defaults<'py>,
    codes: &mut HashMap<String, Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = namespace.py();
    let positional = PyTuple::new(py, params.positional_defaults.iter().map(|text| &defaults.values[text]))?;
    let keyword = PyDict::new(py);
    for (key, text) in &params.keyword_defaults {
        keyword.set_item(key, &defaults.values[text])?;
    }
    let code = code_for(py, params, codes)?;
    // SAFETY: attached; new references checked; the function is ours until stored.
    let function = unsafe {
        let function = Bound::from_owned_ptr_or_err(py, ffi::PyFunction_New(code.as_ptr(), namespace.as_ptr()))?;
        let cell = Bound::from_owned_ptr_or_err(py, ffi::PyCell_New(callee.as_ptr()))?;
        let closure = PyTuple::new(py, [cell])?;
        if ffi::PyFunction_SetClosure(function.as_ptr(), closure.as_ptr()) != 0 {
            return Err(PyErr::fetch(py));
        }
        set_entry(function.as_ptr());
        function
    };
    function.setattr(intern!(py, "__name__"), name)?;
    function.setattr(intern!(py, "__qualname__"), qualname)?;
    function.setattr(intern!(py, "__doc__"), callee.getattr(intern!(py, "__doc__"))?)?;
    if !positional.is_empty() {
        function.setattr(intern!(py, "__defaults__"), positional)?;
    }
    if !keyword.is_empty() {
        function.setattr(intern!(py, "__kwdefaults__"), keyword)?;
    }
    Ok(function)
}

/// Replace the method descriptors in each class's own dict by functions. `namespace` is the
/// facade module's dict: the functions' globals, where their defaults are evaluated.
#[pyfunction]
#[pyo3(name = "_methods_as_functions", signature = (namespace, *classes))]
pub fn methods_as_functions(namespace: &Bound<'_, PyDict>, classes: &Bound<'_, PyTuple>) -> PyResult<()> {
    let py = namespace.py();
    #[cfg(all(Py_3_11, not(Py_3_12)))]
    function_subtype::make(py)?;
    // Every method first, then the defaults, then the functions made.
    let mut methods = Vec::new();
    let mut defaults = Defaults::new();
    for cls in classes.iter() {
        let cls = cls.cast_into::<PyType>()?;
        // SAFETY: attached; reading the class's own dict (a live dict).
        let dict = unsafe { Bound::from_borrowed_ptr(py, (*cls.as_type_ptr()).tp_dict).cast_into::<PyDict>()? };
        for (name, value) in dict.iter() {
            let name = name.cast_into::<PyString>()?;
            let Some((callee, text)) = native_method(&cls, &name, &value)? else {
                continue;
            };
            let params = parse_signature(&text, true).ok_or_else(|| {
                PyValueError::new_err(format!("logixde: cannot read the signature {text} of {}.{name}", cls.name().map(|n| n.to_string()).unwrap_or_default()))
            })?;
            defaults.note(py, &params);
            methods.push((cls.clone(), name, callee, params));
        }
    }
    defaults.resolve(namespace)?;
    let mut codes = HashMap::new();
    // A method under two names (`fatal = critical` before 3.13) stays one function.
    let mut made: HashMap<usize, Bound<'_, PyAny>> = HashMap::new();
    for (cls, name, callee, params) in methods {
        if let Some(function) = made.get(&(callee.as_ptr() as usize)) {
            cls.setattr(&name, function)?;
            continue;
        }
        let qualname = cls.name()?.add(".")?.add(&name)?;
        let function = make_function(namespace, &name, &qualname, &callee, &params, &defaults, &mut codes)?;
        cls.setattr(&name, &function)?;
        made.insert(callee.as_ptr() as usize, function);
    }
    Ok(())
}

/// Replace the module's native functions in `namespace` (the facade module's dict: the
/// builtins whose `__module__` is its `__name__`) by Python functions, as the stdlib's are:
/// `inspect.isfunction(logging.getLogger)`, and an autospecced mock of one checks its calls
/// against the signature (mock checks a function's signature, not a builtin's). A builtin
/// bound to two names (`fatal = critical`) gets one function.
#[pyfunction]
#[pyo3(name = "_functions_as_functions", signature = (namespace))]
pub fn functions_as_functions(namespace: &Bound<'_, PyDict>) -> PyResult<()> {
    let py = namespace.py();
    #[cfg(all(Py_3_11, not(Py_3_12)))]
    function_subtype::make(py)?;
    let module_name = namespace.get_item(intern!(py, "__name__"))?;
    let mut functions = Vec::new();
    let mut defaults = Defaults::new();
    for (name, callee) in namespace.iter() {
        // SAFETY: a live object, only inspected.
        if unsafe { ffi::PyCFunction_Check(callee.as_ptr()) } == 0 {
            continue;
        }
        let Ok(name) = name.cast_into::<PyString>() else { continue };
        let own = match (&module_name, callee.getattr(intern!(py, "__module__")).ok()) {
            (Some(module), Some(of)) => of.eq(module)?,
            _ => false,
        };
        if !own {
            continue;
        }
        let text: Option<String> = callee.getattr(intern!(py, "__text_signature__"))?.extract()?;
        let Some(text) = text else { continue };
        let params = parse_signature(&text, false)
            .ok_or_else(|| PyValueError::new_err(format!("logixde: cannot read the signature {text} of {name}")))?;
        defaults.note(py, &params);
        functions.push((name, callee, params));
    }
    defaults.resolve(namespace)?;
    let mut codes = HashMap::new();
    let mut made: HashMap<usize, Bound<'_, PyAny>> = HashMap::new();
    for (name, callee, params) in functions {
        let function = match made.get(&(callee.as_ptr() as usize)) {
            Some(function) => function.clone(),
            None => {
                let function = make_function(namespace, &name, name.as_any(), &callee, &params, &defaults, &mut codes)?;
                made.insert(callee.as_ptr() as usize, function.clone());
                function
            }
        };
        namespace.set_item(&name, function)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_respects_brackets_and_quotes() {
        assert_eq!(split_top_level("a, b=('x', 1), c='a,b', d"), vec!["a", " b=('x', 1)", " c='a,b'", " d"]);
    }

    #[test]
    fn parses_the_kinds_of_parameters() {
        let p = parse_signature("($self, /, fmt=None, datefmt=None, *args, defaults=None, **kwargs)", true).unwrap();
        assert_eq!(p.positional, vec!["self", "fmt", "datefmt"]);
        assert_eq!(p.positional_defaults, vec!["None", "None"]);
        assert_eq!(p.varargs.as_deref(), Some("args"));
        assert_eq!(p.keyword_only, vec!["defaults"]);
        assert_eq!(p.keyword_defaults, vec![("defaults".to_owned(), "None".to_owned())]);
        assert_eq!(p.varkw.as_deref(), Some("kwargs"));
        let p = parse_signature("($self, /, record, *, stacklevel=1)", true).unwrap();
        assert_eq!((p.positional.len(), p.keyword_only.len()), (2, 1));
        assert!(parse_signature("(record)", true).is_none());
        let p = parse_signature("(name=None)", false).unwrap();
        assert_eq!((p.positional, p.positional_defaults), (vec!["name".to_owned()], vec!["None".to_owned()]));
    }
}
