"""LoggerAdapter: behaviour of the stdlib, per running version."""

import sys
import warnings

import pytest

from logixde import logging

from support import check_stacklevel_walk

VERSION = sys.version_info[:2]


class RecordingHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def env():
    recording = RecordingHandler()
    logger = logging.Logger("adapter.test")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(recording)
    logger.propagate = False
    adapter = logging.LoggerAdapter(logger=logger, extra=None)
    yield logger, adapter, recording
    logger.removeHandler(recording)
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


def test_exception(env):
    logger, adapter, recording = env
    msg = "testing exception: %r"
    try:
        1 / 0
    except ZeroDivisionError as e:
        exc = e
        adapter.exception(msg, recording)
    assert len(recording.records) == 1
    record = recording.records[0]
    assert record.levelno == logging.ERROR
    assert record.msg == msg
    assert record.args == (recording,)
    assert record.exc_info == (exc.__class__, exc, exc.__traceback__)


def test_exception_excinfo(env):
    _, adapter, recording = env
    try:
        1 / 0
    except ZeroDivisionError as e:
        exc = e
    adapter.exception("exc_info test", exc_info=exc)
    record = recording.records[0]
    assert record.exc_info == (exc.__class__, exc, exc.__traceback__)


def test_critical(env):
    _, adapter, recording = env
    msg = "critical test! %r"
    adapter.critical(msg, recording)
    record = recording.records[0]
    assert record.levelno == logging.CRITICAL
    assert record.msg == msg
    assert record.args == (recording,)
    assert record.funcName == "test_critical"


def test_is_enabled_for(env):
    logger, adapter, recording = env
    old = logger.manager.disable
    logger.manager.disable = 33
    logger.manager._clear_cache()
    try:
        assert not adapter.isEnabledFor(32)
    finally:
        logger.manager.disable = old
        logger.manager._clear_cache()


def test_has_handlers(env):
    logger, adapter, recording = env
    assert adapter.hasHandlers()
    logger.removeHandler(recording)
    assert not logger.hasHandlers()
    assert not adapter.hasHandlers()


def test_level_delegation(env):
    logger, adapter, _ = env
    adapter.setLevel(logging.WARNING)
    assert logger.level == logging.WARNING
    assert adapter.getEffectiveLevel() == logging.WARNING


def test_nested(env):
    logger, adapter, recording = env

    class Adapter(logging.LoggerAdapter):
        prefix = "Adapter"

        def process(self, msg, kwargs):
            return f"{self.prefix} {msg}", kwargs

    msg = "Adapters can be nested, yo."
    adapter = Adapter(logger=logger, extra=None)
    adapter_adapter = Adapter(logger=adapter, extra=None)
    adapter_adapter.prefix = "AdapterAdapter"
    assert repr(adapter) == repr(adapter_adapter)
    adapter_adapter.log(logging.CRITICAL, msg, recording)
    assert len(recording.records) == 1
    record = recording.records[0]
    assert record.levelno == logging.CRITICAL
    assert record.msg == f"Adapter AdapterAdapter {msg}"
    assert record.args == (recording,)
    assert record.funcName == "test_nested"
    orig_manager = adapter_adapter.manager
    assert adapter.manager is orig_manager
    assert logger.manager is orig_manager
    temp_manager = object()
    try:
        adapter_adapter.manager = temp_manager
        assert adapter_adapter.manager is temp_manager
        assert adapter.manager is temp_manager
        assert logger.manager is temp_manager
    finally:
        adapter_adapter.manager = orig_manager
    assert adapter_adapter.manager is orig_manager
    assert adapter.manager is orig_manager
    assert logger.manager is orig_manager


class PrefixAdapter(logging.LoggerAdapter):
    prefix = "Adapter"

    def process(self, msg, kwargs):
        return f"{self.prefix} {msg}", kwargs


class Message:
    def __init__(self, fmt, args):
        self.fmt = fmt
        self.args = args

    def __str__(self):
        return self.fmt.format(*self.args)


class StyleAdapter(logging.LoggerAdapter):
    def log(self, level, msg, /, *args, stacklevel=1, **kwargs):
        if self.isEnabledFor(level):
            msg, kwargs = self.process(msg, kwargs)
            self.logger.log(level, Message(msg, args), **kwargs,
                            stacklevel=stacklevel + 1)


def test_styled_adapter(env):
    logger, _, recording = env
    records = recording.records
    adapter = StyleAdapter(logger, None)
    adapter.warning("Hello, {}!", "world")
    assert str(records[-1].msg) == "Hello, world!"
    assert records[-1].funcName == "test_styled_adapter"
    adapter.log(logging.WARNING, "Goodbye {}.", "world")
    assert str(records[-1].msg) == "Goodbye world."
    assert records[-1].funcName == "test_styled_adapter"


@pytest.mark.skipif(VERSION < (3, 11), reason="3.9/3.10 report the override's frame "
                    "(stdlib behaviour, compared by test_frames_identical_to_stdlib)")
def test_nested_styled_adapter(env):
    logger, _, recording = env
    records = recording.records
    adapter = PrefixAdapter(logger, None)
    adapter.prefix = "{}"
    adapter2 = StyleAdapter(adapter, None)
    adapter2.warning("Hello, {}!", "world")
    assert str(records[-1].msg) == "{} Hello, world!"
    assert records[-1].funcName == "test_nested_styled_adapter"
    adapter2.log(logging.WARNING, "Goodbye {}.", "world")
    assert str(records[-1].msg) == "{} Goodbye world."
    assert records[-1].funcName == "test_nested_styled_adapter"


@pytest.mark.skipif(VERSION < (3, 11), reason="3.9/3.10 count the adapter's own frames "
                    "(stdlib behaviour, compared by test_frames_identical_to_stdlib)")
def test_find_caller_with_stacklevel(env):
    _, adapter, recording = env
    check_stacklevel_walk(adapter.warning, recording.records)


def test_extra_in_records(env):
    logger, _, recording = env
    adapter = logging.LoggerAdapter(logger=logger, extra={"foo": "1"})
    adapter.critical("foo should be here")
    record = recording.records[0]
    assert record.foo == "1"


def test_extra_not_merged_by_default(env):
    _, adapter, recording = env
    adapter.critical("foo should NOT be here", extra={"foo": "nope"})
    assert not hasattr(recording.records[0], "foo")


@pytest.mark.skipif(VERSION < (3, 13), reason="merge_extra is 3.13+")
def test_extra_merged(env):
    logger, _, recording = env
    adapter = logging.LoggerAdapter(logger=logger, extra={"foo": "1"}, merge_extra=True)
    adapter.critical("foo and bar should be here", extra={"bar": "2"})
    record = recording.records[0]
    assert (record.foo, record.bar) == ("1", "2")
    adapter.critical("foo shall be min", extra={"foo": "2"})
    assert recording.records[-1].foo == "2"


def test_init_signature_per_version(env):
    logger, _, _ = env
    if VERSION == (3, 9):
        with pytest.raises(TypeError):
            logging.LoggerAdapter(logger)
    else:
        a = logging.LoggerAdapter(logger)
        assert a.extra is None
    if VERSION >= (3, 13):
        a = logging.LoggerAdapter(logger, {})
        assert a.merge_extra is False
        assert vars(a) == {"logger": logger, "extra": {}, "merge_extra": False}
    else:
        with pytest.raises(TypeError):
            logging.LoggerAdapter(logger, {}, merge_extra=True)
        assert vars(logging.LoggerAdapter(logger, {})) == {"logger": logger, "extra": {}}


def test_repr_and_name(env):
    logger, adapter, _ = env
    assert adapter.name == "adapter.test"
    assert repr(adapter) == "<LoggerAdapter adapter.test (DEBUG)>"


def test_class_getitem():
    if VERSION >= (3, 11):
        alias = logging.LoggerAdapter[int]
        assert alias.__origin__ is logging.LoggerAdapter
    else:
        assert not hasattr(logging.LoggerAdapter, "__class_getitem__")


def test_warn_deprecated(env):
    _, adapter, recording = env
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        adapter.warn("old")
    assert str(w[0].message) == "The 'warn' method is deprecated, use 'warning' instead"
    assert w[0].filename == __file__
    assert recording.records[-1].funcName == "test_warn_deprecated"


def test_private_log_signature(env):
    _, adapter, recording = env
    adapter._log(logging.INFO, "m %s", ("a",))
    assert recording.records[-1].getMessage() == "m a"
    if VERSION >= (3, 13):
        adapter._log(logging.INFO, "m", (), stacklevel=1)
    else:
        with pytest.raises(TypeError):
            adapter._log(logging.INFO, "m", (), stacklevel=1)


def test_process_override_and_python_logger(env):
    _, _, recording = env
    seen = []

    class MyLogger(logging.Logger):
        def log(self, level, msg, *args, **kwargs):
            seen.append((level, msg, kwargs))
            super().log(level, msg, *args, **kwargs)

    lg = MyLogger("py-logger")
    lg.addHandler(recording)
    ad = logging.LoggerAdapter(lg, {"k": "v"})
    ad.error("e")
    assert seen == [(logging.ERROR, "e", {"extra": {"k": "v"}})]
    assert recording.records[-1].k == "v"
    # The Python override of `log` is the caller the stdlib reports.
    assert recording.records[-1].funcName == "log"


def test_process_result_is_unpacked_as_python_does():
    from support import assert_same_output

    assert_same_output(
        """
        import io, logging

        class A(logging.LoggerAdapter):
            result = None
            def process(self, msg, kwargs):
                return self.result

        lg = logging.getLogger("adapter.unpack")
        lg.propagate = False
        stream = io.StringIO()
        lg.addHandler(logging.StreamHandler(stream))
        a = A(lg, {})
        for result in [["list %s", {}], ("tuple %s", {"extra": {"k": 1}}), iter(["iter %s", {}]),
                       ("one",), ("a", {}, "b"), 42, None]:
            a.result = result
            try:
                a.warning("ignored", 1)
            except Exception as e:
                print(type(e).__name__, e)
        print(stream.getvalue())
        """
    )


def test_level_methods_bind_and_log_as_the_stdlib():
    # The level methods' fast entries (positional calls) and the generated ones (keywords,
    # errors) against the stdlib: fields, caller, argument errors, overrides.
    from support import assert_same_output

    assert_same_output(
        """
        import logging, io, sys
        s = io.StringIO()
        lg = logging.getLogger("a"); lg.propagate = False; lg.setLevel(1)
        h = logging.StreamHandler(s)
        h.setFormatter(logging.Formatter("%(levelname)s %(funcName)s %(lineno)d %(user)s %(message)s"))
        lg.addHandler(h)
        ad = logging.LoggerAdapter(lg, {"user": "u"})
        def f():
            ad.debug("d %s", 1); ad.info("i"); ad.warning("w %s %s", 1, 2); ad.error("e"); ad.critical("c")
            ad.info("kw", stacklevel=1); ad.info("x", extra={"user": "v"}); ad.info(msg="m")
            ad.info("%(k)s", {"k": "mapping"})
            for call in (lambda: ad.info(), lambda: ad.info("m", bogus=1), lambda: ad.info("a", msg="b"),
                         lambda: logging.LoggerAdapter.info(ad)):
                try:
                    call()
                except TypeError as e:
                    print("TypeError", e)
        f()
        lg.setLevel(logging.ERROR)
        ad.info("disabled %s", object())
        class Sub(logging.LoggerAdapter):
            def info(self, msg, *a, **k):
                print("sub info", msg, a, k)
            def log(self, level, msg, *a, **k):
                print("sub log", level, msg, a, k)
        Sub(lg, {}).info("y", 1)
        Sub(lg, {}).error("z", 2)
        ad.warning = lambda *a, **k: print("instance warning", a, k)
        ad.warning("w2")
        print(s.getvalue())
        """
    )


def test_positional_calls_through_logger_log_as_the_stdlib():
    # A positional call with `process` and the logger's `log`/`_log` all the stdlib's skips
    # the kwargs dict; every override, and 3.13's `merge_extra` read, must still be seen.
    from support import assert_same_output

    assert_same_output(
        """
        import logging, io, sys
        s = io.StringIO()
        lg = logging.getLogger("a"); lg.propagate = False; lg.setLevel(logging.INFO)
        h = logging.StreamHandler(s)
        h.setFormatter(logging.Formatter("%(levelname)s %(funcName)s %(lineno)d %(user)s %(message)s"))
        lg.addHandler(h)
        ad = logging.LoggerAdapter(lg, {"user": "u"})
        def f():
            ad.info("i %s", 1); ad.log(logging.WARNING, "l %s", 2); ad.debug("dropped")
            ad.log(logging.INFO, "e", stacklevel=1)
        f()
        class NoMerge(logging.LoggerAdapter):
            def __init__(self, logger):
                self.logger = logger
                self.extra = {"user": "nm"}
        try:
            NoMerge(lg).info("no merge_extra")
        except AttributeError as e:
            print("AttributeError", e)
        class Truthy:
            def __bool__(self):
                print("merge_extra asked")
                return True
        ad2 = logging.LoggerAdapter(lg, {"user": "t"})
        ad2.merge_extra = Truthy()
        ad2.info("truthy merge_extra")
        class Proc(logging.LoggerAdapter):
            def process(self, msg, kwargs):
                kwargs["extra"] = {"user": "proc"}
                return "<" + msg + ">", kwargs
        Proc(lg, {}).info("p")
        class LogLogger(logging.Logger):
            def log(self, level, msg, *args, **kwargs):
                print("logger log", level, msg, args, sorted(kwargs))
        Lg2 = LogLogger("b")
        logging.LoggerAdapter(Lg2, {"user": "x"}).info("via log")
        class UnderLog(logging.Logger):
            def _log(self, level, msg, args, **kwargs):
                print("logger _log", level, msg, args, sorted(kwargs), kwargs.get("extra"))
        logging.LoggerAdapter(UnderLog("c"), {"user": "y"}).info("via _log", 3)
        try:
            logging.LoggerAdapter(lg, {"user": "z"}).log("INFO", "str level")
        except TypeError as e:
            print("TypeError", e)
        try:
            logging.LoggerAdapter(lg, {"message": "clash"}).info("clash")
        except KeyError as e:
            print("KeyError", e)
        print(s.getvalue())
        """
    )


def test_private_log_takes_the_running_versions_arguments():
    # Through 3.12 `_log(level, msg, args, exc_info=None, extra=None, stack_info=False)`,
    # positionally or by keyword and nothing else; 3.13 passes any keyword on.
    from support import assert_same_output

    assert_same_output(
        """
        import io, logging

        lg = logging.getLogger("adapter.private_log")
        lg.propagate = False
        stream = io.StringIO()
        h = logging.StreamHandler(stream)
        h.setFormatter(logging.Formatter("%(levelname)s %(message)s %(k)s %(stack_info)s"))
        lg.addHandler(h)
        a = logging.LoggerAdapter(lg, {"k": 0})
        calls = [
            ((30, "positional %s", (1,), None, {"k": 2}, False), {}),
            ((30, "keywords %s", (2,)), {"exc_info": None, "extra": {"k": 3}, "stack_info": None}),
            ((30, "stacklevel %s", (3,)), {"extra": {"k": 4}, "stacklevel": 2}),
            ((30, "unknown %s", (4,)), {"extra": {"k": 5}, "bogus": 1}),
        ]
        for args, kwargs in calls:
            try:
                a._log(*args, **kwargs)
            except TypeError as e:
                # (pyo3 words a wrong argument count its own way: README, known differences)
                print("TypeError", "wrong argument count" if "positional argument" in str(e) else e)
        print(stream.getvalue())
        """
    )
