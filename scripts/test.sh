#!/usr/bin/env bash
# Every test on a fresh machine: the Rust unit tests, then for each of CPython 3.9-3.13
# (tox): build logixde's wheel, `pytest tests/`, and the gate (CPython's own test_logging
# against logixde, checked against the ledger compat/pyXY.txt). Non-zero on any failure,
# on a missing interpreter, and when some suite did not run at all.
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
START=$(date +%s)

# -- Rust unit tests. pyo3 links the test binary against libpython: point it at one.
export PYO3_PYTHON="$HOST_PYTHON"
LIBDIR="$("$HOST_PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')"
echo "== cargo test (PYO3_PYTHON=$PYO3_PYTHON)"
mkdir -p "$CARGO_TARGET_DIR"
LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" cargo test 2>&1 | tee "$CARGO_TARGET_DIR/cargo-test.log"
grep -q "^test result: ok\." "$CARGO_TARGET_DIR/cargo-test.log" \
    || { echo "test.sh: cargo test ran no test target" >&2; exit 1; }
unset PYO3_PYTHON

# -- The matrix: tox builds and installs the wheel per interpreter, runs tests/ and the gate.
ENVS="${TOX_ENVS:-py39,py310,py311,py312,py313}"
echo "== tox -e $ENVS"
"$TOOLS/bin/tox" run -e "$ENVS"

# -- Never succeed on a suite that silently did not run: every env left fresh gate results.
"$TOOLS/bin/python" - "$START" "$ENVS" <<'PY'
import json, os, sys
start, envs = int(sys.argv[1]), sys.argv[2].split(",")
bad = []
for env in envs:
    path = os.path.join("cpython_tests", "results", env + ".json")
    if not os.path.exists(path) or os.path.getmtime(path) < start:
        bad.append(f"{env}: the gate left no results")
        continue
    tests = json.load(open(path))["tests"]
    if not tests:
        bad.append(f"{env}: the gate ran no test")
    else:
        n = {s: sum(t["status"] == s for t in tests.values()) for s in ("passed", "failed", "skipped")}
        print(f"{env}: gate {n['passed']} passed, {n['failed']} failed (all in the ledger), "
              f"{n['skipped']} skipped")
if bad:
    sys.exit("test.sh: " + "; ".join(bad))
PY
echo "test.sh: OK: cargo test, pytest tests/ and the gate on ${ENVS//,/ } ($(( $(date +%s) - START ))s)"
