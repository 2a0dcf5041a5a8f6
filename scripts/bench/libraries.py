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
import time
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

        #: {"wall": ns, "cpu": ns} spent in the statement that imports the library as ``logging``.
        self.import_ns = None

    def info(self):
        return {"name": self.name, "version": self.version, "file": self.where}


class _Stopwatch:
    """Times the one import statement that makes the library ``logging``."""

    def __init__(self):
        self.ns = None

    def __enter__(self):
        self.t0 = (time.perf_counter_ns(), time.process_time_ns())
        return self

    def __exit__(self, *exc):
        self.ns = {"wall": time.perf_counter_ns() - self.t0[0], "cpu": time.process_time_ns() - self.t0[1]}


def _dist_version(dist, module=None):
    try:
        from importlib import metadata

        return metadata.version(dist)
    except Exception:
        return getattr(module, "__version__", "?")


def _load_stdlib():
    if "logging" in sys.modules:
        raise RuntimeError("logging was imported before the library was chosen")
    with _Stopwatch() as watch:
        import logging
    import logging.handlers

    expected = os.path.join(sysconfig.get_paths()["stdlib"], "logging")
    where = os.path.dirname(os.path.abspath(logging.__file__))
    if os.path.realpath(where) != os.path.realpath(expected):
        raise RuntimeError("logging comes from %s, not the stdlib (%s)" % (where, expected))
    import platform

    return _timed(Library("stdlib", logging, logging.handlers, platform.python_version(), where), watch)


def _load_logixde():
    try:
        import logixde
    except ImportError as e:
        raise Unavailable("logixde is not installed for %s (%s)" % (sys.executable, e))
    if "logging" in sys.modules:
        raise RuntimeError("logging was imported before logixde.activate()")
    try:
        with _Stopwatch() as watch:
            logixde.activate()
            import logging
        import logging.handlers
    except ImportError as e:
        raise Unavailable("logixde is installed but its logging does not import: %s" % e)
    package = os.path.dirname(os.path.abspath(logixde.__file__))
    where = os.path.abspath(logging.__file__)
    if not where.startswith(package + os.sep):
        raise RuntimeError("logging.__file__ is %s, not under logixde (%s)" % (where, package))
    lib = Library("logixde", logging, logging.handlers, _dist_version("logixde", logixde), where)
    return _timed(lib, watch)


def _load_picologging():
    try:
        with _Stopwatch() as watch:
            import picologging
        import picologging.handlers
    except ImportError as e:
        raise Unavailable("picologging is not installed for this interpreter (%s)" % e)
    version = _dist_version("picologging", picologging)
    return _timed(Library("picologging", picologging, picologging.handlers, version, picologging.__file__), watch)


def _load_logxide():
    try:
        with _Stopwatch() as watch:
            from logxide import logging
        import logxide
    except ImportError as e:
        raise Unavailable("logxide is not installed for this interpreter (%s)" % e)
    handlers = getattr(logging, "handlers", None)
    # LogXide's handlers may write from a background thread: its flush() is called at the end
    # of every timed window, so what is timed is what reached the sink.
    drain = getattr(logxide, "flush", None)
    version = _dist_version("logxide", logxide)
    return _timed(Library("logxide", logging, handlers, version, logxide.__file__, drain), watch)


def _timed(lib, watch):
    lib.import_ns = watch.ns
    return lib


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
        # logixde's methods are functions too, standing for the native method: their code
        # is the one body `_native_method_body`, which never runs.
        native_function = isinstance(attr, types.FunctionType) and attr.__code__.co_name == "_native_method_body"
        if isinstance(attr, (types.FunctionType, staticmethod, classmethod)) and not native_function:
            missing.append("%s.%s (Python)" % (cls_name, method))
    return missing
