"""
Configuration functions for the logging package for Python. The core package
is based on PEP 282 and comments thereto in comp.lang.python, and influenced
by Apache's log4j system.

Copyright (C) 2001-2022 Vinay Sajip. All Rights Reserved.

To use, simply 'import logging' and log away!
"""

# logixde: the functions and classes are implemented in Rust (``logixde._core._config``);
# this module holds the module globals users assign (``dictConfigClass``, ``_listener``),
# which the native code reads live, and the stdlib module's own imports.

import sys as _sys

_VERSION = _sys.version_info[:2]

if _VERSION <= (3, 10):
    __doc__ = __doc__.replace("2001-2022", "2001-2019")
elif _VERSION == (3, 11):
    __doc__ = __doc__.replace("2001-2022", "2001-2023")

import errno
if _VERSION >= (3, 12):
    import functools
import io
import logging
import logging.handlers
if _VERSION >= (3, 11):
    import os
    import queue
import re
import struct
if _VERSION <= (3, 10):
    import sys
import threading
import traceback

from socketserver import ThreadingTCPServer, StreamRequestHandler

from logixde import _core  # noqa: E402

_native = _core._load_config()

DEFAULT_LOGGING_CONFIG_PORT = 9030

RESET_ERROR = errno.ECONNRESET

#
#   The following code implements a socket listener for on-the-fly
#   reconfiguration of logging.
#
#   _listener holds the server object doing the listening
_listener = None

fileConfig = _native.fileConfig
_resolve = _native._resolve
_strip_spaces = _native._strip_spaces
_create_formatters = _native._create_formatters
_install_handlers = _native._install_handlers
_handle_existing_loggers = _native._handle_existing_loggers
_install_loggers = _native._install_loggers
_clearExistingHandlers = _native._clearExistingHandlers

IDENTIFIER = _native.IDENTIFIER
valid_ident = _native.valid_ident

ConvertingMixin = _native.ConvertingMixin
ConvertingDict = _native.ConvertingDict
ConvertingList = _native.ConvertingList
ConvertingTuple = _native.ConvertingTuple

BaseConfigurator = _native.BaseConfigurator
if _VERSION >= (3, 13):
    _is_queue_like_object = _native._is_queue_like_object
DictConfigurator = _native.DictConfigurator

dictConfigClass = DictConfigurator

dictConfig = _native.dictConfig

if hasattr(_native, "listen"):
    listen = _native.listen
    stopListening = _native.stopListening

_native._bind_module(_sys.modules[__name__])
_core._methods_as_functions(
    globals(), ConvertingMixin, ConvertingDict, ConvertingList, ConvertingTuple,
    BaseConfigurator, DictConfigurator)
_core._functions_as_functions(globals())

del _core, _native, _sys, _VERSION
