"""Formatter, BufferingFormatter and the three styles: logixde against the stdlib, byte for byte.

Every case runs the same operation on logixde's class and on the stdlib's and compares the
result, or the exception's type and message. Records come from the stdlib's
``makeLogRecord``: formatters only read and set record attributes.

When logixde is active (``python -m logixde -m pytest``, ``LOGIXDE=1``), logixde's
``logging`` is used, and the stdlib's reference is a private copy of its module. Otherwise
(the rest of the core still being written, or the stdlib imported first) the native classes
are tested directly, with a stand-in module object holding the globals they read (``time``,
``io``, ``traceback``, ``Template``, ``_str_formatter``, ``_STYLES``, ``_defaultFormatter``)
bound with ``_core.bind_logging_module``; nothing is activated.
"""

import copy
import datetime
import importlib.util
import io
import os
import re
import string
import sys
import sysconfig
import time
import traceback
import types

import pytest

VERSION = sys.version_info[:2]


def _stdlib_logging():
    """The stdlib's logging: the imported module if it is the stdlib's, else a private copy."""
    import logging

    stdlib_init = os.path.join(sysconfig.get_paths()["stdlib"], "logging", "__init__.py")
    if os.path.normcase(os.path.abspath(getattr(logging, "__file__", ""))) == os.path.normcase(stdlib_init):
        return logging
    spec = importlib.util.spec_from_file_location("_stdlib_logging_reference", stdlib_init)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


S = _stdlib_logging()


def _logixde_logging():
    import logixde
    from logixde import _core

    if logixde.is_active():
        import logging as active

        if active.Formatter is _core.Formatter:
            return active
    # Not activated (the stdlib's logging was imported first): test the native classes with a
    # stand-in module for the globals they read. Binding is once per process, so this mode is
    # for running this file on its own; under `python -m logixde -m pytest` (or LOGIXDE=1)
    # the real module is used.
    m = types.ModuleType("logging")
    m.sys, m.os, m.time, m.io, m.traceback = sys, os, time, io, traceback
    m.Template = string.Template
    m._str_formatter = string.Formatter()
    try:
        _core.bind_logging_module(m)
    except RuntimeError:
        # The facade bound itself already: use it.
        for module in list(sys.modules.values()):
            if getattr(module, "Formatter", None) is _core.Formatter and hasattr(module, "_STYLES"):
                return module
        raise
    m.PercentStyle = _core.PercentStyle
    m.StrFormatStyle = _core.StrFormatStyle
    m.StringTemplateStyle = _core.StringTemplateStyle
    m.Formatter = _core.Formatter
    m.BufferingFormatter = _core.BufferingFormatter
    m.BASIC_FORMAT = "%(levelname)s:%(name)s:%(message)s"
    m._STYLES = {
        "%": (m.PercentStyle, m.BASIC_FORMAT),
        "{": (m.StrFormatStyle, "{levelname}:{name}:{message}"),
        "$": (m.StringTemplateStyle, "${levelname}:${name}:${message}"),
    }
    m._defaultFormatter = m.Formatter()
    return m


L = _logixde_logging()

COMMON = {
    "name": "formatter.test",
    "level": 10,
    "pathname": os.path.join("path", "to", "dummy.ext"),
    "lineno": 42,
    "exc_info": None,
    "func": None,
    "msg": "Message with %d %s",
    "args": (2, "placeholders"),
}


def record(**extra):
    """A stdlib record, like FormatterTest.get_record()."""
    d = dict(COMMON)
    d.update(extra)
    return S.makeLogRecord(d)


def twin(**extra):
    """Two identical records (formatting mutates a record)."""
    r1 = record(**extra)
    r2 = S.makeLogRecord(dict(r1.__dict__))
    return r1, r2


def outcome(fn, *args, **kwargs):
    """The result of fn, or (exception type name, message)."""
    try:
        return ("ok", fn(*args, **kwargs))
    except Exception as e:  # noqa: BLE001
        return ("raised", type(e).__name__, str(e))


def both(op):
    """Apply op(module) to logixde and the stdlib; assert the outcomes are identical."""
    got = outcome(op, L)
    want = outcome(op, S)
    assert got == want
    return got


# ---------------------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------------------


def test_class_identity():
    from logixde import _core

    assert L.Formatter is _core.Formatter
    for name in ("Formatter", "BufferingFormatter", "PercentStyle", "StrFormatStyle", "StringTemplateStyle"):
        cls = getattr(L, name)
        assert cls.__module__ == "logging"
        assert cls.__name__ == name
    assert issubclass(L.StrFormatStyle, L.PercentStyle)
    assert issubclass(L.StringTemplateStyle, L.PercentStyle)


@pytest.mark.skipif(VERSION < (3, 10), reason="the signatures shown are 3.10+'s (3.9 has no defaults)")
def test_signatures():
    import inspect

    for name in ("Formatter", "BufferingFormatter", "PercentStyle", "StrFormatStyle", "StringTemplateStyle"):
        assert str(inspect.signature(getattr(L, name))) == str(inspect.signature(getattr(S, name))), name


def test_class_attributes():
    for name in ("PercentStyle", "StrFormatStyle", "StringTemplateStyle"):
        for attr in ("default_format", "asctime_format", "asctime_search"):
            assert getattr(getattr(L, name), attr) == getattr(getattr(S, name), attr), (name, attr)
        assert getattr(L, name).validation_pattern.pattern == getattr(S, name).validation_pattern.pattern
        assert getattr(L, name).validation_pattern.flags == getattr(S, name).validation_pattern.flags
    for attr in ("fmt_spec", "field_spec"):
        assert getattr(L.StrFormatStyle, attr).pattern == getattr(S.StrFormatStyle, attr).pattern
        assert getattr(L.StrFormatStyle, attr).flags == getattr(S.StrFormatStyle, attr).flags
    assert L.Formatter.converter is time.localtime
    assert L.Formatter.default_time_format == S.Formatter.default_time_format
    assert L.Formatter.default_msec_format == S.Formatter.default_msec_format


def test_class_patterns_are_the_stdlib_patterns():
    # Made at import from the engine code build.rs captured under this interpreter (or
    # compiled by re elsewhere): a Pattern compares equal only with the same code.
    pairs = [
        (L.PercentStyle.validation_pattern, S.PercentStyle.validation_pattern),
        (L.StrFormatStyle.fmt_spec, S.StrFormatStyle.fmt_spec),
        (L.StrFormatStyle.field_spec, S.StrFormatStyle.field_spec),
    ]
    for ours, theirs in pairs:
        assert type(ours) is type(theirs)
        assert ours == theirs, ours.pattern
        assert (ours.pattern, ours.flags, ours.groups, ours.groupindex) == (
            theirs.pattern,
            theirs.flags,
            theirs.groups,
            theirs.groupindex,
        )
    for text in ("%(message)s", "%(a)-5.2f", "%(x)Z", "100%"):
        assert repr(pairs[0][0].search(text)) == repr(pairs[0][1].search(text))
    for text in ("<10", ".3f", "{w}.{p}", "x"):
        assert repr(pairs[1][0].match(text)) == repr(pairs[1][1].match(text))
    for text in ("a.b[0]", "0", "a-b"):
        assert repr(pairs[2][0].match(text)) == repr(pairs[2][1].match(text))


def test_instance_state_is_in_dict():
    f = L.Formatter("%(message)s", "%H")
    assert set(vars(f)) == set(vars(S.Formatter("%(message)s", "%H")))
    assert f._fmt == "%(message)s" and f.datefmt == "%H"
    assert isinstance(f._style, L.PercentStyle)
    assert set(vars(f._style)) == set(vars(S.Formatter("%(message)s")._style))
    t = L.Formatter("$message", style="$")
    assert isinstance(t._style._tpl, string.Template)
    assert t._style._tpl.template == "$message"
    if VERSION >= (3, 10):
        assert t._style._defaults is None
    else:
        assert not hasattr(t._style, "_defaults")


def test_copy():
    f = L.Formatter("%(asctime)s %(message)s", "%H:%M", style="%")
    g = copy.copy(f)
    assert g._fmt == f._fmt and g.datefmt == f.datefmt and g._style is f._style
    r1, r2 = twin()
    assert g.format(r1) == f.format(r2)
    h = copy.deepcopy(f)
    assert h._style is not f._style and h._style._fmt == f._style._fmt


def test_subclass_init_and_attrs():
    class F(L.Formatter):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.extra = 1

    f = F("[%(message)s]")
    assert f.extra == 1
    r = record()
    assert f.format(r) == "[Message with 2 placeholders]"


# ---------------------------------------------------------------------------------------
# CPython's FormatterTest / BufferingFormatterTest, against both
# ---------------------------------------------------------------------------------------


def test_percent():
    r = record()
    f = L.Formatter("${%(message)s}")
    assert f.format(r) == "${Message with 2 placeholders}"
    f = L.Formatter("%(random)s")
    with pytest.raises(ValueError):
        f.format(r)
    assert not f.usesTime()
    for fmt in ("%(asctime)s", "%(asctime)-15s", "%(asctime)#15s"):
        assert L.Formatter(fmt).usesTime()


def test_braces():
    r = record()
    f = L.Formatter("$%{message}%$", style="{")
    assert f.format(r) == "$%Message with 2 placeholders%$"
    f = L.Formatter("{random}", style="{")
    with pytest.raises(ValueError):
        f.format(r)
    assert not L.Formatter("{message}", style="{").usesTime()
    for fmt in ("{asctime}", "{asctime!s:15}", "{asctime:15}"):
        assert L.Formatter(fmt, style="{").usesTime()


def test_dollars():
    r = record()
    assert L.Formatter("${message}", style="$").format(r) == "Message with 2 placeholders"
    assert L.Formatter("$message", style="$").format(r) == "Message with 2 placeholders"
    assert L.Formatter("$$%${message}%$$", style="$").format(r) == "$%Message with 2 placeholders%$"
    f = L.Formatter("${random}", style="$")
    with pytest.raises(ValueError):
        f.format(r)
    assert not f.usesTime()
    assert L.Formatter("${asctime}", style="$").usesTime()
    assert L.Formatter("$asctime", style="$").usesTime()
    assert not L.Formatter("${message}", style="$").usesTime()
    assert L.Formatter("${asctime}--", style="$").usesTime()


VALID_FORMATS = [
    ("%", "%(levelname)-15s - %(message) 5s - %(process)03d - %(module) - %(asctime)*.3s"),
    ("%", "%(asctime)*s - %(asctime)*.3s - %(process)-34.33o"),
    ("%", "%(process)#+027.23X"),
    ("%", "%(foo)#.*g"),
    ("{", "$%{message}%$ - {asctime!a:15} - {customfield['key']}"),
    ("{", "{process:.2f} - {custom.f:.4f}"),
    ("{", "{customfield!s:#<30}"),
    ("{", "{message!r}"),
    ("{", "{message!s}"),
    ("{", "{message!a}"),
    ("{", "{process!r:4.2}"),
    ("{", "{process!s:<#30,.12f}- {custom:=+#30,.1d} - {module:^30}"),
    ("{", "{process!s:{w},.{p}}"),
    ("{", "{foo:12.{p}}"),
    ("{", "{foo:{w}.6}"),
    ("{", "{foo[0].bar[1].baz}"),
    ("{", "{foo[k1].bar[k2].baz}"),
    ("{", "{12[k1].bar[k2].baz}"),
    ("$", "${asctime} - $message"),
    ("$", "$bar $$"),
    ("$", "$bar $$$$"),
]

INVALID_FORMATS = [
    ("%", "%(asctime)Z"),
    ("%", "%(asctime)b"),
    ("%", "%(asctime)*"),
    ("%", "%(asctime)*3s"),
    ("%", "%(asctime)_"),
    ("%", "{asctime}"),
    ("%", "${message}"),
    ("%", "%(foo)#12.3*f"),
    ("%", "%(foo)0*.8*f"),
    ("%", ""),
    ("%", "no fields"),
    ("{", "{name-thing}"),
    ("{", "%(asctime)s"),
    ("{", "{asctime!Z:15}"),
    ("{", "{asctime!s:#30,15f}"),
    ("{", "{asctime!aa:15}"),
    ("{", "{process:.2ff}"),
    ("{", "{process:.2Z}"),
    ("{", "{process!s:<##30,12g}"),
    ("{", "{process!s:<#30#,12g}"),
    ("{", "{process!s:{{w}},{{p}}}"),
    ("{", "{process"),
    ("{", "process}"),
    ("{", "{{foo!r:4.2}"),
    ("{", "{{foo!r:4.2}}"),
    ("{", "{foo/bar}"),
    ("{", "{foo:{{w}}.{{p}}}}"),
    ("{", "{foo!X:{{w}}.{{p}}}"),
    ("{", "{foo!a:random}"),
    ("{", "{foo!a:ran{dom}"),
    ("{", "{foo!a:ran{d}om}"),
    ("{", "{foo.!a:d}"),
    ("{", "{}"),
    ("{", "{0}"),
    ("{", "{ünï}"),
    ("$", "$bar $$$"),
    ("$", "bar $"),
    ("$", "foo $."),
    ("$", "{asctime}"),
    ("$", "%(asctime)s"),
    ("$", "foo"),
    ("$", "${asctime"),
    ("$", "$$"),
    ("$", "${ünï}"),
]


@pytest.mark.parametrize("style,fmt", VALID_FORMATS + INVALID_FORMATS)
def test_validation(style, fmt):
    got = both(lambda m: m.Formatter(fmt, style=style)._fmt)
    if (style, fmt) in VALID_FORMATS:
        assert got == ("ok", fmt)


def test_validation_messages():
    def msg(fmt, style):
        with pytest.raises(ValueError) as info:
            L.Formatter(fmt, style=style)
        return str(info.value)

    assert msg("{name-thing}", "{") == "invalid format: invalid field name/expression: 'name-thing'"
    assert msg("%(asctime)s", "{") == "invalid format: no fields"
    assert msg("{asctime!aa:15}", "{") == "invalid format: expected ':' after conversion specifier"
    assert msg("{process:.2ff}", "{") == "invalid format: bad specifier: '.2ff'"
    assert msg("{process", "{") == "invalid format: expected '}' before end of string"
    assert msg("process}", "{") == "invalid format: Single '}' encountered in format string"
    assert msg("$bar $$$", "$") == "invalid format: bare '$' not allowed"
    assert msg("bar $", "$") == "invalid format: bare '$' not allowed"
    assert msg("foo $.", "$") == "invalid format: bare '$' not allowed"
    assert msg("{asctime}", "$") == "invalid format: no fields"
    assert msg("foo", "$") == "invalid format: no fields"
    assert msg("{asctime}", "%") == "Invalid format '{asctime}' for '%' style"
    assert msg("{asctime!Z}", "{") == "invalid format: invalid conversion: 'Z'"


def test_validation_error_context():
    with pytest.raises(ValueError) as info:
        L.Formatter("{name-thing}", style="{")
    assert isinstance(info.value.__context__, ValueError)
    assert str(info.value.__context__) == "invalid field name/expression: 'name-thing'"


def test_invalid_style():
    both(lambda m: m.Formatter(None, None, "x"))
    with pytest.raises(ValueError) as info:
        L.Formatter(None, None, "x")
    assert str(info.value) == "Style must be one of: %,{,$"


def test_invalid_style_reads_styles_live():
    saved = L._STYLES
    try:
        L._STYLES = dict(saved, **{"!": saved["%"]})
        with pytest.raises(ValueError) as info:
            L.Formatter(None, None, "x")
        assert str(info.value) == "Style must be one of: %,{,$,!"
        assert isinstance(L.Formatter("%(message)s", style="!")._style, L.PercentStyle)
    finally:
        L._STYLES = saved


@pytest.mark.skipif(VERSION < (3, 10), reason="defaults is 3.10+")
def test_defaults_parameter():
    fmts = ["%(custom)s %(message)s", "{custom} {message}", "$custom $message"]
    for fmt, style in zip(fmts, ["%", "{", "$"]):
        f = L.Formatter(fmt, style=style, defaults={"custom": "Default"})
        assert f.format(record()) == "Default Message with 2 placeholders"
        assert f.format(record(custom=1234)) == "1234 Message with 2 placeholders"
        f = L.Formatter(fmt, style=style)
        with pytest.raises(ValueError):
            f.format(record())
        f = L.Formatter(fmt, style=style, defaults={"Non-existing": "Default"})
        assert f.format(record(custom=1234)) == "1234 Message with 2 placeholders"


@pytest.mark.skipif(VERSION >= (3, 10), reason="3.9 has no defaults")
def test_defaults_parameter_39():
    with pytest.raises(TypeError) as info:
        L.Formatter("%(message)s", defaults={"a": 1})
    assert str(info.value) == "__init__() got an unexpected keyword argument 'defaults'"
    with pytest.raises(TypeError):
        L.PercentStyle("%(message)s", defaults={"a": 1})
    with pytest.raises(TypeError):
        L.StringTemplateStyle("$message", defaults={"a": 1})


class UTC(datetime.tzinfo):
    def utcoffset(self, dt):
        return datetime.timedelta(0)

    dst = utcoffset

    def tzname(self, dt):
        return "UTC"


def test_time():
    r = record()
    dt = datetime.datetime(1993, 4, 21, 8, 3, 0, 0, UTC())
    r.created = time.mktime(dt.astimezone(None).timetuple())
    r.msecs = 123
    f = L.Formatter("%(asctime)s %(message)s")
    f.converter = time.gmtime
    assert f.formatTime(r) == "1993-04-21 08:03:00,123"
    assert f.formatTime(r, "%Y:%d") == "1993:21"
    f.format(r)
    assert r.asctime == "1993-04-21 08:03:00,123"


def test_default_msec_format_none():
    class NoMsecFormatter(L.Formatter):
        default_msec_format = None
        default_time_format = "%d/%m/%Y %H:%M:%S"

    r = record()
    dt = datetime.datetime(1993, 4, 21, 8, 3, 0, 123, UTC())
    r.created = time.mktime(dt.astimezone(None).timetuple())
    f = NoMsecFormatter()
    f.converter = time.gmtime
    assert f.formatTime(r) == "21/04/1993 08:03:00"


def test_issue_89047():
    # CPython's test (3.10+, where record creation was fixed), plus identity with the stdlib.
    args = dict(fmt="{asctime}.{msecs:03.0f} {message}", style="{", datefmt="%Y-%m-%d %H:%M:%S")
    fl, fs = L.Formatter(**args), S.Formatter(**args)
    for i in range(2500):
        time.sleep(0.0004)
        r1 = S.makeLogRecord({"msg": "Message %d" % (i + 1)})
        r2 = S.makeLogRecord(dict(r1.__dict__))
        s = fl.format(r1)
        assert s == fs.format(r2)
        if VERSION >= (3, 10):
            assert ".1000" not in s


class _TestBufferingFormatter:
    @staticmethod
    def make(base):
        class T(base):
            def formatHeader(self, records):
                return "[(%d)" % len(records)

            def formatFooter(self, records):
                return "(%d)]" % len(records)

        return T


def test_buffering_formatter():
    records = [S.makeLogRecord({"msg": "one"}), S.makeLogRecord({"msg": "two"})]
    f = L.BufferingFormatter()
    assert f.format([]) == ""
    assert f.format(records) == "onetwo"
    T = _TestBufferingFormatter.make(L.BufferingFormatter)
    assert T().format(records) == "[(2)onetwo(2)]"
    lf = L.Formatter("<%(message)s>")
    assert T(lf).format(records) == "[(2)<one><two>(2)]"
    assert L.BufferingFormatter().linefmt is L._defaultFormatter
    assert L.BufferingFormatter(lf).linefmt is lf
    assert L.BufferingFormatter().formatHeader(records) == ""
    assert L.BufferingFormatter().formatFooter(records) == ""
    both(lambda m: m.BufferingFormatter().format(None))


# ---------------------------------------------------------------------------------------
# Byte-for-byte comparisons over many formats and records
# ---------------------------------------------------------------------------------------

FORMATS = [
    ("%", None),
    ("%", "%(message)s"),
    ("%", "%(levelname)s:%(name)s:%(message)s"),
    ("%", "%(levelname)-8s %(name)10s|%(lineno)d|%(lineno)05d|%(levelno)+d %(message)r %(message)a"),
    ("%", "%(created)f %(msecs)d %(msecs)03d %(relativeCreated).2f %(thread)x %(process)o"),
    ("%", "%(pathname)s %(filename)s %(module)s %(funcName)s %(threadName)s %(processName)s"),
    ("%", "%(asctime)s %(message)s 100%%"),
    ("%", "%(asctime)s.%(msecs)03d %(message)s"),
    ("%", "%(message).5s|%(message)20.3s|%(message)-20s|"),
    ("%", "%(levelno)c %(levelno)e %(levelno)G %(levelno)#x %(levelno)#o % (levelno)d"),
    ("%", "%(custom)s %(message)s"),
    ("%", "%(message)*s"),
    ("%", "%(message)s %s"),
    ("%", "%(message)ld"),
    ("%", "%(message)d"),
    ("%", "%(levelno)s %(exc_info)s %(args)s %(stack_info)r"),
    ("%", "ünïcödé %(message)s ✓"),
    ("%", "%(custom)s|%(message)s|😀|%(name)s"),
    ("%", "%(nested(key))s"),
    ("%", "%(message)s %"),
    ("{", None),
    ("{", "{message}"),
    ("{", "{levelname:<8} {name:>10} {lineno:05d} {levelno:+d} {message!r} {message!a} {message!s:^30}"),
    ("{", "{created:f} {msecs:03.0f} {relativeCreated:.2f} {thread:x}"),
    ("{", "{asctime} {{literal}} {message}"),
    ("{", "{args[0]} {args[1]!r:>20} {name.upper}"),
    ("{", "{custom} {message}"),
    ("{", "{message:{levelno}}|"),
    ("{", "ünïcödé {message} ✓ }}"),
    ("{", "{custom}|{message}|€|{name}"),
    ("{", "{msg!r}"),
    ("{", "{levelno:s}"),
    ("$", None),
    ("$", "$message"),
    ("$", "${levelname}:${name}:${message} $$ $lineno"),
    ("$", "$asctime ${message}x $messagex"),
    ("$", "$custom $message"),
    ("$", "ünïcödé $message ✓"),
    ("$", "$LEVELNAME $Message"),
]

RECORDS = [
    {},
    {"msg": "plain"},
    {"msg": "ünïcödé ✓ \udcff surrogate", "args": ()},
    {"msg": "a %s", "args": ("b",), "custom": 1234},
    {"msg": 12345, "args": ()},
    {"msg": "%(a)s", "args": {"a": 1}},
    {"msg": "x", "args": (), "levelno": 5, "levelname": "Level 5"},
    {"msg": "x", "args": (), "custom": None},
    # Pieces of every storage kind (ASCII, Latin-1, 2 and 4 bytes) joined into one str.
    {"msg": "astral 😀 é", "args": (), "custom": "ß", "name": "✓"},
    {"msg": "é", "args": (), "custom": "€", "name": "plain"},
]


@pytest.mark.parametrize("style,fmt", FORMATS)
@pytest.mark.parametrize("extra", RECORDS)
def test_format_matches(style, fmt, extra):
    r1, r2 = twin(**extra)
    got = outcome(lambda: L.Formatter(fmt, style=style, validate=False).format(r1))
    want = outcome(lambda: S.Formatter(fmt, style=style, validate=False).format(r2))
    assert got == want
    if got[0] == "ok":
        assert type(got[1]) is type(want[1])
        # The record carries the same derived attributes afterwards.
        for attr in ("message", "asctime", "exc_text"):
            assert getattr(r1, attr, None) == getattr(r2, attr, None)


@pytest.mark.parametrize("style,fmt", FORMATS)
def test_format_message_and_styles(style, fmt):
    r1, r2 = twin(custom="c")
    r1.message = r2.message = "preset"
    r1.asctime = r2.asctime = "now"
    for name in ("PercentStyle", "StrFormatStyle", "StringTemplateStyle"):
        if fmt is None:
            continue
        got = outcome(lambda: getattr(L, name)(fmt).format(r1))
        want = outcome(lambda: getattr(S, name)(fmt).format(r2))
        assert got == want, name
        got = outcome(lambda: getattr(L, name)(fmt).usesTime())
        want = outcome(lambda: getattr(S, name)(fmt).usesTime())
        assert got == want, name


def test_missing_field_error():
    for style, fmt in (("%", "%(nope)s"), ("{", "{nope}"), ("$", "$nope")):
        r = record()
        with pytest.raises(ValueError) as info:
            L.Formatter(fmt, style=style).format(r)
        assert str(info.value) == "Formatting field not found in record: 'nope'"
        assert isinstance(info.value.__context__, KeyError)
        assert info.value.__cause__ is None


def test_template_invalid_placeholder():
    both(lambda m: m.Formatter("line1\nline2 $message $", style="$", validate=False).format(record()))
    both(lambda m: m.Formatter("$message ${ünï}", style="$", validate=False).format(record()))


def test_non_str_keys_in_dict():
    for style, fmt in (("%", "%(message)s"), ("{", "{message}"), ("$", "$message")):
        r1, r2 = twin()
        r1.__dict__[1] = 2
        r2.__dict__[1] = 2
        got = outcome(lambda: L.Formatter(fmt, style=style).format(r1))
        want = outcome(lambda: S.Formatter(fmt, style=style).format(r2))
        assert got == want, style


def test_str_subclass_and_weird_values():
    class Weird:
        def __str__(self):
            return "WEIRD"

        def __repr__(self):
            return "<weird>"

        def __format__(self, spec):
            return "F[" + spec + "]"

    class MyStr(str):
        def __mod__(self, other):
            return "mod!"

        def format(self, *a, **kw):
            return "format!"

    for style, fmt in (("%", "%(w)s %(w)r %(w)10s"), ("{", "{w} {w!r} {w:xyz} {w!s:>8}"), ("$", "$w")):
        both(lambda m: m.Formatter(fmt, style=style).format(record(w=Weird())))
    for style, fmt in (("%", MyStr("%(message)s")), ("{", MyStr("{message}"))):
        both(lambda m: m.Formatter(fmt, style=style).format(record()))
    # bool is an int subclass: %d and str() differ.
    both(lambda m: m.Formatter("%(flag)d %(flag)s").format(record(flag=True)))


def test_style_fmt_reassigned():
    for style, fmt, new in (("%", "%(message)s", "<%(name)s>"), ("{", "{message}", "<{name}>")):
        f = L.Formatter(fmt, style=style)
        r = record()
        assert f.format(r) == "Message with 2 placeholders"
        f._style._fmt = new
        assert f.format(r) == "<formatter.test>"
    # $: the stdlib keeps using _tpl.
    f = L.Formatter("$message", style="$")
    f._style._fmt = "$name"
    assert f.format(record()) == "Message with 2 placeholders"
    f._style._tpl = string.Template("$name")
    assert f.format(record()) == "formatter.test"


@pytest.mark.parametrize("m", [L, S], ids=["logixde", "stdlib"])
def test_dollar_style_sees_template_changes_after_use(m, monkeypatch):
    def rec():
        return m.makeLogRecord({"name": "formatter.test", "msg": "Message"})

    f = m.Formatter("$name <${message}> @name", style="$")
    assert f.format(rec()) == "formatter.test <Message> @name"
    f._style._tpl.template = "@name"
    assert f.format(rec()) == "@name"
    # A class-level pattern set after the style has rendered is the one used next.
    f._style._tpl.template = "$name <${message}> @name"
    at_signs = string.Template.pattern.pattern.replace(r"\$", "@")
    monkeypatch.setattr(string.Template, "pattern", re.compile(at_signs, string.Template.flags | re.VERBOSE))
    assert f.format(rec()) == "$name <${message}> formatter.test"
    monkeypatch.undo()
    assert f.format(rec()) == "formatter.test <Message> @name"

    # A subclass of Template takes the stdlib's substitute.
    class Tpl(string.Template):
        delimiter = "@"

    f._style._tpl = Tpl("$name @name")
    assert f.format(rec()) == "$name formatter.test"


def test_message_of_a_msg_whose_str_changes_args():
    class Msg:
        def __init__(self, r):
            self.r = r

        def __str__(self):
            self.r.args = ("changed",)
            return "<%s>"

    for m in (L, S):
        r = m.makeLogRecord({"msg": None, "args": ("original",)})
        r.msg = Msg(r)
        assert r.getMessage() == "<changed>"


# ---------------------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------------------

DATEFMTS = [None, "", "%Y-%m-%d %H:%M:%S", "%H:%M:%S", "%a %b %d %Y %p %Z %z %j %%", "%c", "%x %X", "plain"]


@pytest.mark.parametrize("datefmt", DATEFMTS)
@pytest.mark.parametrize("created", [0.0, 1e9 + 0.5, 1_700_000_000.999_9, 1_700_000_001.0005, -1.5, 1])
def test_format_time(datefmt, created):
    r1, r2 = twin()
    for r in (r1, r2):
        r.created = created
        r.msecs = (created - int(created)) * 1000 if isinstance(created, float) else 0
    got = outcome(lambda: L.Formatter("%(asctime)s", datefmt).format(r1))
    want = outcome(lambda: S.Formatter("%(asctime)s", datefmt).format(r2))
    assert got == want
    for conv in (time.gmtime, time.localtime):
        fl, fs = L.Formatter(), S.Formatter()
        fl.converter = fs.converter = conv
        assert outcome(fl.formatTime, r1, datefmt) == outcome(fs.formatTime, r2, datefmt)


def test_converter_on_class_and_msec_format():
    saved = L.Formatter.converter, S.Formatter.converter
    try:
        L.Formatter.converter = S.Formatter.converter = time.gmtime
        r1, r2 = twin()
        assert L.Formatter("%(asctime)s").format(r1) == S.Formatter("%(asctime)s").format(r2)

        def conv(self, t):
            return time.gmtime(t + 3600)

        L.Formatter.converter = S.Formatter.converter = conv
        r1, r2 = twin()
        assert L.Formatter("%(asctime)s").format(r1) == S.Formatter("%(asctime)s").format(r2)
    finally:
        L.Formatter.converter, S.Formatter.converter = saved
    for msec_fmt in (None, "", "%s.%03d", "%s,%d", "%s"):
        class FL(L.Formatter):
            default_msec_format = msec_fmt

        class FS(S.Formatter):
            default_msec_format = msec_fmt

        r1, r2 = twin()
        assert outcome(FL().formatTime, r1) == outcome(FS().formatTime, r2)
    for msecs in (999.9999, 0.0, 5, 1000.0, -1.0, 7.5, "12", None):
        r1, r2 = twin()
        r1.msecs = r2.msecs = msecs
        assert outcome(L.Formatter().formatTime, r1) == outcome(S.Formatter().formatTime, r2)


def test_time_zone_change_invalidates():
    if not hasattr(time, "tzset"):
        pytest.skip("no tzset")
    saved = os.environ.get("TZ")
    try:
        r1, r2 = twin()
        out = []
        for tz in ("UTC", "Asia/Tokyo", "America/New_York", "UTC"):
            os.environ["TZ"] = tz
            time.tzset()
            a = L.Formatter("%(asctime)s").format(r1)
            b = S.Formatter("%(asctime)s").format(r2)
            assert a == b
            out.append(a)
        assert out[0] == out[3] and out[0] != out[1]
        # TZ changed without tzset(): C strftime re-reads it, so the stdlib notices on the
        # next call; so must we.
        os.environ["TZ"] = "Asia/Tokyo"
        for _ in range(3):
            assert L.Formatter().formatTime(r1) == S.Formatter().formatTime(r2)
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def test_time_attributes_changed_after_use():
    # Read on every record (each with its call-site cache): a change after first use shows.
    r1, r2 = twin()
    fl, fs = L.Formatter("%(asctime)s|%(message)s"), S.Formatter("%(asctime)s|%(message)s")
    assert fl.format(r1) == fs.format(r2)
    real, seen = time.strftime, []

    def fake(fmt, t=None):
        seen.append(fmt)
        return "T" + real(fmt, t)

    time.strftime = fake
    try:
        del r1.asctime, r2.asctime
        assert fl.format(r1) == fs.format(r2)
        assert fl.format(r1).startswith("T") and len(seen) == 3
    finally:
        time.strftime = real
    assert not fl.format(r1).startswith("T")
    for attr, value in [("default_time_format", "%H"), ("default_msec_format", "%s.%03d"),
                        ("converter", time.gmtime), ("datefmt", "%Y")]:
        setattr(fl, attr, value)
        setattr(fs, attr, value)
        assert fl.format(r1) == fs.format(r2), attr


def test_time_module_global_is_read_live():
    calls = []
    real = time.strftime

    def fake(fmt, t=None):
        calls.append(fmt)
        return real(fmt, t)

    fake_time = types.SimpleNamespace(strftime=fake)
    saved = L.time
    try:
        L.time = fake_time
        L.Formatter().formatTime(record(), "%H")
    finally:
        L.time = saved
    assert calls == ["%H"]


# ---------------------------------------------------------------------------------------
# Exceptions and stack info
# ---------------------------------------------------------------------------------------


def _exc_info():
    try:
        raise RuntimeError("deliberate mistake")
    except RuntimeError:
        return sys.exc_info()


def _chained():
    try:
        try:
            1 / 0
        except ZeroDivisionError as e:
            raise KeyError("k") from e
    except KeyError:
        return sys.exc_info()


@pytest.mark.parametrize("ei", [_exc_info(), _chained()], ids=["simple", "chained"])
@pytest.mark.parametrize("style,fmt", [("%", "%(message)s"), ("%", "%(message)s\n"), ("{", "{message}"), ("%", "")])
def test_exception_text(ei, style, fmt):
    r1, r2 = twin(exc_info=ei, stack_info="Stack (most recent call last):\n  frame")
    got = L.Formatter(fmt, style=style, validate=False).format(r1)
    want = S.Formatter(fmt, style=style, validate=False).format(r2)
    assert got == want
    assert r1.exc_text == r2.exc_text
    assert L.Formatter().formatException(ei) == S.Formatter().formatException(ei)
    # exc_text is cached on the record and reused.
    r1.exc_text = "cached"
    assert L.Formatter(fmt, style=style, validate=False).format(r1).endswith("cached\nStack (most recent call last):\n  frame")


def test_exc_text_without_exc_info_and_stack_only():
    both(lambda m: m.Formatter().format(record(exc_text="preformatted")))
    both(lambda m: m.Formatter().format(record(stack_info="Stack:\n  x")))
    both(lambda m: m.Formatter("").format(record(stack_info="Stack:\n  x")))


def test_traceback_global_is_read_live():
    seen = []

    class FakeTraceback:
        @staticmethod
        def print_exception(*args, **kwargs):
            seen.append((args, kwargs))
            file = kwargs.get("file", args[4] if len(args) > 4 else None)
            file.write("fake\n")

    saved = L.traceback
    try:
        L.traceback = FakeTraceback
        assert L.Formatter().formatException(_exc_info()) == "fake"
    finally:
        L.traceback = saved
    args, kwargs = seen[0]
    if VERSION >= (3, 13):
        assert len(args) == 3 and kwargs == {"limit": None, "file": kwargs["file"]}
    else:
        assert len(args) == 5 and args[3] is None and kwargs == {}


# ---------------------------------------------------------------------------------------
# Overrides
# ---------------------------------------------------------------------------------------


def test_subclass_overrides_win():
    calls = []

    class F(L.Formatter):
        def usesTime(self):
            calls.append("usesTime")
            return True

        def formatTime(self, record, datefmt=None):
            calls.append(("formatTime", datefmt))
            return "TIME"

        def formatMessage(self, record):
            calls.append("formatMessage")
            return "<" + super().formatMessage(record) + ">"

        def formatException(self, ei):
            calls.append("formatException")
            return "EXC"

        def formatStack(self, stack_info):
            calls.append("formatStack")
            return "STACK"

    r = record(exc_info=_exc_info(), stack_info="s")
    assert F("%(asctime)s %(message)s", "%H").format(r) == "<TIME Message with 2 placeholders>\nEXC\nSTACK"
    assert calls == ["usesTime", ("formatTime", "%H"), "formatMessage", "formatException", "formatStack"]
    assert r.asctime == "TIME"


def test_monkeypatched_class_and_instance_override():
    saved = L.Formatter.formatStack
    try:
        L.Formatter.formatStack = lambda self, s: "PATCHED"
        assert L.Formatter().format(record(stack_info="s")).endswith("\nPATCHED")
    finally:
        L.Formatter.formatStack = saved
    assert L.Formatter().format(record(stack_info="s")).endswith("\ns")
    f = L.Formatter()
    f.formatMessage = lambda record: "INSTANCE"
    assert f.format(record()) == "INSTANCE"


def test_custom_style_and_style_subclass():
    class Upper(L.PercentStyle):
        def _format(self, record):
            return super()._format(record).upper()

    f = L.Formatter("%(message)s")
    f._style = Upper("%(message)s")
    assert f.format(record()) == "MESSAGE WITH 2 PLACEHOLDERS"

    class Missing(L.StrFormatStyle):
        def _format(self, record):
            raise KeyError("zz")

    f._style = Missing("{message}")
    with pytest.raises(ValueError, match="Formatting field not found in record: 'zz'"):
        f.format(record())

    class Duck:
        def usesTime(self):
            return False

        def format(self, record):
            return "duck"

    f._style = Duck()
    assert f.format(record()) == "duck"


def test_record_getmessage_override():
    r1, r2 = twin()

    class R:
        pass

    for r in (r1, r2):
        r.getMessage = lambda: "overridden"
    assert L.Formatter().format(r1) == S.Formatter().format(r2) == "overridden"


def test_style_init_signatures():
    both(lambda m: m.PercentStyle(None)._fmt)
    both(lambda m: m.StrFormatStyle("")._fmt)
    both(lambda m: m.StringTemplateStyle(fmt="$x")._tpl.template)
    both(lambda m: m.StringTemplateStyle(None)._fmt)
    with pytest.raises(TypeError):
        L.PercentStyle()
    with pytest.raises(TypeError):
        L.StringTemplateStyle()
    with pytest.raises(TypeError):
        L.StringTemplateStyle("$a", "$b")
    if VERSION >= (3, 10):
        assert L.StringTemplateStyle("$a", defaults={"a": 1})._defaults == {"a": 1}


def test_override_cache_follows_class_changes():
    class Sub(L.Formatter):
        pass

    f = Sub("%(message)s")
    r = record(stack_info="s")
    assert f.format(r).endswith("\ns")  # caches Sub's methods as native
    saved = L.Formatter.formatStack
    try:
        L.Formatter.formatStack = lambda self, s: "BASE-PATCHED"
        assert f.format(record(stack_info="s")).endswith("\nBASE-PATCHED")
        Sub.formatStack = lambda self, s: "SUB-PATCHED"
        assert f.format(record(stack_info="s")).endswith("\nSUB-PATCHED")
        del Sub.formatStack
        assert f.format(record(stack_info="s")).endswith("\nBASE-PATCHED")
    finally:
        L.Formatter.formatStack = saved
    assert f.format(record(stack_info="s")).endswith("\ns")
    g = L.Formatter("%(message)s")
    assert g.format(record(stack_info="s")).endswith("\ns")
    Sub.usesTime = lambda self: True
    Sub.formatTime = lambda self, record, datefmt=None: "T"
    r = record()
    f.format(r)
    assert r.asctime == "T"


FUZZ_PIECES = {
    "%": ["%", "%%", "(", ")", "message", "name", "levelno", "asctime", "s", "d", "r", "-", "5", ".",
          "*", "#", "0", "+", " ", "l", "f", "x", "Z", "é", "ſ", "٣", "%(message)s", "%(levelno)05d"],
    "{": ["{", "}", "{{", "}}", "message", "name", "levelno", "!r", "!s", "!a", "!x", ":", ">10", "<5",
          "^", "d", ".2f", "x", "0", "[0]", ".upper", "é", " ", "args", "custom", "{message}",
          "{levelno:5d}", "{name!r:>12}"],
    "$": ["$", "$$", "{", "}", "message", "name", "levelno", "_x", "1", "é", " ", "${message}", "$name",
          "$$name", "${", "custom", "A", "\n"],
}


@pytest.mark.parametrize("style", ["%", "{", "$"])
def test_fuzz_against_stdlib(style):
    import random

    rng = random.Random(20261123)
    pieces = FUZZ_PIECES[style]
    for _ in range(3000):
        fmt = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        custom = rng.choice([1, "c", None, 2.5])
        r1, r2 = twin(custom=custom)
        got = outcome(lambda: L.Formatter(fmt, style=style, validate=False).format(r1))
        want = outcome(lambda: S.Formatter(fmt, style=style, validate=False).format(r2))
        assert got == want, fmt
        got = outcome(lambda: (L.Formatter(fmt, style=style)._fmt, L.Formatter(fmt, style=style).usesTime()))
        want = outcome(lambda: (S.Formatter(fmt, style=style)._fmt, S.Formatter(fmt, style=style).usesTime()))
        assert got == want, fmt


def test_format_exception_follows_patched_traceback_machinery():
    # formatException joins traceback.format_exception's lines only while print_exception
    # would print exactly those: every patch below must show as it does with the stdlib.
    from support import assert_same_output

    assert_same_output(
        """
        import builtins, io, logging, sys, traceback

        lg = logging.getLogger("fmtexc")
        lg.propagate = False
        stream = io.StringIO()
        lg.addHandler(logging.StreamHandler(stream))

        def boom(tag):
            try:
                raise ValueError(tag)
            except ValueError:
                lg.exception("caught %s", tag)

        boom("plain")
        boom("plain again")

        original_pe = traceback.print_exception
        def pe(*args, **kwargs):
            print("print_exception", args[0].__name__ if isinstance(args[0], type) else type(args[0]).__name__)
            return original_pe(*args, **kwargs)
        traceback.print_exception = pe
        boom("patched print_exception")
        traceback.print_exception = original_pe

        traceback.print = lambda *a, **k: builtins.print("[module print]", *a, **k)
        boom("module print")
        del traceback.print

        original_print = builtins.print
        def loud_print(*a, **k):
            if k.get("file") is not sys.stdout and k.get("file") is not None:
                k["file"].write("|")
            return original_print(*a, **k)
        builtins.print = loud_print
        boom("builtins print")
        builtins.print = original_print

        if hasattr(traceback.TracebackException, "print"):
            original_tp = traceback.TracebackException.print
            def tp(self, **kwargs):
                kwargs["file"].write("[TracebackException.print]\\n")
                return original_tp(self, **kwargs)
            traceback.TracebackException.print = tp
            boom("TracebackException.print")
            traceback.TracebackException.print = original_tp

        class SIO(io.StringIO):
            def write(self, s):
                return super().write(s.upper())
        io.StringIO = SIO
        boom("io.StringIO")
        io.StringIO = SIO.__mro__[1]

        boom("plain at last")
        print(stream.getvalue())
        """
    )
