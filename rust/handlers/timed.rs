//! `TimedRotatingFileHandler`.
//!
//! Two generations of the stdlib's code: up to 3.12 (`self.extMatch` anchored patterns,
//! `r < 0`, week-only DST fix-up, doRollover removing an existing destination) and 3.13
//! (look-around patterns, `r <= 0`, DST fix-up for every midnight/weekly rollover, an
//! existing destination means "already rolled over"). `shouldRollover` changed in 3.10
//! (#89564, backported: a non-regular file re-arms the rollover time).

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use super::rotating::BaseRotatingHandler;
use crate::dispatch;
use crate::file_handler;
use crate::handler::{self, Arg};
use crate::state;

const MIDNIGHT: i64 = 24 * 60 * 60;

/// Handler for logging to a file, rotating the log file at certain timed
/// intervals.
///
/// If backupCount is > 0, when rollover is done, no more than backupCount
/// files are kept - the oldest ones are deleted.
#[pyclass(module = "logging.handlers", name = "TimedRotatingFileHandler", extends = BaseRotatingHandler, subclass)]
pub struct TimedRotatingFileHandler {}

fn new_rules(py: Python<'_>) -> bool {
    state::minor(py) >= 13
}

fn time_mod(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    super::global(py, intern!(py, "time"))
}

fn os_mod(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    super::global(py, intern!(py, "os"))
}

fn int(py: Python<'_>, v: i64) -> Bound<'_, PyAny> {
    handler::int(py, v)
}

/// `time.localtime(t)[-1]` (tm_isdst).
fn isdst<'py>(py: Python<'py>, t: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    time_mod(py)?.call_method1(intern!(py, "localtime"), (t,))?.get_item(-1)
}

/// `self.when == 'MIDNIGHT' or self.when.startswith('W')`
fn midnight_or_weekly(slf: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = slf.py();
    let when = slf.getattr(intern!(py, "when"))?;
    Ok(when.eq("MIDNIGHT")? || when.call_method1(intern!(py, "startswith"), ("W",))?.is_truthy()?)
}

fn is_weekly(slf: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = slf.py();
    slf.getattr(intern!(py, "when"))?.call_method1(intern!(py, "startswith"), ("W",))?.is_truthy()
}

#[pymethods]
impl TimedRotatingFileHandler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(filename, when='h', interval=1, backupCount=0, encoding=None, delay=False, utc=False, atTime=None, errors=None)")]
    fn __new__(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyClassInitializer<TimedRotatingFileHandler> {
        BaseRotatingHandler::initializer(py).add_subclass(TimedRotatingFileHandler {})
    }

    #[pyo3(signature = (filename, when = Arg::Default, interval = Arg::Default, backupCount = Arg::Default,
                        encoding = None, delay = Arg::Default, utc = Arg::Default, atTime = None, errors = None))]
    #[allow(non_snake_case, clippy::too_many_arguments)]
    fn __init__(
        slf: &Bound<'_, Self>,
        filename: &Bound<'_, PyAny>,
        when: Arg<'_>,
        interval: Arg<'_>,
        backupCount: Arg<'_>,
        encoding: Option<&Bound<'_, PyAny>>,
        delay: Arg<'_>,
        utc: Arg<'_>,
        atTime: Option<&Bound<'_, PyAny>>,
        errors: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let none = py.None().into_bound(py);
        let when = when.or_else(|| Ok(handler::pystr(py, "h")))?;
        let interval = interval.or_else(|| Ok(int(py, 1)))?;
        let backup_count = backupCount.or_else(|| Ok(int(py, 0)))?;
        let delay = delay.or_else(|| Ok(handler::pybool(py, false)))?;
        let utc = utc.or_else(|| Ok(handler::pybool(py, false)))?;
        let mut encoding = encoding.cloned().unwrap_or_else(|| none.clone());
        if state::minor(py) >= 10 {
            encoding = file_handler::text_encoding(py, &encoding)?;
        }
        BaseRotatingHandler::init(slf, filename, &handler::pystr(py, "a"), &encoding, &delay, errors.unwrap_or(&none))?;
        let when = when.call_method0(intern!(py, "upper"))?;
        slf.setattr(intern!(py, "when"), &when)?;
        slf.setattr(intern!(py, "backupCount"), backup_count)?;
        slf.setattr(intern!(py, "utc"), utc)?;
        slf.setattr(intern!(py, "atTime"), atTime.unwrap_or(&none))?;
        let new = new_rules(py);
        let w: String = when.extract().unwrap_or_default();
        let (secs, suffix, ext_new, ext_old) = match w.as_str() {
            "S" => (1, "%Y-%m-%d_%H-%M-%S", r"(?<!\d)\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(?!\d)", r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(\.\w+)?$"),
            "M" => (60, "%Y-%m-%d_%H-%M", r"(?<!\d)\d{4}-\d{2}-\d{2}_\d{2}-\d{2}(?!\d)", r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}(\.\w+)?$"),
            "H" => (3600, "%Y-%m-%d_%H", r"(?<!\d)\d{4}-\d{2}-\d{2}_\d{2}(?!\d)", r"^\d{4}-\d{2}-\d{2}_\d{2}(\.\w+)?$"),
            "D" | "MIDNIGHT" => (MIDNIGHT, "%Y-%m-%d", r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)", r"^\d{4}-\d{2}-\d{2}(\.\w+)?$"),
            w if w.starts_with('W') => {
                slf.setattr(intern!(py, "interval"), MIDNIGHT * 7)?;
                let chars: Vec<char> = w.chars().collect();
                if chars.len() != 2 {
                    return Err(PyValueError::new_err(format!(
                        "You must specify a day for weekly rollover from 0 to 6 (0 is Monday): {w}"
                    )));
                }
                if !('0'..='6').contains(&chars[1]) {
                    return Err(PyValueError::new_err(format!("Invalid day specified for weekly rollover: {w}")));
                }
                slf.setattr(intern!(py, "dayOfWeek"), chars[1] as i64 - '0' as i64)?;
                (MIDNIGHT * 7, "%Y-%m-%d", r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)", r"^\d{4}-\d{2}-\d{2}(\.\w+)?$")
            }
            _ => {
                return Err(PyValueError::new_err(format!(
                    "Invalid rollover interval specified: {}",
                    when.str()?
                )))
            }
        };
        slf.setattr(intern!(py, "interval"), secs)?;
        slf.setattr(intern!(py, "suffix"), suffix)?;
        let re = super::global(py, intern!(py, "re"))?;
        let pattern = if new { ext_new } else { ext_old };
        let compiled = re.call_method1(intern!(py, "compile"), (pattern, re.getattr(intern!(py, "ASCII"))?))?;
        slf.setattr(intern!(py, "extMatch"), compiled)?;
        // multiply by units requested
        let total = slf.getattr(intern!(py, "interval"))?.mul(&interval)?;
        slf.setattr(intern!(py, "interval"), total)?;
        // The filename passed in could be a path object (see Issue #27493), but
        // self.baseFilename will be a string
        let filename = slf.getattr(intern!(py, "baseFilename"))?;
        let os = os_mod(py)?;
        let t = if os.getattr(intern!(py, "path"))?.call_method1(intern!(py, "exists"), (&filename,))?.is_truthy()? {
            let st = os.call_method1(intern!(py, "stat"), (&filename,))?;
            if new {
                py.import(intern!(py, "builtins"))?.getattr(intern!(py, "int"))?.call1((st.getattr(intern!(py, "st_mtime"))?,))?
            } else {
                st.get_item(8)? // ST_MTIME
            }
        } else {
            py.import(intern!(py, "builtins"))?
                .getattr(intern!(py, "int"))?
                .call1((time_mod(py)?.call_method0(intern!(py, "time"))?,))?
        };
        let at = dispatch::call_method(slf, intern!(py, "computeRollover"), (t,))?;
        slf.setattr(intern!(py, "rolloverAt"), at)
    }

    /// Work out the rollover time based on the specified time.
    #[pyo3(name = "computeRollover")]
    #[allow(non_snake_case)]
    fn compute_rollover<'py>(slf: &Bound<'py, Self>, currentTime: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let slf = slf.as_any();
        let new = new_rules(py);
        let interval = slf.getattr(intern!(py, "interval"))?;
        let mut result = currentTime.add(&interval)?;
        if !midnight_or_weekly(slf)? {
            return Ok(result);
        }
        let utc = slf.getattr(intern!(py, "utc"))?.is_truthy()?;
        let tm = time_mod(py)?;
        let t = tm.call_method1(if utc { intern!(py, "gmtime") } else { intern!(py, "localtime") }, (currentTime,))?;
        let hour = t.get_item(3)?;
        let minute = t.get_item(4)?;
        let second = t.get_item(5)?;
        let mut day = t.get_item(6)?;
        let at_time = slf.getattr(intern!(py, "atTime"))?;
        let rotate_ts = if at_time.is_none() {
            int(py, MIDNIGHT)
        } else {
            at_time
                .getattr(intern!(py, "hour"))?
                .mul(60)?
                .add(at_time.getattr(intern!(py, "minute"))?)?
                .mul(60)?
                .add(at_time.getattr(intern!(py, "second"))?)?
        };
        let mut r = rotate_ts.sub(hour.mul(60)?.add(minute)?.mul(60)?.add(second)?)?;
        let before = if new { r.le(0)? } else { r.lt(0)? };
        if before {
            // Rotate time is before the current time: rotation is tomorrow.
            r = r.add(MIDNIGHT)?;
            day = day.add(1)?.rem(7)?;
        }
        result = currentTime.add(&r)?;
        let weekly = is_weekly(slf)?;
        if new {
            if weekly {
                let dow = slf.getattr(intern!(py, "dayOfWeek"))?;
                if day.ne(&dow)? {
                    let days_to_wait = if day.lt(&dow)? { dow.sub(&day)? } else { int(py, 6).sub(&day)?.add(&dow)?.add(1)? };
                    result = result.add(days_to_wait.mul(MIDNIGHT)?)?;
                }
                result = result.add(interval.sub(MIDNIGHT * 7)?)?;
            } else {
                result = result.add(interval.sub(MIDNIGHT)?)?;
            }
            if !utc {
                let dst_now = t.get_item(-1)?;
                let dst_at_rollover = isdst(py, &result)?;
                if dst_now.ne(&dst_at_rollover)? {
                    let addend = if !dst_now.is_truthy()? {
                        // DST kicks in before next rollover, so we need to deduct an hour
                        if !isdst(py, &result.sub(3600)?)?.is_truthy()? {
                            0
                        } else {
                            -3600
                        }
                    } else {
                        // DST bows out before next rollover, so we need to add an hour
                        3600
                    };
                    result = result.add(addend)?;
                }
            }
        } else if weekly {
            let dow = slf.getattr(intern!(py, "dayOfWeek"))?;
            if day.ne(&dow)? {
                let days_to_wait = if day.lt(&dow)? { dow.sub(&day)? } else { int(py, 6).sub(&day)?.add(&dow)?.add(1)? };
                let mut new_rollover_at = result.add(days_to_wait.mul(MIDNIGHT)?)?;
                if !utc {
                    let dst_now = t.get_item(-1)?;
                    let dst_at_rollover = isdst(py, &new_rollover_at)?;
                    if dst_now.ne(&dst_at_rollover)? {
                        let addend = if !dst_now.is_truthy()? { -3600 } else { 3600 };
                        new_rollover_at = new_rollover_at.add(addend)?;
                    }
                }
                result = new_rollover_at;
            }
        }
        Ok(result)
    }

    /// Determine if rollover should occur.
    ///
    /// record is not used, as we are just comparing times, but it is needed so
    /// the method signatures are the same
    #[pyo3(name = "shouldRollover")]
    #[allow(unused_variables)] // named as the stdlib's parameter: it may be passed by keyword
    fn should_rollover(slf: &Bound<'_, Self>, record: &Bound<'_, PyAny>) -> PyResult<bool> {
        let py = slf.py();
        let slf = slf.as_any();
        let not_regular = || -> PyResult<bool> {
            let base = slf.getattr(intern!(py, "baseFilename"))?;
            let path = os_mod(py)?.getattr(intern!(py, "path"))?;
            Ok(path.call_method1(intern!(py, "exists"), (&base,))?.is_truthy()?
                && !path.call_method1(intern!(py, "isfile"), (&base,))?.is_truthy()?)
        };
        let now = || -> PyResult<Bound<'_, PyAny>> {
            py.import(intern!(py, "builtins"))?
                .getattr(intern!(py, "int"))?
                .call1((time_mod(py)?.call_method0(intern!(py, "time"))?,))
        };
        // #89564 is in 3.10.13 and 3.11.7 (backported), not in 3.9.
        if state::minor(py) >= 10 {
            let t = now()?;
            if t.ge(slf.getattr(intern!(py, "rolloverAt"))?)? {
                // See #89564: Never rollover anything other than regular files
                if not_regular()? {
                    // do not rollover, but set the next rollover time to avoid repeated checks.
                    let at = dispatch::call_method(slf, intern!(py, "computeRollover"), (t,))?;
                    slf.setattr(intern!(py, "rolloverAt"), at)?;
                    return Ok(false);
                }
                return Ok(true);
            }
            Ok(false)
        } else {
            // See bpo-45401: Never rollover anything other than regular files
            if not_regular()? {
                return Ok(false);
            }
            Ok(now()?.ge(slf.getattr(intern!(py, "rolloverAt"))?)?)
        }
    }

    /// Determine the files to delete when rolling over.
    ///
    /// More specific than the earlier method, which just used glob.glob().
    #[pyo3(name = "getFilesToDelete")]
    fn get_files_to_delete<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let slf = slf.as_any();
        let os = os_mod(py)?;
        let path = os.getattr(intern!(py, "path"))?;
        let base_filename = slf.getattr(intern!(py, "baseFilename"))?;
        let split = path.call_method1(intern!(py, "split"), (&base_filename,))?;
        let dir_name = split.get_item(0)?;
        let base_name = split.get_item(1)?;
        let file_names = os.call_method1(intern!(py, "listdir"), (&dir_name,))?;
        let result = PyList::empty(py);
        let ext_match = || slf.getattr(intern!(py, "extMatch"));
        if new_rules(py) {
            let prefix = base_name.add(".")?;
            let plen = prefix.len()?;
            if slf.getattr(intern!(py, "namer"))?.is_none() {
                for file_name in file_names.try_iter()? {
                    let file_name = file_name?;
                    if file_name.get_item(crate::py_slice::slice(py, Some(0), Some(plen as isize))?)?.eq(&prefix)? {
                        let suffix = file_name.get_item(crate::py_slice::slice(py, Some(plen as isize), None)?)?;
                        if ext_match()?.call_method1(intern!(py, "fullmatch"), (suffix,))?.is_truthy()? {
                            result.append(path.call_method1(intern!(py, "join"), (&dir_name, &file_name))?)?;
                        }
                    }
                }
            } else {
                for file_name in file_names.try_iter()? {
                    let file_name = file_name?;
                    // Our files could be just about anything after custom naming, but they
                    // should contain the datetime suffix.
                    let mut m = ext_match()?.call_method1(intern!(py, "search"), (&file_name,))?;
                    while m.is_truthy()? {
                        let dfn = slf
                            .getattr(intern!(py, "namer"))?
                            .call1((base_filename.add(".")?.add(m.get_item(0)?)?,))?;
                        if path.call_method1(intern!(py, "basename"), (dfn,))?.eq(&file_name)? {
                            result.append(path.call_method1(intern!(py, "join"), (&dir_name, &file_name))?)?;
                            break;
                        }
                        let start = m.call_method0(intern!(py, "start"))?.add(1)?;
                        m = ext_match()?.call_method1(intern!(py, "search"), (&file_name, start))?;
                    }
                }
            }
        } else {
            // See bpo-44753: Don't use the extension when computing the prefix.
            let split = path.call_method1(intern!(py, "splitext"), (&base_name,))?;
            let n = split.get_item(0)?;
            let e = split.get_item(1)?;
            let prefix = n.add(".")?;
            let plen = prefix.len()?;
            for file_name in file_names.try_iter()? {
                let file_name = file_name?;
                let starts = file_name.call_method1(intern!(py, "startswith"), (&base_name,))?.is_truthy()?;
                if slf.getattr(intern!(py, "namer"))?.is_none() {
                    // Our files will always start with baseName
                    if !starts {
                        continue;
                    }
                } else if !starts
                    && file_name.call_method1(intern!(py, "endswith"), (&e,))?.is_truthy()?
                    && file_name.len()? > plen + 1
                    && !file_name.get_item(plen + 1)?.call_method0(intern!(py, "isdigit"))?.is_truthy()?
                {
                    // likely candidates are foo.log.DATETIME_SUFFIX or foo.DATETIME_SUFFIX.log
                    continue;
                }
                if file_name.get_item(crate::py_slice::slice(py, Some(0), Some(plen as isize))?)?.eq(&prefix)? {
                    let suffix = file_name.get_item(crate::py_slice::slice(py, Some(plen as isize), None)?)?;
                    // See bpo-45628: The date/time suffix could be anywhere in the filename
                    let parts = suffix.call_method1(intern!(py, "split"), (".",))?;
                    for part in parts.try_iter()? {
                        if ext_match()?.call_method1(intern!(py, "match"), (part?,))?.is_truthy()? {
                            result.append(path.call_method1(intern!(py, "join"), (&dir_name, &file_name))?)?;
                            break;
                        }
                    }
                }
            }
        }
        let backup_count = slf.getattr(intern!(py, "backupCount"))?;
        if int(py, result.len() as i64).lt(&backup_count)? {
            return Ok(PyList::empty(py).into_any());
        }
        result.sort()?;
        let keep = int(py, result.len() as i64).sub(&backup_count)?;
        result.as_any().get_item(pyo3::types::PySlice::full(py).getattr("__class__")?.call1((py.None(), keep))?)
    }

    /// do a rollover; in this case, a date/time stamp is appended to the filename
    /// when the rollover happens.  However, you want the file to be named for the
    /// start of the interval, not the current time.  If there is a backup count,
    /// then we have to get a list of matching filenames, sort them and remove
    /// the one with the oldest suffix.
    #[pyo3(name = "doRollover")]
    fn do_rollover(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let slf = slf.as_any();
        let new = new_rules(py);
        let tm = time_mod(py)?;
        let os = os_mod(py)?;
        let close_stream = || -> PyResult<()> {
            let stream = slf.getattr(intern!(py, "stream"))?;
            if stream.is_truthy()? {
                stream.call_method0(intern!(py, "close"))?;
                slf.setattr(intern!(py, "stream"), py.None())?;
            }
            Ok(())
        };
        if !new {
            close_stream()?;
        }
        // get the time that this sequence started at and make it a TimeTuple
        let current_time = py
            .import(intern!(py, "builtins"))?
            .getattr(intern!(py, "int"))?
            .call1((tm.call_method0(intern!(py, "time"))?,))?;
        let mut dst_now = if new { None } else { Some(isdst(py, &current_time)?) };
        let t = slf.getattr(intern!(py, "rolloverAt"))?.sub(slf.getattr(intern!(py, "interval"))?)?;
        let time_tuple = if slf.getattr(intern!(py, "utc"))?.is_truthy()? {
            tm.call_method1(intern!(py, "gmtime"), (&t,))?
        } else {
            let mut tt = tm.call_method1(intern!(py, "localtime"), (&t,))?;
            if dst_now.is_none() {
                dst_now = Some(isdst(py, &current_time)?);
            }
            let now = dst_now.clone().unwrap_or_else(|| int(py, 0));
            let dst_then = tt.get_item(-1)?;
            if now.ne(&dst_then)? {
                let addend = if now.is_truthy()? { 3600 } else { -3600 };
                tt = tm.call_method1(intern!(py, "localtime"), (t.add(addend)?,))?;
            }
            tt
        };
        let stamp = tm.call_method1(intern!(py, "strftime"), (slf.getattr(intern!(py, "suffix"))?, time_tuple))?;
        let dfn = dispatch::call_method(
            slf,
            intern!(py, "rotation_filename"),
            (slf.getattr(intern!(py, "baseFilename"))?.add(".")?.add(stamp)?,),
        )?;
        let exists = os.getattr(intern!(py, "path"))?.call_method1(intern!(py, "exists"), (&dfn,))?.is_truthy()?;
        if new {
            if exists {
                // Already rolled over.
                return Ok(());
            }
            close_stream()?;
        } else if exists {
            os.call_method1(intern!(py, "remove"), (&dfn,))?;
        }
        dispatch::call_method(slf, intern!(py, "rotate"), (slf.getattr(intern!(py, "baseFilename"))?, &dfn))?;
        if slf.getattr(intern!(py, "backupCount"))?.gt(0)? {
            for s in dispatch::call_method0(slf, intern!(py, "getFilesToDelete"))?.try_iter()? {
                os.call_method1(intern!(py, "remove"), (s?,))?;
            }
        }
        if !slf.getattr(intern!(py, "delay"))?.is_truthy()? {
            let stream = dispatch::call_method0(slf, intern!(py, "_open"))?;
            slf.setattr(intern!(py, "stream"), stream)?;
        }
        let mut new_rollover_at = dispatch::call_method(slf, intern!(py, "computeRollover"), (&current_time,))?;
        if !new {
            while new_rollover_at.le(&current_time)? {
                new_rollover_at = new_rollover_at.add(slf.getattr(intern!(py, "interval"))?)?;
            }
            // If DST changes and midnight or weekly rollover, adjust for this.
            if midnight_or_weekly(slf)? && !slf.getattr(intern!(py, "utc"))?.is_truthy()? {
                let dst_now = dst_now.unwrap_or_else(|| int(py, 0));
                let dst_at_rollover = isdst(py, &new_rollover_at)?;
                if dst_now.ne(&dst_at_rollover)? {
                    let addend = if !dst_now.is_truthy()? { -3600 } else { 3600 };
                    new_rollover_at = new_rollover_at.add(addend)?;
                }
            }
        }
        slf.setattr(intern!(py, "rolloverAt"), new_rollover_at)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<TimedRotatingFileHandler>()?;
    Ok(())
}
