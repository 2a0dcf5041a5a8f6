"""Handler locks taken and released natively (an exact `_thread.RLock` of the layout CPython
3.9–3.13 use): the lock's state seen through its own methods is the stdlib's at every
point, contention waits and loses nothing, and misuse raises CPython's errors."""

import io
import os
import sys
import threading

import pytest

from logixde import logging
from support import assert_same_output


def make_logger(name, stream):
    log = logging.getLogger(name)
    log.propagate = False
    for h in log.handlers[:]:
        log.removeHandler(h)
    h = logging.StreamHandler(stream)
    log.addHandler(h)
    return log, h


def held(lock):
    """(owned by this thread, recursion count) through the lock's own methods."""
    if not lock._is_owned():
        return (False, 0)
    state = lock._release_save()
    lock._acquire_restore(state)
    return (True, state[0])


def test_state_inside_and_after_handle():
    # What write/flush see: count 1 in emit, 2 in flush (the stdlib's flush re-acquires);
    # free afterwards, and taken again by the next record.
    seen = []
    h = None

    class Stream:
        def write(self, s):
            seen.append(("write",) + held(h.lock))

        def flush(self):
            seen.append(("flush",) + held(h.lock))

    log, h = make_logger("nrl.state", Stream())
    log.error("one")
    log.error("two")
    assert seen == [("write", True, 1), ("flush", True, 2)] * 2
    assert held(h.lock) == (False, 0)
    assert h.lock.acquire(blocking=False)
    h.lock.release()


def test_lock_held_by_user_is_reentered_and_kept():
    stream = io.StringIO()
    log, h = make_logger("nrl.held", stream)
    with h.lock:
        with h.lock:
            log.error("inside")
            assert held(h.lock) == (True, 2)
        assert held(h.lock) == (True, 1)
    assert not h.lock._is_owned()
    assert stream.getvalue() == "inside\n"


def test_other_thread_waits_for_held_lock_and_loses_nothing():
    stream = io.StringIO()
    log, h = make_logger("nrl.wait", stream)
    started = threading.Event()

    def worker():
        started.set()
        for i in range(50):
            log.error("worker %d", i)

    h.lock.acquire()
    t = threading.Thread(target=worker)
    t.start()
    started.wait(5)
    # The worker blocks in handle() (waiting detached) while this thread holds the lock.
    t.join(0.2)
    assert t.is_alive()
    assert stream.getvalue() == ""
    h.lock.release()
    t.join(10)
    assert not t.is_alive()
    assert stream.getvalue() == "".join("worker %d\n" % i for i in range(50))
    assert not h.lock._is_owned()


def test_many_threads_interleave_whole_records():
    stream = io.StringIO()
    log, h = make_logger("nrl.many", stream)

    def worker(n):
        for i in range(200):
            log.error("t%d-%d", n, i)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    lines = stream.getvalue().splitlines()
    assert sorted(lines) == sorted("t%d-%d" % (n, i) for n in range(4) for i in range(200))
    assert h.lock.acquire(blocking=False)
    h.lock.release()


def test_release_by_non_owner_raises_cpython_error():
    h = logging.StreamHandler(io.StringIO())
    with pytest.raises(RuntimeError, match="cannot release un-acquired lock"):
        h.release()
    h.acquire()
    errors = []

    def other():
        try:
            h.release()
        except RuntimeError as e:
            errors.append(str(e))

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert errors == ["cannot release un-acquired lock"]
    assert h.lock._is_owned()
    h.release()
    assert not h.lock._is_owned()


def test_handler_acquire_release_counts():
    h = logging.StreamHandler(io.StringIO())
    h.acquire()
    h.acquire()
    assert h.lock._release_save()[0] == 2
    assert not h.lock._is_owned()
    # Free again: the OS lock was released along with the count.
    assert h.lock.acquire(blocking=False)
    h.lock.release()


def test_same_as_stdlib_with_lock_calls_and_errors():
    assert_same_output(
        """
        import logging, threading, io
        h = logging.StreamHandler(io.StringIO())
        out = []
        for op in ('release', 'acquire', 'acquire', 'release', 'release', 'release'):
            try:
                getattr(h, op)()
                out.append((op, h.lock._is_owned()))
            except Exception as e:
                out.append((op, type(e).__name__, str(e)))
        log = logging.getLogger('x'); log.propagate = False; log.addHandler(h)
        h.acquire()
        t = threading.Thread(target=lambda: log.error('from thread'))
        t.start(); t.join(0.2); out.append(('alive', t.is_alive(), h.stream.getvalue()))
        h.release(); t.join(); out.append(('done', h.stream.getvalue(), h.lock._is_owned()))
        print(out)
        """
    )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_while_another_thread_holds_the_lock():
    # The child re-creates handler locks (register_at_fork): logging there never blocks.
    assert_same_output(
        """
        import logging, os, sys, threading, warnings
        warnings.simplefilter('ignore', DeprecationWarning)  # 3.12+: fork with threads (shows the pid)
        h = logging.StreamHandler(sys.stdout)
        log = logging.getLogger('f'); log.propagate = False; log.addHandler(h)
        held, done = threading.Event(), threading.Event()
        def holder():
            with h.lock:
                held.set(); done.wait(10)
        t = threading.Thread(target=holder); t.start(); held.wait(10)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            log.error('child logs'); sys.stdout.flush(); os._exit(0)
        os.waitpid(pid, 0)
        done.set(); t.join()
        log.error('parent logs')
        """
    )
