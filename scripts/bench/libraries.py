"""How a worker loads each library under test as ``logging``.

``load(name)`` returns a ``Library``; it raises ``Unavailable`` when the library is not
installed for this interpreter (reported as "missing", never hidden). It is called after the
worker froze the clock (verify mode) and redirected stderr (basicConfig scenario), and before
anything imports ``logging``.
"""

import inspect
import os
import sys
import sysconfig
import types

NAMES = ("stdlib", "logixde", "picologging", "logxide")


class Unavailable(Exception):
    pass


class Library:
    def __init__(self, name, logging, handlers, version, where, drain=None):
        self.name = name
        #: The module used as ``logging`` by the scenarios.
        self.logging = logging
        #: Its ``logging.handlers`` (None when it has none).
        self.handlers = handlers
        self.version = version
        self.where = where
        #: Called at the end of each timed window when the library writes asynchronously.
        self.drain = drain

    def info(self):
        return {"name": self.name, "version": self.version, "file": self.where}


def _dist_version(dist, module=None):
    try:
        from importlib import metadata

        return metadata.version(dist)
    except Exception:
        return getattr(module, "__version__", "?")


def _load_stdlib():
    if "logging" in sys.modules:
        raise RuntimeError("logging was imported before the library was chosen")
    import logging
    import logging.handlers

    expected = os.path.join(sysconfig.get_paths()["stdlib"], "logging")
    where = os.path.dirname(os.path.abspath(logging.__file__))
    if os.path.realpath(where) != os.path.realpath(expected):
        raise RuntimeError("logging comes from %s, not the stdlib (%s)" % (where, expected))
    import platform

    return Library("stdlib", logging, logging.handlers, platform.python_version(), where)


def _load_logixde():
    try:
        import logixde
    except ImportError as e:
        raise Unavailable("logixde is not installed for %s (%s)" % (sys.executable, e))
    if "logging" in sys.modules:
        raise RuntimeError("logging was imported before logixde.activate()")
    logixde.activate()
    try:
        import logging
        import logging.handlers
    except ImportError as e:
        raise Unavailable("logixde is installed but its logging does not import: %s" % e)
    package = os.path.dirname(os.path.abspath(logixde.__file__))
    where = os.path.abspath(logging.__file__)
    if not where.startswith(package + os.sep):
        raise RuntimeError("logging.__file__ is %s, not under logixde (%s)" % (where, package))
    return Library("logixde", logging, logging.handlers, _dist_version("logixde", logixde), where)


def _load_picologging():
    try:
        import picologging
        import picologging.handlers
    except ImportError as e:
        raise Unavailable("picologging is not installed for this interpreter (%s)" % e)
    return Library(
        "picologging",
        picologging,
        picologging.handlers,
        _dist_version("picologging", picologging),
        picologging.__file__,
    )


def _load_logxide():
    try:
        import logxide
        from logxide import logging
    except ImportError as e:
        raise Unavailable("logxide is not installed for this interpreter (%s)" % e)
    handlers = getattr(logging, "handlers", None)
    # LogXide's handlers may write from a background thread: its flush() is called at the end
    # of every timed window, so what is timed is what reached the sink.
    drain = getattr(logxide, "flush", None)
    return Library(
        "logxide", logging, handlers, _dist_version("logxide", logxide), logxide.__file__, drain
    )


_LOADERS = {
    "stdlib": _load_stdlib,
    "logixde": _load_logixde,
    "picologging": _load_picologging,
    "logxide": _load_logxide,
}


def load(name):
    if name not in _LOADERS:
        raise ValueError("unknown library %r (known: %s)" % (name, ", ".join(NAMES)))
    return _LOADERS[name]()


def not_native(handlers, hook):
    """The (class, method) pairs of ``hook`` that ``handlers`` implements in Python (or lacks)."""
    missing = []
    for cls_name, method in hook:
        cls = getattr(handlers, cls_name, None) if handlers is not None else None
        if cls is None:
            missing.append("%s (absent)" % cls_name)
            continue
        try:
            attr = inspect.getattr_static(cls, method)
        except AttributeError:
            missing.append("%s.%s (absent)" % (cls_name, method))
            continue
        if isinstance(attr, (types.FunctionType, staticmethod, classmethod)):
            missing.append("%s.%s (Python)" % (cls_name, method))
    return missing
