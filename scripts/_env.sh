# Sourced by scripts/test.sh and scripts/demo.sh: one tools venv, interpreters on PATH.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VERSIONS="3.9 3.10 3.11 3.12 3.13"
# One cargo target directory for cargo test, the demo and every tox env: deps build once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# pyenv's interpreters (the newest final release of each minor version): their bin
# directories go at the end of PATH, where tox finds py39..py313 as python3.X (pyenv's shims,
# earlier on PATH, refuse versions that are not `pyenv global`; tox passes over them).
PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}"
HOST_PYTHON="${HOST_PYTHON:-}"
for v in $VERSIONS; do
    best="$(ls -d "$PYENV_ROOT"/versions/"$v".* 2>/dev/null | grep -E "/$v\.[0-9]+\$" | sort -V | tail -n1 || true)"
    if [ -n "$best" ] && [ -x "$best/bin/python$v" ]; then
        PATH="$PATH:$best/bin"
        [ "$v" = 3.11 ] && [ -z "$HOST_PYTHON" ] && HOST_PYTHON="$best/bin/python$v"
    else
        echo "scripts: no $PYENV_ROOT/versions/$v.*: tox will look for python$v on PATH" >&2
    fi
done
export PATH
HOST_PYTHON="${HOST_PYTHON:-$(command -v python3)}"

# The tools venv: tox, pytest and maturin from the package registry.
TOOLS="$ROOT/.venv-tools"
if [ ! -x "$TOOLS/bin/python" ]; then
    "$HOST_PYTHON" -m venv "$TOOLS"
fi
"$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check \
    "tox>=4.4,<5" "pytest>=7" "maturin>=1.7,<2"
