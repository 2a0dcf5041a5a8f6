"""The classes' methods are Python functions calling the native methods (rust/method_functions.rs).

Code depends on the stdlib's methods being functions: `mock.patch(..., autospec=True)` on a
class binds the mock to the instance only for a function, and tests assert on `self`.
"""

import pytest

from support import assert_same_output

def test_autospec_on_class_methods_records_self():
    assert_same_output(
        """
        import io, logging, logging.handlers
        from unittest import mock
        log = logging.getLogger("app")
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        log.addHandler(handler)
        with mock.patch("logging.Logger.warning", autospec=True) as warning:
            log.warning("hi %s", 1)
            warning.assert_called_with(log, "hi %s", 1)
            warning.assert_called_with(mock.ANY, mock.ANY, mock.ANY)
            print(warning.call_args == mock.call(log, "hi %s", 1))
        with mock.patch.object(logging.Logger, "isEnabledFor", autospec=True, return_value=False) as enabled:
            log.error("not emitted")
            print(enabled.call_args == mock.call(log, logging.ERROR))
        with mock.patch.object(logging.StreamHandler, "emit", autospec=True) as emit:
            log.error("to the mock")
            print(emit.call_count, emit.call_args.args[0] is handler, emit.call_args.args[1].getMessage())
        with mock.patch.object(logging.Formatter, "format", autospec=True, return_value="formatted") as fmt:
            log.error("x")
            print(fmt.call_args.args[0] is logging._defaultFormatter, repr(stream.getvalue()))
        with mock.patch.object(logging.handlers.MemoryHandler, "flush", autospec=True) as flush:
            mh = logging.handlers.MemoryHandler(1)
            mh.handle(logging.makeLogRecord({}))
            print(flush.call_args == mock.call(mh))
        try:
            with mock.patch.object(logging.Logger, "info", autospec=True):
                log.info("a", "b", "c", bad=1)
        except TypeError as e:
            print("TypeError", e)
        log.warning("unpatched %d", 2)
        print(repr(stream.getvalue()))
        """
    )


def test_methods_are_functions_with_the_stdlibs_attributes():
    assert_same_output(
        """
        import copy, inspect, logging, logging.handlers, logging.config, pickle, types
        for m in (logging.Logger.info, logging.Handler.handle, logging.Formatter.formatTime,
                  logging.LoggerAdapter.process, logging.handlers.RotatingFileHandler.shouldRollover,
                  logging.config.BaseConfigurator.resolve, logging.config.ConvertingDict.get,
                  logging.Logger.__reduce__):
            print(type(m).__name__, inspect.isfunction(m), m.__name__, m.__qualname__, m.__module__,
                  inspect.signature(m), m.__defaults__, m.__kwdefaults__,
                  pickle.loads(pickle.dumps(m)) is m, m.__get__(None, logging.Logger) is m,
                  pickle.loads(pickle.dumps(m, 2)) is m, copy.copy(m) is m, copy.deepcopy(m) is m,
                  isinstance(m, types.FunctionType))
        log = logging.getLogger("a")
        bound = log.info
        print(type(bound).__name__, bound.__self__ is log, bound.__func__ is logging.Logger.info)
        """
    )


def test_calls_reach_the_native_methods_and_patches_win():
    # The functions' bodies never run: calls go to the native methods, however they are
    # made (bound, through the class, super(), partial, many times over so the interpreter
    # specializes its call sites); a subclass or a patch of the class still overrides.
    assert_same_output(
        """
        import functools, io, logging, sys
        stream = io.StringIO()
        logging.basicConfig(stream=stream, format="%(levelname)s %(name)s %(message)s", level=logging.DEBUG)
        log = logging.getLogger("app")
        class Sub(logging.Logger):
            def info(self, msg, *args, **kwargs):
                super().info("sub: " + msg, *args, **kwargs)
        sub = Sub("sub"); sub.parent = logging.getLogger()
        def many():
            for i in range(3000):
                log.debug("%d", i)
                logging.Logger.isEnabledFor(log, 10)
        many()
        logging.Logger.info(log, "through the class %s", 1)
        functools.partial(logging.Logger.warning, log)("partial")
        sub.info("x %s", 2)
        saved = logging.Logger.handle
        logging.Logger.handle = lambda self, record: print("patched handle", record.getMessage())
        log.info("to the patch"); many()
        logging.Logger.handle = saved
        log.info("back")
        try:
            logging.Logger.info()
        except TypeError:
            print("TypeError")
        lines = stream.getvalue().splitlines()
        print(len(lines), lines[:2], lines[-8:])
        """
    )


def test_autospec_of_a_class_checks_and_binds_the_constructors_arguments():
    # mock binds a call to an autospecced class with `__init__`'s signature: a positional
    # call then matches a keyword assertion, and a wrong call raises.
    assert_same_output(
        """
        import logging, logging.handlers
        from unittest import mock
        with mock.patch("logging.FileHandler", autospec=True) as fh:
            logging.FileHandler("app.log", "w")
            fh.assert_called_once_with(filename="app.log", mode="w")
            print("bound")
        for cls in (logging.StreamHandler, logging.Formatter, logging.handlers.RotatingFileHandler):
            try:
                mock.create_autospec(cls)(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
                print(cls.__name__, "accepted")
            except TypeError as e:
                print(cls.__name__, "TypeError", e)
        print(repr(logging.Logger.__repr__(logging.getLogger("r"))), logging.Logger.__repr__.__qualname__)
        """
    )


def test_module_functions_are_functions():
    # The modules' functions are Python functions too: `inspect.isfunction`, and mock's
    # autospec checks a call against a function's signature (a builtin's it does not).
    assert_same_output(
        """
        import inspect, logging, logging.config, pickle, types
        from unittest import mock
        for name in ("getLogger", "basicConfig", "info", "log", "exception", "disable",
                     "getLevelName", "addLevelName", "setLoggerClass", "makeLogRecord",
                     "captureWarnings", "shutdown", "fatal", "critical"):
            f = getattr(logging, name)
            print(name, type(f).__name__, inspect.isfunction(f), f.__module__, f.__qualname__,
                  pickle.loads(pickle.dumps(f)) is f, isinstance(f, types.FunctionType))
        for name in ("dictConfig", "fileConfig", "listen", "stopListening", "valid_ident"):
            f = getattr(logging.config, name)
            print(name, type(f).__name__, inspect.isfunction(f), f.__module__, inspect.signature(f))
        print(inspect.signature(logging.getLogger), inspect.signature(logging.exception),
              logging.fatal is logging.critical)
        f = logging.currentframe   # the stdlib's is a lambda
        print(type(f).__name__, f.__name__, f.__qualname__, inspect.signature(f))
        with mock.patch("logging.getLogger", autospec=True) as m:
            logging.getLogger("x")
            m.assert_called_once_with("x")
            try:
                logging.getLogger("x", "y")
            except TypeError as e:
                print("TypeError", e)
        logging.basicConfig(format="%(levelname)s %(message)s")
        logging.warning("through the function %s", 1)
        logging.getLogger("mod").error("and a logger")
        """
    )
