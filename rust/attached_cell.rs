//! A cache shared by every thread and used only while attached to the interpreter.
//!
//! The core's small caches (the last code object's names, the pid, the asctime of the
//! current second, …) are read and written on every record. A `Mutex` taken with `try_lock`
//! made each use two atomic read-modify-writes; here the interpreter lock, which every user
//! holds, already keeps threads apart, so a plain flag is enough to catch the one case it
//! does not: the same thread coming back through Python code run while the cache is in use
//! (then, as a busy `try_lock`, the use is a miss).

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use pyo3::Python;

#[cfg(Py_GIL_DISABLED)]
compile_error!("AttachedCell relies on the interpreter lock: free-threaded builds are not supported");

pub struct AttachedCell<T> {
    /// Set while a use is in progress.
    busy: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: every access goes through `try_with`, which takes a `Python` token: the thread
// is attached, so no other thread runs Rust code reaching the cell until it detaches or the
// interpreter switches threads, both of which synchronize (the lock hand-over orders the
// flag's plain loads and stores across threads). A use that lets another thread in (its
// closure runs Python code) leaves `busy` set meanwhile, so that thread misses.
unsafe impl<T: Send> Sync for AttachedCell<T> {}

impl<T> AttachedCell<T> {
    pub const fn new(value: T) -> Self {
        AttachedCell { busy: AtomicBool::new(false), value: UnsafeCell::new(value) }
    }

    /// `f` on the value, unless a use is already in progress (`None`). Whatever `f`
    /// returns outlives the use: return a replaced value to drop it once the cell is free
    /// (dropping a Python object may run Python code).
    #[inline]
    pub fn try_with<R>(&self, _py: Python<'_>, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        if self.busy.load(Relaxed) {
            return None;
        }
        self.busy.store(true, Relaxed);
        struct Release<'a>(&'a AtomicBool);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.store(false, Relaxed);
            }
        }
        let _release = Release(&self.busy);
        // SAFETY: attached (the token) and not in use (the flag): this is the only
        // reference to the value until `_release` clears the flag.
        Some(f(unsafe { &mut *self.value.get() }))
    }
}
