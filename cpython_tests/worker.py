"""One gate worker process: runs some of test.test_logging's tests under logixde.

Started by cpython_tests/run.py as ``python cpython_tests/worker.py --events FILE ...``;
never imported by the gate itself. It reports JSON lines to FILE, written with os.write
so that nothing is lost when faulthandler ends a hung test (``exit=True``).

Modes: ``list`` (preflight: activation checks in children, import the suite, list its
test ids), ``run`` (run the given test ids). ``--stdlib`` runs against the stdlib's
logging instead (the harness's own reference run).
"""

import os
import sys


def _emit(fd, **event):
    import json

    os.write(fd, (json.dumps(event) + "\n").encode("utf-8"))


def _activate(stdlib):
    if stdlib:
        if os.environ.get("LOGIXDE", "") not in ("", "0"):
            raise SystemExit("--stdlib worker started with LOGIXDE set")
        return
    if "logging" in sys.modules:
        raise SystemExit("logging was imported before logixde could be activated: "
                         + repr(sys.modules["logging"]))
    import logixde

    logixde.activate()  # also sets LOGIXDE=1 for every child process


def _force_children_inherit_environment():
    # script_helper starts children with -I (no environment) unless it believes the
    # interpreter needs its environment; make it believe so, so that children get
    # LOGIXDE=1 (and PYTHONPATH). Module-level global, not name-mangled.
    from test.support import script_helper

    script_helper.__dict__["__cached_interp_requires_environment"] = True


# Where would `import logging` come from in a child? find_spec asks the meta path (logixde's
# finder first when active) without executing the module, so a broken core cannot hide
# whether activation worked.
_CHILD_CODE = (
    "import sys, importlib.util; before = 'logging' in sys.modules; "
    "print(before, importlib.util.find_spec('logging').origin)"
)


def _spawn_target(queue):
    import importlib.util

    queue.put(importlib.util.find_spec("logging").origin)


def _child_checks():
    """Problems found when children start: each must get logixde's logging, lazily."""
    import subprocess

    from logixde._activation import _FACADE_DIR

    problems = []

    def verify(what, out):
        out = out.strip()
        if out != f"False {os.path.join(_FACADE_DIR, '__init__.py')}":
            problems.append(f"{what}: child printed {out!r} (want lazy logixde logging)")

    from test.support import script_helper

    try:
        rc, out, err = script_helper.assert_python_ok("-c", _CHILD_CODE)
        verify("script_helper.assert_python_ok child", out.decode())
    except AssertionError as e:
        problems.append(f"script_helper.assert_python_ok child failed: {e}")
    for flags in ([], ["-I"], ["-E"]):
        proc = subprocess.run([sys.executable, *flags, "-c", _CHILD_CODE],
                              capture_output=True, text=True, timeout=60)
        verify(f"subprocess child {flags}", proc.stdout + proc.stderr)
    import multiprocessing

    for method in ("spawn", "forkserver"):
        if method not in multiprocessing.get_all_start_methods():
            continue
        ctx = multiprocessing.get_context(method)
        q = ctx.Queue()
        p = ctx.Process(target=_spawn_target, args=(q,))
        p.start()
        try:
            got = q.get(timeout=60)
        except Exception as e:  # noqa: BLE001
            got = f"no answer: {e!r}"
        p.join(60)
        if got != os.path.join(_FACADE_DIR, "__init__.py"):
            problems.append(f"multiprocessing {method} child imported logging from {got!r}")
    return problems


def self_check(stdlib, suite_imported=True):
    """Problems proving the run did not exercise logixde (empty list when it did).

    When the suite failed to import (every test counted as failed), logging may be absent
    from sys.modules; the stdlib's must still be nowhere."""
    import gc
    import sysconfig
    import types

    std_dir = os.path.realpath(os.path.join(sysconfig.get_paths()["stdlib"], "logging")) + os.sep

    cache = {}

    def from_stdlib(path):
        if not path:
            return False
        found = cache.get(path)
        if found is None:
            found = cache[path] = os.path.realpath(path).startswith(std_dir)
        return found

    mod = sys.modules.get("logging")
    if stdlib:
        if mod is None or not from_stdlib(getattr(mod, "__file__", None)):
            return [f"reference run: sys.modules['logging'] is {mod!r}, not the stdlib's"]
        return []
    from logixde._activation import _FACADE_DIR

    problems = []
    if mod is None and suite_imported:
        problems.append("logging is not in sys.modules (the suite never imported it)")
    for name, m in sorted(sys.modules.items()):
        if name == "logging" or name.startswith("logging."):
            f = getattr(m, "__file__", None)
            if not (f and os.path.realpath(f).startswith(os.path.realpath(_FACADE_DIR))):
                problems.append(f"sys.modules[{name!r}] is not logixde's: {m!r}")
    found = []
    gc.collect()
    objs = gc.get_objects()
    std_types = set()
    for o in objs:
        if isinstance(o, types.ModuleType):
            if from_stdlib(getattr(o, "__file__", None)):
                found.append(f"stdlib module {o!r}")
        elif isinstance(o, types.FunctionType):
            if from_stdlib(o.__code__.co_filename):
                found.append(f"stdlib function {o.__module__}.{o.__qualname__}")
        elif isinstance(o, type):
            for v in list(vars(o).values()):
                if isinstance(v, types.FunctionType) and from_stdlib(v.__code__.co_filename):
                    std_types.add(o)
                    found.append(f"stdlib class {o!r}")
                    break
    if std_types:
        for o in objs:
            if type(o) in std_types:
                found.append(f"instance of stdlib class {type(o)!r}")
    del objs
    if found:
        problems.append(f"{len(found)} objects of the stdlib logging package alive: "
                        + "; ".join(found[:5]))
    return problems


class _Result:
    """A unittest result that reports each test's outcome as soon as it is known."""

    def __init__(self, fd, timeout):
        import unittest

        self._fd = fd
        self._timeout = timeout
        self._status = None
        self._details = []
        self._t0 = None
        base = unittest.TestResult
        outer = self

        class Result(base):
            def startTest(self, test):
                super().startTest(test)
                outer._start(test)

            def stopTest(self, test):
                outer._stop(test)
                super().stopTest(test)

            def addSuccess(self, test):
                super().addSuccess(test)
                outer._set("passed")

            def addFailure(self, test, err):
                super().addFailure(test, err)
                outer._fail(test, self.failures[-1][1])

            def addError(self, test, err):
                super().addError(test, err)
                outer._fail(test, self.errors[-1][1])

            def addSkip(self, test, reason):
                super().addSkip(test, reason)
                outer._set("skipped", reason)

            def addExpectedFailure(self, test, err):
                super().addExpectedFailure(test, err)
                outer._set("passed")

            def addUnexpectedSuccess(self, test):
                super().addUnexpectedSuccess(test)
                outer._fail(test, "unexpected success")

            def addSubTest(self, test, subtest, err):
                super().addSubTest(test, subtest, err)
                if err is not None:
                    outer._status = "failed"
                    outer._details.append(f"{subtest.id()}: {self._exc_info_to_string(err, test)}")

        self.result = Result()

    def _start(self, test):
        import faulthandler
        import time

        self._status = None
        self._details = []
        self._t0 = time.monotonic()
        _emit(self._fd, event="start", id=test.id())
        faulthandler.dump_traceback_later(self._timeout, exit=True)

    def _set(self, status, detail=None):
        if self._status != "failed":
            self._status = status
        if detail:
            self._details.append(detail)

    def _fail(self, test, text):
        if not hasattr(test, "_testMethodName"):
            # setUpModule/setUpClass/tearDown*Class errors: an _ErrorHolder, not a test.
            _emit(self._fd, event="fixture_error", id=str(test), detail=text)
            return
        self._status = "failed"
        self._details.append(text)

    def _stop(self, test):
        import faulthandler
        import time

        faulthandler.dump_traceback_later(self._timeout, exit=True)  # covers fixtures
        status = self._status or "failed"
        detail = "\n".join(self._details) if self._details or self._status else "no outcome reported"
        duration = time.monotonic() - self._t0 if self._t0 is not None else 0.0
        _emit(self._fd, event="end", id=test.id(), status=status,
              duration=round(duration, 3), detail=detail[-4000:])
        # A class-level skip reports a test without startTest: start each test afresh.
        self._status, self._details, self._t0 = None, [], None


def main(argv):
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--events", required=True)
    ap.add_argument("--mode", choices=("list", "run"), required=True)
    ap.add_argument("--stdlib", action="store_true")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("ids", nargs="*")
    args = ap.parse_args(argv)

    _activate(args.stdlib)
    fd = os.open(args.events, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    import faulthandler

    faulthandler.enable()
    faulthandler.dump_traceback_later(args.timeout * 2, exit=True)
    _emit(fd, event="ready", pid=os.getpid())
    _force_children_inherit_environment()

    if args.mode == "list" and not args.stdlib:
        try:
            problems = _child_checks()
        except Exception:  # noqa: BLE001
            import traceback

            problems = ["checking children failed: " + traceback.format_exc()[-2000:]]
        _emit(fd, event="child_checks", problems=problems)

    import traceback
    import unittest

    try:
        import test.test_logging as suite  # noqa: F401
    except BaseException:  # noqa: BLE001 - the suite failing to import is an outcome
        _emit(fd, event="import_error", detail=traceback.format_exc()[-4000:])
        _emit(fd, event="selfcheck", problems=self_check(args.stdlib, suite_imported=False))
        return 0

    loader = unittest.TestLoader()
    if args.mode == "list":
        def flatten(s):
            for t in s:
                if isinstance(t, unittest.TestSuite):
                    yield from flatten(t)
                else:
                    yield t.id()

        _emit(fd, event="ids", ids=sorted(flatten(loader.loadTestsFromModule(suite))))
    else:
        tests = unittest.TestSuite()
        for test_id in args.ids:
            try:
                tests.addTest(loader.loadTestsFromName(test_id))
            except BaseException:  # noqa: BLE001
                _emit(fd, event="end", id=test_id, status="failed", duration=0.0,
                      detail="could not load: " + traceback.format_exc()[-2000:])
        result = _Result(fd, args.timeout)
        tests.run(result.result)
    faulthandler.dump_traceback_later(args.timeout, exit=True)
    _emit(fd, event="selfcheck", problems=self_check(args.stdlib))
    sys.stdout.flush()
    sys.stderr.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
