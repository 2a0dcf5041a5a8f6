"""Helpers for tests that compare logixde with the standard library byte for byte."""

import difflib
import os
import subprocess
import sys
import textwrap


def _env(activate):
    env = dict(os.environ)
    env.pop("LOGIXDE", None)
    if activate:
        env["LOGIXDE"] = "1"
    # Deterministic output: no colour, fixed timezone and hash seed.
    env.setdefault("TZ", "UTC")
    env["PYTHONHASHSEED"] = "0"
    return env


def run_python(code, *, logixde, args=(), cwd=None):
    """Run ``code`` in a fresh interpreter, with logixde active or with the stdlib.

    Returns the CompletedProcess (stdout and stderr as bytes).
    """
    code = textwrap.dedent(code)
    if logixde:
        cmd = [sys.executable, "-m", "logixde", "-c", code, *args]
    else:
        cmd = [sys.executable, "-c", code, *args]
    return subprocess.run(cmd, capture_output=True, env=_env(logixde), cwd=cwd, timeout=120)


def without_stdlib_logging_frames(text):
    """Drop traceback entries inside the stdlib's logging package.

    The stdlib's tracebacks through its own Python code (e.g. in handleError's
    "--- Logging error ---" report) show frames of logging/__init__.py; logixde's code is
    native and shows none. Everything else must match byte for byte.
    """
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith('  File "'):
            skipping = "/logging/__init__.py" in line or "/logging/handlers.py" in line
            if skipping:
                continue
        elif skipping and line.startswith("    "):
            continue
        else:
            skipping = False
        out.append(line)
    # A traceback left with no entries shows no header, as for an exception raised
    # outside any Python frame.
    kept = []
    for i, line in enumerate(out):
        next_line = out[i + 1] if i + 1 < len(out) else ""
        if line == "Traceback (most recent call last):\n" and not next_line.startswith("  File "):
            continue
        kept.append(line)
    return "".join(kept)


#: Code defining ``reads`` and ``traced(name)``: a property that appends to ``reads`` on each
#: get (``name``) and set (``'set ' + name``), its value kept in the instance ``__dict__``
#: under ``'_' + name``. Prepend it (``TRACED_PROPERTIES + code``) to compare the attribute
#: reads and assignments the stdlib and logixde make.
TRACED_PROPERTIES = """
reads = []
def traced(name):
    def get(self):
        reads.append(name)
        return self.__dict__['_' + name]
    def set(self, v):
        reads.append('set ' + name)
        self.__dict__['_' + name] = v
    return property(get, set)
"""


def assert_same_output(code, *, check_logixde_active=True, internal_frames=False):
    """Run ``code`` under the stdlib and under logixde; stdout and stderr must be equal.

    With ``internal_frames``, the stdlib's traceback entries inside its logging package
    are dropped before comparing (see ``without_stdlib_logging_frames``).
    """
    if check_logixde_active:
        code = textwrap.dedent(code) + textwrap.dedent(
            """
            import logging as _l, sys as _s
            if _s.argv[-1] == '--logixde':
                assert 'logixde' in _l.__file__, _l.__file__
            """
        )
    stdlib = run_python(code, logixde=False, args=["--stdlib"])
    ours = run_python(code, logixde=True, args=["--logixde"])
    assert stdlib.returncode == 0, stdlib.stderr.decode()
    assert ours.returncode == 0, ours.stderr.decode()
    expected_out, expected_err = stdlib.stdout, stdlib.stderr
    if internal_frames:
        expected_out = without_stdlib_logging_frames(expected_out.decode()).encode()
        expected_err = without_stdlib_logging_frames(expected_err.decode()).encode()
    assert ours.stdout.decode() == expected_out.decode(), _diff("stdout", expected_out, ours.stdout)
    assert ours.stderr.decode() == expected_err.decode(), _diff("stderr", expected_err, ours.stderr)
    return ours


def _diff(what, expected, got):
    """The unified diff of two outputs, for a failed comparison's message (this module's
    asserts are not rewritten by pytest)."""
    lines = difflib.unified_diff(
        expected.decode().splitlines(keepends=True),
        got.decode().splitlines(keepends=True),
        f"{what} (stdlib)",
        f"{what} (logixde)",
    )
    return "".join(lines)


def check_stacklevel_walk(trigger, records):
    """``trigger("test", stacklevel=n)`` for n = 1..4 reports innermost, inner, outer, then
    this function, each at a later line (CPython's test_find_caller_with_stacklevel)."""
    the_level = 1

    def innermost():
        trigger("test", stacklevel=the_level)

    def inner():
        innermost()

    def outer():
        inner()

    lineno = None
    for expected in ("innermost", "inner", "outer", "check_stacklevel_walk"):
        outer()
        assert records[-1].funcName == expected
        if lineno is not None:
            assert records[-1].lineno > lineno
        lineno = records[-1].lineno
        the_level += 1

