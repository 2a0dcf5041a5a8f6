"""Module level: basicConfig, getLogger, the root shortcuts, disable, shutdown,
captureWarnings (module_functions.rs)."""

import io
import warnings

import pytest

from logixde import logging

from support import assert_same_output


@pytest.fixture
def bare_root(clean_logging):
    root = logging.getLogger()
    saved = root.handlers[:]
    for h in saved:
        root.removeHandler(h)
    yield root
    for h in root.handlers[:]:
        root.removeHandler(h)
        h.close()
    for h in saved:
        root.addHandler(h)


def test_basic_config_stream_format_level(bare_root):
    stream = io.StringIO()
    logging.basicConfig(stream=stream, format="%(levelname)s|%(message)s", level="INFO")
    logging.info("one %d", 1)
    logging.debug("hidden")
    assert stream.getvalue() == "INFO|one 1\n"
    assert bare_root.level == logging.INFO


def test_basic_config_errors_match_the_stdlib(bare_root):
    with pytest.raises(ValueError, match="^'stream' and 'filename' should not be specified together$"):
        logging.basicConfig(stream=io.StringIO(), filename="x.log")
    with pytest.raises(ValueError, match="^'stream' or 'filename' should not be specified together with 'handlers'$"):
        logging.basicConfig(handlers=[logging.NullHandler()], stream=io.StringIO())
    with pytest.raises(ValueError, match=r"^Style must be one of: %,\{,\$$"):
        logging.basicConfig(style="x")
    for h in bare_root.handlers[:]:
        bare_root.removeHandler(h)
    with pytest.raises(ValueError, match="^Unrecognised argument\\(s\\): bogus$"):
        logging.basicConfig(bogus=1)


def test_basic_config_force_replaces_handlers(bare_root):
    first, second = io.StringIO(), io.StringIO()
    logging.basicConfig(stream=first)
    logging.basicConfig(stream=second)  # ignored: root has a handler
    logging.basicConfig(stream=second, force=True)
    logging.warning("w")
    assert first.getvalue() == ""
    assert second.getvalue() == "WARNING:root:w\n"


def test_module_functions_call_basic_config_through_the_module(bare_root, monkeypatch):
    calls = []
    monkeypatch.setattr(logging, "basicConfig", lambda *a, **k: calls.append((a, k)))
    logging.error("x")
    assert calls == [((), {})]


def test_get_logger_root_and_hierarchy(clean_logging):
    assert logging.getLogger() is logging.root
    assert logging.getLogger("root") is logging.root
    child = logging.getLogger("mf.parent.child")
    parent = logging.getLogger("mf.parent")
    assert child.parent is parent
    assert parent.parent is logging.root
    with pytest.raises(TypeError, match="A logger name must be a string"):
        logging.getLogger(42)


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
