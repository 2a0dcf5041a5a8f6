//! `Filter` and `Filterer`: the name-prefix filter and the base class of loggers and handlers.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyTuple};
use pyo3::{ffi, intern, PyTraverseError, PyVisit};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use crate::dispatch::{self, Truth};
use crate::handler::Arg;
use crate::state;

/// Filter instances are used to perform arbitrary filtering of LogRecords.
///
/// Initialized with the name of a logger, it allows records from that logger and its
/// children only ("A.B" allows "A.B", "A.B.C", not "A.BB"); an empty name allows all.
#[pyclass(module = "logging", name = "Filter", subclass, dict, weakref)]
pub struct Filter {
    #[pyo3(get, set)]
    name: Py<PyAny>,
    #[pyo3(get, set)]
    nlen: Py<PyAny>,
}

/// `name` and `nlen` are used in place while no subclass or patch of the class redefines one.
static FILTER_FIELDS: dispatch::NativeFields<Filter> = dispatch::NativeFields::new(&["name", "nlen"]);

#[pymethods]
impl Filter {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(name='')")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Filter {
            name: PyString::new(py, "").into_any().unbind(),
            nlen: 0i64.into_pyobject(py).unwrap().into_any().unbind(),
        }
    }

    /// Initialize with the name of the logger which, together with its children, will
    /// have its events allowed through the filter.
    #[pyo3(signature = (name = Arg::Default))]
    fn __init__(slf: &Bound<'_, Self>, name: Arg<'_>) -> PyResult<()> {
        let py = slf.py();
        let name = name.or_else(|| Ok(PyString::new(py, "").into_any()))?;
        // `self.name = name; self.nlen = len(name)`
        match FILTER_FIELDS.of(slf.as_any()) {
            Some(native) => {
                native.borrow_mut().name = name.clone().unbind();
                let nlen = name.len()?.into_pyobject(py)?.into_any().unbind();
                native.borrow_mut().nlen = nlen;
            }
            None => {
                slf.setattr(intern!(py, "name"), &name)?;
                slf.setattr(intern!(py, "nlen"), name.len()?)?;
            }
        }
        Ok(())
    }

    /// Determine if the specified record is to be logged.
    ///
    /// Returns True if the record should be logged, or False otherwise.
    /// If deemed appropriate, the record may be modified in-place.
    fn filter<'py>(slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        // `self.name` / `self.nlen` / `record.name`, read at each use as the stdlib does.
        let name = || FILTER_FIELDS.get(slf.as_any(), intern!(py, "name"), |f| &f.name);
        let nlen = || FILTER_FIELDS.get(slf.as_any(), intern!(py, "nlen"), |f| &f.nlen);
        let record_name = || crate::record::field(record, crate::record::Field::Name);
        let yes = || Ok(PyBool::new(py, true).to_owned().into_any());
        if nlen()?.eq(0)? {
            return yes();
        }
        if name()?.eq(record_name()?)? {
            return yes();
        }
        let found = record_name()?.call_method1(intern!(py, "find"), (name()?, 0, nlen()?))?;
        if found.ne(0)? {
            return Ok(PyBool::new(py, false).to_owned().into_any());
        }
        record_name()?.get_item(nlen()?)?.rich_compare(".", pyo3::basic::CompareOp::Eq)
    }

    fn __getstate__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        state_with(slf.as_any(), &[intern!(py, "name"), intern!(py, "nlen")])
    }

    fn __setstate__(slf: &Bound<'_, Self>, state: &Bound<'_, PyAny>) -> PyResult<()> {
        restore_state(slf.as_any(), state, &["name", "nlen"])
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if !crate::gc::is_written(&self.name) {
            return Ok(());
        }
        visit.call(&self.name)?;
        visit.call(&self.nlen)
    }

    fn __clear__(&mut self) {}
}

/// A base class for loggers and handlers which allows them to share common code.
#[pyclass(module = "logging", name = "Filterer", subclass, dict, weakref)]
pub struct Filterer {
    #[pyo3(get, set)]
    pub filters: Py<PyAny>,
}

impl Filterer {
    /// A Filterer with an empty filter list, for subclasses' initializers.
    pub fn new(py: Python<'_>) -> Self {
        Filterer { filters: PyList::empty(py).into_any().unbind() }
    }
}

#[pymethods]
impl Filterer {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "()")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Filterer::new(py)
    }

    /// Initialize the list of filters to be an empty list.
    fn __init__(slf: &Bound<'_, Self>) -> PyResult<()> {
        init_filters(slf.as_any())
    }

    /// Add the specified filter to this handler.
    #[pyo3(name = "addFilter")]
    fn add_filter(slf: &Bound<'_, Self>, filter: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        // `if not (filter in self.filters): self.filters.append(filter)`
        if !slf.getattr(intern!(py, "filters"))?.contains(filter)? {
            slf.getattr(intern!(py, "filters"))?.call_method1(intern!(py, "append"), (filter,))?;
        }
        Ok(())
    }

    /// Remove the specified filter from this handler.
    #[pyo3(name = "removeFilter")]
    fn remove_filter(slf: &Bound<'_, Self>, filter: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        // `if filter in self.filters: self.filters.remove(filter)`
        if slf.getattr(intern!(py, "filters"))?.contains(filter)? {
            slf.getattr(intern!(py, "filters"))?.call_method1(intern!(py, "remove"), (filter,))?;
        }
        Ok(())
    }

    /// Determine if a record is loggable by consulting all the filters.
    ///
    /// The default is to allow the record to be logged; any filter can veto this by
    /// returning a false value. From 3.12 a filter may return a LogRecord that replaces the
    /// record for the rest of the processing, and the (possibly new) record is returned.
    fn filter<'py>(slf: &Bound<'py, Self>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        run_filters(slf.as_any(), record)
    }

    fn __getstate__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        state_with(slf.as_any(), &[intern!(slf.py(), "filters")])
    }

    fn __setstate__(slf: &Bound<'_, Self>, state: &Bound<'_, PyAny>) -> PyResult<()> {
        restore_state(slf.as_any(), state, &["filters"])
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if !crate::gc::is_written(&self.filters) {
            return Ok(());
        }
        visit.call(&self.filters)
    }

    fn __clear__(&mut self) {}
}

/// The state `pickle` and `copy` take of a Filter or Filterer: what the stdlib's instance
/// `__dict__` holds, the natively kept attributes (`names`) first, in the stdlib's order.
fn state_with<'py>(slf: &Bound<'py, PyAny>, names: &[&Bound<'py, PyString>]) -> PyResult<Bound<'py, PyDict>> {
    let py = slf.py();
    let state = PyDict::new(py);
    for name in names {
        state.set_item(name, slf.getattr(name)?)?;
    }
    state.update(slf.getattr(intern!(py, "__dict__"))?.cast::<pyo3::types::PyMapping>()?)?;
    Ok(state)
}

/// Restore [`state_with`]'s state: natively kept attributes through their setters, the rest
/// into the instance `__dict__` (as the default restore does, without `__setattr__`).
fn restore_state(slf: &Bound<'_, PyAny>, state: &Bound<'_, PyAny>, names: &[&str]) -> PyResult<()> {
    let py = slf.py();
    let dict = slf.getattr(intern!(py, "__dict__"))?;
    for item in state.call_method0(intern!(py, "items"))?.try_iter()? {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        if key.cast::<PyString>().is_ok_and(|k| k.to_str().is_ok_and(|k| names.contains(&k))) {
            slf.setattr(key.cast::<PyString>()?, value)?;
        } else {
            dict.set_item(key, value)?;
        }
    }
    Ok(())
}

/// `filters` is used in place while no subclass or patch of the class redefines it.
static FIELDS: dispatch::NativeFields<Filterer> = dispatch::NativeFields::new(&["filters"]);

/// Byte offset of `Filterer.filters` from the object's address, the same in every instance
/// of `Filterer` and its subclasses (loggers and handlers: their layouts extend Filterer's);
/// measured once at registration from a live instance. 0: unknown.
static FILTERS_OFFSET: AtomicUsize = AtomicUsize::new(0);

fn measure_filters_offset(py: Python<'_>) -> PyResult<()> {
    let filterer = Bound::new(py, Filterer::new(py))?;
    let offset = &filterer.borrow().filters as *const Py<PyAny> as usize - filterer.as_ptr() as usize;
    FILTERS_OFFSET.store(offset, Relaxed);
    Ok(())
}

/// `Filterer.__init__(self)`: `self.filters = []`, in place while `filters` on the type is
/// still `Filterer`'s field.
pub fn init_filters(filterer: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = filterer.py();
    if let Some(native) = FIELDS.of(filterer) {
        native.borrow_mut().filters = PyList::empty(py).into_any().unbind();
        return Ok(());
    }
    filterer.setattr(intern!(py, "filters"), PyList::empty(py))
}

/// `filterer.filters`: the native field, read in place (no borrow of the cell: this runs
/// twice a record), while `filters` on the type is still `Filterer`'s; else the attribute.
fn filters_of<'py>(filterer: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = filterer.py();
    let offset = FILTERS_OFFSET.load(Relaxed);
    if offset != 0 && FIELDS.of(filterer).is_some() {
        // SAFETY: attached; an instance of Filterer (checked), whose field at `offset` holds
        // an object pointer; one being deallocated (reference count 0: read from a finalizer
        // its replacement triggered) is left to the attribute read. No Python code runs
        // before the value is owned.
        unsafe {
            let value = *((filterer.as_ptr() as *const u8).add(offset) as *const *mut ffi::PyObject);
            if !value.is_null() && ffi::Py_REFCNT(value) > 0 {
                return Ok(Bound::from_borrowed_ptr(py, value));
            }
        }
    }
    filterer.getattr(intern!(py, "filters"))
}

/// The body of `Filterer.filter`, shared by loggers and handlers.
///
/// Returns the record (possibly replaced, 3.12+) when it passes, `False` when vetoed; on
/// 3.9–3.11 it returns `True`/`False` like the stdlib.
pub fn run_filters<'py>(filterer: &Bound<'py, PyAny>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = filterer.py();
    let returns_record = state::minor(py) >= 12;
    let filters = filters_of(filterer)?;
    let mut record = record.clone();
    let no_filters = filters.cast_exact::<PyList>().is_ok_and(|list| list.is_empty());
    // `for f in self.filters` (no iterator at all for the common empty list); no borrow is
    // held while a filter runs.
    let filters = if no_filters { None } else { Some(filters.try_iter()?) };
    for f in filters.into_iter().flatten() {
        let f = f?;
        let result = if f.hasattr(intern!(py, "filter"))? {
            dispatch::call_method(&f, intern!(py, "filter"), (&record,))?
        } else {
            f.call1((&record,))?
        };
        if !result.is_true()? {
            return Ok(false.into_pyobject(py)?.to_owned().into_any());
        }
        if returns_record && crate::record::is_instance(&result) {
            record = result;
        }
    }
    if returns_record {
        Ok(record)
    } else {
        Ok(true.into_pyobject(py)?.to_owned().into_any())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Filter>()?;
    m.add_class::<Filterer>()?;
    measure_filters_offset(m.py())
}
