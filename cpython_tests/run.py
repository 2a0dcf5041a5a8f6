"""The gate: the running interpreter's own test/test_logging.py against logixde.

    python -m cpython_tests [--update-ledger] [--class NAME ...] [--jobs N] [--timeout S]
    python -m cpython_tests --stdlib      # reference run of the harness on the stdlib

logixde must be installed in this interpreter (with its logixde_activate.pth). Each test class runs
in its own worker process (cpython_tests/worker.py) with logixde active before anything
imports logging, children inheriting it; a test that hangs past --timeout is ended by
faulthandler in the worker, recorded as failed, and the class resumes with its next test;
a crash is recorded the same way. Outcomes go to cpython_tests/results/pyXY.json; the
ledger compat/pyXY.txt is checked (the ratchet) and docs/compatibility.md is updated.
The last line printed is ``N passed, N failed, N skipped``.
"""

import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from cpython_tests import ledger as ledger_mod
from cpython_tests import report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKER = os.path.join(ROOT, "cpython_tests", "worker.py")
TAG = "py%d%d" % sys.version_info[:2]
VERSION = "%d.%d" % sys.version_info[:2]

_print_lock = threading.Lock()


def say(*a):
    with _print_lock:
        print(*a, flush=True)


def _env(stdlib):
    env = dict(os.environ)
    if stdlib:
        env.pop("LOGIXDE", None)
    else:
        env["LOGIXDE"] = "1"
    env.pop("PYTHONWARNINGS", None)
    return env


#: Seconds allowed for importing and listing the suite.
LIST_TIMEOUT = 60


class WorkerRun:
    """One worker process: its events, exit status and output log."""

    def __init__(self, mode, ids, stdlib, timeout, log_path):
        self.mode, self.ids, self.stdlib, self.timeout = mode, ids, stdlib, timeout
        self.log_path = log_path
        self.events = []
        self.returncode = None
        self.killed = False

    def run(self):
        tmp = tempfile.mkdtemp(prefix="logixde-gate-")
        events = os.path.join(tmp, "events.jsonl")
        cwd = os.path.join(tmp, "cwd")
        os.mkdir(cwd)
        cmd = [sys.executable, WORKER, "--events", events, "--mode", self.mode,
               "--timeout", str(self.timeout)]
        if self.stdlib:
            cmd.append("--stdlib")
        cmd += self.ids
        try:
            with open(self.log_path, "ab") as log:
                log.write(f"\n==== {' '.join(cmd[:8])} ... ({len(self.ids)} ids)\n".encode())
                log.flush()
                self.log_offset = log.tell()
                proc = subprocess.Popen(cmd, cwd=cwd, env=_env(self.stdlib), stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
                # Watchdog for what faulthandler cannot end (a hang at exit, a stuck child
                # holding the process): no new event for 2 timeouts + margin ends the group.
                last_size, last_change = -1, time.monotonic()
                while proc.poll() is None:
                    time.sleep(0.1)
                    size = os.path.getsize(events) if os.path.exists(events) else 0
                    if size != last_size:
                        last_size, last_change = size, time.monotonic()
                    elif time.monotonic() - last_change > 2 * self.timeout + 30:
                        self.killed = True
                        os.killpg(proc.pid, signal.SIGKILL)
                        proc.wait()
                self.returncode = proc.returncode
                try:  # the worker's own children (servers, spawned processes) go too
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if os.path.exists(events):
                with open(events, encoding="utf-8") as f:
                    for line in f:
                        line = line.strip()
                        if line:
                            try:
                                self.events.append(json.loads(line))
                            except ValueError:
                                pass  # a line cut by a crash
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return self

    def of(self, kind):
        return [e for e in self.events if e.get("event") == kind]

    def tail(self, n=2500):
        """The end of what this worker printed (the log holds earlier workers' output too)."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(getattr(self, "log_offset", 0), f.tell() - n))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


class Gate:
    def __init__(self, args):
        self.args = args
        self.outcomes = {}  # test_id -> {"status", "duration", "detail"}
        self.harness_errors = []
        self.results_dir = os.path.join(ROOT, "cpython_tests", "results")
        self.results_path = args.results or os.path.join(
            self.results_dir, TAG + ("-stdlib" if args.stdlib else "") + ".json")
        self.log_dir = os.path.splitext(self.results_path)[0] + "-logs"

    def record(self, test_id, status, detail="", duration=0.0):
        self.outcomes[test_id] = {"status": status, "duration": duration, "detail": detail}

    def list_ids(self):
        """(ids, import_error): the suite's test ids, listed under the stdlib and under logixde."""
        # Listing imports the suite: not a test, so the per-test timeout doesn't bound it.
        list_timeout = max(self.args.timeout, LIST_TIMEOUT)
        ref = WorkerRun("list", [], True, list_timeout,
                        os.path.join(self.log_dir, "_list-stdlib.log")).run()
        ref_ids = (ref.of("ids") or [{}])[0].get("ids")
        if not ref_ids:
            raise SystemExit("could not list test.test_logging's tests even under the stdlib; "
                             f"see {ref.log_path}")
        if self.args.stdlib:
            return ref_ids, None
        run = WorkerRun("list", [], False, list_timeout,
                        os.path.join(self.log_dir, "_list.log")).run()
        if not run.of("ready"):
            self.harness_errors.append(f"the list worker did not start: {run.tail()}")
        for e in run.of("child_checks"):
            for p in e["problems"]:
                self.harness_errors.append(f"child activation: {p}")
        for e in run.of("selfcheck"):
            for p in e["problems"]:
                self.harness_errors.append(f"self-check (list worker): {p}")
        if run.of("import_error"):
            return ref_ids, run.of("import_error")[0]["detail"]
        ids = (run.of("ids") or [{}])[0].get("ids")
        if ids is None:
            return ref_ids, (f"the worker importing test.test_logging under logixde died "
                             f"(exit status {run.returncode}):\n{run.tail()}\n"
                             f"worker died importing the suite (exit status {run.returncode})")
        missing = sorted(set(ref_ids) - set(ids))
        for test_id in missing:
            self.record(test_id, "failed", "not collected under logixde (the stdlib collects it)")
        return sorted(set(ids) | set(ref_ids)), None

    def run_class(self, cls, ids):
        remaining = list(ids)
        log = os.path.join(self.log_dir, cls + ".log")
        fixture_errors = []
        t0 = time.monotonic()
        while remaining:
            if time.monotonic() > self.deadline:
                for test_id in remaining:
                    self.record(test_id, "failed", "not run: the gate's time budget was exhausted")
                self.harness_errors.append(f"{cls}: time budget ({self.args.budget:g}s) exhausted, "
                                           f"{len(remaining)} tests not run")
                break
            w = WorkerRun("run", remaining, self.args.stdlib, self.args.timeout, log).run()
            fixture_errors += [f"{e['id']}: {e['detail']}" for e in w.of("fixture_error")]
            fixture_errors += [f"import of test.test_logging failed: {e['detail']}"
                               for e in w.of("import_error")]
            ended = {e["id"] for e in w.of("end")}
            for e in w.of("end"):
                self.record(e["id"], e["status"], e.get("detail", ""), e.get("duration", 0.0))
            started = [e["id"] for e in w.of("start") if e["id"] not in ended]
            problems = [p for e in w.of("selfcheck") for p in e["problems"]]
            for p in problems:
                self.harness_errors.append(f"self-check ({cls}): {p}")
            tail = w.tail()
            why = ("timed out after %gs" % self.args.timeout) if "Timeout (" in tail else (
                "watchdog killed the worker" if w.killed else f"worker died (exit status {w.returncode})")
            for test_id in started:  # the test that hung or crashed the worker
                self.record(test_id, "failed", f"{why}:\n{tail}\n{why}",
                            self.args.timeout if "Timeout (" in tail else 0.0)
            remaining = [i for i in remaining if i not in self.outcomes]
            if not remaining:
                if w.returncode != 0 and not started:
                    self.harness_errors.append(f"{cls}: worker {why} after its last test:\n{tail}")
                break
            if not started:  # no test in progress yet tests left over: do not loop
                detail = "\n".join(fixture_errors) or f"never ran ({why}):\n{tail}"
                for test_id in remaining:
                    self.record(test_id, "failed", "not run: " + detail[-3000:])
                break
        say(f"  {cls}: " + summary_line({i: self.outcomes[i] for i in ids if i in self.outcomes})
            + f" ({time.monotonic() - t0:.1f}s)")

    def run(self):
        os.makedirs(self.log_dir, exist_ok=True)
        for name in os.listdir(self.log_dir):
            os.unlink(os.path.join(self.log_dir, name))
        t0 = time.monotonic()
        self.deadline = t0 + self.args.budget
        ids, import_error = self.list_ids()
        if self.args.classes:
            wanted = set(self.args.classes)
            ids = [i for i in ids if i.rsplit(".", 2)[-2] in wanted]
            if not ids:
                raise SystemExit(f"no tests in classes {sorted(wanted)}")
        say(f"gate: CPython {sys.version.split()[0]} test_logging, {len(ids)} tests, "
            + ("reference run on the stdlib" if self.args.stdlib else "logixde active"))
        if import_error:
            say("gate: test.test_logging does not import under logixde; every test counts as failed:")
            say("  " + [ln for ln in import_error.splitlines() if ln.strip()][-1])
            for test_id in ids:
                self.record(test_id, "failed", import_error.rstrip() + "\nsuite import failed: "
                            + [ln for ln in import_error.splitlines() if ln.strip()][-1].strip())
        else:
            by_class = {}
            for test_id in ids:
                if test_id not in self.outcomes:
                    by_class.setdefault(test_id.rsplit(".", 2)[-2], []).append(test_id)
            order = sorted(by_class, key=lambda c: -len(by_class[c]))
            # Plain threads: concurrent.futures would import logging into this process.
            lock, failures = threading.Lock(), []

            def drain():
                while True:
                    with lock:
                        if not order:
                            return
                        cls = order.pop(0)
                    try:
                        self.run_class(cls, by_class[cls])
                    except BaseException as e:  # noqa: BLE001
                        failures.append(e)

            threads = [threading.Thread(target=drain) for _ in range(max(1, self.args.jobs))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if failures:
                raise failures[0]
        self.elapsed = time.monotonic() - t0
        self.ids = ids


def summary_line(outcomes):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for o in outcomes.values():
        counts[o["status"] if isinstance(o, dict) else o] += 1
    return f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m cpython_tests", description=__doc__.split("\n\n")[0])
    ap.add_argument("--update-ledger", action="store_true",
                    help="rewrite compat/pyXY.txt from this run (developers only): failing tests "
                         "added with an 'untriaged' reason, passing ones removed, reasons kept")
    ap.add_argument("--stdlib", action="store_true",
                    help="reference run against the stdlib's logging (checks the harness; no ledger)")
    ap.add_argument("--class", dest="classes", action="append", metavar="NAME",
                    help="run only this test class (repeatable); the ledger is checked for it only")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("LOGIXDE_GATE_JOBS", "2")))
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("LOGIXDE_GATE_TIMEOUT", "30")),
                    help="seconds one test may take before it is ended and counted as failed")
    ap.add_argument("--budget", type=float, default=float(os.environ.get("LOGIXDE_GATE_BUDGET", "900")),
                    help="seconds the whole run may take; past it no worker starts and the gate fails")
    ap.add_argument("--no-docs", action="store_true", help="do not update docs/compatibility.md")
    ap.add_argument("--ledger", metavar="PATH", help="ledger file (default compat/pyXY.txt)")
    ap.add_argument("--results", metavar="PATH", help="results file (default cpython_tests/results/pyXY.json)")
    args = ap.parse_args(argv)

    if not args.stdlib and importlib.util.find_spec("logixde") is None:
        raise SystemExit(f"python -m cpython_tests: logixde is not installed in {sys.executable} "
                         "(tox installs it; or `pip install .`)")
    gate = Gate(args)
    gate.run()
    outcomes = {i: gate.outcomes[i] for i in gate.ids}
    statuses = {i: o["status"] for i, o in outcomes.items()}

    results_path = gate.results_path
    os.makedirs(os.path.dirname(os.path.abspath(results_path)), exist_ok=True)
    with open(results_path, "w", encoding="utf-8") as f:
        json.dump({"python": sys.version, "executable": sys.executable, "stdlib": args.stdlib,
                   "classes": args.classes, "elapsed": round(gate.elapsed, 1),
                   "harness_errors": gate.harness_errors, "tests": outcomes}, f, indent=1, sort_keys=True)

    ok = True
    if args.stdlib:
        failing = sorted(i for i, s in statuses.items() if s == "failed")
        for i in failing:
            say(f"FAILED under the stdlib: {i}\n    " + outcomes[i]["detail"].strip().splitlines()[-1:][0]
                if outcomes[i]["detail"].strip() else f"FAILED under the stdlib: {i}")
        ok = not failing
    else:
        path = os.path.abspath(args.ledger or ledger_mod.ledger_path(ROOT, sys.version_info))
        entries = ledger_mod.load(path)
        selected = None
        if args.classes:
            wanted = set(args.classes)
            selected = lambda i: i.rsplit(".", 2)[-2] in wanted  # noqa: E731
        if args.update_ledger:
            details = {i: o["detail"] for i, o in outcomes.items()}
            entries = ledger_mod.updated(statuses, entries, details, selected)
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(ledger_mod.render(entries, sys.version_info))
            say(f"gate: wrote {os.path.relpath(path, ROOT)} ({len(entries)} entries)")
        verdict = ledger_mod.check(statuses, entries, selected)
        problems = verdict.problems()
        for n, p in enumerate(problems):
            if n == 40 and len(problems) > 41:
                say(f"gate: ... and {len(problems) - 40} more (all in {os.path.relpath(results_path, ROOT)})")
                break
            say("gate: " + p)
            test_id = p.rsplit(" ", 1)[-1]
            if test_id in outcomes and outcomes[test_id]["status"] == "failed":
                last = [ln for ln in outcomes[test_id]["detail"].splitlines() if ln.strip()][-1:]
                if last:
                    say("      " + last[0][:200])
        for t in verdict.listed_skips:
            say(f"gate: note: ledgered test was skipped: {t}")
        ok = verdict.ok
        say(f"gate: ledger {os.path.relpath(path, ROOT)}: {len(verdict.expected_failures)} known failures, "
            f"{len(verdict.flaky)} flaky, " + ("OK" if verdict.ok else "VIOLATED"))
        if not args.no_docs and not args.classes:
            docs = os.path.join(ROOT, "docs", "compatibility.md")
            existing = open(docs, encoding="utf-8").read() if os.path.exists(docs) else ""
            section = report.render_section(TAG, VERSION, statuses)
            os.makedirs(os.path.dirname(docs), exist_ok=True)
            with open(docs, "w", encoding="utf-8") as f:
                f.write(report.merge(existing, TAG, section))
    seen = set()
    for e in gate.harness_errors:
        key = e.split(": ", 1)[-1] if e.startswith("self-check") else e
        if key not in seen:
            seen.add(key)
            say("gate: HARNESS ERROR: " + e.strip()[:3000])
    if len(seen) < len(gate.harness_errors):
        say(f"gate: ({len(gate.harness_errors) - len(seen)} repeated harness errors not shown)")
    if gate.harness_errors:
        ok = False
    say(f"gate: results in {os.path.relpath(results_path, ROOT)}, logs in "
        f"{os.path.relpath(gate.log_dir, ROOT)}/; {gate.elapsed:.1f}s; " + ("PASS" if ok else "FAIL"))
    say(summary_line(outcomes))
    return 0 if ok else 1
