"""Whole programs run under the stdlib and under logixde: the bytes must match.

Each snippet exercises the public API the way applications and libraries do; output goes to
stdout/stderr with deterministic formats (no times, thread or process ids). Tracebacks
through the stdlib's own logging frames are compared without those frames (logixde's code
is native and has none; see support.without_stdlib_logging_frames).
"""

import pytest

from support import assert_same_output

SNIPPETS = {
    "levels_and_names": """
        import logging, sys
        logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, format="%(levelno)s %(levelname)s %(name)s %(message)s")
        log = logging.getLogger("a.b")
        for level in (5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55):
            log.log(level, "level %d", level)
        logging.addLevelName(15, "VERBOSE")
        log.log(15, "named now")
        print(logging.getLevelName(15), logging.getLevelName("VERBOSE"), logging.getLevelName(99))
        print(log.getEffectiveLevel(), log.isEnabledFor(5), logging.root.level)
    """,
    "hierarchy_any_order": """
        import logging, sys
        c = logging.getLogger("x.y.z")
        a = logging.getLogger("x")
        b = logging.getLogger("x.y")
        print(c.parent.name, b.parent.name, a.parent.name)
        print(sorted(logging.root.manager.loggerDict))
        print(type(logging.root.manager.loggerDict["x"]).__name__)
        print(a.getChild("y") is b, b.getChild("z") is c)
        print(repr(a), repr(logging.root))
        b.setLevel("ERROR"); print(repr(c), c.getEffectiveLevel())
    """,
    "percent_edge_cases": """
        import logging, sys
        h = logging.StreamHandler(sys.stdout)
        log = logging.getLogger("p"); log.addHandler(h); log.propagate = False
        log.warning("%(a)s and %(b)r", {"a": 1, "b": "two"})
        log.warning("100%% literal")
        log.warning("100%% with arg %s", "x")
        log.warning(42)
        log.warning(["a", "list"])
        log.warning("empty mapping %s", {})
        log.warning("tuple arg %s", (1, 2))
        log.warning("%s %s", *("one", "two"))
        log.warning("%.3f|%5d|%-5s|%x", 3.14159, 42, "ab", 255)
    """,
    "bad_args_go_to_handle_error": """
        import logging, sys
        sys.stderr = sys.stdout
        h = logging.StreamHandler(sys.stdout)
        log = logging.getLogger("bad"); log.addHandler(h); log.propagate = False
        log.warning("two %s %s", "one")
        log.warning("%(missing)s", {"other": 1})
        log.warning("%d", "not a number")
        logging.raiseExceptions = False
        log.warning("silent %s %s", "one")
        print("done")
    """,
    "styles_and_validation": """
        import logging, sys
        for style, fmt in [("%", "%(levelname)s|%(name)s|%(message)s"),
                           ("{", "{levelname}|{name!r}|{message:>10}"),
                           ("$", "$levelname|${name}|$message")]:
            h = logging.StreamHandler(sys.stdout)
            h.setFormatter(logging.Formatter(fmt, style=style))
            log = logging.getLogger("s" + style); log.addHandler(h); log.propagate = False
            log.error("hello %s", "styles")
        for style, fmt in [("%", "%(levelname)"), ("{", "{levelname"), ("$", "$"), ("%", "no fields"),
                           ("{", "{0}"), ("$", "${bad name}"), ("x", "%(message)s")]:
            try:
                logging.Formatter(fmt, style=style)
                print("ok", style, fmt)
            except (ValueError, KeyError) as e:
                print(type(e).__name__, e)
    """,
    "extra_and_clashes": """
        import logging, sys
        h = logging.StreamHandler(sys.stdout)
        h.setFormatter(logging.Formatter("%(user)s@%(ip)s %(message)s"))
        log = logging.getLogger("e"); log.addHandler(h); log.propagate = False
        log.warning("login", extra={"user": "ada", "ip": "10.0.0.1"})
        for key in ("message", "asctime", "name", "msg", "levelno"):
            try:
                log.warning("clash", extra={key: 1})
            except KeyError as e:
                print("KeyError", e)
    """,
    "exceptions_and_stack_info": """
        import logging, sys
        logging.basicConfig(stream=sys.stdout, format="%(levelname)s %(funcName)s %(lineno)d %(message)s")
        log = logging.getLogger("exc")
        def fail():
            raise ValueError("bad value")
        try:
            fail()
        except ValueError:
            log.exception("caught %s", "it")
            log.error("again", exc_info=True)
            log.error("as instance", exc_info=sys.exc_info()[1])
            log.error("as tuple", exc_info=sys.exc_info())
        log.error("no exception active", exc_info=True)
        def inner():
            log.warning("with stack", stack_info=True)
        inner()
    """,
    "stacklevel_and_callers": """
        import logging, sys
        logging.basicConfig(stream=sys.stdout, format="%(funcName)s:%(lineno)d %(message)s")
        log = logging.getLogger("sl")
        def helper(msg, level):
            log.warning(msg, stacklevel=level)
        def caller():
            for level in (1, 2, 3, 10):
                helper("level %d" % level, level)
            logging.warning("module level")
            logging.warning("module level 2", stacklevel=2)
            logging.LoggerAdapter(log, {}).warning("adapter", stacklevel=2)
        caller()
    """,
    "adapters": """
        import logging, sys
        h = logging.StreamHandler(sys.stdout)
        h.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(request)s"))
        log = logging.getLogger("adapt"); log.addHandler(h); log.propagate = False
        log.setLevel(logging.INFO)
        a = logging.LoggerAdapter(log, {"request": "r-1"})
        a.info("info %d", 1); a.debug("hidden"); a.warning("warn"); a.critical("crit")
        a.log(logging.ERROR, "logged"); print(a.isEnabledFor(logging.DEBUG), a.getEffectiveLevel())
        class Prefix(logging.LoggerAdapter):
            def process(self, msg, kwargs):
                return "[%s] %s" % (self.extra["request"], msg), kwargs
        Prefix(log, {"request": "r-2"}).info("prefixed")
        print(repr(a), a.name, a.manager is logging.Logger.manager)
    """,
    "filters": """
        import logging, sys
        h = logging.StreamHandler(sys.stdout)
        log = logging.getLogger("f.g"); log.addHandler(h); log.propagate = False
        h.addFilter(logging.Filter("f.g"))
        log.warning("passes name filter")
        logging.getLogger("f.gh").addHandler(h); logging.getLogger("f.gh").propagate = False
        logging.getLogger("f.gh").warning("blocked")
        log.addFilter(lambda r: r.levelno > logging.WARNING)
        log.warning("blocked by callable"); log.error("passes callable")
        class Odd:
            def filter(self, record):
                return record.msg.startswith("odd")
        log.addFilter(Odd()); log.error("even"); log.error("odd one")
        print(len(log.filters), len(h.filters))
    """,
    "handlers_repr_and_registry": """
        import logging, sys, io
        h = logging.StreamHandler(sys.stdout); h.set_name("out"); h.setLevel("INFO")
        print(repr(h), h.name, h.get_name())
        n = logging.NullHandler(); print(repr(n))
        s = logging.StreamHandler(io.StringIO()); print(repr(s).split(" ")[0])
        class Named: name = 7
        s.setStream(Named()); print(repr(s))
        print(repr(logging.lastResort))
        print(sorted(k for k in logging._handlers.keys()))
        h.close(); print(sorted(k for k in logging._handlers.keys()))
    """,
    "last_resort_and_no_handlers": """
        import logging, sys
        sys.stderr = sys.stdout
        log = logging.getLogger("lonely")
        log.warning("to last resort %s", 1)
        log.info("below last resort level")
        logging.lastResort = None
        log.error("no handlers at all")
        log.error("only once warned")
        print(logging.root.manager.emittedNoHandlerWarning)
    """,
    "disable_and_levels": """
        import logging, sys
        logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, format="%(levelname)s %(message)s")
        log = logging.getLogger("d")
        logging.disable(logging.WARNING); log.warning("off"); log.error("on")
        logging.disable(); log.critical("off too")
        logging.disable(logging.NOTSET); log.debug("back")
        log.disabled = True; log.error("disabled logger"); log.disabled = False
        print(log._cache if hasattr(log, "_cache") else None)
    """,
    "custom_logger_and_record_classes": """
        import logging, sys
        class MyLogger(logging.Logger):
            def makeRecord(self, *a, **k):
                r = super().makeRecord(*a, **k); r.custom = "C"; return r
        logging.setLoggerClass(MyLogger)
        log = logging.getLogger("custom.cls")
        print(type(log).__name__, logging.getLoggerClass().__name__)
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter("%(custom)s %(tag)s %(message)s"))
        log.addHandler(h); log.propagate = False
        old = logging.getLogRecordFactory()
        def factory(*a, **k):
            r = old(*a, **k); r.tag = "T"; return r
        logging.setLogRecordFactory(factory)
        log.warning("made")
        logging.setLoggerClass(logging.Logger)
        try:
            logging.setLoggerClass(int)
        except TypeError as e:
            print("TypeError", e)
    """,
    "buffering_and_memory_handlers": """
        import logging, logging.handlers, sys
        target = logging.StreamHandler(sys.stdout)
        mem = logging.handlers.MemoryHandler(3, flushLevel=logging.ERROR, target=target)
        log = logging.getLogger("mem"); log.addHandler(mem); log.propagate = False
        log.warning("one"); log.warning("two"); print("buffered", len(mem.buffer))
        log.warning("three"); print("after capacity", len(mem.buffer))
        log.warning("four"); log.error("flushes"); print("after error", len(mem.buffer))
        mem.close()
    """,
    "dict_config": """
        import logging, logging.config, sys
        logging.config.dictConfig({
            "version": 1,
            "formatters": {"brief": {"format": "%(levelname)s:%(name)s:%(message)s"}},
            "filters": {"only_app": {"name": "app"}},
            "handlers": {"out": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                                 "formatter": "brief", "filters": ["only_app"]}},
            "loggers": {"app": {"level": "DEBUG", "handlers": ["out"], "propagate": False}},
            "root": {"level": "WARNING"},
        })
        logging.getLogger("app").debug("configured")
        logging.getLogger("app.sub").info("child")
        try:
            logging.config.dictConfig({"version": 2})
        except ValueError as e:
            print("ValueError", e)
        try:
            logging.config.dictConfig({"version": 1, "handlers": {"h": {"class": "no.such.Class"}}})
        except ValueError as e:
            print("ValueError", e)
    """,
    "capture_warnings": """
        import logging, sys, warnings
        logging.basicConfig(stream=sys.stdout, format="%(name)s|%(levelname)s|%(message)s")
        logging.captureWarnings(True)
        warnings.warn("captured", UserWarning)
        logging.captureWarnings(False)
        warnings.simplefilter("ignore")
        warnings.warn("not captured", UserWarning)
        print("end")
    """,
    "shutdown_order": """
        import logging, sys
        class H(logging.Handler):
            def __init__(self, tag):
                super().__init__(); self.tag = tag
            def emit(self, record): print(self.tag, record.getMessage())
            def flush(self): print("flush", self.tag)
            def close(self): print("close", self.tag); super().close()
        a, b = H("a"), H("b")
        log = logging.getLogger("sd"); log.addHandler(a); log.addHandler(b); log.propagate = False
        log.warning("x")
        logging.shutdown()
        print("after shutdown")
    """,
    "getlogger_reads_live_state": """
        import logging, sys
        a = logging.getLogger("g.a")
        print(logging.getLogger("g.a") is a, logging.getLogger("root") is logging.root)
        print(logging.getLogger("") is logging.root, logging.getLogger(None) is logging.root)
        class S(str):
            pass
        print(logging.getLogger(S("g.a")) is a)
        try:
            logging.getLogger(b"g.a")
        except TypeError as e:
            print("TypeError", e)
        # loggerDict is a dict users mutate and replace.
        other = logging.Logger("other")
        logging.root.manager.loggerDict["g.a"] = other
        print(logging.getLogger("g.a") is other)
        del logging.root.manager.loggerDict["g.a"]
        fresh = logging.getLogger("g.a")
        print(fresh is not other and fresh is not a, fresh.parent is logging.root)
        saved_dict = logging.root.manager.loggerDict
        logging.root.manager.loggerDict = {"g.a": a}
        print(logging.getLogger("g.a") is a)
        logging.root.manager.loggerDict = saved_dict
        print(logging.getLogger("g.a") is fresh)
        # A placeholder is replaced by the logger asked for.
        child = logging.getLogger("g.p.c")
        print(type(logging.root.manager.loggerDict["g.p"]).__name__)
        p = logging.getLogger("g.p")
        print(type(p).__name__, child.parent is p, logging.getLogger("g.p") is p)
        # The root's name and the module's root are read at each call.
        logging.root.name = "renamed"
        print(logging.getLogger("renamed") is logging.root, logging.getLogger("root").name)
        logging.root.name = "root"
        saved_root = logging.root
        logging.root = a
        print(logging.getLogger("g.a") is a, logging.getLogger("root") is saved_root)
        logging.root = saved_root
        # Logger.manager replaced; a Manager subclass overriding getLogger; a patched class;
        # a per-instance override.
        saved_manager = logging.Logger.manager
        m = logging.Manager(logging.root)
        logging.Logger.manager = m
        x = logging.getLogger("g.a")
        print(x is not fresh, logging.getLogger("g.a") is x, sorted(m.loggerDict))
        class M(logging.Manager):
            def getLogger(self, name):
                print("M.getLogger", name)
                return super().getLogger(name)
        logging.Logger.manager = M(logging.root)
        y = logging.getLogger("g.a"); print(logging.getLogger("g.a") is y)
        logging.Logger.manager = m
        original = logging.Manager.getLogger
        logging.Manager.getLogger = lambda self, name: ("patched", name)
        print(logging.getLogger("g.a"))
        logging.Manager.getLogger = original
        print(logging.getLogger("g.a") is x)
        m.getLogger = lambda name: ("instance", name)
        print(logging.getLogger("g.a"))
        del m.getLogger
        print(logging.getLogger("g.a") is x)
        logging.Logger.manager = saved_manager
        print(logging.getLogger("g.a") is fresh)
        # setLoggerClass applies to new loggers only.
        class L2(logging.Logger):
            pass
        logging.setLoggerClass(L2)
        print(type(logging.getLogger("g.a")).__name__, type(logging.getLogger("g.new")).__name__)
        logging.setLoggerClass(logging.Logger)
        # Module globals reassigned and restored.
        saved_logger_class = logging.Logger
        logging.Logger = type("NotALogger", (), {"manager": m})
        print(logging.getLogger("g.a") is x)
        logging.Logger = saved_logger_class
        print(logging.getLogger("g.a") is fresh)
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_same_bytes_as_the_stdlib(name):
    assert_same_output(SNIPPETS[name], internal_frames=True)
