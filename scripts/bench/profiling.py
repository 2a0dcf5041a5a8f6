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
            prefix=["perf", "record", "-F", "1999", "-g", "-q", "-o", data, "--"],
        )
        _require_ok(result)
        by_dso = _perf_report(data, "dso", 0.5)
        by_symbol = _perf_report(data, "dso,symbol", 0.3)[:TOP_SYMBOLS]
        raw = "\n".join(_perf_raw(data, "dso")) + "\n\n" + "\n".join(_perf_raw(data, "dso,symbol"))
        unit = "samples"
    elif profiler == "callgrind":
        out = stem + ".callgrind.out"
        cfg["calls"] = calls
        result = runner.call_worker(
            python,
            cfg,
            timeout=3600,
            prefix=["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out],
        )
        _require_ok(result)
        by_dso, by_symbol, raw = _callgrind_report(out)
        by_symbol = by_symbol[:TOP_SYMBOLS]
        unit = "instructions"
    else:
        raise SystemExit("unknown profiler %r (perf or callgrind)" % profiler)
    with open(stem + ".txt", "w") as f:
        f.write(raw)
    ns = result.get("ns_per_call")
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
            "%.0f ns" % ns if ns else "?",
        ),
        "",
        "By shared object:",
        "",
        "| share | ≈ ns/call | object |",
        "|---:|---:|---|",
    ]
    for pct, dso, _ in by_dso:
        lines.append("| %.1f%% | %s | `%s` |" % (pct, _ns(pct, ns), dso))
    lines += ["", "Top symbols (self time):", "", "| share | ≈ ns/call | object | symbol |", "|---:|---:|---|---|"]
    for pct, dso, sym in by_symbol:
        lines.append("| %.1f%% | %s | `%s` | `%s` |" % (pct, _ns(pct, ns), dso, sym.replace("|", "\\|")[:100]))
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


_PERF_LINE = re.compile(r"^\s*([\d.]+)%\s+(\S+)(?:\s+\[[.k]\]\s+(.*))?$")


def _perf_report(data, sort, min_pct):
    rows = []
    for line in _perf_raw(data, sort):
        if line.startswith("#") or not line.strip():
            continue
        m = _PERF_LINE.match(line)
        if m and float(m.group(1)) >= min_pct:
            rows.append((float(m.group(1)), m.group(2), (m.group(3) or "").strip()))
    return rows


_CG_LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*?):(.*?)(?:\s+\[(.*)\])?$")


def _callgrind_report(out):
    proc = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", "--threshold=99", out],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        universal_newlines=True,
    )
    symbols, dsos = [], {}
    for line in proc.stdout.splitlines():
        m = _CG_LINE.match(line)
        if not m:
            continue
        pct = float(m.group(2))
        dso = os.path.basename(m.group(5) or m.group(3))
        symbols.append((pct, dso, m.group(4)))
        dsos[dso] = dsos.get(dso, 0.0) + pct
    by_dso = sorted(((p, d, "") for d, p in dsos.items()), reverse=True)
    return by_dso, symbols, proc.stdout
