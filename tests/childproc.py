"""Helpers for the identity, activation and gate tests: every check runs in a fresh child
interpreter (``run_py``), started with logixde on (LOGIXDE=1) or off, so what it sees does
not depend on how pytest itself was started."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # cpython_tests (the gate's pure logic) is tested from the tree


def child_env(logixde=None, **extra):
    """os.environ for a child: LOGIXDE forced on (True), off (False) or inherited (None)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if logixde is True:
        env["LOGIXDE"] = "1"
    elif logixde is False:
        env.pop("LOGIXDE", None)
    env.update(extra)
    return env


def run_py(*args, logixde=False, cwd=None, timeout=120, check=True, env=None):
    """Run ``sys.executable *args``; return the CompletedProcess (text)."""
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env if env is not None else child_env(logixde),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"child {args!r} exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return proc


def run_json(code, logixde=True, **kw):
    """Run ``code`` in a child; it must print one JSON document as its last stdout line."""
    proc = run_py("-c", code, logixde=logixde, **kw)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def facade_init():
    """Path of logixde's ``logging/__init__.py`` as installed (import it into a test module)."""
    import logixde._activation as a

    return os.path.join(a._FACADE_DIR, "__init__.py")
