"""Handler, NullHandler, StreamHandler, _StderrHandler, FileHandler and the handler registry.

Behaviour follows the running interpreter's stdlib; where versions differ the test says so.
"""

import io
import os
import pathlib
import sys
import textwrap
import threading

import pytest

from logixde import logging

from support import TRACED_PROPERTIES, assert_same_output

PY = sys.version_info[:2]


def record(**kw):
    kw.setdefault("msg", "hello %s")
    kw.setdefault("args", ("world",))
    return logging.makeLogRecord(kw)


def own_keys(handler):
    return [k for k in vars(handler) if k != "filters"]


class BadStream:
    def write(self, data):
        raise RuntimeError("deliberate mistake")


# --------------------------------------------------------------------------- Handler


def test_handler_state_is_in_the_instance_dict(clean_logging):
    h = logging.Handler()
    expected = ["_name", "level", "formatter"] + (["_closed"] if PY >= (3, 10) else []) + ["lock"]
    assert own_keys(h) == expected
    assert h.level == logging.NOTSET and h.formatter is None and h.name is None
    assert type(h.lock) is type(threading.RLock())
    assert repr(h) == "<Handler (NOTSET)>"
    h.level = 15
    assert repr(h) == "<Handler (Level 15)>"


def test_handler_level_checking(clean_logging):
    assert logging.Handler("INFO").level == logging.INFO
    with pytest.raises(TypeError, match="Level not an integer or a valid string: None"):
        logging.Handler(None)
    with pytest.raises(ValueError, match="Unknown level: 'NOPE'"):
        logging.Handler().setLevel("NOPE")


def test_name_registry(clean_logging):
    h = logging.Handler()
    h.name = "generic"
    assert h.name == "generic" and h.get_name() == "generic"
    assert logging._handlers["generic"] is h
    h.set_name("another")
    assert "generic" not in logging._handlers and logging._handlers["another"] is h
    if PY >= (3, 12):
        assert logging.getHandlerByName("another") is h
        assert "another" in logging.getHandlerNames()
        assert isinstance(logging.getHandlerNames(), frozenset)
    h.close()
    assert "another" not in logging._handlers
    if PY >= (3, 10):
        assert h._closed is True
    else:
        assert not hasattr(h, "_closed")
    with pytest.raises(NotImplementedError, match="emit must be implemented by Handler subclasses"):
        h.emit(None)


def test_handler_list_holds_weakrefs_removed_on_collection(clean_logging):
    import gc

    gc.collect()  # handlers left in cycles by earlier tests: gone before counting
    before = len(logging._handlerList)
    h = logging.Handler()
    assert len(logging._handlerList) == before + 1
    assert logging._handlerList[-1]() is h
    assert h in logging._at_fork_reinit_lock_weakset
    del h
    gc.collect()
    assert len(logging._handlerList) == before


def test_handle_dispatches_to_python_overrides(clean_logging):
    seen = []

    class Recording(logging.Handler):
        def emit(self, record):
            seen.append((record, self.lock._is_owned()))

        def filter(self, record):
            return record.msg != "drop"

    h = Recording()
    r = record()
    assert h.handle(r) is True  # what the filter returned
    assert seen == [(r, True)]
    assert not h.handle(record(msg="drop"))
    assert len(seen) == 1


@pytest.mark.skipif(PY < (3, 12), reason="filters returning a record are 3.12+")
def test_filter_may_replace_the_record(clean_logging):
    seen = []

    class Recording(logging.Handler):
        def emit(self, record):
            seen.append(record)

    h = Recording()
    new = logging.LogRecord("n", logging.INFO, "p", 1, "new", None, None)
    h.addFilter(lambda r: new)
    assert h.handle(record()) is new
    assert seen == [new]


def test_format_uses_formatter_or_default(clean_logging):
    h = logging.Handler()
    r = record()
    assert h.format(r) == "hello world"

    class Upper:
        def format(self, rec):
            return rec.getMessage().upper()

    h.setFormatter(Upper())
    assert h.format(r) == "HELLO WORLD"


def test_lock_acquire_release_and_with(clean_logging):
    h = logging.Handler()
    h.acquire()
    assert h.lock._is_owned()
    h.release()
    with h.lock:
        assert h.lock._is_owned()
    h.createLock()
    assert not h.lock._is_owned()
    h._at_fork_reinit()


def test_logging_from_inside_emit_does_not_deadlock(clean_logging):
    logger = logging.getLogger("hdl.reentrant")
    logger.propagate = False
    out = io.StringIO()

    class Reentrant(logging.StreamHandler):
        def emit(self, record):
            super().emit(record)
            if record.msg == "outer":
                logger.warning("inner")

    h = Reentrant(out)
    logger.addHandler(h)
    logger.warning("outer")
    logger.removeHandler(h)
    assert out.getvalue() == "outer\ninner\n"


def test_null_handler(clean_logging):
    h = logging.NullHandler()
    assert h.lock is None
    assert h.handle(record()) is None
    assert h.emit(record()) is None
    h._at_fork_reinit()
    assert repr(h) == "<NullHandler (NOTSET)>"


# --------------------------------------------------------------------------- handleError


def test_handle_error_output(clean_logging, monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    h = logging.StreamHandler(BadStream())
    r = record()
    h.handle(r)
    text = err.getvalue()
    assert text.startswith("--- Logging error ---\n")
    assert "\nRuntimeError: deliberate mistake\nCall stack:\n" in text
    assert "test_handle_error_output" in text  # the calling context
    assert text.endswith("Message: 'hello %s'\nArguments: ('world',)\n")


def test_handle_error_reads_raise_exceptions_live(clean_logging, monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(logging, "raiseExceptions", False)
    logging.StreamHandler(BadStream()).handle(record())
    assert err.getvalue() == ""


def test_handle_error_unprintable_message(clean_logging, monkeypatch):
    class Weird:
        def __repr__(self):
            raise ValueError("no repr")

    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    logging.StreamHandler(BadStream()).handle(logging.makeLogRecord({"msg": Weird()}))
    assert err.getvalue().endswith(
        "Unable to print the message and arguments - possible formatting error.\n"
        "Use the traceback above to help find the error.\n"
    )


def test_handle_error_override_sees_the_exception(clean_logging):
    seen = []

    class Failing(logging.StreamHandler):
        def handleError(self, record):
            seen.append(sys.exc_info()[0])

    Failing(BadStream()).handle(record())
    assert seen == [RuntimeError]
    assert sys.exc_info() == (None, None, None)


def test_recursion_error_and_base_exceptions_propagate(clean_logging):
    class Deep(logging.StreamHandler):
        def format(self, record):
            raise RecursionError("deep")

    class Interrupted(logging.StreamHandler):
        def format(self, record):
            raise KeyboardInterrupt

    with pytest.raises(RecursionError):
        Deep(io.StringIO()).handle(record())
    with pytest.raises(KeyboardInterrupt):
        Interrupted(io.StringIO()).handle(record())


def test_handle_error_text_matches_the_stdlib():
    # The stdlib's traceback shows logging's own frames (emit, format, getMessage) and the
    # call stack shows whatever runs the script; the native core has no frames of its own,
    # so each block is compared on its exception line, the innermost caller frame and the
    # message lines.
    assert_same_output(
        r"""
        import io, sys, logging
        err = io.StringIO(); sys.stderr = err
        logger = logging.getLogger("x"); logger.propagate = False
        logger.addHandler(logging.StreamHandler(io.StringIO()))
        logger.error("%d items", "many")
        class Bad:
            def write(self, s): raise OSError("gone")
        logging.StreamHandler(Bad()).handle(logging.makeLogRecord({"msg": "m"}))
        logging.StreamHandler(Bad()).handle(logging.makeLogRecord({"msg": "%s %s", "args": (1,)}))
        sys.stderr = sys.__stderr__
        for block in err.getvalue().split("--- Logging error ---\n")[1:]:
            before, _, after = block.partition("Call stack:\n")
            exc_line = [l for l in before.splitlines() if not l.startswith(" ")][-1]
            stack, _, rest = after.partition("Message: ")
            frames = [l for l in stack.splitlines() if l.startswith("  File ")]
            print(exc_line, frames[-1], "Message: " + rest, sep="\n")
        """
    )


# --------------------------------------------------------------------------- StreamHandler


def test_stream_handler_emit_and_terminator(clean_logging):
    s = io.StringIO()
    h = logging.StreamHandler(s)
    r = record()
    h.handle(r)
    h.terminator = "|"
    h.handle(r)
    del h.terminator
    monkey = logging.StreamHandler.terminator
    try:
        logging.StreamHandler.terminator = "#"
        h.handle(r)
    finally:
        logging.StreamHandler.terminator = monkey
    assert s.getvalue() == "hello world\nhello world|hello world#"


def test_stream_handler_defaults_to_sys_stderr(clean_logging, monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    h = logging.StreamHandler()
    assert h.stream is err
    assert logging.StreamHandler(None).stream is err


def test_set_stream(clean_logging):
    s1, s2 = io.StringIO(), io.StringIO()
    h = logging.StreamHandler(s1)
    assert h.setStream(s1) is None
    assert h.setStream(s2) is s1
    assert h.stream is s2


def test_stream_handler_repr(clean_logging):
    class Named:
        name = 42

        def write(self, s):
            pass

    h = logging.StreamHandler(Named())
    assert repr(h) == "<StreamHandler 42 (NOTSET)>"
    h.setStream(io.StringIO())
    assert repr(h) == "<StreamHandler (NOTSET)>"
    h.setStream(sys.__stderr__)
    h.setLevel(logging.ERROR)
    assert repr(h) == "<StreamHandler <stderr> (ERROR)>"


def test_flush_only_when_stream_has_flush(clean_logging):
    class NoFlush:
        def __init__(self):
            self.data = []

        def write(self, s):
            self.data.append(s)

    class Flushy(NoFlush):
        def flush(self):
            self.data.append("FLUSH")

    a, b = NoFlush(), Flushy()
    logging.StreamHandler(a).handle(record())
    logging.StreamHandler(b).handle(record())
    assert a.data == ["hello world\n"]
    assert b.data == ["hello world\n", "FLUSH"]


def test_subclass_overrides_format_and_flush(clean_logging):
    calls = []

    class Sub(logging.StreamHandler):
        def format(self, record):
            return "SUB"

        def flush(self):
            calls.append("flush")

    h = Sub(io.StringIO())
    h.handle(record())
    assert h.stream.getvalue() == "SUB\n"
    assert calls == ["flush"]


def test_flush_of_a_string_io_waits_for_the_lock_held_elsewhere(clean_logging):
    # StreamHandler.flush takes the handler's lock even for a StringIO: a thread holding
    # it delays the flush until it lets go.
    stream = io.StringIO()
    h = logging.StreamHandler(stream)
    held, go, order = threading.Event(), threading.Event(), []

    def holder():
        with h.lock:
            held.set()
            go.wait(5)
            order.append("released")

    t = threading.Thread(target=holder)
    t.start()
    held.wait(5)
    flusher = threading.Thread(target=lambda: order.append(_raises(h.flush)))
    flusher.start()
    flusher.join(0.2)
    assert order == []
    go.set()
    t.join(5)
    flusher.join(5)
    assert order == ["released", None]


def _raises(f):
    try:
        f()
    except Exception as e:
        return type(e).__name__
    return None


def test_flush_of_a_string_io_calls_what_the_stream_and_handler_say(clean_logging):
    calls = []
    stream = io.StringIO()
    stream.flush = lambda: calls.append("instance flush")
    h = logging.StreamHandler(stream)
    h.handle(record())
    assert calls == ["instance flush"]

    class Counted(logging.StreamHandler):
        def acquire(self):
            calls.append("acquire")
            super().acquire()

        def release(self):
            calls.append("release")
            super().release()

    calls.clear()
    Counted(io.StringIO()).flush()
    # 3.13's flush takes the lock with `with self.lock:`, not through acquire/release.
    assert calls == ([] if PY >= (3, 13) else ["acquire", "release"])


def test_flush_of_a_string_io_inside_the_lock_keeps_its_count(clean_logging):
    h = logging.StreamHandler(io.StringIO())
    with h.lock:
        h.flush()
        assert h.lock._is_owned()
    assert not h.lock._is_owned()
    assert "count=0" in repr(h.lock)


@pytest.mark.skipif(PY < (3, 11), reason="StreamHandler.__class_getitem__ is 3.11+")
def test_stream_handler_class_getitem():
    assert repr(logging.StreamHandler[io.StringIO]) == "logging.StreamHandler[_io.StringIO]"


def test_stderr_handler_follows_sys_stderr(clean_logging, monkeypatch):
    h = logging._StderrHandler(logging.INFO)
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert h.stream is err
    h.handle(record())
    assert err.getvalue() == "hello world\n"
    assert repr(h) == "<_StderrHandler (INFO)>"  # a StringIO has no name
    monkeypatch.setattr(sys, "stderr", sys.__stderr__)
    assert repr(h) == "<_StderrHandler %s(INFO)>" % (str(getattr(sys.__stderr__, "name", "")) + " ")


# --------------------------------------------------------------------------- FileHandler


def test_file_handler_attributes(tmp_path, clean_logging):
    fn = tmp_path / "f.log"
    h = logging.FileHandler(fn, delay=True)
    keys = ["baseFilename", "mode", "encoding", "errors", "delay"]
    keys += ["_builtin_open"] if PY >= (3, 10) else []
    keys += ["_name", "level", "formatter"] + (["_closed"] if PY >= (3, 10) else []) + ["lock", "stream"]
    assert own_keys(h) == keys
    assert h.baseFilename == os.path.abspath(fn)
    assert h.encoding == ("locale" if PY >= (3, 10) else None)
    assert h.stream is None and not fn.exists()
    assert repr(h) == "<FileHandler %s (NOTSET)>" % h.baseFilename
    h.handle(record())
    assert fn.exists()
    h.close()
    assert h.stream is None
    assert fn.read_text() == "hello world\n"


def test_file_handler_reopens_after_close_except_in_w_mode(tmp_path, clean_logging):
    fn = tmp_path / "f.log"
    h = logging.FileHandler(fn)
    h.handle(record())
    h.close()
    h.handle(record())  # mode 'a': reopens
    h.close()
    assert fn.read_text().count("hello world") == 2
    w = logging.FileHandler(fn, "w", delay=True)
    w.close()
    w.handle(record())
    if PY >= (3, 10):
        # Issue #42378: a closed handler in mode 'w' does not reopen (and truncate).
        assert w.stream is None
        assert fn.read_text().count("hello world") == 2
    else:
        assert w.stream is not None
        w.close()
        assert fn.read_text() == "hello world\n"


def test_file_handler_encoding_errors_and_binary(tmp_path, clean_logging):
    fn = tmp_path / "f.log"
    e = logging.FileHandler(str(fn), encoding="utf-8", errors="strict")
    assert (e.encoding, e.errors, e.stream.errors) == ("utf-8", "strict", "strict")
    e.close()
    b = logging.FileHandler(pathlib.Path(fn), "ab")
    assert b.encoding is None
    b.close()


def test_file_handler_close_ordering(tmp_path, clean_logging):
    closed = []

    class BadFlush:
        def write(self, s):
            pass

        def flush(self):
            raise ValueError("flush")

        def close(self):
            closed.append(True)

    h = logging.FileHandler(tmp_path / "f.log")
    h.stream.close()
    h.stream = BadFlush()
    h.name = "to-close"
    with pytest.raises(ValueError, match="flush"):
        h.close()
    assert closed == [True] and h.stream is None
    assert "to-close" not in logging._handlers


def test_file_handler_subclass_open_is_used(tmp_path, clean_logging):
    opened = []

    class Sub(logging.FileHandler):
        def _open(self):
            opened.append(self.baseFilename)
            return super()._open()

    h = Sub(tmp_path / "f.log", delay=True)
    assert opened == []
    h.handle(record())
    h.close()
    assert opened == [h.baseFilename]


def test_file_handler_missing_directory(tmp_path, clean_logging):
    with pytest.raises(FileNotFoundError):
        logging.FileHandler(tmp_path / "no" / "x.log")


def test_instance_and_class_patches_win(clean_logging, monkeypatch):
    s = io.StringIO()
    h = logging.StreamHandler(s)
    seen = []
    h.emit = lambda rec: seen.append(rec.msg)  # instance-level patch
    h.handle(record())
    assert seen == ["hello %s"] and s.getvalue() == ""
    del h.emit
    monkeypatch.setattr(logging.StreamHandler, "format", lambda self, rec: "PATCHED")
    h.handle(record())
    assert s.getvalue() == "PATCHED\n"
    flushed = []
    monkeypatch.setattr(logging.StreamHandler, "flush", lambda self: flushed.append(True))
    h.handle(record())
    assert flushed == [True]
    monkeypatch.setattr(logging.Filterer, "filter", lambda self, rec: False)
    h.handle(record())
    assert s.getvalue() == "PATCHED\nPATCHED\n"
    monkeypatch.undo()
    locked = []

    class Locking(logging.StreamHandler):
        def acquire(self):
            locked.append("acquire")
            super().acquire()

        def release(self):
            locked.append("release")
            super().release()

    Locking(io.StringIO()).handle(record())
    # up to 3.12 handle() and flush() call self.acquire()/self.release(); 3.13 uses `with self.lock`
    assert locked == ([] if PY >= (3, 13) else ["acquire", "acquire", "release", "release"])


def test_handler_attributes_read_as_often_and_in_the_order_the_stdlib_reads_them():
    # Plain attributes are read once (the same value again); properties, and a stream's own
    # __getattribute__, see every read the stdlib makes.
    assert_same_output(
        TRACED_PROPERTIES
        + textwrap.dedent(
            """
        import io, logging
        class H(logging.StreamHandler):
            formatter = traced('formatter'); level = traced('level'); stream = traced('stream')
            terminator = traced('terminator'); lock = traced('lock'); filters = traced('filters')
        class S(io.StringIO):
            def __getattribute__(self, name):
                if name in ('write', 'flush'):
                    reads.append('stream.' + name)
                return super().__getattribute__(name)
        s = S()
        h = H(s)
        h.terminator = '\\n'
        lg = logging.getLogger('hp'); lg.propagate = False; lg.addHandler(h)
        reads.clear()
        lg.warning('one')
        print(reads)
        reads.clear()
        h.setFormatter(logging.Formatter('%(levelname)s %(message)s'))
        lg.warning('two')
        print(reads)
        import sys
        if sys.version_info < (3, 13):  # 3.13 takes the lock with `with self.lock:`
            reads.clear()
            h.lock = None
            lg.warning('three')
            print(reads)
        print(s.getvalue())
            """
        )
    )


def test_handle_error_outside_an_except_block_fails_as_the_stdlib():
    # With no exception being handled, the stdlib prints the header, then fails reading the
    # traceback's frame (AttributeError out of handleError).
    assert_same_output(
        """
        import logging, sys
        sys.stderr = sys.stdout
        h = logging.StreamHandler(sys.stdout)
        try:
            h.handleError(logging.makeLogRecord({"msg": "m"}))
        except Exception as e:
            print("raised", type(e).__name__, e)
        """
    )


def test_file_handlers_open_through_a_patched_module_open():
    # `open` is the module's global name: logging_tree's tests set `logging.open` so that file
    # handlers open no real file.
    assert_same_output(
        """
        import io, logging, logging.handlers
        class FakeFile(io.StringIO):
            def __init__(self, filename, *args, **kwargs):
                super().__init__()
                self.filename = filename
        logging.open = FakeFile
        for make in (lambda: logging.FileHandler("/nonexistent-dir/a.log"),
                     lambda: logging.handlers.RotatingFileHandler("/nonexistent-dir/b.log", maxBytes=10, backupCount=1),
                     lambda: logging.handlers.TimedRotatingFileHandler("/nonexistent-dir/c.log"),
                     lambda: logging.handlers.WatchedFileHandler("/nonexistent-dir/d.log"),
                     lambda: logging.FileHandler("/nonexistent-dir/e.log", delay=True)):
            try:
                h = make()
                print(type(h).__name__, type(h.stream).__name__, h._open().filename)
            except OSError as e:
                print("OSError", e)
        del logging.open
        """
    )


def test_handler_and_filter_pickle_by_their_state():
    # loguru's tests pickle a Handler subclass whose createLock sets a picklable lock; the
    # stdlib pickles a handler or filter by its instance state.
    assert_same_output(
        """
        import copy, logging, pickle
        class MockLock:
            def __enter__(self): pass
            def __exit__(self, *a): pass
            def acquire(self): pass
            def release(self): pass
        class Standard(logging.Handler):
            def __init__(self, level):
                super().__init__(level)
                self.written = ""
            def emit(self, record):
                self.written += record.getMessage()
            def createLock(self):
                self.lock = MockLock()
        h = Standard(logging.INFO)
        f = logging.Filter("a.b")
        h.addFilter(f)
        back = pickle.loads(pickle.dumps(h))
        back.handle(logging.makeLogRecord({"msg": "kept", "name": "a.b.c", "levelno": 20}))
        back.handle(logging.makeLogRecord({"msg": "dropped", "name": "x", "levelno": 20}))
        print(type(back).__name__, back.level, repr(back.written), [type(x).__name__ for x in back.filters])
        g = pickle.loads(pickle.dumps(f))
        print(g.name, g.nlen, copy.copy(f).name, copy.deepcopy(h).filters[0].name)
        try:
            pickle.dumps(logging.StreamHandler())
        except TypeError as e:
            print("TypeError", e)
        """
    )


def test_handle_error_override_calling_super_shows_the_callers_stack():
    assert_same_output(
        """
        import logging, sys
        class Mine(logging.StreamHandler):
            def handleError(self, record):
                print("override called", file=sys.stderr)
                super().handleError(record)
        sys.stderr = sys.stdout
        lg = logging.getLogger("override")
        lg.addHandler(Mine(sys.stdout))
        lg.warning("%d", "not a number")
        """,
        internal_frames=True,
    )


def test_name_is_the_stdlibs_property():
    # `name = property(get_name, set_name)`: what it is, and what using it does.
    assert_same_output(
        """
        import logging
        prop = logging.Handler.__dict__["name"]
        print(type(prop).__name__, prop.fget is logging.Handler.get_name, prop.fset is logging.Handler.set_name)
        h = logging.StreamHandler()
        h.name = "one"
        print(h.name, h.get_name(), logging.getHandlerByName("one") is h if hasattr(logging, "getHandlerByName") else None)
        try:
            del h.name
        except AttributeError as e:
            print(e)
        class Sub(logging.Handler):
            def get_name(self):
                return "overridden"
        s = Sub()
        s.name = "two"
        print(s.name, s.get_name())
        """
    )
