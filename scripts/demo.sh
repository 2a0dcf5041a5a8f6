#!/usr/bin/env bash
# The demo on a fresh machine: build and install logixde into a venv, run
# examples/basic.py under the stdlib's logging and under logixde, show the bytes match.
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"

PY="${DEMO_PYTHON:-$HOST_PYTHON}"
VENV="$ROOT/.venv-demo"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# PEP 517 build with maturin from the registry; the `ci` cargo profile builds much faster
# than `release` (fat LTO): DEMO_PROFILE=release for the real thing.
echo "== building and installing logixde into $VENV (cargo profile ${DEMO_PROFILE:-ci})"
MATURIN_PEP517_ARGS="--profile ${DEMO_PROFILE:-ci}" \
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps .

OUT="$ROOT/target/demo"
mkdir -p "$OUT"
cd "$ROOT/examples"  # same working directory and same script path for every run
echo "== which logging each way gives"
"$VENV/bin/python" -c 'import logging, logixde; print("  python basic.py           ->", logging.__file__, "| logixde active:", logixde.is_active())'
LOGIXDE=1 "$VENV/bin/python" -c 'import logging, logixde; print("  LOGIXDE=1 python basic.py ->", logging.__file__, "| logixde active:", logixde.is_active())'

# Each run's stdout and stderr, then its exit status: all three must match.
run() {
    local out="$1"; shift
    set +e; "$@" > "$out" 2>&1; local rc=$?; set -e
    echo "[exit status $rc]" >> "$out"
}
run "$OUT/stdlib.txt" "$VENV/bin/python" basic.py
run "$OUT/logixde-env.txt" env LOGIXDE=1 "$VENV/bin/python" basic.py
run "$OUT/logixde-m.txt" "$VENV/bin/python" -m logixde basic.py

echo "== examples/basic.py under logixde (LOGIXDE=1):"
sed 's/^/  | /' "$OUT/logixde-env.txt"
status=0
for f in logixde-env logixde-m; do
    if cmp -s "$OUT/stdlib.txt" "$OUT/$f.txt"; then
        echo "== $f: byte-identical to the stdlib's output ($(wc -c < "$OUT/stdlib.txt") bytes)"
    else
        echo "== $f: DIFFERS from the stdlib's output:"
        diff -u "$OUT/stdlib.txt" "$OUT/$f.txt" || true
        status=1
    fi
done
exit $status
