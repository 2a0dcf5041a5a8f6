"""formatException's native traceback text (rust/traceback.rs) against the stdlib, byte for byte.

Each test runs one script under the stdlib and under logixde (``support.assert_same_output``).
The exceptions are raised in modules written to a temporary directory, so their frames have
source lines (linecache, caret anchors 3.11+, multi-line carets 3.13); each scenario is logged
twice and formatted once more directly, so the text kept from the first time is checked too.
"""

import os
import sys
import textwrap

import pytest

from support import assert_same_output

VERSION = sys.version_info[:2]

MODULE = '''
import sys


class Custom(Exception):
    pass


class Empty(Exception):
    def __str__(self):
        return ""


class BadStr(Exception):
    def __str__(self):
        raise RuntimeError("no str")


class NotStr(Exception):
    def __str__(self):
        return 42


class SubStr(str):
    def __str__(self):
        return "sub!"


class GivesSubStr(Exception):
    def __str__(self):
        return SubStr("plain")


class CauseProperty(Exception):
    @property
    def __cause__(self):
        print("read __cause__")
        return None


class Falsy(Exception):
    def __bool__(self):
        print("bool()")
        return False


Custom.__module__ = "somewhere.else"


def divide(d):
    return d["x"] / 0


def level2(d):
    return divide(d) + 1


def level3(d):
    x = [level2(d)]
    return x


def multiline(d):
    return (
        d["x"]
        /
        0
    )


def wide():
    s = "日本語"; return s + 1


def call(f):
    return f()


def recurse(n):
    if n == 0:
        raise ValueError("bottom")
    return recurse(n - 1)


def mixed_recurse(n):
    if n == 0:
        return recurse(20)
    return mixed_recurse(n - 1)


def raiser(exc):
    raise exc


def chained_cause():
    try:
        divide({"x": 1})
    except ZeroDivisionError as e:
        raise KeyError("k") from e


def chained_context():
    try:
        divide({"x": 1})
    except ZeroDivisionError:
        raise KeyError("ctx")


def suppressed():
    try:
        divide({"x": 1})
    except ZeroDivisionError:
        raise KeyError("none") from None


def name_error():
    return undefined_name_here


def attribute_error():
    return (1).reel


def syntax_error():
    compile("x = (", "<bad>", "exec")
'''

DRIVER = '''
import io, logging, os, sys, traceback
sys.dont_write_bytecode = True
with open(os.path.join({dir!r}, "tbmod.py"), "w", encoding="utf-8") as f:
    f.write({module!r})
sys.path.insert(0, {dir!r})
import tbmod

lg = logging.getLogger("tb")
lg.propagate = False
stream = io.StringIO()
handler = logging.StreamHandler(stream)
handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
lg.addHandler(handler)

def show(label, fn, *args):
    for i in range(2):
        try:
            fn(*args)
        except BaseException:
            lg.exception("%s %d", label, i)
            direct = logging.Formatter().formatException(sys.exc_info())
    stream.write(direct + "\\n--\\n")

{body}
print(ascii(stream.getvalue()))
'''


def run(tmp_path, body, module=MODULE):
    # The script writes the module itself: each run starts from the same source.
    code = DRIVER.format(dir=str(tmp_path), module=textwrap.dedent(module), body=textwrap.dedent(body))
    assert_same_output(code)


def test_frames_and_carets(tmp_path):
    run(
        tmp_path,
        """
        show("one", tbmod.divide, {"x": 1})
        show("two", tbmod.level2, {"x": 1})
        show("three", tbmod.level3, {"x": 1})
        show("multiline", tbmod.multiline, {"x": 1})
        show("wide", tbmod.wide)
        show("call", tbmod.call, lambda: 1 / 0)
        show("subscript", tbmod.divide, {})
        show("custom module", tbmod.raiser, tbmod.Custom("c"))
        """,
    )


def test_exception_messages(tmp_path):
    run(
        tmp_path,
        """
        show("empty", tbmod.raiser, tbmod.Empty())
        show("bad str", tbmod.raiser, tbmod.BadStr())
        show("not str", tbmod.raiser, tbmod.NotStr())
        show("str subclass", tbmod.raiser, tbmod.GivesSubStr())
        show("no args", tbmod.raiser, ValueError())
        show("two args", tbmod.raiser, ValueError(1, "two"))
        show("key error", tbmod.raiser, KeyError("k"))
        show("surrogate", tbmod.raiser, ValueError("\\udcff"))
        show("cause property", tbmod.raiser, tbmod.CauseProperty("p"))
        show("falsy", tbmod.raiser, tbmod.Falsy("f"))
        show("keyboard", tbmod.raiser, KeyboardInterrupt())
        """,
    )


def test_chains_notes_groups_syntax_suggestions(tmp_path):
    body = """
        show("cause", tbmod.chained_cause)
        show("context", tbmod.chained_context)
        show("from None", tbmod.suppressed)
        show("name error", tbmod.name_error)
        show("attribute error", tbmod.attribute_error)
        show("syntax error", tbmod.syntax_error)
        e = ValueError("noted")
        e.__notes__ = ["note one", "note\\ntwo"]
        show("notes", tbmod.raiser, e)
        e = ValueError("odd notes")
        e.__notes__ = 42
        show("odd notes", tbmod.raiser, e)
        """
    if VERSION >= (3, 11):
        body += """
        show("group", tbmod.raiser, ExceptionGroup("eg", [ValueError(1), TypeError(2)]))
        e = ValueError("added")
        e.add_note("with add_note")
        show("add_note", tbmod.raiser, e)
        """
    run(tmp_path, body)


def test_recursion_and_limits(tmp_path):
    run(
        tmp_path,
        """
        show("recursion", tbmod.recurse, 30)
        show("mixed recursion", tbmod.mixed_recurse, 8)
        show("two repeats", tbmod.recurse, 4)
        for limit in (1, 0, -1, 2):
            sys.tracebacklimit = limit
            show("limit %d" % limit, tbmod.level3, {"x": 1})
        del sys.tracebacklimit
        show("no limit", tbmod.level3, {"x": 1})
        """,
    )


def test_frames_without_source(tmp_path):
    run(
        tmp_path,
        """
        code = compile("def f():\\n    return 1 / 0\\n", "<generated>", "exec")
        ns = {}
        exec(code, ns)
        show("generated", ns["f"])
        # Frames without source never import ast (the carets' parser).
        print("ast imported:", "ast" in sys.modules)
        code = compile("\\n" * 500 + "def g():\\n    return 1 / 0\\n", tbmod.__file__, "exec")
        exec(code, ns)
        show("past the end of the file", ns["g"])
        code = compile("def h():\\n    return 1 / 0\\n", "/nonexistent/dir/missing.py", "exec")
        exec(code, ns)
        show("missing file", ns["h"])
        logging.getLogger("tb").error("no traceback", exc_info=(ValueError, ValueError("x"), None))
        logging.getLogger("tb").error("nothing", exc_info=(None, None, None))
        """,
    )


def test_source_changed_on_disk(tmp_path):
    # linecache.checkcache must see the new file (size and mtime differ) exactly as the
    # stdlib's does: the second traceback shows the new source line.
    run(
        tmp_path,
        """
        import os, time
        show("before", tbmod.divide, {"x": 1})
        path = tbmod.__file__
        with open(path, encoding="utf-8") as f:
            src = f.read()
        src = src.replace('return d["x"] / 0', 'return d["x"]  /  0  # changed on disk')
        with open(path, "w", encoding="utf-8") as f:
            f.write(src)
        st = os.stat(path)
        os.utime(path, (st.st_atime, st.st_mtime + 5))
        show("after", tbmod.divide, {"x": 1})
        import linecache
        linecache.clearcache()
        show("after clearcache", tbmod.divide, {"x": 1})
        linecache.cache[path] = (1, None, ["patched line\\n"] * 200, path)
        show("cache entry replaced", tbmod.divide, {"x": 1})
        linecache.clearcache()

        # Every os.stat linecache makes, in order, as the stdlib makes them.
        calls = []
        real_stat = os.stat
        def stat(p, *a, **k):
            calls.append(os.path.basename(str(p)))
            return real_stat(p, *a, **k)
        os.stat = stat
        show("stat counted", tbmod.level3, {"x": 1})
        def stat_size_changes(p, *a, **k):
            st = real_stat(p, *a, **k)
            calls.append("size+1")
            return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid,
                                   st.st_size + len(calls), st.st_atime, st.st_mtime, st.st_ctime))
        os.stat = stat_size_changes
        show("size changes at each stat", tbmod.level2, {"x": 1})
        os.stat = stat
        os.remove(path)
        show("file removed", tbmod.divide, {"x": 1})
        os.stat = real_stat
        print(calls)
        """,
    )


def test_patched_machinery(tmp_path):
    run(
        tmp_path,
        """
        import ast, builtins, linecache, textwrap
        show("plain", tbmod.level2, {"x": 1})

        original = linecache.getline
        linecache.getline = lambda f, n, g=None: "LINE %d\\n" % n
        show("linecache.getline", tbmod.level2, {"x": 1})
        linecache.getline = original

        original = traceback.format_exception
        traceback.format_exception = lambda *a, **k: ["patched format_exception\\n"]
        show("format_exception", tbmod.level2, {"x": 1})
        traceback.format_exception = original

        original = traceback._format_final_exc_line
        traceback._format_final_exc_line = lambda *a, **k: "FINAL\\n"
        show("_format_final_exc_line", tbmod.level2, {"x": 1})
        traceback._format_final_exc_line = original

        if hasattr(traceback.StackSummary, "format_frame_summary"):
            original = traceback.StackSummary.format_frame_summary
            traceback.StackSummary.format_frame_summary = lambda self, fs, **k: "FRAME %s\\n" % fs.name
            show("format_frame_summary", tbmod.level2, {"x": 1})
            traceback.StackSummary.format_frame_summary = original

        original_parse = ast.parse
        def parse(*a, **k):
            raise SyntaxError("no parse")
        ast.parse = parse
        show("ast.parse", tbmod.level2, {"x": 1})
        ast.parse = original_parse

        original = textwrap.indent
        textwrap.indent = lambda text, prefix, predicate=None: original(text, prefix + "|", predicate)
        show("textwrap.indent", tbmod.level2, {"x": 1})
        textwrap.indent = original

        if hasattr(traceback, "_byte_offset_to_character_offset"):
            original = traceback._byte_offset_to_character_offset
            traceback._byte_offset_to_character_offset = lambda s, o: original(s, o) + 1
            show("_byte_offset_to_character_offset", tbmod.level2, {"x": 1})
            traceback._byte_offset_to_character_offset = original

        import linecache
        original = linecache.checkcache
        linecache.checkcache = lambda filename=None: print("checkcache", os.path.basename(filename))
        show("linecache.checkcache", tbmod.level2, {"x": 1})
        linecache.checkcache = original

        class Mine(logging.Formatter):
            def formatException(self, ei):
                return "mine: " + super().formatException(ei).splitlines()[-1]
        handler.setFormatter(Mine("%(message)s"))
        show("subclass", tbmod.level2, {"x": 1})
        handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))

        show("plain again", tbmod.level2, {"x": 1})
        """,
    )


def test_patched_before_first_use(tmp_path):
    # What the native steps replace is checked when first seen too, not only watched after.
    run(
        tmp_path,
        """
        traceback._RECURSIVE_CUTOFF = 1
        name = "_safe_string" if hasattr(traceback, "_safe_string") else "_some_str"
        original = getattr(traceback, name)
        setattr(traceback, name, lambda value, *a, **k: original(value, *a, **k).upper())
        show("recursion, cut-off 1", tbmod.recurse, 6)
        setattr(traceback, name, original)
        traceback._RECURSIVE_CUTOFF = 3
        show("restored", tbmod.recurse, 6)
        """,
    )


def test_frame_walk_patched_before_first_use(tmp_path):
    run(
        tmp_path,
        """
        name = "_walk_tb_with_full_positions" if hasattr(traceback, "_walk_tb_with_full_positions") else "walk_tb"
        original = getattr(traceback, name)
        def walk(tb):
            frames = list(original(tb))
            return iter(frames[1:])
        setattr(traceback, name, walk)
        show("first frame dropped", tbmod.level3, {"x": 1})
        setattr(traceback, name, original)
        show("restored", tbmod.level3, {"x": 1})
        """,
    )
