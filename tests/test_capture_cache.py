"""What a record captures about its thread and process is remembered between records
(per thread, per module state): every change the stdlib would see between two records is
seen by the next one. Each script logs before and after the change, so the second record
is the one a stale cache would get wrong."""

import sys
import textwrap

import pytest

from support import assert_same_output

PRELUDE = """
import io, logging, os, sys, threading, _thread
s = io.StringIO()
h = logging.StreamHandler(s)
h.setFormatter(logging.Formatter('%(threadName)s|%(thread)s|%(processName)s|%(process)s|%(message)s'))
log = logging.getLogger('cap')
log.propagate = False
log.addHandler(h)
ident = threading.get_ident()
def skip_shutdown():
    # A _DummyThread made for the main thread: on 3.13 the stdlib reports an error from its
    # finalizer at interpreter shutdown (threading already torn down); logixde does not
    # (also before these caches). Not what these tests are about.
    sys.stdout.flush()
    os._exit(0)
def show():
    out = s.getvalue().replace(str(ident), 'IDENT').replace(str(os.getpid()), 'PID')
    print(out)
"""


def same(code):
    assert_same_output(PRELUDE + textwrap.dedent(code))


def test_renamed_thread_between_records():
    same(
        """
        log.error('a'); log.error('b')
        threading.current_thread().name = 'Renamed'
        log.error('c')
        threading.current_thread()._name = 'direct'
        log.error('d')
        t = threading.current_thread()
        t.__dict__ = dict(t.__dict__, _name='new-dict')
        log.error('e'); log.error('f')
        t.name = 'MainThread'
        show()
        """
    )


def test_thread_class_patched_after_records():
    same(
        """
        log.error('a'); log.error('b')
        orig = threading.Thread.name
        threading.Thread.name = property(lambda self: 'class-patched')
        log.error('c')
        threading.Thread.name = orig
        log.error('d')
        threading.Thread._name = 'class-attr'   # the instance dict still wins
        log.error('e')
        del threading.Thread._name
        log.error('f')
        show()
        """
    )


def test_subclass_overriding_name_and_other_threads():
    same(
        """
        class Named(threading.Thread):
            @property
            def name(self):
                return 'from-property-' + self._name
            @name.setter
            def name(self, v):
                self._name = v
        def work():
            for i in range(3):
                log.error('w%d', i)
                threading.current_thread().name = 'r%d' % i
        for cls in (Named, threading.Thread, Named):
            t = cls(target=work, name='t')
            t.start(); t.join()
        log.error('main')
        print(s.getvalue().replace(str(ident), 'IDENT').count('|'))
        print('\\n'.join(l.split('|')[0] + '|' + l.split('|')[-1] for l in s.getvalue().splitlines()))
        """
    )


def test_dummy_thread_and_removed_entry():
    same(
        """
        done = threading.Event()
        def raw():
            log.error('raw1'); log.error('raw2')
            print(type(threading.current_thread()).__name__)
            done.set()
        _thread.start_new_thread(raw, ())
        done.wait(10)
        log.error('a')
        t = threading._active.pop(ident)
        log.error('b'); log.error('c')   # current_thread() makes a _DummyThread
        threading._active[ident] = t
        log.error('d')
        print('\\n'.join(l.split('|')[0] + '|' + l.split('|')[-1] for l in s.getvalue().splitlines()))
        skip_shutdown()
        """
    )


def test_patched_threading_functions_are_called():
    same(
        """
        log.error('a')
        calls = []
        orig_ct, orig_gi = threading.current_thread, threading.get_ident
        def ct():
            calls.append('ct')
            return orig_ct()
        threading.current_thread = ct
        log.error('b'); log.error('c')
        threading.current_thread = orig_ct
        log.error('d')
        threading.get_ident = lambda: 12345
        log.error('e')
        threading.get_ident = orig_gi
        log.error('f')
        threading._active = dict(threading._active)
        log.error('g')
        show(); print(calls)
        skip_shutdown()
        """
    )


def test_logging_threading_module_replaced():
    same(
        """
        log.error('a')
        class Fake:
            get_ident = staticmethod(lambda: 7)
            @staticmethod
            def current_thread():
                return type('T', (), {'name': 'fake-thread'})()
        real = logging.threading
        logging.threading = Fake
        log.error('b')
        logging.threading = real
        log.error('c')
        show()
        """
    )


def test_process_name_and_pid_follow_changes():
    same(
        """
        log.error('a'); log.error('b')
        import multiprocessing
        log.error('c')
        multiprocessing.current_process().name = 'Proc'
        log.error('d')
        getpid = os.getpid
        os.getpid = lambda: 4242
        log.error('e')
        os.getpid = getpid
        log.error('f')
        del os.getpid
        log.error('g')
        os.getpid = getpid
        sys.modules['multiprocessing'] = None
        log.error('h')
        del sys.modules['multiprocessing']
        log.error('i')
        show()
        """
    )


@pytest.mark.skipif(sys.version_info < (3, 12), reason="taskName is 3.12+")
def test_task_name_after_asyncio_import():
    assert_same_output(
        PRELUDE.replace("%(message)s", "%(taskName)s %(message)s")
        + """
log.error('a'); log.error('b')
import asyncio
log.error('c')
async def main():
    log.error('in task')
asyncio.run(main())
log.error('d')
show()
"""
    )
