"""
Logging package for Python. Based on PEP 282 and comments thereto in
comp.lang.python.

Copyright (C) 2001-2022 Vinay Sajip. All Rights Reserved.

To use, simply 'import logging' and log away!

This is logixde's ``logging``: the classes and functions are implemented in Rust
(``logixde._core``); this module holds what must be a real Python module object — the
globals users and libraries assign (``raiseExceptions``, ``logThreads``, ``lastResort``,
the level tables, ``_lock``, …), which the native code reads live.
"""

# The stdlib module's own imports are part of its interface: the suite patches
# `logging.traceback.print_stack`, libraries reach `logging.sys`, `logging.os`, …
import sys, os, time, io, re, traceback, warnings, weakref, collections.abc  # noqa: E401

from string import Template
from string import Formatter as StrFormatter

import threading
import atexit

from logixde import _core

_VERSION = sys.version_info[:2]

if _VERSION >= (3, 11):
    from types import GenericAlias

__all__ = ['BASIC_FORMAT', 'BufferingFormatter', 'CRITICAL', 'DEBUG', 'ERROR',
           'FATAL', 'FileHandler', 'Filter', 'Formatter', 'Handler', 'INFO',
           'LogRecord', 'Logger', 'LoggerAdapter', 'NOTSET', 'NullHandler',
           'StreamHandler', 'WARN', 'WARNING', 'addLevelName', 'basicConfig',
           'captureWarnings', 'critical', 'debug', 'disable', 'error',
           'exception', 'fatal', 'getLevelName', 'getLogger', 'getLoggerClass',
           'info', 'log', 'makeLogRecord', 'setLoggerClass', 'shutdown',
           'warn', 'warning', 'getLogRecordFactory', 'setLogRecordFactory',
           'lastResort', 'raiseExceptions']
if _VERSION >= (3, 11):
    __all__.append('getLevelNamesMapping')
if _VERSION >= (3, 12):
    __all__ += ['getHandlerByName', 'getHandlerNames']

__author__  = "Vinay Sajip <vinay_sajip@red-dove.com>"
__status__  = "production"
# The following module attributes are no longer updated.
__version__ = "0.5.1.2"
__date__    = "07 February 2010"

#---------------------------------------------------------------------------
#   Miscellaneous module data (globals the native core reads live)
#---------------------------------------------------------------------------

# _startTime is used as the base when calculating the relative time of events
_startTime = time.time_ns() if _VERSION >= (3, 13) else time.time()

# raiseExceptions is used to see if exceptions during handling should be propagated
raiseExceptions = True

# If you don't want threading information in the log, set this to False
logThreads = True

# If you don't want multiprocessing information in the log, set this to False
logMultiprocessing = True

# If you don't want process information in the log, set this to False
logProcesses = True

if _VERSION >= (3, 12):
    # If you don't want asyncio task information in the log, set this to False
    logAsyncioTasks = True

#---------------------------------------------------------------------------
#   Level related stuff
#---------------------------------------------------------------------------

CRITICAL = 50
FATAL = CRITICAL
ERROR = 40
WARNING = 30
WARN = WARNING
INFO = 20
DEBUG = 10
NOTSET = 0

_levelToName = {
    CRITICAL: 'CRITICAL',
    ERROR: 'ERROR',
    WARNING: 'WARNING',
    INFO: 'INFO',
    DEBUG: 'DEBUG',
    NOTSET: 'NOTSET',
}
_nameToLevel = {
    'CRITICAL': CRITICAL,
    'FATAL': FATAL,
    'ERROR': ERROR,
    'WARN': WARNING,
    'WARNING': WARNING,
    'INFO': INFO,
    'DEBUG': DEBUG,
    'NOTSET': NOTSET,
}

# _srcfile is used when walking the stack to check when we've got the first caller
# stack frame: frames of this facade are skipped as the stdlib skips its own file.
_srcfile = os.path.normcase(__file__)

#---------------------------------------------------------------------------
#   Thread-related stuff
#---------------------------------------------------------------------------

# _lock is used to serialize access to shared data structures in this module; it is an
# RLock because configuring may already hold it when handlers are created.
_lock = threading.RLock()

# Handlers with an _at_fork_reinit method, re-initialised in a forked child.
_at_fork_reinit_lock_weakset = weakref.WeakSet()

#   _handlers is a dictionary of handlers, indexed by handler name;
#   _handlerList is a list of weakrefs to handlers, used by shutdown().
_handlers = weakref.WeakValueDictionary()  #map of handler names to handlers
_handlerList = [] # added to allow handlers to be removed in reverse of order initialized

# Bind the native core to this module object before creating any instance.
_core.bind_logging_module(sys.modules[__name__])

from logixde._core import (  # noqa: E402
    getLevelName, addLevelName, _checkLevel,
    LogRecord, setLogRecordFactory, getLogRecordFactory, makeLogRecord,
    PercentStyle, StrFormatStyle, StringTemplateStyle, Formatter, BufferingFormatter,
    Filter, Filterer,
    _removeHandlerRef, _addHandlerRef, Handler, StreamHandler, FileHandler,
    _StderrHandler, NullHandler,
    PlaceHolder, setLoggerClass, getLoggerClass, Manager, Logger, RootLogger,
    LoggerAdapter,
    basicConfig, getLogger, critical, fatal, error, exception, warning, warn, info,
    debug, log, disable, shutdown, captureWarnings, _showwarning,
    currentframe, _prepareFork, _afterFork,
    _register_at_fork_reinit_lock, _after_at_fork_child_reinit_locks,
)

if _VERSION >= (3, 11):
    from logixde._core import getLevelNamesMapping, _is_internal_frame  # noqa: E402
if _VERSION >= (3, 12):
    from logixde._core import getHandlerByName, getHandlerNames  # noqa: E402
if _VERSION <= (3, 12):
    from logixde._core import _acquireLock, _releaseLock  # noqa: E402

for _f in (getLevelName, addLevelName, _checkLevel, setLogRecordFactory,
           getLogRecordFactory, makeLogRecord, _removeHandlerRef, _addHandlerRef,
           setLoggerClass, getLoggerClass, basicConfig, getLogger, critical, fatal,
           error, exception, warning, warn, info, debug, log, disable, shutdown,
           captureWarnings, _showwarning, currentframe, _prepareFork, _afterFork,
           _register_at_fork_reinit_lock, _after_at_fork_child_reinit_locks):
    _f.__module__ = __name__
for _name in ('getLevelNamesMapping', '_is_internal_frame', 'getHandlerByName',
              'getHandlerNames', '_acquireLock', '_releaseLock'):
    if _name in globals():
        globals()[_name].__module__ = __name__
del _f, _name

# The methods are Python functions, as the stdlib's (`mock.patch.object(Logger, "info",
# autospec=True)` binds only a function to the instance); calling one runs the native method.
_core._methods_as_functions(
    globals(), PercentStyle, StrFormatStyle, StringTemplateStyle, Formatter,
    BufferingFormatter, Filter, Filterer, Handler, StreamHandler, FileHandler, _StderrHandler,
    NullHandler, PlaceHolder, Manager, Logger, RootLogger, LoggerAdapter)
# `name = property(get_name, set_name)` in the stdlib's class body, which also names the
# property (3.10+ error messages say which one).
_name_property = property(Handler.get_name, Handler.set_name)
if hasattr(_name_property, '__set_name__'):
    _name_property.__set_name__(Handler, 'name')
Handler.name = _name_property
del _name_property
# The module's functions too (before `atexit` and `os.register_at_fork` are handed them);
# 3.9's `fatal = critical` first, so both names get the one function.
if _VERSION < (3, 10):
    fatal = critical
_core._functions_as_functions(globals())
# The stdlib's `currentframe = lambda: sys._getframe(N)`.
currentframe.__name__ = currentframe.__qualname__ = '<lambda>'

#---------------------------------------------------------------------------
#   Module state built from the native classes
#---------------------------------------------------------------------------

_logRecordFactory = LogRecord

BASIC_FORMAT = "%(levelname)s:%(name)s:%(message)s"

_STYLES = {
    '%': (PercentStyle, BASIC_FORMAT),
    '{': (StrFormatStyle, '{levelname}:{name}:{message}'),
    '$': (StringTemplateStyle, '${levelname}:${name}:${message}'),
}

_str_formatter = StrFormatter()
del StrFormatter

_defaultFormatter = Formatter()

_defaultLastResort = _StderrHandler(WARNING)
lastResort = _defaultLastResort

_loggerClass = Logger

root = RootLogger(WARNING)
Logger.root = root
Logger.manager = Manager(Logger.root)

# Warnings integration
_warnings_showwarning = None

def _log(depth, find_caller, stack_info, stacklevel):
    # A Python findCaller (an override, or one set on the instance) may count frames up
    # the stack: it is called from `depth` frames of this file, where the stdlib has its
    # log method and `Logger._log` (frames of `_srcfile`, skipped as the stdlib's are).
    if depth > 1:
        return _log(depth - 1, find_caller, stack_info, stacklevel)
    if find_caller is not None:
        return find_caller(stack_info, stacklevel)
    # `currentframe` (or `_is_internal_frame`) replaced, as by `logging.currentframe =
    # lambda: sys._getframe(N)`: the stdlib's Logger.findCaller, this frame standing for its.
    f = currentframe()
    if sys.version_info >= (3, 11):
        #On some versions of IronPython, currentframe() returns None if
        #IronPython isn't run with -X:Frames.
        if f is None:
            return "(unknown file)", 0, "(unknown function)", None
        while stacklevel > 0:
            next_f = f.f_back
            if next_f is None:
                break
            f = next_f
            if not _is_internal_frame(f):
                stacklevel -= 1
        co = f.f_code
        sinfo = None
        if stack_info:
            with io.StringIO() as sio:
                sio.write("Stack (most recent call last):\n")
                traceback.print_stack(f, file=sio)
                sinfo = sio.getvalue()
                if sinfo[-1] == '\n':
                    sinfo = sinfo[:-1]
        return co.co_filename, f.f_lineno, co.co_name, sinfo
    if f is not None:
        f = f.f_back
    orig_f = f
    while f and stacklevel > 1:
        f = f.f_back
        stacklevel -= 1
    if not f:
        f = orig_f
    rv = "(unknown file)", 0, "(unknown function)", None
    while hasattr(f, "f_code"):
        co = f.f_code
        filename = os.path.normcase(co.co_filename)
        if filename == _srcfile:
            f = f.f_back
            continue
        sinfo = None
        if stack_info:
            sio = io.StringIO()
            sio.write('Stack (most recent call last):\n')
            traceback.print_stack(f, file=sio)
            sinfo = sio.getvalue()
            if sinfo[-1] == '\n':
                sinfo = sinfo[:-1]
            sio.close()
        rv = (co.co_filename, f.f_lineno, co.co_name, sinfo)
        break
    return rv


if _VERSION >= (3, 13):
    _fork_before, _fork_after = _prepareFork, _afterFork
else:
    _fork_before, _fork_after = _acquireLock, _releaseLock
    del _prepareFork, _afterFork
if hasattr(os, 'register_at_fork'):
    os.register_at_fork(before=_fork_before,
                        after_in_child=_after_at_fork_child_reinit_locks,
                        after_in_parent=_fork_after)

atexit.register(shutdown)

del _core, _VERSION, _fork_before, _fork_after
