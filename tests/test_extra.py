"""`extra=` and the keyword arguments of the level methods, compared with the stdlib.

Logger's level methods bind `_log`'s keywords (exc_info, extra, stack_info, stacklevel)
natively and walk an exact dict of exact-str `extra` keys in place; everything else keeps
Python's semantics (iteration, `__getitem__`, `==` of str subclasses and other objects).
Each snippet runs under the stdlib and under logixde: the bytes must match.
"""

import pytest

from support import assert_same_output

PRELUDE = """
import logging, sys, collections.abc
sys.stderr = sys.stdout
STD = set(vars(logging.LogRecord("n", 10, "p", 1, "m", None, None)))

class Show(logging.Handler):
    def emit(self, record):
        d = vars(record)
        added = [k for k in list(d) if type(k) is not str or k not in STD]
        print("record", record.getMessage(), [(k, d[k]) for k in added])

def fresh(name, cls=None):
    log = logging.getLogger(name) if cls is None else cls(name)
    log.handlers[:] = []
    log.addHandler(Show())
    log.propagate = False
    log.setLevel(logging.DEBUG)
    return log

def attempt(label, f, *args, **kwargs):
    try:
        f(*args, **kwargs)
    except Exception as e:
        print(label, type(e).__name__, repr(e), str(e))
    else:
        print(label, "ok")
"""

SNIPPETS = {
    "str_keys": """
        log = fresh("s")
        for method in (log.debug, log.info, log.warning, log.error, log.critical):
            method("msg %s %d", "spam", 42, extra={"user": "bob", "ip": "10.1.2.3"})
        log.info("empty", extra={})
        log.info("none", extra=None)
        log.info("runtime key", extra={"us" + "er": 1, "".join(["i", "p"]): 2})
        log.info("unicode", extra={"ключ": "значение", "\\u00e9": 1, "\\U0001f600": 2})
        log.info("surrogate", extra={"\\udcff": 1, "ok": 2})
        # Keys equal to the record's attributes and the two reserved names.
        for key in ["message", "asctime", "name", "msg", "args", "levelno", "exc_info",
                    "mess" + "age", "asc" + "time", "Message", "message ", "messag"]:
            attempt(repr(key), log.info, "clash", extra={key: 1})
        # A clash after a valid key: nothing logged.
        attempt("later", log.info, "later", extra={"first": 1, "message": 2})
        attempt("later2", log.info, "later", extra={"first": 1, "lineno": 2})
        # Set by the formatter, not in a fresh record; and near-misses of record attributes.
        log.info("formatter's", extra={"taskName_": 1, "Name": 2, "_name": 3})
        attempt("exc_text", log.info, "exc_text", extra={"exc_text": "x"})
        # Disabled level: extra is not looked at.
        log.setLevel(logging.ERROR)
        log.info("disabled", extra={"message": 1})
        log.debug("disabled", extra=42)
        print("done")
    """,
    "runtime_keys_in_the_format": """
        # Keys equal to the format's names but other str objects (built at run time), the
        # format rendering from the record's own store: found by equal text, as a dict does.
        log = fresh("rk")
        log.handlers[:] = []
        for fmt, style in [("%(user)s|%(ip)s|%(\\udcff)s|%(\\U0001f600)s|%(message)s", "%"),
                           ("{user}|{ip}|{\\udcff}|{\\U0001f600}|{message}", "{")]:
            h = logging.StreamHandler(sys.stdout)
            h.setFormatter(logging.Formatter(fmt, style=style, validate=False))
            log.handlers[:] = [h]
            log.info("one %s", "x", extra={"us" + "er": "bob", "".join(["i", "p"]): 2,
                                           chr(0xdcff): "s", "x\\U0001f600"[1:]: "e"})
            # The formatter's own `message` over a record holding several extra keys.
            log.info("two", extra={"a": 1, "b": 2, "c": 3, "d": 4, "e": 5,
                                   "us" + "er": "ann", "ip": 3, "\\udcff": 0, "\\U0001f600": 1})
            attempt("missing", log.info, "three", extra={"user": "x"})
        print("done")
    """,
    "non_str_and_subclass_keys": """
        log = fresh("k")
        calls = []
        class Key:
            def __init__(self, name, equal=None):
                self.name, self.equal = name, equal
            def __eq__(self, other):
                calls.append(("eq", self.name, other))
                return other == self.equal
            def __hash__(self):
                calls.append(("hash", self.name))
                return hash(self.name)
            def __repr__(self):
                return "Key(%r)" % self.name
        class S(str):
            def __eq__(self, other):
                calls.append(("S.eq", str(self), other))
                return str.__eq__(self, other)
            __hash__ = str.__hash__
        class Always(str):
            def __eq__(self, other):
                calls.append(("Always.eq", str(self), other))
                return True
            __hash__ = str.__hash__
        class Plain(str):
            pass
        class NoHash:
            __hash__ = None
            def __repr__(self):
                return "NoHash()"
        for extra in [{1: "one", (2, 3): "tuple", None: "none", 4.5: "float"},
                      {Key("a"): 1, Key("b"): 2},
                      {Key("m", "message"): 1},
                      {Key("t", "asctime"): 1},
                      {S("user"): 1, "plain": 2},
                      {S("message"): 1},
                      {Always("anything"): 1},
                      {Plain("message"): 1},
                      {Plain("name"): 1},
                      {Plain("user"): 1},
                      {"user": 1, Key("after"): 2},
                      {b"message": 1, True: 2}]:
            calls.clear()
            attempt(repr(list(extra)), log.info, "keys %s", "x", extra=extra)
            print("calls", calls)
        attempt("unhashable", log.info, "x", extra=collections.UserDict())
        class Items(collections.abc.Mapping):
            def __init__(self, keys):
                self.keys_ = keys
            def __iter__(self):
                return iter(self.keys_)
            def __len__(self):
                return len(self.keys_)
            def __getitem__(self, key):
                return "v"
        attempt("unhashable key", log.info, "x", extra=Items([NoHash()]))
        attempt("list key", log.info, "x", extra=Items([[1]]))
        # A key whose __eq__ grows the dict: the dict's iterator raises.
        d = {}
        class Grow:
            def __eq__(self, other):
                d["grown%d" % len(d)] = 1
                return False
            def __hash__(self):
                return 1
            def __repr__(self):
                return "Grow()"
        d[Grow()] = 1
        d["later"] = 2
        attempt("grow", log.info, "x", extra=d)
    """,
    "mappings_and_non_mappings": """
        log = fresh("m")
        class M(collections.abc.Mapping):
            def __init__(self, d):
                self.d = d
            def __getitem__(self, key):
                print("getitem", key)
                return self.d[key]
            def __iter__(self):
                print("iter")
                return iter(self.d)
            def __len__(self):
                return len(self.d)
        class D(dict):
            def __getitem__(self, key):
                print("D.getitem", key)
                return "D:" + str(dict.__getitem__(self, key))
        class Iter(dict):
            def __iter__(self):
                print("Iter.iter")
                return iter(["only"])
        class Missing(dict):
            def __missing__(self, key):
                return "missing:" + key
        class Mutating(dict):
            def __getitem__(self, key):
                self["new" + key] = 1
                return dict.__getitem__(self, key)
        log.info("mapping", extra=M({"user": "u", "ip": "i"}))
        attempt("mapping clash", log.info, "mapping", extra=M({"user": "u", "message": "i"}))
        log.info("dict subclass", extra=D({"user": "u", "ip": "i"}))
        log.info("iter override", extra=Iter({"only": 1, "other": 2}))
        attempt("iter missing", log.info, "iter override", extra=Iter({"other": 2}))
        attempt("missing", log.info, "x", extra=Missing())
        attempt("mutating", log.info, "x", extra=Mutating({"a": 1, "b": 2}))
        log.info("ordered", extra=collections.OrderedDict([("b", 1), ("a", 2)]))
        log.info("userdict", extra=collections.UserDict({"u": 1}))
        log.info("chainmap", extra=collections.ChainMap({"a": 1}, {"b": 2, "a": 3}))
        import types
        log.info("proxy", extra=types.MappingProxyType({"p": 1}))
        for extra in [1, 0, "", "ab", ["a"], [], (), ("x",), {"a"}, iter(["z"]), b"k",
                      object(), True, 3.5]:
            attempt(type(extra).__name__, log.info, "non-mapping", extra=extra)
    """,
    "keyword_combinations": """
        logging.basicConfig(stream=sys.stdout,
                            format="%(levelname)s %(funcName)s %(lineno)d %(user)s %(message)s")
        log = logging.getLogger("kw")
        log.setLevel(logging.DEBUG)
        def helper(**kwargs):
            log.warning("from helper", **kwargs)
        def outer(**kwargs):
            helper(**kwargs)
        try:
            raise ValueError("bad")
        except ValueError as e:
            log.error("exc %s", 1, exc_info=True, extra={"user": "a"})
            log.info("all", exc_info=True, stack_info=True, stacklevel=1, extra={"user": "b"})
            log.info("reversed", extra={"user": "c"}, stacklevel=1, stack_info=False, exc_info=e)
            log.critical("tuple", exc_info=(type(e), e, None), extra={"user": "d"})
            log.debug("false", exc_info=False, extra={"user": "e"})
        log.info("outside", exc_info=True, extra={"user": "f"})
        log.info("none", exc_info=None, extra={"user": "g"})
        for level in (1, 2, 3, 4, 10):
            outer(stacklevel=level, extra={"user": "level%d" % level})
        outer(stack_info=True, extra={"user": "stack"})
        log.info("unpacked", **{"extra": {"user": "h"}, "stacklevel": 1})
        class S(str):
            __hash__ = str.__hash__
        log.info("subclass keyword", **{S("extra"): {"user": "i"}})
        log.info("keyword msg", extra={"user": "j"})
        log.info(msg="msg as keyword %s", extra={"user": "k"})
        for method in (log.debug, log.info, log.warning, log.error, log.critical, logging.root.info):
            attempt("positional and msg", method, "x", msg="y")
            attempt("no msg", method)
        attempt("msg and args", log.info, "x %s", 1, msg="y", extra={"user": "l"})
        attempt("msg twice and unknown", log.info, "x", foo=1, msg="y")
        attempt("unknown", log.info, "x", foo=1)
        attempt("unknown and extra", log.info, "x", extra={"user": "m"}, foo=1)
        attempt("unknown first", log.info, "x", foo=1, extra={"user": "m"})
        attempt("no msg", log.info)
        attempt("no msg kw", log.info, extra={"user": "n"})
        attempt("bad stacklevel", log.info, "x", stacklevel="2", extra={"user": "o"})
        attempt("bad stack_info", log.info, "x", stack_info=[1], extra={"user": "o"})
        class Falsy:
            def __bool__(self):
                raise RuntimeError("bool")
        attempt("bad exc_info", log.info, "x", exc_info=Falsy(), extra={"user": "p"})
        # A disabled level never looks at the keywords.
        log.setLevel(logging.WARNING)
        log.info("disabled", foo=1)
        log.debug("disabled", extra=1, stacklevel="x")
        log.disabled = True
        log.error("disabled logger", extra={"message": 1})
        print("done")
    """,
    "overrides_see_the_keywords": """
        class L(logging.Logger):
            def _log(self, level, msg, args, **kwargs):
                print("_log", level, msg, args, sorted(kwargs.items(), key=repr))
                super()._log(level, msg, args, **kwargs)
        log = fresh("o", L)
        log.info("a %s", 1, extra={"user": "u"}, stacklevel=1)
        log.warning("b", exc_info=None, stack_info=False)
        if sys.version_info >= (3, 10):
            # 3.9 words it "_log() got ..."; the native `_log`'s own argument errors say
            # "Logger._log()" (pyo3's wording) on every version.
            attempt("unknown", log.info, "c", foo=1)
        class E(logging.Logger):
            def isEnabledFor(self, level):
                print("isEnabledFor", level)
                return level >= logging.INFO
        log = fresh("e", E)
        log.debug("d", extra={"user": "u"})
        log.info("i", extra={"user": "u"})
        class R(logging.Logger):
            def makeRecord(self, *args, **kwargs):
                print("makeRecord extra", args[8:], kwargs)
                return super().makeRecord(*args, **kwargs)
        log = fresh("r", R)
        log.info("r", extra={"user": "u"})
        attempt("clash", log.info, "r", extra={"message": "u"})
        # The factory's record is not native: its __dict__ takes the keys.
        old = logging.getLogRecordFactory()
        def factory(*args, **kwargs):
            rv = old(*args, **kwargs)
            rv.fromfactory = 1
            return rv
        logging.setLogRecordFactory(factory)
        log = fresh("f")
        log.info("f", extra={"user": "u", 5: "int"})
        attempt("factory clash", log.info, "f", extra={"fromfactory": 2})
        logging.setLogRecordFactory(old)
        # Monkeypatched level method and _log on the class.
        saved = logging.Logger._log
        def patched(self, level, msg, args, **kwargs):
            print("patched", sorted(kwargs))
            return saved(self, level, msg, args, **kwargs)
        logging.Logger._log = patched
        log = fresh("p")
        log.error("p", extra={"user": "u"}, stack_info=False)
        logging.Logger._log = saved
        log.error("restored", extra={"user": "u"})
        # makeRecord called directly.
        lg = logging.getLogger("direct")
        r = lg.makeRecord("n", 10, "f", 1, "m", (), None, extra={"k": 1, 2: 3})
        print(r.k, vars(r)[2])
        attempt("direct clash", lg.makeRecord, "n", 10, "f", 1, "m", (), None, None, {"asctime": 1})
    """,
    "adapter": """
        logging.basicConfig(stream=sys.stdout,
                            format="%(levelname)s %(funcName)s %(lineno)d %(user)s %(message)s")
        log = logging.getLogger("ad")
        log.setLevel(logging.DEBUG)
        adapter = logging.LoggerAdapter(log, {"user": "adapter"})
        adapter.info("plain %s", 1)
        adapter.info("call extra replaced", extra={"user": "call"})
        try:
            raise KeyError("k")
        except KeyError:
            adapter.error("exc", exc_info=True, stack_info=True, stacklevel=1)
            adapter.exception("exception", extra={"x": 1})
        def helper():
            adapter.warning("helper", stacklevel=2)
        helper()
        attempt("unknown", adapter.info, "x", foo=1)
        if sys.version_info >= (3, 10):
            # 3.9 words it "info() got ..."; LoggerAdapter's generated methods say
            # "LoggerAdapter.info()" (pyo3's wording) on every version.
            attempt("positional and msg", adapter.info, "x", msg="y")
        bad = logging.LoggerAdapter(log, {"message": 1})
        attempt("adapter clash", bad.info, "x")
        attempt("adapter asctime", logging.LoggerAdapter(log, {"asctime": 1}).info, "x")
        attempt("adapter name", logging.LoggerAdapter(log, {"name": 1}).info, "x")
        class M(collections.abc.Mapping):
            def __getitem__(self, key):
                return "mapped"
            def __iter__(self):
                return iter(["user"])
            def __len__(self):
                return 1
        logging.LoggerAdapter(log, M()).info("mapping")
        attempt("adapter non-mapping", logging.LoggerAdapter(log, 5).info, "x")
        class A(logging.LoggerAdapter):
            def process(self, msg, kwargs):
                kwargs["stacklevel"] = 1
                kwargs.setdefault("extra", {})["user"] = "processed"
                return msg, kwargs
        A(log, None).info("processed", extra={"user": "ignored"})
        A(log, None).log(logging.WARNING, "processed log", stack_info=False)
        log.setLevel(logging.ERROR)
        adapter.info("disabled", foo=1)
        print("done")
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_same_bytes_as_the_stdlib(name):
    import textwrap

    assert_same_output(PRELUDE + textwrap.dedent(SNIPPETS[name]), internal_frames=True)
