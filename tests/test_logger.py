"""Logger, RootLogger, Manager, PlaceHolder: behaviour of the stdlib, per running version."""

import io
import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import pytest

from logixde import logging

from support import TRACED_PROPERTIES, assert_same_output, check_stacklevel_walk

VERSION = sys.version_info[:2]
HERE = os.path.dirname(os.path.abspath(__file__))


class RecordingHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def recording():
    logger = logging.Logger(name="blah")
    h = RecordingHandler()
    logger.addHandler(h)
    yield logger, h
    logger.removeHandler(h)


@pytest.fixture
def clean_manager():
    manager = logging.Logger.manager
    saved = dict(manager.loggerDict)
    yield manager
    manager.loggerDict.clear()
    manager.loggerDict.update(saved)
    manager._clear_cache()


# --- Manager / hierarchy -------------------------------------------------------------


def test_hierarchy_any_creation_order(clean_manager):
    c = logging.getLogger("x1.y.z")
    assert c.parent is logging.root
    assert isinstance(clean_manager.loggerDict["x1.y"], logging.PlaceHolder)
    assert isinstance(clean_manager.loggerDict["x1"], logging.PlaceHolder)
    a = logging.getLogger("x1")
    assert c.parent is a
    assert a.parent is logging.root
    b = logging.getLogger("x1.y")
    assert c.parent is b
    assert b.parent is a
    assert logging.getLogger("x1.y") is b


def test_placeholder():
    lg = logging.Logger("p")
    ph = logging.PlaceHolder(lg)
    assert ph.loggerMap == {lg: None}
    lg2 = logging.Logger("q")
    ph.append(lg2)
    ph.append(lg2)
    assert list(ph.loggerMap) == [lg, lg2]


def test_get_logger_type_error():
    with pytest.raises(TypeError, match="A logger name must be a string"):
        logging.Logger.manager.getLogger(1)
    with pytest.raises(TypeError, match="A logger name must be a string"):
        logging.getLogger(b"abc")


def test_manager_attributes():
    m = logging.Manager(None)
    assert m.root is None
    assert m.disable == 0
    assert m._disable == 0
    assert m.emittedNoHandlerWarning is False
    assert m.loggerDict == {} and type(m.loggerDict) is dict
    assert m.loggerClass is None
    assert m.logRecordFactory is None
    m.disable = "INFO"
    assert m.disable == 20
    with pytest.raises(ValueError, match="Unknown level: 'NOPE'"):
        m.disable = "NOPE"
    with pytest.raises(TypeError):
        m.disable = None


def test_manager_loggerclass():
    logged = []

    class MyLogger(logging.Logger):
        def _log(self, level, msg, args, exc_info=None, extra=None):
            logged.append(msg)

    man = logging.Manager(None)
    with pytest.raises(TypeError, match="logger not derived from logging.Logger: int"):
        man.setLoggerClass(int)
    man.setLoggerClass(MyLogger)
    logger = man.getLogger("test")
    assert type(logger) is MyLogger
    assert logger.manager is man
    assert logger.parent is None
    logger.warning("should appear in logged")
    assert logged == ["should appear in logged"]


def test_set_log_record_factory_on_manager():
    man = logging.Manager(None)
    expected = object()
    man.setLogRecordFactory(expected)
    assert man.logRecordFactory is expected


def test_module_set_logger_class():
    with pytest.raises(TypeError, match="logger not derived from logging.Logger: str"):
        logging.setLoggerClass(str)

    class MyLogger(logging.Logger):
        pass

    try:
        logging.setLoggerClass(MyLogger)
        assert logging.getLoggerClass() is MyLogger
        assert logging._loggerClass is MyLogger
    finally:
        logging.setLoggerClass(logging.Logger)
    assert logging.getLoggerClass() is logging.Logger


def test_manager_lock_released_on_error(clean_manager):
    class Boom(logging.Logger):
        def __init__(self, name):
            raise RuntimeError("boom")

    man = logging.Manager(logging.root)
    man.setLoggerClass(Boom)
    with pytest.raises(RuntimeError):
        man.getLogger("boom")
    # The module lock is free again (acquirable from another thread).
    import threading

    got = []

    def probe():
        ok = logging._lock.acquire(timeout=5)
        got.append(ok)
        if ok:
            logging._lock.release()

    t = threading.Thread(target=probe)
    t.start()
    t.join()
    assert got == [True]


# --- Logger basics --------------------------------------------------------------------


def test_logger_attributes():
    lg = logging.Logger("attrs")
    assert lg.name == "attrs"
    assert lg.level == 0
    assert lg.parent is None
    assert lg.propagate is True
    assert lg.handlers == [] and type(lg.handlers) is list
    assert lg.filters == []
    assert lg.disabled is False
    assert lg._cache == {} and type(lg._cache) is dict
    assert logging.Logger("l", "INFO").level == 20
    with pytest.raises(TypeError, match=r"Level not an integer or a valid string: None"):
        logging.Logger("l", None)


def test_set_invalid_level(recording):
    logger, _ = recording
    with pytest.raises(TypeError, match=r"Level not an integer or a valid string: None"):
        logger.setLevel(None)
    # 3.9 formats the tuple with `%` itself: "not all arguments converted ..." (stdlib).
    if VERSION == (3, 9):
        match = r"^not all arguments converted during string formatting$"
    else:
        match = r"Level not an integer or a valid string: \(0, 0\)"
    with pytest.raises(TypeError, match=match):
        logger.setLevel((0, 0))


def test_root_logger():
    root = logging.getLogger()
    assert root is logging.root
    assert type(root) is logging.RootLogger
    assert root.name == "root"
    assert logging.Logger.root is root
    assert logging.Logger.manager.root is root
    assert isinstance(root, logging.Logger)


def test_repr():
    lg = logging.getLogger("repr.test")
    lg.setLevel(logging.DEBUG)
    assert repr(lg) == "<Logger repr.test (DEBUG)>"
    assert repr(logging.root) == "<RootLogger root (%s)>" % logging.getLevelName(
        logging.root.getEffectiveLevel())

    class Custom(logging.Logger):
        pass

    c = Custom("c", 15)
    assert repr(c) == "<Custom c (Level 15)>"


def test_pickling():
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        for name in ("", "root", "foo", "foo.bar", "baz.bar"):
            logger = logging.getLogger(name)
            s = pickle.dumps(logger, proto)
            unpickled = pickle.loads(s)
            assert unpickled is logger


def test_pickling_unregistered_logger_fails():
    lg = logging.Logger("not-registered-xyz")
    with pytest.raises(pickle.PicklingError, match="logger cannot be pickled"):
        pickle.dumps(lg)


def test_caching_and_set_level(clean_manager):
    root = logging.getLogger()
    logger1 = logging.getLogger("abc")
    logger2 = logging.getLogger("abc.def")
    saved = root.level, root.disabled, clean_manager.disable
    try:
        root.setLevel(logging.ERROR)
        assert logger2.getEffectiveLevel() == logging.ERROR
        assert logger2._cache == {}
        assert logger2.isEnabledFor(logging.ERROR)
        assert logger2._cache == {logging.ERROR: True}
        assert root._cache == {}
        assert logger2.isEnabledFor(logging.ERROR)
        assert not logger2.isEnabledFor(logging.DEBUG)
        assert not logger1.isEnabledFor(logging.DEBUG)
        logger1.setLevel(logging.CRITICAL)
        assert logger2._cache == {}
        assert not logger2.isEnabledFor(logging.ERROR)
        logger1.setLevel(logging.NOTSET)
        assert logger2.isEnabledFor(logging.ERROR)
        logging.disable()
        assert not logger2.isEnabledFor(logging.ERROR)
        logging.disable(logging.NOTSET)
        logger2.disabled = True
        assert logger2.isEnabledFor(logging.CRITICAL) is False
        logger2.disabled = False
    finally:
        root.setLevel(saved[0])
        root.disabled = saved[1]
        logging.disable(saved[2])


def test_has_handlers(recording):
    logger, h = recording
    assert logger.hasHandlers()
    logger.removeHandler(h)
    assert not logger.hasHandlers()
    child = logging.Logger("blah.child")
    child.parent = logger
    logger.addHandler(h)
    assert child.hasHandlers()
    child.propagate = False
    assert not child.hasHandlers()


def test_add_remove_handler_idempotent():
    lg = logging.Logger("h")
    h = logging.NullHandler()
    lg.addHandler(h)
    lg.addHandler(h)
    assert lg.handlers == [h]
    lg.removeHandler(h)
    lg.removeHandler(h)
    assert lg.handlers == []


def test_get_child(clean_manager):
    r = logging.getLogger()
    l1 = logging.getLogger("abc")
    c1 = r.getChild("xyz")
    c2 = r.getChild("uvw.xyz")
    assert c1 is logging.getLogger("xyz")
    assert c2 is logging.getLogger("uvw.xyz")
    c1 = l1.getChild("def")
    c2 = c1.getChild("ghi")
    c3 = l1.getChild("def.ghi")
    assert c1 is logging.getLogger("abc.def")
    assert c2 is logging.getLogger("abc.def.ghi")
    assert c2 is c3


@pytest.mark.skipif(VERSION < (3, 12), reason="getChildren is 3.12+")
def test_get_children(clean_manager):
    r = logging.getLogger()
    l1 = logging.getLogger("foo")
    l2 = logging.getLogger("foo.bar")
    logging.getLogger("foo.bar.baz.bozz")
    l4 = logging.getLogger("bar")
    kids = r.getChildren()
    expected = {l1, l4}
    assert expected == kids & expected
    assert l2 not in expected
    assert l1.getChildren() == {l2}
    assert l2.getChildren() == set()


def test_version_specific_attributes():
    assert hasattr(logging.Logger, "getChildren") == (VERSION >= (3, 12))
    if VERSION == (3, 9):
        assert logging.Logger.fatal is logging.Logger.critical
    else:
        assert logging.Logger.fatal is not logging.Logger.critical


# --- Logging calls ---------------------------------------------------------------------


def test_exception(recording):
    logger, h = recording
    msg = "testing exception: %r"
    try:
        1 / 0
    except ZeroDivisionError as e:
        exc = e
        logger.exception(msg, h)
    assert len(h.records) == 1
    record = h.records[0]
    assert record.levelno == logging.ERROR
    assert record.msg == msg
    assert record.args == (h,)
    assert record.exc_info == (exc.__class__, exc, exc.__traceback__)


def test_exc_info_forms(recording):
    logger, h = recording
    err = ValueError("v")
    logger.error("inst", exc_info=err)
    assert h.records[-1].exc_info == (ValueError, err, None)
    tup = (KeyError, KeyError("k"), None)
    logger.error("tuple", exc_info=tup)
    assert h.records[-1].exc_info is tup
    logger.error("true-no-exc", exc_info=True)
    assert h.records[-1].exc_info == (None, None, None)
    logger.error("false", exc_info=0)
    assert h.records[-1].exc_info == 0 or h.records[-1].exc_info is None
    logger.exception("explicit none", exc_info=None)
    assert h.records[-1].exc_info is None


def test_log_invalid_level(recording):
    logger, h = recording
    saved = logging.raiseExceptions
    try:
        logging.raiseExceptions = True
        with pytest.raises(TypeError, match="level must be an integer"):
            logger.log("10", "test message")
        logging.raiseExceptions = False
        logger.log("10", "test message")
    finally:
        logging.raiseExceptions = saved
    assert h.records == []


def test_unexpected_keyword(recording):
    logger, _ = recording
    with pytest.raises(TypeError, match="got an unexpected keyword argument 'foo'"):
        logger.warning("x", foo=1)


def test_make_record_with_extra_overwrite(recording):
    logger, _ = recording
    name = "my record"
    level = 13
    fn = lno = msg = args = exc_info = func = sinfo = None
    rv = logging._logRecordFactory(name, level, fn, lno, msg, args, exc_info, func, sinfo)
    for key in ("message", "asctime") + tuple(rv.__dict__.keys()):
        extra = {key: "some value"}
        with pytest.raises(KeyError) as ei:
            logger.makeRecord(name, level, fn, lno, msg, args, exc_info, extra=extra, sinfo=sinfo)
        assert ei.value.args[0] == "Attempt to overwrite %r in LogRecord" % key


def test_make_record_with_extra_no_overwrite(recording):
    logger, _ = recording
    extra = {"valid_key": "some value"}
    result = logger.makeRecord("n", 13, None, None, None, None, None, extra=extra)
    assert result.valid_key == "some value"


def test_handle_disabled_and_filters(recording):
    logger, h = recording
    logger.disabled = True
    logger.warning("no")
    assert h.records == []
    logger.disabled = False
    logger.addFilter(lambda r: r.msg != "drop")
    logger.warning("drop")
    logger.warning("keep")
    assert [r.msg for r in h.records] == ["keep"]


@pytest.mark.skipif(VERSION < (3, 12), reason="filters returning records are 3.12+")
def test_filter_returning_record_replaces(recording):
    logger, h = recording

    def f(record):
        new = logging.makeLogRecord(record.__dict__)
        new.replaced = True
        return new

    logger.addFilter(f)
    logger.warning("x")
    assert getattr(h.records[-1], "replaced", False) is True


def test_handler_level(recording):
    logger, h = recording
    h.setLevel(logging.ERROR)
    logger.warning("below")
    logger.error("at")
    assert [r.msg for r in h.records] == ["at"]


def test_last_resort_and_no_handlers_message(monkeypatch):
    lg = logging.Logger("lonely")
    saved = logging.lastResort, logging.raiseExceptions
    manager = logging.Logger.manager
    saved_flag = manager.emittedNoHandlerWarning
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    try:
        logging.lastResort = None
        manager.emittedNoHandlerWarning = False
        lg.warning("one")
        lg.warning("two")
        assert err.getvalue() == 'No handlers could be found for logger "lonely"\n'
        assert manager.emittedNoHandlerWarning is True
        manager.emittedNoHandlerWarning = False
        logging.raiseExceptions = False
        lg.warning("three")
        assert err.getvalue() == 'No handlers could be found for logger "lonely"\n'
    finally:
        logging.lastResort, logging.raiseExceptions = saved
        manager.emittedNoHandlerWarning = saved_flag


def test_propagation(clean_manager):
    parent = logging.getLogger("prop")
    child = logging.getLogger("prop.child")
    ph, ch = RecordingHandler(), RecordingHandler()
    parent.addHandler(ph)
    child.addHandler(ch)
    child.setLevel(1)
    child.info("both")
    child.propagate = False
    child.info("child only")
    assert [r.msg for r in ch.records] == ["both", "child only"]
    assert [r.msg for r in ph.records] == ["both"]


def test_warn_is_deprecated(recording):
    logger, h = recording
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        logger.warn("old")
    assert len(w) == 1
    assert w[0].category is DeprecationWarning
    assert str(w[0].message) == "The 'warn' method is deprecated, use 'warning' instead"
    assert w[0].filename == __file__
    assert h.records[-1].levelno == logging.WARNING


def test_fatal(recording):
    logger, h = recording
    logger.fatal("f")
    assert h.records[-1].levelname == "CRITICAL"


def test_find_caller_with_stack_info(recording, monkeypatch):
    logger, _ = recording
    called = []
    monkeypatch.setattr(logging.traceback, "print_stack",
                        lambda f, file: called.append(file.getvalue()))
    logger.findCaller(stack_info=True)
    assert called == ["Stack (most recent call last):\n"]


def test_stack_info_text(recording):
    logger, h = recording
    logger.warning("s", stack_info=True)
    sinfo = h.records[-1].stack_info
    assert sinfo.startswith("Stack (most recent call last):\n")
    assert not sinfo.endswith("\n")
    assert "test_stack_info_text" in sinfo.splitlines()[-2]


def test_find_caller_with_stacklevel(recording):
    logger, h = recording
    check_stacklevel_walk(logger.warning, h.records)


def test_caller_fields(recording):
    logger, h = recording

    def here():
        logger.warning("w")
        return sys._getframe().f_lineno - 1

    line = here()
    r = h.records[-1]
    assert (r.funcName, r.lineno, r.pathname) == ("here", line, __file__)


def test_caller_line_numbers(recording):
    # The line of each call site, however records from them interleave; code objects
    # compiled anew each time (a freed one's address may be reused by the next).
    logger, h = recording
    expected = []

    def two_sites(i):
        logger.warning("a")
        expected.append(sys._getframe().f_lineno - 1)
        if i % 2:
            logger.warning("b")
            expected.append(sys._getframe().f_lineno - 1)

    for i in range(6):
        two_sites(i)
    for k in range(40):
        exec(compile("\n" * (k % 7) + "logger.warning('c')", "<gen>", "exec"), {"logger": logger})
        expected.append(k % 7 + 1)
    assert [r.lineno for r in h.records[-len(expected):]] == expected


def test_caller_line_number_while_traced(recording):
    # Under a trace function the frame's own f_lineno is what CPython reports.
    logger, h = recording
    seen = []

    def tracer(frame, event, arg):
        return tracer

    def site():
        logger.warning("t")
        seen.append(sys._getframe().f_lineno - 1)

    site()
    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        site()
        site()
    finally:
        sys.settrace(old)
    site()
    assert [r.lineno for r in h.records[-4:]] == seen


def test_srcfile_none_gives_unknown_caller(recording, monkeypatch):
    logger, h = recording
    monkeypatch.setattr(logging, "_srcfile", None)
    logger.warning("x")
    r = h.records[-1]
    assert (r.pathname, r.lineno, r.funcName) == ("(unknown file)", 0, "(unknown function)")


def test_currentframe():
    f = logging.currentframe()
    if VERSION >= (3, 11):
        assert f is sys._getframe()
    else:
        assert f is not None


@pytest.mark.skipif(VERSION < (3, 11), reason="_is_internal_frame is 3.11+")
def test_is_internal_frame():
    assert not logging._is_internal_frame(sys._getframe())


# --- Overrides -------------------------------------------------------------------------


def test_monkeypatched_call_handlers_is_honoured(recording, monkeypatch):
    logger, h = recording
    seen = []
    orig = logging.Logger.callHandlers

    def patched(self, record):
        seen.append(record.msg)
        return orig(self, record)

    monkeypatch.setattr(logging.Logger, "callHandlers", patched)
    logger.warning("patched")
    assert seen == ["patched"]
    assert h.records[-1].msg == "patched"


def test_instance_patched_handle(recording, monkeypatch):
    logger, h = recording
    seen = []
    monkeypatch.setattr(logger, "handle", lambda record: seen.append(record.msg))
    logger.warning("inst")
    assert seen == ["inst"]
    assert h.records == []


def test_subclass_overrides(recording):
    _, h = recording
    calls = []

    class Sub(logging.Logger):
        def makeRecord(self, *args, **kwargs):
            calls.append("makeRecord")
            rv = super().makeRecord(*args, **kwargs)
            rv.custom = 1
            return rv

        def isEnabledFor(self, level):
            calls.append("isEnabledFor")
            return True

        def findCaller(self, stack_info=False, stacklevel=1):
            calls.append("findCaller")
            return ("file", 1, "func", None)

        def handle(self, record):
            calls.append("handle")
            super().handle(record)

    s = Sub("sub")
    s.addHandler(h)
    s.debug("d")
    assert calls == ["isEnabledFor", "findCaller", "makeRecord", "handle"]
    r = h.records[-1]
    assert (r.custom, r.pathname, r.funcName) == (1, "file", "func")


def test_foreign_handler_object(recording):
    logger, _ = recording
    got = []

    class Duck:
        level = 0

        def handle(self, record):
            got.append(record.getMessage())

    logger.addHandler(Duck())
    logger.warning("quack %d", 1)
    assert got == ["quack 1"]


# --- Byte-identical caller info against the stdlib --------------------------------------


def test_frames_identical_to_stdlib():
    script = os.path.join(HERE, "scripts", "frames.py")
    env = dict(os.environ)
    env.pop("LOGIXDE", None)
    std = subprocess.run([sys.executable, script, "--stdlib"], capture_output=True, text=True,
                         env=env, timeout=120)
    ours = subprocess.run([sys.executable, "-m", "logixde", script, "--logixde"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert std.returncode == 0, std.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == std.stdout


def test_unregistered_logger_cycle_is_collected():
    import gc
    import weakref

    class Back(logging.Handler):
        def emit(self, record):
            pass

    lg = logging.Logger("cycle")
    h = Back()
    h.owner = lg
    lg.addHandler(h)
    ref = weakref.ref(lg)
    del lg, h
    gc.collect()
    assert ref() is None


def test_first_records_from_many_threads_do_not_deadlock():
    # The first records of a process, from eight threads at once with the GIL handed over
    # as often as it can be: native code that initialises something once while running
    # Python code must not make the others wait for it holding the GIL (it did:
    # findCaller's one-time frame layout check behind a std OnceLock hung ~3 runs in 5).
    from support import _env

    code = """
import sys, threading, io
import logging
sys.setswitchinterval(1e-6)
lg = logging.getLogger("t"); lg.propagate = False; lg.setLevel(logging.INFO)
lg.addHandler(logging.StreamHandler(io.StringIO()))
barrier = threading.Barrier(8)
def work():
    barrier.wait()
    for i in range(20):
        lg.info("x %s", i)
ts = [threading.Thread(target=work) for _ in range(8)]
for t in ts: t.start()
for t in ts: t.join()
print("done")
"""
    for _ in range(4):
        out = subprocess.run([sys.executable, "-m", "logixde", "-c", code], capture_output=True,
                             env=_env(True), timeout=60)
        assert (out.returncode, out.stdout) == (0, b"done\n"), out.stderr.decode()


def test_is_enabled_for_reads_a_replaced_cache_as_python_does():
    # `self._cache[level]`: a dict subclass's __getitem__/__missing__ are called.
    assert_same_output(
        """
        import logging
        class Cache(dict):
            def __getitem__(self, key):
                print("getitem", key)
                return dict.__getitem__(self, key)
            def __missing__(self, key):
                print("missing", key)
                raise KeyError(key)
        lg = logging.getLogger("cache.sub")
        lg._cache = Cache()
        print(lg.isEnabledFor(30), lg.isEnabledFor(30), lg.isEnabledFor(10))
        lg.warning("through the level method")
        print(sorted(lg._cache.items()))
        """
    )


def test_call_handlers_reads_propagate_and_parent_after_the_handlers():
    assert_same_output(
        """
        import logging
        class Switch(logging.Handler):
            def emit(self, record):
                print("child handler", record.getMessage())
                child.propagate = False
        class Show(logging.Handler):
            def emit(self, record):
                print("parent handler", record.getMessage())
        parent = logging.getLogger("pp"); parent.addHandler(Show()); parent.propagate = False
        child = logging.getLogger("pp.c"); child.addHandler(Switch())
        child.warning("one")
        child.warning("two")
        child.propagate = True
        class Reparent(logging.Handler):
            def emit(self, record):
                print("reparent handler", record.getMessage())
                other.parent = logging.getLogger("elsewhere")
        other = logging.getLogger("pp.o"); other.addHandler(Reparent())
        logging.getLogger("elsewhere").addHandler(Show())
        logging.getLogger("elsewhere").propagate = False
        other.warning("three")
        """
    )


def test_logger_subclass_fields_as_properties_see_every_read_and_assignment():
    # A Logger subclass redefining its attributes as properties: __init__ assigns through
    # them and isEnabledFor / getEffectiveLevel / handle / callHandlers / addHandler read
    # them as often, and in the order, the stdlib does.
    assert_same_output(
        TRACED_PROPERTIES
        + textwrap.dedent(
            """
        import io, logging, sys
        class L(logging.Logger):
            name = traced('name'); level = traced('level'); parent = traced('parent')
            propagate = traced('propagate'); handlers = traced('handlers'); disabled = traced('disabled')
            _cache = traced('_cache'); filters = traced('filters')
        logging.setLoggerClass(L)
        lg = logging.getLogger('lp.child')
        print(reads); reads.clear()
        s = io.StringIO()
        h = logging.StreamHandler(s)
        lg.addHandler(h)
        print(reads); reads.clear()
        lg.warning('one')
        print(reads); reads.clear()
        lg.warning('two')
        print(reads); reads.clear()
        lg.debug('three')
        print(reads); reads.clear()
        print(lg.isEnabledFor(10), lg.getEffectiveLevel(), reads); reads.clear()
        lg.propagate = False
        lg.error('four')
        print(reads); reads.clear()
        lg.disabled = True
        lg.error('five')
        print(reads); reads.clear()
        print(repr(lg), reads); reads.clear()
        a = logging.LoggerAdapter(lg, {})
        lg.disabled = False
        a.info('six'); a.warning('seven')
        print(reads); reads.clear()
        print(s.getvalue())
            """
        )
    )


def test_logger_fields_patched_on_the_class_or_filterer_properties():
    # A property patched onto Logger itself, a subclass with __bool__, a Filterer subclass
    # whose `filters` is a property, and a failing re-__init__ (name assigned before the
    # level is checked).
    assert_same_output(
        """
        import io, logging, sys
        # Patches on the classes themselves, and a subclass with __bool__, plain subclass
        reads = []
        class L(logging.Logger):
            pass
        logging.setLoggerClass(L)
        lg = logging.getLogger('q.r')
        s = io.StringIO(); lg.addHandler(logging.StreamHandler(s))
        lg.warning('plain subclass')
        class B(logging.Logger):
            def __bool__(self):
                reads.append('bool'); return True
        logging.setLoggerClass(B)
        b = logging.getLogger('q.r.b')
        b.addHandler(logging.StreamHandler(s))
        b.warning('bool logger')
        print(b.getEffectiveLevel(), reads)
        lg.setLevel(5)
        print(b.getEffectiveLevel(), reads)
        class F(logging.Filterer):
            @property
            def filters(self):
                reads.append('get filters'); return self.__dict__['_f']
            @filters.setter
            def filters(self, v):
                reads.append('set filters'); self.__dict__['_f'] = v
        reads.clear()
        f = F(); f.addFilter(lambda r: True); f.removeFilter(1); print(reads, f.filter(logging.makeLogRecord({})))
        try:
            lg.__init__('renamed', 'BOGUS')
        except ValueError as e:
            print('ValueError', e)
        print(lg.name, lg.filters)
        orig = logging.Logger.__dict__.get('propagate')
        logging.Logger.propagate = property(lambda self: reads.append('prop') or False, lambda self, v: reads.append(('setprop', v)))
        lg.warning('patched class')
        print(reads); reads.clear()
        print(logging.getLogger('q').propagate, reads); reads.clear()
        print(s.getvalue())
        """
    )


def test_manager_subclass_attributes_as_properties_see_every_read_and_assignment():
    # Manager.__init__ assigns through properties; getLogger / _fixupParents read
    # loggerDict at each use, isEnabledFor reads manager.disable, a property patched onto
    # Manager itself is honoured.
    assert_same_output(
        TRACED_PROPERTIES
        + textwrap.dedent(
            """
        import io, logging, sys
        class M(logging.Manager):
            root = traced('root'); loggerDict = traced('loggerDict'); loggerClass = traced('loggerClass')
            logRecordFactory = traced('logRecordFactory'); emittedNoHandlerWarning = traced('emittedNoHandlerWarning')
            disable = traced('disable')
        m = M(logging.root)
        print(reads); reads.clear()
        a = m.getLogger('m.a.b')
        print(type(a).__name__, reads); reads.clear()
        b = m.getLogger('m.a')
        print(reads); reads.clear()
        print(m.getLogger('m.a') is b, reads); reads.clear()
        b.manager = m
        s = io.StringIO(); b.addHandler(logging.StreamHandler(s)); b.propagate = False
        b.warning('one')
        print(reads); reads.clear()
        b.warning('two')
        print(reads); reads.clear()
        logging.Manager.disable = property(lambda self: reads.append('patched disable') or 0, lambda self, v: None)
        b._cache.clear()
        b.error('three')
        print(reads); reads.clear()
        print(s.getvalue())
            """
        )
    )


def test_python_find_caller_counting_frames_sees_the_stdlibs_depth():
    # Twisted's STDLibLogObserver sets logger.findCaller to a function that counts a fixed
    # number of frames up: it is called from real frames of logging's file where the stdlib
    # has its log method and _log. A subclass calling super().findCaller() still gets the
    # stdlib's answer.
    assert_same_output(
        """
        import logging, sys

        def find_caller(stack_info=False, stacklevel=1):
            f, names = sys._getframe(1), []
            while f is not None and f.f_code.co_name != "<module>":
                names.append(f.f_code.co_name); f = f.f_back
            print("frames above findCaller:", len(names), names[-1])
            return ("x.py", 1, "x", None)

        logger = logging.getLogger("t")
        logger.findCaller = find_caller
        def user_code():
            logger.log(logging.WARNING, "hi")
            logger.warning("hi")
            logger.exception("hi")
            logging.LoggerAdapter(logger, {}).warning("hi")
        user_code()
        class L(logging.Logger):
            def findCaller(self, stack_info=False, stacklevel=1):
                return super().findCaller(stack_info, stacklevel)
        l = L("sub"); h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter("%(filename)s %(funcName)s %(lineno)d %(message)s")); l.addHandler(h)
        def f():
            l.warning("via super")
            l.warning("level 2", stacklevel=2)
        f()
        """
    )


def test_is_enabled_for_errors_carry_the_cache_miss_as_context():
    # The stdlib decides a level missing from `_cache` in `except KeyError:`.
    assert_same_output(
        """
        import logging
        for level in ("ERROR", None, [1]):
            try:
                logging.getLogger("ctx").isEnabledFor(level)
            except Exception as e:
                print(type(e).__name__, e, "| context:", repr(e.__context__))
        """
    )


def test_replaced_currentframe_and_is_internal_frame_are_what_find_caller_calls():
    # Code skips its own wrappers with `logging.currentframe = lambda: sys._getframe(N)`
    # (N counts the stdlib's frames: findCaller, _log, the log method), and from 3.11 may
    # widen `_is_internal_frame`: the stdlib's findCaller calls both module globals.
    assert_same_output(
        """
        import logging, sys, io
        fmt = logging.Formatter("%(filename)s:%(lineno)d %(funcName)s %(message)s")
        h = logging.StreamHandler(sys.stdout); h.setFormatter(fmt)
        root = logging.getLogger(); root.addHandler(h); root.setLevel(logging.DEBUG)
        log = logging.getLogger("app")
        ORIGINAL_CF = logging.currentframe

        def wrapper(msg, *args):
            # the "report the caller of my wrapper" pattern
            try:
                logging.currentframe = lambda: sys._getframe(4 if sys.version_info < (3, 11) else 2)
                log.info(msg, *args)
            finally:
                logging.currentframe = ORIGINAL_CF

        def user():
            wrapper("via wrapper %d", 1)
            log.info("direct")
            logging.info("module level")
        user()

        logging.currentframe = lambda: sys._getframe(3)
        def deep():
            log.warning("patched 3")
            log.warning("stacklevel 2", stacklevel=2)
            logging.warning("module patched 3")
            adapter = logging.LoggerAdapter(log, {})
            adapter.warning("adapter")
            print(log.findCaller())
            log.info("with stack", stack_info=True)
        deep()
        logging.currentframe = ORIGINAL_CF
        if sys.version_info >= (3, 11):
            orig = logging._is_internal_frame
            logging._is_internal_frame = lambda f: orig(f) or f.f_code.co_name == "helper"
            def helper():
                log.warning("skip helper")
            def outer():
                helper()
            outer()
        """
    )


def test_manager_of_each_logger_as_the_stdlib_assigns_it():
    # `Manager.getLogger` sets `rv.manager = self` on each logger it makes (the root has
    # only the class attribute). A logger keeps the manager that made it when
    # `Logger.manager` is replaced (dagster's and kivy's resets do this), and its methods
    # use that one; an assigned or deleted instance attribute wins as in Python.
    assert_same_output(
        """
        import logging
        old = logging.Logger.manager
        a = logging.getLogger("mgr.a")
        print(a.manager is old, logging.root.manager is old, "manager" in vars(logging.root))
        new = logging.Manager(logging.root)
        logging.Logger.manager = new
        child = a.getChild("b")
        print(child.manager is old, "mgr.a.b" in old.loggerDict, "mgr.a.b" in new.loggerDict)
        print(logging.LoggerAdapter(a, {}).manager is old)
        logging.disable(logging.ERROR)            # root.manager: the new one
        print(a.isEnabledFor(logging.WARNING), logging.getLogger("mgr.z").isEnabledFor(logging.WARNING))
        logging.disable(logging.NOTSET)
        other = logging.Manager(logging.root)
        a.manager = other
        print(a.manager is other, a.getChild("c").manager is other)
        logging.Logger.manager = old
        m = logging.Manager(None)
        lg = m.getLogger("own")
        print(lg.manager is m, logging.Logger.manager is old)
        """
    )


def test_disabled_call_binds_msg_twice_as_an_error():
    # A disabled call returns before `_log`'s keywords are looked at, but a second `msg`
    # is refused by the binding itself.
    assert_same_output(
        """
        import logging
        lg = logging.getLogger("dis")
        lg.setLevel(logging.ERROR)
        print(lg.debug("x", 1, bogus=2), lg.info("x", exc_info=True, extra={"a": 1}))
        try:
            lg.debug("x", msg="y")
        except TypeError as e:
            print("TypeError", e)
        """
    )


@pytest.mark.skipif(VERSION < (3, 12), reason="LOAD_ATTR_METHOD_LAZY_DICT is 3.12+")
def test_logger_method_loads_are_specialised():
    # The interpreter specialises `logger.info` only for an object without an instance
    # dict (a native class's attributes have no inline values): loggers made by
    # getLogger, and the root, have none unless something is stored in one.
    import dis

    def call(lg):
        for _ in range(100):
            lg.debug("x")

    for lg in (logging.getLogger("spec.a"), logging.root, logging.getLogger("spec.a.b")):
        code = call.__code__.replace()      # a fresh copy: its own inline caches
        f = type(call)(code, call.__globals__)
        f(lg)
        ops = {i.opname for i in dis.get_instructions(f, adaptive=True)}
        assert "LOAD_ATTR_METHOD_LAZY_DICT" in ops, (lg, ops)


def test_level_methods_follow_every_change_of_the_cache():
    # The stdlib's level methods trust `_cache`: whatever it holds now decides, however it
    # was changed (in place, replaced, cleared), each call anew.
    assert_same_output(
        """
        import logging, sys
        lg = logging.getLogger("memo")
        lg.addHandler(logging.StreamHandler(sys.stdout))
        lg.setLevel(logging.INFO)
        for _ in range(3):
            lg.debug("a"); lg.info("b")
        lg._cache[logging.DEBUG] = True
        lg.debug("c")
        lg._cache = {logging.DEBUG: False, logging.INFO: False}
        lg.info("d"); lg.debug("e")
        lg._cache.clear()
        lg.info("f"); lg.debug("g")
        lg._cache[logging.INFO] = False
        lg.info("h")
        lg._cache.pop(logging.INFO)
        lg.info("i")
        lg.disabled = True
        lg.info("j")
        lg.disabled = False
        lg.setLevel(logging.DEBUG)
        lg.debug("k")
        logging.disable(logging.INFO)
        lg.debug("l"); lg.warning("m")
        logging.disable(logging.NOTSET)
        print(sorted(lg._cache.items()))
        """
    )
