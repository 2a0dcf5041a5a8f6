"""Helpers for tests that compare logixde with the standard library byte for byte."""

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


def assert_same_output(code, *, check_logixde_active=True):
    """Run ``code`` under the stdlib and under logixde; stdout and stderr must be equal."""
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
    assert ours.stdout == stdlib.stdout
    assert ours.stderr == stdlib.stderr
    return ours
