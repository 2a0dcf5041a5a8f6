"""The native fast paths of Handler.handle / StreamHandler.emit / Formatter.format take the
generic path whenever Python would find something else: a foreign lock, a patched method,
a descriptor on a subclass, an attribute hook."""

import io
import sys

from logixde import logging


def record(**kw):
    kw.setdefault("msg", "hello %s")
    kw.setdefault("args", ("world",))
    kw.setdefault("levelname", "INFO")
    return logging.makeLogRecord(kw)


class CountingLock:
    def __init__(self):
        self.calls = []

    def acquire(self):
        self.calls.append("acquire")

    def release(self):
        self.calls.append("release")

    def __enter__(self):
        self.calls.append("enter")

    def __exit__(self, *exc):
        self.calls.append("exit")


def test_foreign_lock_is_called_as_python_would():
    h = logging.StreamHandler(io.StringIO())
    h.lock = CountingLock()
    h.handle(record())
    if sys.version_info >= (3, 13):
        assert h.lock.calls == ["enter", "enter", "exit", "exit"]
    else:
        assert h.lock.calls == ["acquire", "acquire", "release", "release"]
    assert h.stream.getvalue() == "hello world\n"


def test_rlock_released_after_emit_and_error():
    h = logging.StreamHandler(io.StringIO())
    h.handle(record())
    assert h.lock.acquire(blocking=False)
    h.lock.release()

    class Boom(Exception):
        pass

    class Bad(logging.StreamHandler):
        def emit(self, r):
            raise Boom

    b = Bad(io.StringIO())
    try:
        b.handle(record())
    except Boom:
        pass
    # Released even though emit raised: another thread could take it.
    import threading

    got = []
    t = threading.Thread(target=lambda: got.append(b.lock.acquire(timeout=5)))
    t.start()
    t.join()
    assert got == [True]


def test_instance_patched_getmessage_and_format():
    h = logging.StreamHandler(io.StringIO())
    r = record()
    r.getMessage = lambda: "patched"
    h.handle(r)
    f = logging.Formatter("%(message)s!")
    f.format = lambda rec: "fmt-patched"
    h.setFormatter(f)
    h.handle(record())
    assert h.stream.getvalue() == "patched\nfmt-patched\n"


def test_subclass_descriptors_win_over_instance_dict():
    class H(logging.StreamHandler):
        @property
        def terminator(self):
            return "<END>\n"

        @property
        def formatter(self):
            return logging.Formatter("[%(message)s]")

        @formatter.setter
        def formatter(self, value):
            pass

    h = H(io.StringIO())
    h.handle(record())
    assert h.stream.getvalue() == "[hello world]<END>\n"


def test_getattr_hook_subclass():
    seen = []

    class H(logging.StreamHandler):
        def __getattribute__(self, name):
            seen.append(name)
            return super().__getattribute__(name)

    h = H(io.StringIO())
    seen.clear()
    h.handle(record())
    assert h.stream.getvalue() == "hello world\n"
    assert "stream" in seen and "formatter" in seen


def test_record_subclass_property_message():
    class R(logging.LogRecord):
        @property
        def message(self):
            return self.__dict__.get("_m")

        @message.setter
        def message(self, value):
            self.__dict__["_m"] = value.upper()

    r = R("n", logging.INFO, __file__, 1, "hi %s", ("x",), None)
    f = logging.Formatter("%(_m)s")
    assert f.format(r) == "HI X"


def test_class_level_terminator_and_converter_changes():
    h = logging.StreamHandler(io.StringIO())
    old = logging.StreamHandler.terminator
    logging.StreamHandler.terminator = "|"
    try:
        h.handle(record())
    finally:
        logging.StreamHandler.terminator = old
    h.handle(record())
    assert h.stream.getvalue() == "hello world|hello world\n"


def test_attribute_changes_between_records_are_seen_at_once():
    # The core remembers attribute reads while the instance dict and the type are unchanged
    # (their version tags): every kind of change must be seen by the very next record.
    from support import assert_same_output

    assert_same_output(
        """
        import io, logging
        out = io.StringIO()
        h = logging.StreamHandler(out)
        log = logging.getLogger('cache')
        log.propagate = False
        log.addHandler(h)
        def emit(tag):
            log.error('%s', tag)
        emit('default')
        h.formatter = logging.Formatter('A:%(message)s')
        emit('formatter attribute')
        h.terminator = '|\\n'
        emit('instance terminator')
        del h.terminator
        emit('terminator deleted')
        logging.StreamHandler.terminator = '#\\n'
        emit('class terminator')
        logging.StreamHandler.terminator = '\\n'
        h.formatter._style._fmt = 'B:%(message)s'
        emit('style _fmt')
        h.formatter._fmt = 'ignored by %-style'
        emit('formatter _fmt')
        h.__dict__['stream'] = second = io.StringIO()
        emit('stream via __dict__')
        h.__dict__.update(stream=out)
        emit('stream back')
        h.setLevel(logging.CRITICAL)
        emit('below level')
        vars(h)['level'] = 0
        emit('level via vars')
        class Sub(logging.StreamHandler):
            pass
        h.__class__ = Sub
        emit('class changed')
        Sub.terminator = '@\\n'
        emit('subclass terminator')
        Sub.format = lambda self, record: 'SUB:' + record.getMessage()
        emit('subclass format')
        logging.raiseExceptions = False
        h.stream = None
        emit('no stream')
        print(repr(out.getvalue()), repr(second.getvalue()))
        """
    )


def test_handler_lock_recursion_seen_by_the_stream():
    # flush() inside handle() re-enters the handler's RLock: the count the stream sees is
    # the stdlib's, and the lock is free afterwards, also when flush raises.
    from support import assert_same_output

    assert_same_output(
        """
        import logging, threading
        h = None
        seen = []
        def state(where):
            lock = h.lock
            count = lock._recursion_count() if hasattr(lock, '_recursion_count') else None
            seen.append((where, lock._is_owned(), count))
        class Stream:
            fail = False
            def write(self, s):
                state('write')
            def flush(self):
                state('flush')
                if self.fail:
                    raise OSError('flush failed')
        stream = Stream()
        h = logging.StreamHandler(stream)
        log = logging.getLogger('lockrec')
        log.propagate = False
        log.addHandler(h)
        log.error('one')
        stream.fail = True
        logging.raiseExceptions = False
        log.error('two')
        state('after')
        t = threading.Thread(target=lambda: log.error('three'))
        stream.fail = False
        t.start(); t.join()
        print(seen)
        """
    )


def test_classes_patched_before_their_first_use_are_honoured():
    # The first record after the patches must already go through them: what decides that
    # a method is native is the descriptor found now, never one remembered at first use.
    from support import assert_same_output

    assert_same_output(
        """
        import io, logging, sys

        def wrap(cls, name):
            orig = getattr(cls, name)
            def patched(self, *args):
                print("patched", cls.__name__ + "." + name, file=sys.stdout)
                return orig(self, *args)
            setattr(cls, name, patched)

        for cls, name in [
            (logging.Logger, "handle"),
            (logging.Logger, "callHandlers"),
            (logging.Logger, "makeRecord"),
            (logging.Handler, "handle"),
            (logging.Handler, "format"),
            (logging.StreamHandler, "emit"),
            (logging.StreamHandler, "flush"),
            (logging.Formatter, "format"),
            (logging.Formatter, "usesTime"),
            (logging.Formatter, "formatMessage"),
            (logging.LogRecord, "getMessage"),
            (logging.LoggerAdapter, "process"),
        ]:
            wrap(cls, name)
        lg = logging.getLogger("patched.first")
        lg.propagate = False
        stream = io.StringIO()
        lg.addHandler(logging.StreamHandler(stream))
        lg.warning("first %s", 1)
        logging.LoggerAdapter(lg, {}).warning("adapted")
        print(repr(stream.getvalue()))
        """
    )


def test_overridden_find_caller_result_is_unpacked_as_python_does():
    from support import assert_same_output

    assert_same_output(
        """
        import io, logging

        class L(logging.Logger):
            result = None
            def findCaller(self, stack_info=False, stacklevel=1):
                return self.result

        lg = L("unpack")
        lg.propagate = False
        stream = io.StringIO()
        h = logging.StreamHandler(stream)
        h.setFormatter(logging.Formatter("%(pathname)s:%(lineno)d:%(funcName)s:%(stack_info)s %(message)s"))
        lg.addHandler(h)
        for result in [["f.py", 7, "fn", None], ("f.py", 7, "fn"), ("a", 1, "b", None, "extra"),
                       iter(["g.py", 8, "gn", "stack"]), 42, None]:
            lg.result = result
            try:
                lg.warning("r=%r", result if not hasattr(result, "__next__") else "iter")
            except Exception as e:
                print(type(e).__name__, e)
        print(stream.getvalue())
        """
    )


def test_record_attribute_shadowing_getmessage_is_called():
    # A native record keeps its attributes in a store instead of a dict: an assigned or
    # `extra=` getMessage must still shadow the class's, record after record.
    from support import assert_same_output

    assert_same_output(
        """
        import io, logging

        lg = logging.getLogger("shadow.getmessage")
        lg.propagate = False
        stream = io.StringIO()
        lg.addHandler(logging.StreamHandler(stream))

        class Patch(logging.Filter):
            def filter(self, record):
                if record.args == (2,):
                    record.getMessage = lambda: "assigned"
                return True

        lg.warning("plain %s", 1)
        f = Patch()
        lg.addFilter(f)
        lg.warning("patched %s", 2)
        lg.warning("plain again %s", 3)
        lg.removeFilter(f)
        lg.warning("extra %s", 4, extra={"getMessage": lambda: "from extra"})
        lg.warning("plain at last %s", 5)
        print(stream.getvalue())
        """
    )


def test_stream_methods_found_as_python_finds_them():
    # write/flush are called as the interpreter calls methods: an instance attribute, a
    # class patched between records, a callable object or a staticmethod all win.
    from support import assert_same_output

    assert_same_output(
        """
        import io, logging

        class Stream(io.StringIO):
            pass

        class Callable:
            def __init__(self, tag):
                self.tag = tag
            def __call__(self, *args):
                print(self.tag, args)

        lg = logging.getLogger("stream.methods")
        lg.propagate = False
        stream = Stream()
        lg.addHandler(logging.StreamHandler(stream))
        lg.warning("one")
        stream.write = lambda s: print("instance write", repr(s))
        lg.warning("two")
        del stream.write
        lg.warning("three")
        Stream.write = Callable("class callable")
        lg.warning("four")
        Stream.write = staticmethod(lambda s: print("static", repr(s)))
        lg.warning("five")
        del Stream.write
        Stream.flush = lambda self: print("class flush")
        lg.warning("six")
        stream.flush = lambda: print("instance flush")
        lg.warning("seven")
        print(repr(stream.getvalue()))
        """
    )
