"""logixde's modules present themselves as the stdlib's ``logging``.

Real projects depend on it: structlog skips frames whose module name starts with
``logging``, tornado compares ``logging.Formatter`` classes, loguru compares frames with
``logging.__file__``, CPython's check__all__ compares ``__all__`` with ``__module__``.
Each fact is collected in a child interpreter with logixde active from start-up and
compared with the same fact about the running interpreter's stdlib ``logging``.
"""

import pytest

from childproc import facade_init, run_json  # noqa: F401 (facade_init: fixture)

MODULES = ("logging", "logging.handlers", "logging.config")

# Public classes and functions of the stdlib's modules, by the stdlib's own account:
# name -> {"kind", "module"}, plus each module's __all__ (only `logging` has one).
_STDLIB_API = r"""
import importlib, inspect, json, sys
out = {}
for modname in %r:
    m = importlib.import_module(modname)
    api = {}
    for name, obj in vars(m).items():
        if name.startswith("_") or not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if getattr(obj, "__module__", None) != modname:
            continue  # imported from elsewhere (e.g. logging.handlers' `Queue`)
        api[name] = "class" if inspect.isclass(obj) else "function"
    out[modname] = {"api": api, "all": sorted(getattr(m, "__all__", []) or [])}
print(json.dumps(out))
""" % (MODULES,)

_LOGIXDE_FACTS = r"""
import importlib, json, sys
facts = {"logging_preloaded": "logging" in sys.modules}
import logixde
from logixde import logging as L
import logging, logging.handlers, logging.config
import logixde.logging.handlers as LH
facts["is_active"] = logixde.is_active()
facts["same_module"] = L is logging and L is sys.modules["logging"]
facts["alias_handlers"] = LH is logging.handlers
facts["file"] = logging.__file__
facts["names"] = {n: importlib.import_module(n).__name__ for n in %r}
facts["parent_attrs"] = {
    "handlers": getattr(logging, "handlers", None) is sys.modules["logging.handlers"],
    "config": getattr(logging, "config", None) is sys.modules["logging.config"],
}
facts["all"] = sorted(getattr(logging, "__all__", []) or [])
mods = {}
for modname, names in %%s.items():
    m = sys.modules[modname]
    got = {}
    for name in names:
        obj = getattr(m, name, None)
        got[name] = None if obj is None else getattr(obj, "__module__", "<no __module__>")
    mods[modname] = got
facts["modules_of"] = mods
print(json.dumps(facts))
""" % (MODULES,)


@pytest.fixture(scope="module")
def stdlib_api():
    return _EXPECTED


@pytest.fixture(scope="module")
def facts(stdlib_api):
    names = {m: sorted(stdlib_api[m]["api"]) for m in MODULES}
    return run_json(_LOGIXDE_FACTS % (names,), logixde=True)


def test_nothing_imported_logging_at_startup(facts):
    assert facts["logging_preloaded"] is False


def test_is_active(facts):
    assert facts["is_active"] is True


def test_logixde_logging_is_the_logging_module(facts):
    assert facts["same_module"] is True
    assert facts["alias_handlers"] is True


def test_logging_file_is_logixdes(facts, facade_init):
    assert facts["file"] == facade_init


@pytest.mark.parametrize("modname", MODULES)
def test_module_name(facts, modname):
    assert facts["names"][modname] == modname


@pytest.mark.parametrize("attr", ["handlers", "config"])
def test_submodule_is_attribute_of_parent(facts, attr):
    assert facts["parent_attrs"][attr] is True


def test_all_matches_stdlib(facts, stdlib_api):
    assert facts["all"] == stdlib_api["logging"]["all"]


# The expected API, listed once at collection in a child running the stdlib.
_EXPECTED = run_json(_STDLIB_API, logixde=False)


@pytest.mark.parametrize(
    "modname,name", [(m, n) for m in MODULES for n in sorted(_EXPECTED[m]["api"])], ids=lambda x: x
)
def test_public_object_module(facts, modname, name):
    got = facts["modules_of"][modname][name]
    assert got is not None, f"{modname}.{name} is missing"
    assert got == modname, f"{modname}.{name}.__module__ == {got!r}"


PICKLE = r"""
import json, pickle, logixde
logixde.activate()
import logging
out = {}
rec = logging.makeLogRecord({"name": "a.b", "msg": "hello %s", "args": ("x",), "levelno": 30,
                             "levelname": "WARNING"})
back = pickle.loads(pickle.dumps(rec))
out["record_type"] = type(back) is logging.LogRecord
out["record_message"] = back.getMessage()
out["record_dict_equal"] = {k: v for k, v in vars(back).items()} == {k: v for k, v in vars(rec).items()}
lg = logging.getLogger("a.b")
out["logger_identity"] = pickle.loads(pickle.dumps(lg)) is lg
out["root_identity"] = pickle.loads(pickle.dumps(logging.getLogger())) is logging.getLogger()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def pickled():
    return run_json(PICKLE, logixde=True)


def test_pickled_record_loads_back(pickled):
    assert pickled["record_type"] is True
    assert pickled["record_message"] == "hello x"
    assert pickled["record_dict_equal"] is True


def test_pickled_logger_loads_as_same_logger(pickled):
    assert pickled["logger_identity"] is True
    assert pickled["root_identity"] is True


# `inspect.signature` of every public and private callable the modules define: classes
# (what `help()` and tools that build handlers from keyword arguments read), functions and
# methods. Parameter names matter beyond display: they are the keywords a call may use.
_SIGNATURES = r"""
import inspect, json, logging, logging.handlers, logging.config
def describe(obj):
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    params = []
    for p in sig.parameters.values():
        kind = p.kind.name
        if p.name == "self" and kind == "POSITIONAL_ONLY":
            kind = "POSITIONAL_OR_KEYWORD"  # a native method's `self` is positional-only
        default = None if p.default is inspect.Parameter.empty else repr(p.default)
        params.append([p.name, kind, default])
    return params
out = {}
for mod in (logging, logging.handlers, logging.config):
    for name, obj in sorted(vars(mod).items()):
        if name.startswith("__") or inspect.ismodule(obj) or not callable(obj):
            continue
        if getattr(obj, "__module__", None) != mod.__name__:
            continue
        out[f"{mod.__name__}.{name}"] = describe(obj)
        if isinstance(obj, type):
            for attr in sorted(vars(obj)):
                static = inspect.getattr_static(obj, attr)
                member = getattr(obj, attr) if isinstance(static, (staticmethod, classmethod)) else static
                if callable(member) and not isinstance(member, type):
                    out[f"{mod.__name__}.{name}.{attr}"] = describe(member)
print(json.dumps(out))
"""

_STDLIB_SIGNATURES = run_json(_SIGNATURES, logixde=False)

# Where the signature shows what a native type cannot: `shutdown`'s default is the module's
# list of handler references, which a native signature cannot hold (omitted, it is still that
# list).
_KNOWN_DIFFERENT = {}
_KNOWN_DIFFERENT["logging.shutdown"] = "the default is an object a native signature cannot spell"


@pytest.fixture(scope="module")
def logixde_signatures():
    return run_json(_SIGNATURES, logixde=True)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=_KNOWN_DIFFERENT[n], strict=True)) if n in _KNOWN_DIFFERENT else n
        for n in sorted(_STDLIB_SIGNATURES)
        if _STDLIB_SIGNATURES[n] is not None
    ],
)
def test_signature_matches_stdlib(logixde_signatures, name):
    assert logixde_signatures.get(name) == _STDLIB_SIGNATURES[name]


# What kind of object each class attribute is: the stdlib's methods are Python functions,
# and code depends on it (`mock.patch.object(Logger, "info", autospec=True)` binds only a
# function to the instance; `inspect.isfunction`).
_METHOD_KINDS = r"""
import inspect, json, types, logging, logging.handlers, logging.config
out = {}
for mod in (logging, logging.handlers, logging.config):
    for name, obj in sorted(vars(mod).items()):
        if isinstance(obj, type) and obj.__module__ == mod.__name__:
            for attr, member in sorted(vars(obj).items()):
                if isinstance(member, types.FunctionType) or type(member).__name__ in (
                        "method_descriptor", "wrapper_descriptor", "builtin_function_or_method"):
                    out[f"{mod.__name__}.{name}.{attr}"] = type(member).__name__
print(json.dumps(out))
"""

_STDLIB_METHOD_KINDS = run_json(_METHOD_KINDS, logixde=False)


@pytest.fixture(scope="module")
def logixde_method_kinds():
    return run_json(_METHOD_KINDS, logixde=True)


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in sorted(_STDLIB_METHOD_KINDS)
        if not n.startswith(("logging.LogRecord.", "logging._logRecordFactory."))
    ],
)
def test_method_kind_matches_stdlib(logixde_method_kinds, name):
    assert logixde_method_kinds.get(name) == _STDLIB_METHOD_KINDS[name]


# The modules' namespaces: every name the stdlib's module has (its imports included, which
# code reaches as `logging.sys`, `logging.handlers.os`), and nothing of logixde's own but the
# facade's `_log` (the real frames a Python `findCaller` override is called from).
_NAMESPACES = r"""
import json, logging, logging.handlers, logging.config
skip = {"__file__", "__cached__", "__spec__", "__loader__", "__path__", "__builtins__", "__doc__"}
print(json.dumps({m.__name__: sorted(set(vars(m)) - skip) for m in (logging, logging.handlers, logging.config)}))
"""

_LOGIXDE_ONLY_NAMES = {"logging": ["_log"], "logging.handlers": [], "logging.config": []}


@pytest.mark.parametrize("modname", MODULES)
def test_module_namespace_matches_stdlib(modname):
    stdlib = run_json(_NAMESPACES, logixde=False)[modname]
    ours = run_json(_NAMESPACES, logixde=True)[modname]
    assert sorted(set(stdlib) - set(ours)) == []
    assert sorted(set(ours) - set(stdlib)) == _LOGIXDE_ONLY_NAMES[modname]
