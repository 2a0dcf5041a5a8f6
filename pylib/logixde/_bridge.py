"""Late activation: one logging system when the stdlib's ``logging`` was imported first.

pytest (and any library imported before logixde was activated) holds the stdlib module
object and may already have created stdlib loggers, handlers and formatters. Taking over:

1. ``sys.modules['logging']`` (and ``logging.handlers`` / ``logging.config``) become
   logixde's, so every later ``import logging`` gets logixde; the level tables are shared.
2. The stdlib module object's functions (``getLogger``, ``basicConfig``, …) and ``root``,
   and ``logging.config``'s ``dictConfig``/``fileConfig``/``listen``, are rebound to
   logixde's, so code holding it (pytest's ``caplog`` and its per-test
   capture handlers call ``logging.getLogger()`` on it) configures logixde's loggers.
   Its classes stay, as the stdlib's own methods name them.
3. Each stdlib logger that already exists is joined to the logixde logger of the same
   name: its handlers and filters lists become the logixde logger's lists, its level,
   propagate and disabled flags are carried over, and its logging methods are shadowed
   per instance by the logixde logger's, so a record it logs travels once through
   logixde's hierarchy.

Cost: one pass over the existing loggers at activation; afterwards none. Objects the
stdlib created before the take-over (handlers, formatters) keep working as foreign,
duck-typed components of logixde.
"""

import sys

# Logger methods shadowed on pre-existing stdlib loggers.
_DELEGATED_METHODS = (
    "setLevel", "debug", "info", "warning", "warn", "error", "exception", "critical",
    "fatal", "log", "findCaller", "makeRecord", "_log", "handle", "addHandler",
    "removeHandler", "hasHandlers", "callHandlers", "getEffectiveLevel", "isEnabledFor",
    "getChild", "getChildren", "addFilter", "removeFilter", "filter",
)


# Module functions of the stdlib module rebound to logixde's.
_REBOUND_FUNCTIONS = (
    "getLogger", "basicConfig", "critical", "fatal", "error", "exception", "warning",
    "warn", "info", "debug", "log", "disable", "captureWarnings", "addLevelName",
    "getLevelName", "getLevelNamesMapping", "setLoggerClass", "getLoggerClass",
    "setLogRecordFactory", "getLogRecordFactory", "makeLogRecord", "getHandlerByName",
    "getHandlerNames",
)


# Functions of the stdlib's logging.config, when it was imported, rebound to logixde's.
_REBOUND_CONFIG_FUNCTIONS = ("dictConfig", "fileConfig", "listen", "stopListening")


def _join_logger(stdlib_logger, logixde_logger):
    logixde_logger.handlers = stdlib_logger.handlers
    logixde_logger.filters = stdlib_logger.filters
    logixde_logger.propagate = stdlib_logger.propagate
    logixde_logger.disabled = stdlib_logger.disabled
    logixde_logger.setLevel(stdlib_logger.level)
    for name in _DELEGATED_METHODS:
        method = getattr(logixde_logger, name, None)
        if method is not None:
            stdlib_logger.__dict__[name] = method


def take_over(modules=sys.modules):
    """Replace the stdlib's ``logging`` in ``modules`` by logixde's and bridge the two."""
    stdlib = {name: modules.pop(name) for name in list(modules)
              if name == "logging" or name.startswith("logging.")}
    import importlib

    logging = importlib.import_module("logging")
    for name in stdlib:
        if name != "logging":
            importlib.import_module(name)

    stdlib_logging = stdlib["logging"]
    # One level table: names registered before the take-over stay registered.
    logging._levelToName = stdlib_logging._levelToName
    logging._nameToLevel = stdlib_logging._nameToLevel
    with stdlib_logging._lock:
        existing = dict(stdlib_logging.Logger.manager.loggerDict)
        _join_logger(stdlib_logging.root, logging.root)
        for name, stdlib_logger in existing.items():
            if isinstance(stdlib_logger, stdlib_logging.Logger):
                _join_logger(stdlib_logger, logging.getLogger(name))
        logging.root.manager.disable = stdlib_logging.root.manager.disable

    # Rebind the stdlib module's entry points so code that holds it configures logixde.
    # Its classes stay: the stdlib's own methods name them (`Handler.__init__(self)` in
    # StreamHandler), and subclasses made before the take-over keep working as foreign,
    # duck-typed components.
    for name in _REBOUND_FUNCTIONS:
        if hasattr(logging, name):
            setattr(stdlib_logging, name, getattr(logging, name))
    stdlib_logging.root = logging.root
    stdlib_config = stdlib.get("logging.config")
    if stdlib_config is not None:
        config = modules["logging.config"]
        for name in _REBOUND_CONFIG_FUNCTIONS:
            setattr(stdlib_config, name, getattr(config, name))
    return logging
