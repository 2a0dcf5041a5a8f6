"""Cross-cutting behaviour: overrides, monkeypatches, foreign components, reentrancy and
threads — the things CPython's suite exercises least."""

import importlib.util
import io
import os
import sys
import threading

import pytest

from logixde import logging

from support import assert_same_output


def test_python_subclass_overrides_win(clean_logging):
    seen = []

    class MyFormatter(logging.Formatter):
        def format(self, record):
            return "F<" + super().format(record) + ">"

    class MyFilter(logging.Filter):
        def filter(self, record):
            seen.append("filter")
            return record.levelno >= logging.INFO

    class MyHandler(logging.Handler):
        def emit(self, record):
            seen.append(self.format(record))

    class MyLogger(logging.Logger):
        def makeRecord(self, *args, **kwargs):
            record = super().makeRecord(*args, **kwargs)
            record.msg = record.msg.replace("loud", "LOUD")
            return record

    logger = MyLogger("subclassed")
    handler = MyHandler()
    handler.setFormatter(MyFormatter("%(message)s"))
    handler.addFilter(MyFilter())
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.debug("quiet")
    logger.info("loud %s", "x")
    assert seen == ["filter", "filter", "F<LOUD x>"]


def test_monkeypatched_call_handlers_is_honoured(clean_logging, capture, monkeypatch):
    logger, stream = capture
    intercepted = []
    original = logging.Logger.callHandlers

    def spy(self, record):
        intercepted.append(record.getMessage())
        return original(self, record)

    monkeypatch.setattr(logging.Logger, "callHandlers", spy)
    logger.warning("through the patch")
    assert intercepted == ["through the patch"]
    assert stream.getvalue() == "WARNING:capture:through the patch\n"


def _load_stdlib_logging():
    import sysconfig

    path = os.path.join(sysconfig.get_paths()["stdlib"], "logging", "__init__.py")
    spec = importlib.util.spec_from_file_location("stdlib_logging_for_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_foreign_stdlib_handler_attached_to_a_logixde_logger(clean_logging):
    stdlib_logging = _load_stdlib_logging()
    stream = io.StringIO()
    foreign = stdlib_logging.StreamHandler(stream)
    foreign.setFormatter(stdlib_logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger("foreign")
    logger.propagate = False
    logger.addHandler(foreign)
    logger.error("to %s", "stdlib")
    assert stream.getvalue() == "foreign ERROR to stdlib\n"


def test_logging_from_inside_emit_does_not_deadlock(clean_logging):
    stream = io.StringIO()
    inner = logging.getLogger("reentrant.inner")
    inner.propagate = False
    inner.addHandler(logging.StreamHandler(stream))

    class Reentrant(logging.StreamHandler):
        def emit(self, record):
            with self.lock:  # the stdlib's handler lock is an RLock
                inner.warning("inner for %s", record.getMessage())
                outer_logger.warning  # noqa: B018
                super().emit(record)

    outer_logger = logging.getLogger("reentrant")
    outer_logger.propagate = False
    outer_logger.addHandler(Reentrant(stream))

    done = threading.Event()

    def work():
        outer_logger.warning("outer")
        done.set()

    t = threading.Thread(target=work)
    t.start()
    t.join(10)
    assert done.is_set(), "logging from inside emit deadlocked"
    assert stream.getvalue() == "inner for outer\nouter\n"


def test_eight_threads_while_another_reconfigures(clean_logging, tmp_path):
    path = tmp_path / "threads.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(threadName)s %(message)s"))
    logger = logging.getLogger("threads")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    stop = threading.Event()

    def reconfigure():
        extra = logging.NullHandler()
        while not stop.is_set():
            logger.addHandler(extra)
            logger.removeHandler(extra)
            logger.setLevel(logging.INFO)

    def produce(n):
        for i in range(500):
            logger.info("record %d %d", n, i)

    reconfigurer = threading.Thread(target=reconfigure)
    reconfigurer.start()
    producers = [threading.Thread(target=produce, args=(n,), name=f"p{n}") for n in range(8)]
    for t in producers:
        t.start()
    for t in producers:
        t.join(60)
    stop.set()
    reconfigurer.join(10)
    handler.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 8 * 500
    assert sorted(lines) == sorted(f"p{n} record {n} {i}" for n in range(8) for i in range(500))


def test_mismatched_args_handle_error_text_matches_stdlib():
    assert_same_output(
        """
        import logging, sys
        sys.stderr = sys.stdout
        h = logging.StreamHandler(sys.stdout)
        log = logging.getLogger("bad")
        log.addHandler(h)
        log.propagate = False
        log.warning("two %s %s", "only-one")
        log.warning("fine %s", "after")
        """,
        internal_frames=True,
    )


@pytest.mark.parametrize("raise_exceptions", [True, False])
def test_raise_exceptions_is_read_live(clean_logging, raise_exceptions, monkeypatch, capsys):
    monkeypatch.setattr(logging, "raiseExceptions", raise_exceptions)

    class Failing(logging.Handler):
        def emit(self, record):
            try:
                raise RuntimeError("emit failed")
            except RuntimeError:
                self.handleError(record)

    logger = logging.getLogger("live-raise")
    logger.propagate = False
    logger.addHandler(Failing())
    logger.error("x")
    err = capsys.readouterr().err
    assert ("--- Logging error ---" in err) is raise_exceptions
