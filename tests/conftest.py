"""Tests run with logixde as the process's ``logging``.

tox starts pytest with LOGIXDE=1, so logixde is ``logging`` from the interpreter's first
line (pytest's own logging plugin included). Run by hand without it, importing logixde
here takes over through late activation.
"""

import io

import pytest

from logixde import logging


@pytest.fixture
def clean_logging():
    """Save and restore the logging state a test may change, as CPython's BaseTest does."""
    with logging._lock:
        saved_handlers = logging._handlers.copy()
        saved_handler_list = logging._handlerList[:]
        saved_loggers = logging.root.manager.loggerDict.copy()
        saved_name_to_level = logging._nameToLevel.copy()
        saved_level_to_name = logging._levelToName.copy()
    root = logging.getLogger()
    saved_root_level = root.level
    saved_root_handlers = root.handlers[:]
    saved_factory = logging.getLogRecordFactory()
    yield logging
    root.setLevel(saved_root_level)
    for h in root.handlers[:]:
        if h not in saved_root_handlers:
            root.removeHandler(h)
    for h in saved_root_handlers:
        if h not in root.handlers:
            root.addHandler(h)
    logging.setLogRecordFactory(saved_factory)
    logging.disable(logging.NOTSET)
    with logging._lock:
        logging._levelToName.clear()
        logging._levelToName.update(saved_level_to_name)
        logging._nameToLevel.clear()
        logging._nameToLevel.update(saved_name_to_level)
        logging._handlers.clear()
        logging._handlers.update(saved_handlers)
        logging._handlerList[:] = saved_handler_list
        logger_dict = logging.root.manager.loggerDict
        logger_dict.clear()
        logger_dict.update(saved_loggers)
        logging.root.manager._clear_cache()


@pytest.fixture
def capture(clean_logging):
    """A named logger writing '%(levelname)s:%(name)s:%(message)s' lines to a StringIO."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
    logger = logging.getLogger("capture")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    yield logger, stream
    logger.removeHandler(handler)
