"""Benchmark worker: one (library, scenario) in a fresh interpreter.

Usage (by the runner): ``python scripts/bench/worker.py '<json config>'``. The config has
``lib``, ``scenario``, ``mode`` and, per mode:

- ``probe``: load the library and report its version and file;
- ``verify``: freeze the clock (``time.time`` and ``time.time_ns`` patched before the library is
  loaded, identically for every library), run the statement a few times and return the sink's
  text, for byte comparison with the stdlib's;
- ``time``: calibrate, then ``repeat`` timed windows of about ``target`` seconds each (on the
  ``clock`` asked: process CPU time or wall time, see ``Runner``), with the real system clock; after every window the sink is checked (every record present, identical once
  asctime is masked);
- ``profile``: run the statement for ``seconds`` (under the profiler the runner started).

The result is printed as one JSON line prefixed with ``@@BENCH@@`` (libraries may print).
Statuses: ``ok``, ``missing`` (library not installed), ``skipped`` (hook scenario not native),
``n/a`` (the library's API does not fit the scenario's setup), ``error`` (failed while running),
``bad-sink`` (timed, but records lost or garbled: the number is reported with the error).
"""

import gc
import itertools
import json
import os
import sys
import tempfile
import textwrap
import threading
import time
import traceback

import libraries
import scenarios

MARKER = "@@BENCH@@ "

#: The frozen clock of verify mode: 2023-11-14 22:13:20.123456789 UTC.
FROZEN_NS = 1700000000123456789
VERIFY_CALLS = 3
NTHREADS = 4


def freeze_clock():
    time.time = lambda: FROZEN_NS / 1e9
    time.time_ns = lambda: FROZEN_NS


def compile_loop(ns, stmt):
    """``loop(n)`` executing ``stmt`` n times, with ``ns``'s names as fast locals (as timeit)."""
    names = sorted(ns)
    params = "".join(", %s=%s" % (k, k) for k in names)
    src = "def loop(_n, _repeat=_repeat%s):\n    for _ in _repeat(None, _n):\n%s\n" % (
        params,
        textwrap.indent(stmt, " " * 8),
    )
    glb = dict(ns)
    glb["_repeat"] = itertools.repeat
    exec(compile(src, "<bench>", "exec"), glb)
    return glb["loop"]


class Runner:
    """Runs the timed window for a loop or a threads scenario.

    ``run`` returns the window's seconds on the chosen clock: ``cpu`` (the process's CPU time,
    every thread, user + system: what the logging calls cost, robust to other processes
    competing for the CPU) or ``wall``. The 4-thread scenario is always timed on the wall clock:
    its figure is throughput, lock contention included.
    """

    def __init__(self, kind, loop, setup, lib, clock="cpu"):
        self.kind = kind
        self.loop = loop
        self.setup = setup
        self.lib = lib
        self.per_call = NTHREADS if kind == "threads" else 1
        self.clock = "wall" if kind == "threads" else clock
        self.now = time.process_time_ns if self.clock == "cpu" else time.perf_counter_ns
        #: (wall, cpu) seconds of the last window, both recorded in the JSON.
        self.last = None

    def _finish(self):
        if self.lib.drain is not None:
            self.lib.drain()
        if self.setup.finish is not None:
            self.setup.finish()

    def run(self, n):
        if self.kind == "threads":
            wall, cpu = self._run_threads(n)
        else:
            w0, c0 = time.perf_counter_ns(), time.process_time_ns()
            self.loop(n)
            self._finish()
            cpu, wall = time.process_time_ns() - c0, time.perf_counter_ns() - w0
        if self.setup.restart is not None:
            self.setup.restart()
        self.last = (wall / 1e9, cpu / 1e9)
        return self.last[0] if self.clock == "wall" else self.last[1]

    def _run_threads(self, n):
        barrier = threading.Barrier(NTHREADS + 1)
        loop = self.loop

        def body():
            barrier.wait()
            loop(n)

        threads = [threading.Thread(target=body, name="w%d" % i) for i in range(NTHREADS)]
        for t in threads:
            t.start()
        barrier.wait()
        w0, c0 = time.perf_counter_ns(), time.process_time_ns()
        for t in threads:
            t.join()
        self._finish()
        return time.perf_counter_ns() - w0, time.process_time_ns() - c0

    def check(self, calls):
        """Check the sink after ``calls`` executions of the statement (per thread)."""
        sink = self.setup.sink
        if self.kind == "threads":
            return sink.check_threads(calls * self.setup.records, NTHREADS)
        return sink.check(calls * self.setup.records)


def measure(runner, repeat, target):
    """Calibrate like timeit.autorange, then ``repeat`` windows of about ``target`` s each."""
    floor = min(0.02, target / 5)
    n = 1
    errors, checked, checks = [], 0, 0
    while True:
        elapsed = runner.run(n)
        error = runner.check(n)
        checks += 1
        checked += n * runner.setup.records * runner.per_call
        if error:
            # Still timed: a wrong sink is reported beside the number, not instead of it.
            errors.append("calibration (n=%d): %s" % (n, error))
        if elapsed >= floor or n >= 1 << 28:
            break
        n = n * 10 if elapsed < floor / 10 else int(n * floor / elapsed * 1.2) + 1
    n = max(1, int(n * target / max(elapsed, 1e-9)))
    samples, wall, cpu = [], [], []
    for _ in range(repeat):
        elapsed = runner.run(n)
        samples.append(elapsed * 1e9 / (n * runner.per_call))
        wall.append(runner.last[0] * 1e9 / (n * runner.per_call))
        cpu.append(runner.last[1] * 1e9 / (n * runner.per_call))
        error = runner.check(n)
        checks += 1
        checked += n * runner.setup.records * runner.per_call
        if error:
            errors.append("window of %d calls: %s" % (n, error))
    result = {
        "status": "bad-sink" if errors else "ok",
        "samples_ns": samples,
        "clock": runner.clock,
        "wall_ns": wall,
        "cpu_ns": cpu,
        "calls_per_window": n * runner.per_call,
        "records_checked": checked,
    }
    if errors:
        result["error"] = "%d of %d checks failed; first: %s" % (len(errors), checks, errors[0])
    return result


def loop_overhead(repeat, target):
    """ns per iteration of the timed loop around ``pass`` (not subtracted; reported)."""
    loop = compile_loop({}, "pass")
    n = 1000000
    best = min(_timed(loop, n) for _ in range(max(3, repeat)))
    return best * 1e9 / n


def _timed(loop, n):
    t0 = time.perf_counter_ns()
    loop(n)
    return (time.perf_counter_ns() - t0) / 1e9


def run(cfg):
    scenario = scenarios.by_name()[cfg["scenario"]] if cfg.get("scenario") else None
    mode = cfg["mode"]
    if mode == "verify":
        freeze_clock()
    tmpdir = tempfile.mkdtemp(prefix="logixde-bench-")
    ctx = {"tmpdir": tmpdir}
    saved_stderr = None
    if scenario is not None and scenario.stderr:
        ctx["stderr_path"] = os.path.join(tmpdir, "stderr.log")
        saved_stderr = os.dup(2)
        fd = os.open(ctx["stderr_path"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 2)
        os.close(fd)
    try:
        return _run(cfg, scenario, mode, ctx)
    finally:
        if saved_stderr is not None:
            sys.stderr.flush()
            os.dup2(saved_stderr, 2)
        import shutil

        shutil.rmtree(tmpdir, ignore_errors=True)


def _run(cfg, scenario, mode, ctx):
    try:
        lib = libraries.load(cfg["lib"])
    except libraries.Unavailable as e:
        return {"status": "missing", "error": str(e)}
    out = {"library": lib.info(), "python": sys.version.split()[0]}
    if mode == "probe":
        out["status"] = "ok"
        out["loop_overhead_ns"] = loop_overhead(3, 0.05)
        return out
    if scenario.hook and lib.name == "logixde":
        python_parts = libraries.not_native(lib.handlers, scenario.hook)
        if python_parts:
            out.update(status="skipped", error="not native yet: " + ", ".join(python_parts))
            return out
    try:
        setup = scenario.setup(lib.logging, lib.handlers, ctx)
        loop = compile_loop(setup.ns, setup.stmt)
    except Exception as e:
        out.update(status="n/a", error="setup: %s: %s" % (type(e).__name__, e))
        return out
    runner = Runner(scenario.kind, loop, setup, lib, cfg.get("clock", "cpu"))
    try:
        if mode == "verify":
            # Dumped after teardown: this compares the bytes each library ends up writing;
            # whether they were in the sink when the call returned is the time mode's check.
            runner.run(VERIFY_CALLS)
            if setup.teardown is not None:
                setup.teardown()
                setup.teardown = None
            out.update(status="ok", output=setup.sink.dump())
        elif mode == "time" and scenario.kind == "import":
            clock = cfg.get("clock", "cpu")
            out.update(
                status="ok",
                samples_ns=[lib.import_ns[clock]],
                clock=clock,
                wall_ns=[lib.import_ns["wall"]],
                cpu_ns=[lib.import_ns["cpu"]],
                calls_per_window=1,
                records_checked=0,
            )
        elif mode == "time":
            if cfg.get("nogc"):
                gc.disable()
            out.update(measure(runner, cfg["repeat"], cfg["target"]))
        elif mode == "profile":
            # Either for ``seconds`` (perf samples) or ``calls`` calls (callgrind counts). The sink
            # is emptied between chunks, not checked, so the profile holds logging's work only.
            limit = cfg["calls"] if cfg.get("calls") is not None else 1 << 62
            chunk = max(1, min(limit, 10000))
            deadline = time.perf_counter() + (cfg.get("seconds") or 1e9)
            calls, spent = 0, 0.0
            while time.perf_counter() < deadline and calls < limit:
                spent += runner.run(chunk)
                calls += chunk
                if hasattr(setup.sink, "take"):
                    setup.sink.take()
            total = calls * runner.per_call
            out.update(status="ok", calls=total, ns_per_call=spent * 1e9 / total if total else None)
        if setup.teardown is not None:
            setup.teardown()
    except Exception as e:
        out.update(status="error", error="%s: %s" % (type(e).__name__, e))
        out["traceback"] = traceback.format_exc()[-2000:]
    return out


def main(argv):
    cfg = json.loads(argv[1])
    try:
        out = run(cfg)
    except Exception as e:
        out = {"status": "error", "error": "%s: %s" % (type(e).__name__, e)}
        out["traceback"] = traceback.format_exc()[-2000:]
    sys.stdout.write(MARKER + json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv)
