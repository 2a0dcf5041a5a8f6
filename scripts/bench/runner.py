"""Runs the workers and assembles one result document per interpreter.

For every interpreter: probe each library (installed? which version? loop overhead), then
for every scenario and library one ``verify`` worker (frozen clock, output bytes) and
``rounds`` ``time`` workers, rounds interleaved across libraries so that load drifting on
the machine hits them alike. Ratios are the stdlib's median over the library's median, both
measured in this run on this interpreter.
"""

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from bench import scenarios as scenario_defs

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "worker.py")
MARKER = "@@BENCH@@ "


class Config:
    def __init__(self, repeat, target, rounds, libs, scenario_names, nogc=False, log=None, clock="cpu"):
        self.clock = clock
        self.repeat = repeat
        self.target = target
        self.rounds = rounds
        self.libs = libs
        self.scenario_names = scenario_names
        self.nogc = nogc
        self.log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))


def worker_env():
    env = dict(os.environ)
    # The worker activates logixde itself, only for the logixde runs.
    env.pop("LOGIXDE", None)
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def call_worker(python, cfg, timeout, extra_argv=None, prefix=None):
    """Runs one worker; returns its result dict (a failure becomes status ``error``)."""
    argv = list(prefix or []) + [python] + list(extra_argv or []) + [WORKER, json.dumps(cfg)]
    try:
        proc = subprocess.run(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=worker_env(),
            timeout=timeout,
            universal_newlines=True,
        )
    except subprocess.TimeoutExpired:
        return {"status": "error", "error": "worker timed out after %ds (hang or deadlock?)" % timeout}
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            result = json.loads(line[len(MARKER):])
            if proc.stderr.strip():
                result["stderr"] = proc.stderr[-2000:]
            return result
    return {
        "status": "error",
        "error": "worker exited %d without a result: %s"
        % (proc.returncode, (proc.stderr.strip().splitlines() or ["?"])[-1][:300]),
        "stderr": proc.stderr[-2000:],
    }


def interpreter_info(python):
    code = "import sys, platform, json; print(json.dumps([platform.python_version(), sys.executable, sys.prefix]))"
    out = subprocess.run([python, "-c", code], stdout=subprocess.PIPE, env=worker_env(), check=True)
    version, executable, prefix = json.loads(out.stdout.decode())
    return {"python": python, "version": version, "executable": executable, "prefix": prefix}


def compare_output(reference, output):
    """How ``output`` compares with the stdlib's ``reference`` (both from verify mode)."""
    if output == reference:
        return {"match": "identical"}
    if scenario_defs.mask_asctime(output) == scenario_defs.mask_asctime(reference):
        return {"match": "asctime differs", "diff": first_difference(reference, output)}
    return {"match": "differs", "diff": first_difference(reference, output)}


def first_difference(reference, output):
    ref_lines = reference.splitlines(True)
    out_lines = output.splitlines(True)
    for i in range(max(len(ref_lines), len(out_lines))):
        ref = ref_lines[i] if i < len(ref_lines) else "<end>"
        out = out_lines[i] if i < len(out_lines) else "<end>"
        if ref != out:
            return "line %d: stdlib %r, got %r" % (i + 1, ref[:120], out[:120])
    return "same lines, different bytes"


def summarize(samples):
    return {
        "median_ns": statistics.median(samples),
        "min_ns": min(samples),
        "max_ns": max(samples),
        "samples_ns": samples,
    }


def run_interpreter(python, cfg):
    info = interpreter_info(python)
    cfg.log("== %s (CPython %s)" % (python, info["version"]))
    probe_timeout = 15
    libraries = {}
    for lib in cfg.libs:
        result = call_worker(python, {"lib": lib, "mode": "probe"}, probe_timeout)
        libraries[lib] = result
        what = result.get("library", {}).get("version") if result["status"] == "ok" else result.get("error")
        cfg.log("   %-12s %s: %s" % (lib, result["status"], what))
    if libraries.get("stdlib", {}).get("status") != "ok":
        raise SystemExit("the stdlib does not load in %s: %s" % (python, libraries.get("stdlib")))
    available = [lib for lib in cfg.libs if libraries[lib]["status"] == "ok"]
    selected = [scenario_defs.by_name()[name] for name in cfg.scenario_names]
    # A worker normally takes (repeat + 1) windows plus start-up; a peer that deadlocks
    # (picologging with 4 threads) must not hold the run for long.
    per_worker_timeout = int(12 + 10 * (cfg.repeat + 1) * cfg.target)

    results = {}
    for sc in selected:
        entry = {"title": sc.title, "kind": sc.kind, "hook": bool(sc.hook), "libs": {}}
        for lib in cfg.libs:
            if lib not in available:
                probe = libraries[lib]
                status = "missing" if probe["status"] == "missing" else "error"
                entry["libs"][lib] = {"status": status, "error": probe.get("error")}
                continue
            entry["libs"][lib] = {
                "verify": call_worker(
                    python, {"lib": lib, "scenario": sc.name, "mode": "verify"}, probe_timeout
                ),
                "runs": [],
            }
        results[sc.name] = entry

    for rnd in range(cfg.rounds):
        for sc in selected:
            for lib in available:
                lib_entry = results[sc.name]["libs"][lib]
                verify = lib_entry["verify"]
                if verify["status"] in ("skipped", "n/a") or "timed out" in verify.get("error", ""):
                    continue
                worker_cfg = {
                    "lib": lib,
                    "scenario": sc.name,
                    "mode": "time",
                    "repeat": cfg.repeat,
                    "target": cfg.target,
                    "nogc": cfg.nogc,
                    "clock": cfg.clock,
                }
                if sc.kind == "import":
                    # One sample per fresh interpreter.
                    run = _merge_runs([call_worker(python, worker_cfg, probe_timeout) for _ in range(cfg.repeat)])
                else:
                    run = call_worker(python, worker_cfg, per_worker_timeout)
                lib_entry["runs"].append(run)
                cfg.log(
                    "   round %d %-12s %-12s %s"
                    % (rnd + 1, sc.name, lib, _short(run))
                )

    for name, entry in results.items():
        _finish_scenario(entry, cfg.libs)
    return {
        "interpreter": info,
        "libraries": libraries,
        "loop_overhead_ns": libraries["stdlib"].get("loop_overhead_ns"),
        "scenarios": results,
    }


def _merge_runs(runs):
    failed = [r for r in runs if r["status"] != "ok"]
    if failed:
        return failed[0]
    merged = dict(runs[0])
    merged["samples_ns"] = [s for r in runs for s in r["samples_ns"]]
    return merged


def _short(run):
    if run.get("samples_ns"):
        return "%s median %.0f ns" % (run["status"], statistics.median(run["samples_ns"]))
    return "%s %s" % (run["status"], run.get("error", ""))


def _finish_scenario(entry, libs):
    """Per library: status, median over every repeat of every round, match, ratio."""
    std = entry["libs"].get("stdlib", {})
    reference = std.get("verify", {}).get("output") if std.get("verify", {}).get("status") == "ok" else None
    for lib in libs:
        e = entry["libs"][lib]
        if "verify" not in e:  # library unavailable for this interpreter
            continue
        verify = e["verify"]
        runs = e.pop("runs")
        e["runs"] = [{k: v for k, v in r.items() if k != "library"} for r in runs]
        samples = [s for r in runs for s in r.get("samples_ns", [])]
        if verify["status"] in ("skipped", "n/a", "error") and not samples:
            e["status"] = verify["status"]
            e["error"] = verify.get("error")
        elif not samples:
            e["status"] = "error"
            e["error"] = next((r.get("error") for r in runs if r.get("error")), "no samples")
        else:
            e.update(summarize(samples))
            bad = [r for r in runs if r["status"] != "ok"]
            e["status"] = bad[0]["status"] if bad else "ok"
            if bad:
                e["error"] = bad[0].get("error")
            e["records_checked"] = sum(r.get("records_checked", 0) for r in runs)
        if lib != "stdlib" and reference is not None and verify.get("status") == "ok":
            e.update(compare_output(reference, verify["output"]))
        elif lib != "stdlib" and verify.get("status") not in ("ok", None):
            e["match"] = verify["status"]
        verify.pop("library", None)
    std_median = entry["libs"].get("stdlib", {}).get("median_ns")
    for lib in libs:
        e = entry["libs"][lib]
        if std_median and e.get("median_ns"):
            e["speedup"] = std_median / e["median_ns"]


def machine_info():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "loadavg_at_start": load,
    }


def source_revision():
    """The repository's commit (logixde's source for editable installs), '+dirty' if modified."""
    root = os.path.dirname(os.path.dirname(HERE))
    try:
        rev = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, universal_newlines=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True).stdout.strip()
    except OSError:
        return None
    return (rev + ("+dirty" if dirty else "")) or None


def run_all(pythons, cfg, argv):
    started = time.time()
    meta = {
        "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python scripts/bench.py " + " ".join(argv),
        "machine": machine_info(),
        "revision": source_revision(),
        "repeat": cfg.repeat,
        "target_s": cfg.target,
        "rounds": cfg.rounds,
        "gc": "disabled in timed windows" if cfg.nogc else "enabled (as in real use)",
        "clock": cfg.clock,
        "clock_for_output_comparison": "time.time and time.time_ns patched to a constant before "
        "the library is imported, identically for every library",
    }
    documents = []
    for python in pythons:
        doc = run_interpreter(python, cfg)
        doc["meta"] = dict(meta, seconds=round(time.time() - started, 1))
        documents.append(doc)
    return documents
