"""Module level: basicConfig, getLogger, the root shortcuts, disable, shutdown,
captureWarnings (module_functions.rs)."""

import io
import warnings

import pytest

from logixde import logging

from support import assert_same_output


# basicConfig and the root shortcuts run in fresh interpreters, compared with the stdlib:
# under pytest the root logger carries pytest's own capture handlers.


def test_basic_config_stream_format_level():
    assert_same_output(
        """
        import logging, sys
        logging.basicConfig(stream=sys.stdout, format="%(levelname)s|%(message)s", level="INFO")
        logging.info("one %d", 1)
        logging.debug("hidden")
        print(logging.root.level, type(logging.root.handlers[0]).__name__)
        """
    )


def test_basic_config_errors_match_the_stdlib():
    assert_same_output(
        """
        import io, logging
        for kwargs in [dict(stream=io.StringIO(), filename="x.log"),
                       dict(handlers=[logging.NullHandler()], stream=io.StringIO()),
                       dict(handlers=[logging.NullHandler()], filename="x.log"),
                       dict(style="x"),
                       dict(bogus=1, other=2)]:
            try:
                logging.basicConfig(**kwargs)
            except ValueError as e:
                print(type(e).__name__, e)
            for h in logging.root.handlers[:]:
                logging.root.removeHandler(h)
        """
    )


def test_basic_config_force_filename_and_handlers(tmp_path):
    assert_same_output(
        f"""
        import io, logging, sys
        first, second = io.StringIO(), io.StringIO()
        logging.basicConfig(stream=first)
        logging.basicConfig(stream=second)  # ignored: root has a handler
        logging.basicConfig(stream=second, force=True)
        logging.warning("w")
        print(repr(first.getvalue()), repr(second.getvalue()))
        path = {str(tmp_path / "bc.log")!r}
        logging.basicConfig(filename=path, filemode="w", format="%(name)s %(message)s", force=True)
        logging.error("to file")
        logging.shutdown()
        print(open(path).read(), end="")
        h = logging.StreamHandler(sys.stdout)
        logging.basicConfig(handlers=[h], style="{{", format="{{levelname}}/{{message}}", force=True)
        logging.critical("braces")
        """
    )


def test_module_functions_call_basic_config_through_the_module():
    assert_same_output(
        """
        import logging
        calls = []
        logging.basicConfig = lambda *a, **k: calls.append((a, k))
        logging.error("x")
        logging.info("y")
        print(calls)
        """
    )


def test_get_logger_root_and_hierarchy(clean_logging):
    assert logging.getLogger() is logging.root
    assert logging.getLogger("root") is logging.root
    child = logging.getLogger("mf.parent.child")
    parent = logging.getLogger("mf.parent")
    assert child.parent is parent
    assert parent.parent is logging.root
    with pytest.raises(TypeError, match="A logger name must be a string"):
        logging.getLogger(42)


def test_get_logger_waits_for_the_module_lock(clean_logging):
    # getLogger takes the module lock, even for an existing logger: while another thread
    # holds it, the call waits; the holder itself gets the logger at once (an RLock).
    import threading

    existing = logging.getLogger("mf.locked")
    held, release, got = threading.Event(), threading.Event(), []

    def holder():
        with logging._lock:
            got.append(logging.getLogger("mf.locked"))
            held.set()
            release.wait(5)

    def caller():
        got.append(logging.getLogger("mf.locked"))

    t1 = threading.Thread(target=holder)
    t1.start()
    assert held.wait(5)
    t2 = threading.Thread(target=caller)
    t2.start()
    t2.join(0.3)
    assert t2.is_alive() and got == [existing]
    release.set()
    t1.join(5)
    t2.join(5)
    assert got == [existing, existing]


def test_module_globals_read_live_through_every_kind_of_change(clean_logging):
    # The core caches global reads while the module dict is unchanged; every way of
    # changing it must be seen by the next read.
    logger = logging.getLogger("mf.globals")
    logger.propagate = False
    saved = logging.lastResort
    streams = [io.StringIO() for _ in range(4)]
    try:
        for i, stream in enumerate(streams):
            handler = logging.StreamHandler(stream)
            if i == 0:
                logging.lastResort = handler
            elif i == 1:
                vars(logging)["lastResort"] = handler
            elif i == 2:
                setattr(logging, "lastResort", handler)
            else:
                vars(logging).update(lastResort=handler)
            logger.warning("to %d", i)
            logger.warning("to %d again", i)
    finally:
        logging.lastResort = saved
    assert [s.getvalue() for s in streams] == ["to %d\nto %d again\n" % (i, i) for i in range(4)]
    root = logging.root
    other = logging.getLogger("mf.other_root")
    try:
        logging.root = other
        assert logging.getLogger() is other
        assert logging.getLogger("mf.other_root") is other
    finally:
        logging.root = root
    assert logging.getLogger() is root


def test_disable(clean_logging, capture):
    logger, stream = capture
    logging.disable(logging.INFO)
    logger.info("dropped")
    logger.warning("kept")
    logging.disable()
    logger.critical("dropped too")
    logging.disable(logging.NOTSET)
    logger.debug("back")
    assert stream.getvalue() == "WARNING:capture:kept\nDEBUG:capture:back\n"


def test_shutdown_flushes_and_closes_in_reverse(clean_logging):
    events = []

    class Recording(logging.Handler):
        def flush(self):
            events.append(("flush", self.name))

        def close(self):
            events.append(("close", self.name))
            super().close()

    a, b = Recording(), Recording()
    a.name, b.name = "a", "b"
    import weakref

    logging.shutdown([weakref.ref(a), weakref.ref(b)])
    assert events == [("flush", "b"), ("close", "b"), ("flush", "a"), ("close", "a")]


def test_shutdown_takes_none_as_a_list():
    # `handlerList` defaults to the module's list only when omitted: None is a value.
    assert_same_output(
        """
        import logging
        try:
            logging.shutdown(None)
        except TypeError as e:
            print("TypeError", e)
        """
    )


def test_capture_warnings_routes_to_py_warnings(clean_logging):
    stream = io.StringIO()
    logger = logging.getLogger("py.warnings")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logging.captureWarnings(True)
    try:
        warnings.warn("careful", UserWarning)
    finally:
        logging.captureWarnings(False)
        logger.removeHandler(handler)
    assert "UserWarning: careful" in stream.getvalue()
    assert warnings.showwarning is not logging._showwarning


def test_module_level_output_matches_stdlib():
    assert_same_output(
        """
        import logging, sys
        logging.basicConfig(stream=sys.stdout, format="%(levelname)s:%(name)s:%(funcName)s:%(lineno)d:%(message)s")
        def f():
            logging.warning("w %s", 1)
            logging.error("e")
            logging.critical("c")
            logging.log(45, "custom %(x)s", {"x": 1})
            try:
                1 / 0
            except ZeroDivisionError:
                logging.exception("boom")
        f()
        logging.info("not shown")
        """
    )


def test_root_shortcuts_bind_and_dispatch_as_the_stdlib():
    # debug … critical: `(msg, *args, **kwargs)` bound before anything runs, then
    # `if len(root.handlers) == 0: basicConfig()`, then `root.<method>(...)` looked up on
    # the current `logging.root`, standing for one stdlib frame.
    assert_same_output(
        """
        import logging, sys
        sys.stderr = sys.stdout
        def attempt(label, f, *a, **k):
            try:
                f(*a, **k)
            except Exception as e:
                print(label, type(e).__name__, str(e).replace("Logger.", ""))
            else:
                print(label, "ok")
        # Binding errors come before basicConfig: the root still has no handler after them.
        for name in ("debug", "info", "warning", "error", "critical"):
            attempt(name, getattr(logging, name))
            attempt(name, getattr(logging, name), "m", msg="again")
        print(len(logging.root.handlers))
        logging.basicConfig(stream=sys.stdout, level=logging.DEBUG,
                            format="%(levelname)s:%(funcName)s:%(lineno)d:%(message)s %(user)s")
        def f():
            logging.debug("d %s", 1, extra={"user": "a"})
            logging.info("i", extra={"user": "b"}, stacklevel=1)
            logging.warning("w", extra={"user": "c"}, stacklevel=2)
            logging.error("e %(k)s", {"k": "v"}, extra={"user": "d"}, stack_info=False)
            logging.critical("c", extra={"user": "e"}, exc_info=False)
            attempt("unknown keyword", logging.info, "x", extra={"user": "f"}, colour=1)
        f()
        # An override on the root (instance, then class) and a replaced root are honoured.
        logging.root.info = lambda *a, **k: print("instance info", a, sorted(k))
        logging.info("over", 1, extra={"user": "g"})
        del logging.root.info
        class Loud(logging.RootLogger):
            def warning(self, msg, *args, **kwargs):
                print("class warning", msg, args)
        logging.root.__class__ = Loud
        logging.warning("w2", 2)
        logging.root.__class__ = logging.RootLogger
        saved = logging.root
        class Fake:
            handlers = [1]
            def error(self, *a, **k):
                print("fake error", a, k)
        logging.root = Fake()
        logging.error("e2", 3, extra={"user": "h"})
        logging.root = saved
        logging.info("back", extra={"user": "i"})
        """
    )


def test_module_warn_warning_points_at_the_caller():
    assert_same_output(
        """
        import logging, sys, warnings
        warnings.simplefilter("always")
        sys.stderr = sys.stdout
        logging.warn("module-level warn")
        logging.getLogger("w").warn("logger warn")
        logging.LoggerAdapter(logging.getLogger("w"), {}).warn("adapter warn")
        """
    )
