"""``--venv PYTHON``: a benchmark virtualenv per interpreter, with logixde built in release mode.

``.venv-bench-<version>/`` at the repository root (ignored by git through ``/.venv*/``) gets
maturin, logixde (``maturin develop --release``, an editable install whose ``_core`` lands in
``pylib/logixde/``) and, best effort, the peers picologging and logxide: a peer that does not
install for the interpreter is reported as missing by the benchmark, not hidden.
"""

import glob
import os
import subprocess
import sys

from bench import runner

PEERS = ("picologging", "logxide")


def _log(msg):
    print(msg, file=sys.stderr, flush=True)


def ensure(base_python, root, peers=True, build=True):
    """Creates or updates the venv for ``base_python``; returns the venv's python."""
    info = runner.interpreter_info(base_python)
    version = info["version"]
    venv = os.path.join(root, ".venv-bench-%s" % version)
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        _log("creating %s" % venv)
        subprocess.run([base_python, "-m", "venv", venv], check=True)
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + ["maturin>=1.7,<2"], check=True)
    if peers:
        for peer in PEERS:
            proc = subprocess.run(pip + [peer], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if proc.returncode:
                last = (proc.stdout.decode(errors="replace").strip().splitlines() or ["?"])[-1]
                _log("  %s does not install for CPython %s (reported as missing): %s" % (peer, version, last))
    if build:
        # A stale extension for this interpreter would shadow the new build.
        tag = "cpython-%s%s-" % tuple(version.split(".")[:2])
        for stale in glob.glob(os.path.join(root, "pylib", "logixde", "_core.%s*.so" % tag)):
            os.remove(stale)
        env = dict(os.environ, VIRTUAL_ENV=venv)
        env.pop("CONDA_PREFIX", None)
        env["PATH"] = os.path.join(venv, "bin") + os.pathsep + env.get("PATH", "")
        _log("building logixde (release) for CPython %s" % version)
        subprocess.run([os.path.join(venv, "bin", "maturin"), "develop", "--release"], cwd=root, env=env, check=True)
    # An editable install leaves the facade uncompiled; pip compiles a wheel's modules on
    # install. Compile them here too (PYTHONDONTWRITEBYTECODE would otherwise make every
    # `import` scenario run recompile them), so `import` compares like with like.
    subprocess.run([python, "-m", "compileall", "-q", os.path.join(root, "pylib", "logixde")], check=True)
    return python
