"""``--profile SCENARIO``: one worker under ``perf record`` (or callgrind), top entries as Markdown.

perf samples the worker for a few seconds (with ``-X perf`` on 3.12+ so Python functions are
named ``py::function:file``); the report is split by shared object (interpreter, logixde's
``_core``, libc, kernel) and by symbol. Each share is also converted into ns per call using the
worker's own timing under the profiler. callgrind counts instructions instead (slower; no kernel
time) for machines where perf cannot sample.
"""

import datetime
import os
import re
import shutil
import subprocess

from bench import runner

TOP_SYMBOLS = 30


def available_profiler():
    if shutil.which("perf"):
        return "perf"
    if shutil.which("valgrind"):
        return "callgrind"
    return None


def profile(python, scenario, lib, profiler, outdir, seconds=5.0, calls=20000):
    """Runs the profile; returns (markdown block, raw report text)."""
    info = runner.interpreter_info(python)
    version = info["version"]
    os.makedirs(outdir, exist_ok=True)
    stem = os.path.join(outdir, "profile-cpython-%s-%s-%s" % (version, lib, scenario))
    minor = int(version.split(".")[1])
    cfg = {"lib": lib, "scenario": scenario, "mode": "profile"}
    if profiler == "perf":
        data = stem + ".perf.data"
        cfg["seconds"] = seconds
        result = runner.call_worker(
            python,
            cfg,
            timeout=int(seconds * 10 + 60),
            extra_argv=["-X", "perf"] if minor >= 12 else [],
            # DWARF unwinding: the interpreter and the extension have no frame pointers, and the
            # inclusive view (which native or Python function the time is spent under) needs them.
            prefix=["perf", "record", "-F", "499", "--call-graph", "dwarf,16384", "-q", "-o", data, "--"],
        )
        _require_ok(result)
        by_dso = _perf_report(data, "dso", 0.5)
        by_symbol = _perf_report(data, "dso,symbol", 0.3)[:TOP_SYMBOLS]
        inclusive = _perf_inclusive(data)
        raw = "\n".join(_perf_raw(data, "dso")) + "\n\n" + "\n".join(_perf_raw(data, "dso,symbol"))
        unit = "samples"
    elif profiler == "callgrind":
        # Instruction counts are exact, so the interpreter's start-up and the scenario's setup are
        # removed by running twice (``calls`` calls, then none) and subtracting per function.
        counts = []
        for n in (calls, 0):
            out = "%s.%d.callgrind.out" % (stem, n)
            result_n = runner.call_worker(
                python,
                dict(cfg, calls=n),
                timeout=3600,
                prefix=["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out],
            )
            _require_ok(result_n)
            counts.append(_callgrind_counts(out))
            if n:
                result = result_n
        by_dso, by_symbol, raw, per_call = _callgrind_delta(counts[0], counts[1], calls)
        inclusive = []
        by_symbol = by_symbol[:TOP_SYMBOLS]
        unit = "instructions, %.0f per call" % per_call
        # ns under valgrind mean nothing: shares are shown as instructions per call instead.
        result["ns_per_call"] = None
        result["ir_per_call"] = per_call
    else:
        raise SystemExit("unknown profiler %r (perf or callgrind)" % profiler)
    with open(stem + ".txt", "w") as f:
        f.write(raw)
    ns = result.get("ns_per_call") or result.get("ir_per_call")
    per_unit = "ns/call" if result.get("ns_per_call") else "Ir/call"
    lib_version = result.get("library", {}).get("version", "?")
    lines = [
        "Profile of `%s` on %s %s, CPython %s, by %s (%s), %s: %d calls, %s per call under the profiler."
        % (
            scenario,
            lib,
            lib_version,
            version,
            profiler,
            unit,
            datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
            result.get("calls", 0),
            ("%.0f ns" % ns if per_unit == "ns/call" else "%.0f instructions" % ns) if ns else "?",
        ),
        "",
        "By shared object:",
        "",
        "| share | ≈ %s | object |" % per_unit,
        "|---:|---:|---|",
    ]
    for pct, dso, _ in by_dso:
        lines.append("| %.1f%% | %s | `%s` |" % (pct, _ns(pct, ns), dso))
    lines += ["", "Top symbols (self time):", "", "| share | ≈ %s | object | symbol |" % per_unit, "|---:|---:|---|---|"]
    for pct, dso, sym in by_symbol:
        lines.append("| %.1f%% | %s | `%s` | `%s` |" % (pct, _ns(pct, ns), dso, sym.replace("|", "\\|")[:100]))
    if inclusive:
        lines += [
            "",
            "Inclusive time under logixde's native functions (`_core::…`) and Python functions "
            "(`py::…`, named by `-X perf` on 3.12+), pyo3 trampolines left out. perf copies 16 KiB "
            "of stack per sample, so deep stacks can lose their outer frames: outer functions' "
            "shares are lower bounds.",
            "",
            "| inclusive | ≈ %s | function |" % per_unit,
            "|---:|---:|---|",
        ]
        for pct, sym in inclusive:
            lines.append("| %.1f%% | %s | `%s` |" % (pct, _ns(pct, ns), sym.replace("|", "\\|")[:110]))
    lines += ["", "Raw report: `%s`." % os.path.relpath(stem + ".txt")]
    return "\n".join(lines), raw


def _ns(pct, ns):
    return "%.0f" % (pct * ns / 100) if ns else "?"


def _require_ok(result):
    if result.get("status") != "ok":
        raise SystemExit("profiled worker failed: %s %s" % (result.get("status"), result.get("error")))


def _perf_raw(data, sort):
    proc = subprocess.run(
        ["perf", "report", "-i", data, "--stdio", "--no-children", "-g", "none", "--sort", sort],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        universal_newlines=True,
    )
    return proc.stdout.splitlines()


_PERF_CHILDREN = re.compile(r"^\s*([\d.]+)%\s+([\d.]+)%\s+\[[.k]\]\s+(.*)$")
TOP_INCLUSIVE = 25


def _perf_inclusive(data):
    """[(children %, symbol)] for ``_core::`` and ``py::`` symbols, highest first."""
    proc = subprocess.run(
        ["perf", "report", "-i", data, "--stdio", "--children", "-g", "none", "--sort", "symbol"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        universal_newlines=True,
    )
    rows, seen = [], set()
    for line in proc.stdout.splitlines():
        m = _PERF_CHILDREN.match(line.rstrip())
        if not m:
            continue
        symbol = re.sub(r"(\s+(-|[\d.]+%?))+\s*$", "", m.group(3)).strip()
        if not (symbol.startswith("_core::") or symbol.startswith("py::")) or symbol in seen:
            continue
        if symbol.startswith("py::"):
            # py::Logger.info:/long/path/logging/__init__.py -> py::Logger.info (__init__.py)
            name, _, path = symbol[len("py::"):].partition(":")
            symbol = "py::%s (%s)" % (name, os.path.basename(path) or path)
        seen.add(symbol)
        rows.append((float(m.group(1)), symbol))
    rows.sort(reverse=True)
    return rows[:TOP_INCLUSIVE]


_PERF_LINE = re.compile(r"^\s*([\d.]+)%\s+(\S+)(?:\s+\[[.k]\]\s+(.*))?$")


def _perf_report(data, sort, min_pct):
    rows = []
    for line in _perf_raw(data, sort):
        if line.startswith("#") or not line.strip():
            continue
        m = _PERF_LINE.match(line.rstrip())
        if m and float(m.group(1)) >= min_pct:
            # Drop perf's trailing IPC columns ("-  -" when the CPU gives none).
            symbol = re.sub(r"(\s+(-|[\d.]+%?))+\s*$", "", m.group(3) or "").strip()
            rows.append((float(m.group(1)), m.group(2), symbol))
    return rows


_CG_LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*)$")


def _callgrind_counts(out):
    """{"file:function [object]": Ir} from callgrind_annotate, plus the program total."""
    proc = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", "--threshold=100", out],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        universal_newlines=True,
    )
    counts = {}
    for line in proc.stdout.splitlines():
        m = _CG_LINE.match(line)
        if m:
            key = re.sub(r"'\d+", "", m.group(3).strip())  # fold recursion levels (f'2)
            counts[key] = counts.get(key, 0) + int(m.group(1).replace(",", ""))
    return counts


def _callgrind_delta(full, empty, calls):
    total = full.get("PROGRAM TOTALS", 0) - empty.get("PROGRAM TOTALS", 0)
    per_call = total / calls if calls else 0
    symbols, dsos, merged = [], {}, {}
    # Lines of inlined headers carry no object: give them their function's object when known.
    object_of = {}
    for key in full:
        m = re.match(r"^.*?:(.*?) \[(.*)\]$", key)
        if m:
            object_of[m.group(1)] = m.group(2)
    for key, ir in full.items():
        if key == "PROGRAM TOTALS":
            continue
        delta = ir - empty.get(key, 0)
        if delta <= 0 or not total:
            continue
        m = re.match(r"^(.*?):(.*?)(?: \[(.*)\])?$", key)
        source, function, obj = (m.group(1), m.group(2), m.group(3)) if m else (key, key, None)
        obj = obj or object_of.get(function)
        dso = os.path.basename(obj) if obj else "(%s)" % os.path.basename(source)
        pct = 100.0 * delta / total
        merged[(dso, function)] = merged.get((dso, function), 0.0) + pct
        dsos[dso] = dsos.get(dso, 0.0) + pct
    symbols = sorted(((p, d, f) for (d, f), p in merged.items()), reverse=True)
    by_dso = sorted(((p, d, "") for d, p in dsos.items() if p >= 0.5), reverse=True)
    raw = "\n".join("%6.2f%%  %10.0f Ir/call  %s  %s" % (p, p * per_call / 100, d, f) for p, d, f in symbols)
    return by_dso, symbols, raw, per_call
