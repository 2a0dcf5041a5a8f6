"""
Additional handlers for the logging package for Python. The core package is
based on PEP 282 and comments thereto in comp.lang.python.

Copyright (C) 2001-2021 Vinay Sajip. All Rights Reserved.

To use, simply 'import logging.handlers' and log away!

This is logixde's ``logging.handlers``: the handlers are implemented in Rust
(``logixde._core``); this module holds the module globals the native code reads live
(``queue``, ``copy``, ``os``, ``threading``, …) and re-exports the classes.
"""

# The stdlib module's own imports are part of its interface (`logging.handlers.os`, …).
import copy
import logging
import os
import pickle
import queue
import re
import socket
import struct
import sys
import threading
import time

if sys.version_info >= (3, 10):
    import io  # noqa: F401
if sys.version_info[:2] <= (3, 12):
    from stat import ST_DEV, ST_INO, ST_MTIME  # noqa: F401

from logixde import _core

#
# Some constants...
#

DEFAULT_TCP_LOGGING_PORT    = 9020
DEFAULT_UDP_LOGGING_PORT    = 9021
DEFAULT_HTTP_LOGGING_PORT   = 9022
DEFAULT_SOAP_LOGGING_PORT   = 9023
SYSLOG_UDP_PORT             = 514
SYSLOG_TCP_PORT             = 514

_MIDNIGHT = 24 * 60 * 60  # number of seconds in a day

# Bind the native core to this module object before creating any instance.
_core.bind_logging_module(logging, handlers_module=sys.modules[__name__])
_core._load_handlers()

from logixde._core import (  # noqa: E402
    BaseRotatingHandler, RotatingFileHandler, TimedRotatingFileHandler, WatchedFileHandler,
    SocketHandler, DatagramHandler, SysLogHandler, SMTPHandler, NTEventLogHandler, HTTPHandler,
    BufferingHandler, MemoryHandler, QueueHandler, QueueListener,
)

_core._methods_as_functions(
    globals(), BaseRotatingHandler, RotatingFileHandler, TimedRotatingFileHandler,
    WatchedFileHandler, SocketHandler, DatagramHandler, SysLogHandler, SMTPHandler,
    NTEventLogHandler, HTTPHandler, BufferingHandler, MemoryHandler, QueueHandler, QueueListener)

del sys, _core
