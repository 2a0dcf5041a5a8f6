"""logging.config: fileConfig, dictConfig, the configurators and converting containers,
listen/stopListening (rust/config/)."""

import io
import json
import socket
import struct
import textwrap

import pytest

from logixde import logging

import logging.config  # noqa: E402  (logixde's, through the activated finder)
import logging.handlers  # noqa: E402

from support import assert_same_output

C = logging.config


#---------------------------------------------------------------------------
#   The stdlib and logixde agree, error for error
#---------------------------------------------------------------------------

# Runs under the stdlib and under logixde; every outcome (value or the exception chain with
# types, messages, __cause__/__context__) is printed and the two outputs must be equal.
SCENARIOS = r'''
import sys, io, os, logging, logging.handlers, collections, traceback, tempfile
import logging.config as C

def chain(e):
    out = []
    seen = 0
    while e is not None and seen < 6:
        out.append("%s(%r) cause=%s ctx=%s sup=%s" % (type(e).__name__, str(e), type(e.__cause__).__name__,
                   type(e.__context__).__name__, e.__suppress_context__))
        e = e.__cause__ or e.__context__
        seen += 1
    return " <- ".join(out)

import re as _re
def _clean(s):
    s = _re.sub(r"/tmp/[^/'\"]+/", "TMP/", _re.sub(r"0x[0-9a-f]+", "ADDR", str(s)))
    # Argument errors of the handler classes' constructors: 3.9 says "__init__() ...",
    # pyo3 always "Class.__init__() ..." (the handler classes' concern, not config's).
    return _re.sub(r"\b\w+\.__init__\(\)", "__init__()", s)

def run(name, f):
    logging.root.handlers[:] = []
    try:
        r = f()
        print(name, "OK", _clean(r if not callable(r) else ""))
    except BaseException as e:
        print(name, "EXC", _clean(chain(e)))

V = {'version': 1}
def dc(**kw):
    d = dict(V); d.update(kw); return lambda: C.dictConfig(d)

run("noversion", lambda: C.dictConfig({}))
run("badversion", lambda: C.dictConfig({'version': 2}))
run("badversion_str", lambda: C.dictConfig({'version': '1'}))
run("fmt_bad_class", dc(formatters={'f': {'class': 'nonexistent.Mod'}}))
run("fmt_bad_style", dc(formatters={'f': {'format': '%(x)s', 'style': '?'}}))
run("fmt_custom_bad", dc(formatters={'f': {'()': 'nonexistent.thing'}}))
run("fmt_custom_format", dc(formatters={'f': {'()': 'logging.Formatter', 'format': '%(message)s'}}))
run("fmt_tuplekey", dc(formatters={('a', 'b'): {'class': 'nonexistent.X'}}))
run("fmt_tuplekey1", dc(formatters={('a',): {'class': 'nonexistent.X'}}))
run("filter_bad", dc(filters={'f': {'()': 'nope.nope'}}))
run("handler_noclass", dc(handlers={'h': {}}))
run("handler_badclass", dc(handlers={'h': {'class': 'logging.Nope'}}))
run("handler_badclass2", dc(handlers={'h': {'class': 'nopemod.Nope'}}))
run("handler_badfmt", dc(handlers={'h': {'class': 'logging.StreamHandler', 'formatter': 'missing'}}))
run("handler_badfilter", dc(handlers={'h': {'class': 'logging.StreamHandler', 'filters': ['missing']}}))
run("handler_badlevel", dc(handlers={'h': {'class': 'logging.StreamHandler', 'level': 'NOPE'}}))
run("handler_badkw", dc(handlers={'h': {'class': 'logging.StreamHandler', 'nope': 1}}))
run("handler_badident", dc(handlers={'h': {'class': 'logging.StreamHandler', 'not ident': 1}}))
run("handler_stream", dc(handlers={'h': {'class': 'logging.StreamHandler', 'stream': 'ext://sys.stdout'}}))
run("handler_props", dc(handlers={'h': {'class': 'logging.StreamHandler', '.': {'foo': 'bar'}}}))
run("handler_props_bad", dc(handlers={'h': {'class': 'logging.StreamHandler', 'bogus': 1, '.': {'foo': 'bar'}}}))
run("memory_missing_target", dc(handlers={'h': {'class': 'logging.handlers.MemoryHandler', 'capacity': 1, 'target': 'zz'}}))
run("memory_target_ok", dc(handlers={'a': {'class': 'logging.handlers.MemoryHandler', 'capacity': 1, 'target': 'b', 'flushLevel': 'ERROR'}, 'b': {'class': 'logging.StreamHandler'}}))
run("memory_target_cfgbad", dc(handlers={'h': {'class': 'logging.handlers.MemoryHandler', 'capacity': 1, 'target': 'cfg://nope'}}))
run("queue_nohandlers", dc(handlers={'q': {'class': 'logging.handlers.QueueHandler'}}))
run("queue_badqueue", dc(handlers={'q': {'class': 'logging.handlers.QueueHandler', 'handlers': [], 'queue': 5}}))
run("queue_badqueue_dict", dc(handlers={'q': {'class': 'logging.handlers.QueueHandler', 'handlers': [], 'queue': {'a': 1}}}))
run("queue_badlistener", dc(handlers={'q': {'class': 'logging.handlers.QueueHandler', 'handlers': [], 'listener': 5}}))
run("queue_badlistener_type", dc(handlers={'q': {'class': 'logging.handlers.QueueHandler', 'handlers': [], 'listener': int}}))
run("queue_missing_handler", dc(handlers={'q': {'class': 'logging.handlers.QueueHandler', 'handlers': ['zz']}}))
run("queue_ok", dc(handlers={'a': {'class': 'logging.handlers.QueueHandler', 'handlers': ['b'], 'queue': 'queue.Queue'}, 'b': {'class': 'logging.StreamHandler'}}))
run("smtp", dc(handlers={'h': {'class': 'logging.handlers.SMTPHandler', 'mailhost': ['localhost', 25], 'fromaddr': 'a', 'toaddrs': ['b'], 'subject': 's'}}))
run("logger_badhandler", dc(loggers={'x': {'handlers': ['zz']}}))
run("logger_badlevel", dc(loggers={'x': {'level': 'NOPE'}}))
run("root_badhandler", dc(root={'handlers': ['zz']}))
run("incr_nohandler", dc(incremental=True, handlers={'zz': {}}))
run("incr_badlogger", dc(incremental=True, loggers={'x': {'level': 'NOPE'}}))
run("incr_badroot", dc(incremental=True, root={'level': 'NOPE'}))
run("filter_callable", dc(loggers={'x': {'filters': [lambda r: True]}}))

class Thing:
    def __init__(self, **kw): self.kw = kw
run("custom_props", lambda: C.BaseConfigurator({}).configure_custom(C.ConvertingDict({'()': Thing, 'a': 1, '.': {'p': 2}})).__dict__)
bc = C.BaseConfigurator({'a': {'b': [1, 2, {'c': 3}]}, 't': (1, 2), 'nt': collections.namedtuple('P', 'x y')(1, 2)})
for s in ['cfg://a.b[2].c', 'cfg://a[b][1]', 'cfg://nope', 'cfg://a.b[9]', 'cfg://a!', 'cfg://!', 'cfg://a[ b ]', 'ext://os.path.join', 'ext://nope.nope', 'ext://os.nope', 'zzz://x', 'cfg://t[0]', 'cfg://a[]']:
    run("convert " + s, lambda s=s: bc.convert(s))
run("nt", lambda: type(bc.config['nt']).__name__)
run("t", lambda: type(bc.config['t']).__name__)
run("conv types", lambda: (type(bc.config['a']).__name__, type(bc.config['a']['b']).__name__, bc.config['a']['b'].parent is bc.config['a'], bc.config['a']['b'].key, bc.config['a'].key))
run("pop", lambda: (bc.config.pop('zzz'), type(bc.config.pop('a')).__name__, 'a' in bc.config))
run("list pop", lambda: type(C.BaseConfigurator({'l': [[1]]}).config['l'].pop()).__name__)
run("tuple slice", lambda: type(C.BaseConfigurator({'l': (1, [2], 3)}).config['l'][1:]).__name__)
run("valid_ident", lambda: C.valid_ident('a b'))
run("valid_ident int", lambda: C.valid_ident(3))
run("resolve", lambda: C._resolve('logging.handlers.MemoryHandler').__name__)
run("resolve bad", lambda: C._resolve('logging.nopez'))
run("resolve bad2", lambda: C._resolve('nopez.x'))
run("as_tuple", lambda: bc.as_tuple([1, 2]))
run("strip", lambda: list(C._strip_spaces([' a ', 'b '])))
run("mro", lambda: [c.__name__ for c in C.ConvertingTuple.__mro__])
run("attrs", lambda: (C.BaseConfigurator.INDEX_PATTERN.pattern, C.BaseConfigurator.value_converters, C.DEFAULT_LOGGING_CONFIG_PORT, C.RESET_ERROR, C.dictConfigClass is C.DictConfigurator))
run("hasqh", lambda: hasattr(C.DictConfigurator, '_configure_queue_handler'))
run("hasiq", lambda: hasattr(C, '_is_queue_like_object'))

def fc(text, **kw):
    def f():
        return C.fileConfig(io.StringIO(text), **kw)
    return f
run("fc_empty", fc(""))
run("fc_noformatters", fc("[loggers]\nkeys=root\n"))
run("fc_bad", fc("[formatters]\nkeys=\n[handlers]\nkeys=h\n[handler_h]\nclass=NopeHandler\n[loggers]\nkeys=root\n[logger_root]\nhandlers=h\n"))
run("fc_badargs", fc("[formatters]\nkeys=\n[handlers]\nkeys=h\n[handler_h]\nclass=StreamHandler\nargs=(sys.stdout,\n[loggers]\nkeys=root\n[logger_root]\nhandlers=h\n"))
run("fc_noroot", fc("[formatters]\nkeys=\n[handlers]\nkeys=\n[loggers]\nkeys=x\n[logger_x]\nqualname=x\nhandlers=\n"))
run("fc_ok", fc("[formatters]\nkeys=f\n[formatter_f]\nformat=%(message)s\ndefaults={'a': 1}\n[handlers]\nkeys=h,m\n[handler_m]\nclass=handlers.MemoryHandler\nargs=(10,)\ntarget=h\n[handler_h]\nclass=StreamHandler\nformatter=f\nlevel=INFO\nargs=(sys.stdout,)\n[loggers]\nkeys=root,x\n[logger_root]\nhandlers=h\nlevel=DEBUG\n[logger_x]\nqualname=a.b\nhandlers=m\npropagate=0\n"))
run("fc_state", lambda: (logging.getLogger('a.b').propagate, logging.getLogger('a.b').disabled, [type(h).__name__ for h in logging.getLogger('a.b').handlers]))
run("fc_parse", fc("garbage"))
d = tempfile.mkdtemp()
run("fc_nofile", lambda: C.fileConfig(os.path.join(d, 'nope.ini')))
open(os.path.join(d, 'empty.ini'), 'w').close()
run("fc_emptyfile", lambda: C.fileConfig(os.path.join(d, 'empty.ini')))
with open(os.path.join(d, 'bad.ini'), 'w') as f: f.write("garbage\n")
run("fc_badfile", lambda: C.fileConfig(os.path.join(d, 'bad.ini')))
run("fc_encoding", lambda: C.fileConfig(os.path.join(d, 'bad.ini'), encoding='utf-8'))
'''


def test_scenarios_match_the_stdlib():
    assert_same_output(SCENARIOS)


def test_dict_config_output_matches_the_stdlib():
    assert_same_output(
        """
        import logging, logging.config, sys
        logging.getLogger("old").info("x")
        logging.getLogger("keep.child")
        logging.config.dictConfig({
            "version": 1,
            "formatters": {"f": {"format": "%(levelname)s|%(name)s|%(message)s"},
                           "g": {"()": "logging.Formatter", "format": "G:%(message)s"}},
            "filters": {"only_a": {"name": "a"}},
            "handlers": {
                "out": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                        "formatter": "f", "level": "DEBUG", "filters": ["only_a"]},
                "mem": {"class": "logging.handlers.MemoryHandler", "capacity": 2,
                        "target": "out", "flushLevel": 40},
                "err": {"class": "logging.StreamHandler", "stream": "cfg://handlers.out.stream",
                        "formatter": "g"},
            },
            "loggers": {"a": {"handlers": ["mem"], "level": "DEBUG", "propagate": False},
                        "keep": {"level": "INFO"}},
            "root": {"handlers": ["err"], "level": "WARNING"},
        })
        for name in ("a", "a.b", "old", "keep", "keep.child", ""):
            lg = logging.getLogger(name)
            print(repr(name), lg.level, lg.disabled, lg.propagate, [h.name for h in lg.handlers])
        logging.getLogger("a.b").debug("one")
        logging.getLogger("a").error("two")
        logging.warning("root %s", 3)
        logging.config.dictConfig({"version": 1, "incremental": True,
                                   "handlers": {"out": {"level": "ERROR"}},
                                   "loggers": {"a": {"level": "ERROR"}}})
        print(logging.getLogger("a").level, [h.level for h in logging.getLogger("a").handlers])
        """
    )


def test_file_config_output_matches_the_stdlib(tmp_path):
    ini = tmp_path / "log.ini"
    ini.write_text(textwrap.dedent("""
        [loggers]
        keys=root,parser

        [handlers]
        keys=hand1,mem

        [formatters]
        keys=form1

        [logger_root]
        level=NOTSET
        handlers=hand1

        [logger_parser]
        level=DEBUG
        handlers=mem
        propagate=0
        qualname=compiler.parser

        [handler_hand1]
        class=StreamHandler
        level=NOTSET
        formatter=form1
        args=(sys.stdout,)

        [handler_mem]
        class=handlers.MemoryHandler
        args=(10, ERROR)
        target=hand1

        [formatter_form1]
        format=%(asctime)s|%(levelname)s|%(name)s|%(message)s
        datefmt=X
        """))
    assert_same_output(
        f"""
        import logging, logging.config
        logging.getLogger("compiler.parser.child")
        logging.getLogger("other")
        logging.config.fileConfig({str(ini)!r})
        for name in ("compiler.parser", "compiler.parser.child", "other", ""):
            lg = logging.getLogger(name)
            print(repr(name), lg.level, lg.disabled, lg.propagate, [h.name for h in lg.handlers])
        logging.getLogger("compiler.parser").info("buffered")
        logging.getLogger("compiler.parser").error("flushed")
        logging.warning("root")
        """
    )


#---------------------------------------------------------------------------
#   The module and its classes present themselves as the stdlib's
#---------------------------------------------------------------------------


def test_module_identity():
    assert C.__name__ == "logging.config"
    assert C.dictConfigClass is C.DictConfigurator
    assert C.DEFAULT_LOGGING_CONFIG_PORT == 9030
    for obj in (C.fileConfig, C.dictConfig, C.valid_ident, C.listen, C.stopListening,
                C.ConvertingDict, C.ConvertingList, C.ConvertingTuple, C.ConvertingMixin,
                C.BaseConfigurator, C.DictConfigurator):
        assert obj.__module__ == "logging.config", obj


def test_converting_containers_are_real_subclasses():
    assert C.ConvertingDict.__mro__ == (C.ConvertingDict, dict, C.ConvertingMixin, object)
    assert C.ConvertingList.__mro__ == (C.ConvertingList, list, C.ConvertingMixin, object)
    assert C.ConvertingTuple.__mro__ == (C.ConvertingTuple, tuple, C.ConvertingMixin, object)
    d = C.ConvertingDict({"a": 1})
    assert isinstance(d, dict) and d == {"a": 1}
    t = C.ConvertingTuple((1, 2))
    assert isinstance(t, tuple) and t == (1, 2)
    d.configurator = "x"  # instances have a __dict__
    assert vars(d) == {"configurator": "x"}


def test_base_configurator_conversions():
    bc = C.BaseConfigurator({
        "atuple": (1, 2, 3),
        "adict": {"d": "e", "f": 3, "nest": {"l": ["g", ("h", "i")]}},
        "ref": "cfg://adict.nest.l[1][0]",
        "ext": "ext://io.StringIO",
    })
    assert bc.convert("cfg://atuple[1]") == 2
    assert bc.convert("cfg://adict[f]") == 3
    assert bc.convert("cfg://adict.nest.l[1][1]") == "i"
    assert bc.config["ref"] == "h"
    assert bc.config["ext"] is io.StringIO
    nested = bc.config["adict"]
    assert type(nested) is C.ConvertingDict
    assert nested.parent is bc.config and nested.key == "adict"
    assert nested.configurator is bc
    with pytest.raises(ValueError, match="^Unable to convert '!x'$"):
        bc.convert("cfg://!x")
    with pytest.raises(ValueError, match=r"^Cannot resolve 'nonexistent_mod\.x': "):
        bc.convert("ext://nonexistent_mod.x")


def test_subclass_overrides_are_honoured(clean_logging):
    calls = []

    class MyConfigurator(C.DictConfigurator):
        def configure_handler(self, config):
            calls.append(dict(config))
            return super().configure_handler(config)

        def convert(self, value):
            if value == "magic":
                return "converted"
            return super().convert(value)

    stream = io.StringIO()
    MyConfigurator({
        "version": 1,
        "handlers": {"h": {"class": "logging.StreamHandler", "stream": stream}},
        "loggers": {"sub": {"handlers": ["h"], "level": "INFO"}},
    }).configure()
    assert calls and calls[0]["class"] == "logging.StreamHandler"
    assert MyConfigurator({"x": "magic"}).config["x"] == "converted"
    logging.getLogger("sub").info("hello")
    assert stream.getvalue() == "hello\n"


def test_dict_config_class_is_read_live(clean_logging, monkeypatch):
    seen = []

    class Recorder(C.DictConfigurator):
        def configure(self):
            seen.append(self.config["version"])

    monkeypatch.setattr(C, "dictConfigClass", Recorder)
    C.dictConfig({"version": 7})
    assert seen == [7]


def test_errors_chain_like_the_stdlib(clean_logging):
    with pytest.raises(ValueError, match="^Unable to configure handler 'h'$") as info:
        C.dictConfig({"version": 1, "handlers": {"h": {"class": "logging.Nope"}}})
    cause = info.value.__cause__
    assert isinstance(cause, ValueError) and info.value.__suppress_context__
    assert str(cause).startswith("Cannot resolve 'logging.Nope'")
    with pytest.raises(ValueError, match="^dictionary doesn't specify a version$"):
        C.dictConfig({})
    with pytest.raises(ValueError, match="^Unsupported version: 2$"):
        C.dictConfig({"version": 2})


def test_listen_and_stop_listening(clean_logging):
    t = C.listen(0)
    t.start()
    try:
        t.ready.wait(10)
        port = t.port
        assert port != 0
        conf = json.dumps({"version": 1, "loggers": {"from_socket": {"level": "ERROR"}}}).encode()
        t.ready.clear()
        with socket.create_connection(("localhost", port)) as sock:
            sock.sendall(struct.pack(">L", len(conf)) + conf)
        t.ready.wait(10)
        assert logging.getLogger("from_socket").level == logging.ERROR
    finally:
        C.stopListening()
        t.join(10)
    assert not t.is_alive()
    assert C._listener is None


def test_config_classes_are_named_as_the_stdlib_names_them():
    assert_same_output(
        """
        import logging.config as c
        for cls in (c.DictConfigurator, c.BaseConfigurator, c.ConvertingDict, c.ConvertingList):
            obj = cls({}) if cls is not c.ConvertingList else cls()
            try:
                obj.nope
            except AttributeError as e:
                print(e)
        """
    )
