# Sourced by scripts/test.sh and scripts/demo.sh: one tools venv, interpreters on PATH.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VERSIONS="3.9 3.10 3.11 3.12 3.13"
# One cargo target directory for cargo test, the demo and every tox env: deps build once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# pyenv's interpreters (the newest final release of each minor version) are linked as
# python3.X into one directory put first on PATH, where tox finds py39..py313 (pyenv's
# shims refuse versions that are not `pyenv global`); `python3` itself is left alone.
PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}"
PYTHONS="$ROOT/.venv-tools/pythons"
mkdir -p "$PYTHONS"
for v in $VERSIONS; do
    best="$(ls -d "$PYENV_ROOT"/versions/"$v".* 2>/dev/null | grep -E "/$v\.[0-9]+\$" | sort -V | tail -n1 || true)"
    if [ -n "$best" ] && [ -x "$best/bin/python$v" ]; then
        ln -sfn "$best/bin/python$v" "$PYTHONS/python$v"
    else
        rm -f "$PYTHONS/python$v"
        echo "scripts: no $PYENV_ROOT/versions/$v.*: tox will look for python$v on PATH" >&2
    fi
done
export PATH="$PYTHONS:$PATH"

# The tools venv: tox, pytest and maturin from the package registry.
HOST_PYTHON="${HOST_PYTHON:-$(command -v python3.11 || command -v python3)}"
TOOLS="$ROOT/.venv-tools"
if [ ! -x "$TOOLS/bin/python" ]; then
    "$HOST_PYTHON" -m venv "$TOOLS"
fi
"$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check \
    "tox>=4.4,<5" "pytest>=7" "maturin>=1.7,<2"
