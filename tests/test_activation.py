"""Activation: logixde becomes the process's one ``logging``, lazily, children included.

Every check runs in a child interpreter (pytest has imported the stdlib's logging here).
A child reports ``logging.__file__``: logixde's facade means logixde is the logging.
"""

import json
import sys
import textwrap

import pytest

from childproc import child_env, facade_init, run_json, run_py  # noqa: F401 (fixture)

# A program that reports which logging it gets, and whether anything imported it early.
REPORT = textwrap.dedent(
    """
    import json, sys
    early = "logging" in sys.modules
    import logging, logging.handlers, logging.config
    print(json.dumps({
        "early": early,
        "file": logging.__file__,
        "handlers": sys.modules["logging.handlers"].__file__,
        "config": sys.modules["logging.config"].__file__,
        "argv": sys.argv,
        "name": __name__,
    }))
    """
)


def last_json(proc):
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_logixde(report, facade_init):
    assert report["early"] is False, "logging was imported before the program asked for it"
    assert report["file"] == facade_init
    facade_dir = facade_init.rsplit("/", 1)[0]
    assert report["handlers"].startswith(facade_dir)
    assert report["config"].startswith(facade_dir)


@pytest.fixture
def report_script(tmp_path):
    path = tmp_path / "report.py"
    path.write_text(REPORT)
    return path


def test_activate_then_import(facade_init):
    code = "import logixde; logixde.activate()\n" + REPORT
    assert_logixde(last_json(run_py("-c", code)), facade_init)


def test_from_logixde_import_logging_is_logging():
    out = run_json(
        "import json, sys; from logixde import logging as L; import logging; "
        "import logixde.logging as LL; "
        "print(json.dumps([L is logging, LL is logging, L is sys.modules['logging']]))",
        logixde=False,
    )
    assert out == [True, True, True]


def test_importing_logixde_imports_nothing():
    out = run_json(
        "import json, sys, logixde; "
        "print(json.dumps(['logging' in sys.modules, 'logixde._core' in sys.modules]))",
        logixde=False,
    )
    assert out == [False, False]


def test_activation_is_lazy():
    out = run_json(
        "import json, sys, logixde; logixde.activate(); "
        "a = ['logging' in sys.modules, logixde.is_active()]; import logging; "
        "print(json.dumps(a + [logixde.is_active()]))",
        logixde=False,
    )
    assert out == [False, True, True]


def test_not_active_by_default(facade_init):
    out = run_json(
        "import json, logging, logixde; print(json.dumps([logging.__file__, logixde.is_active()]))",
        logixde=False,
    )
    assert out[0] != facade_init
    assert out[1] is False


def test_python_m_logixde_script(report_script, facade_init):
    report = last_json(run_py("-m", "logixde", str(report_script), "a1", "--flag"))
    assert_logixde(report, facade_init)
    assert report["argv"] == [str(report_script), "a1", "--flag"]
    assert report["name"] == "__main__"


def test_python_m_logixde_script_sees_what_python_script_sees(tmp_path):
    # `python script.py` gives an absolute __file__ (3.9+), sys.argv[0] as typed and the
    # script's directory as sys.path[0]; tracebacks print __file__, so they must agree.
    (tmp_path / "where.py").write_text(
        "import json, sys; print(json.dumps([__file__, sys.argv[0], sys.path[0]]))"
    )
    plain = last_json(run_py("where.py", cwd=str(tmp_path)))
    wrapped = last_json(run_py("-m", "logixde", "where.py", cwd=str(tmp_path)))
    assert wrapped == plain


def test_python_m_logixde_module(tmp_path, facade_init):
    (tmp_path / "reportmod.py").write_text(REPORT)
    report = last_json(run_py("-m", "logixde", "-m", "reportmod", "x", cwd=str(tmp_path)))
    assert_logixde(report, facade_init)
    assert report["argv"][1:] == ["x"]
    assert report["name"] == "__main__"


@pytest.mark.parametrize("flags", [[], ["-I"], ["-E"]], ids=["plain", "isolated", "no-env"])
def test_env_var_activates_at_startup(report_script, facade_init, flags):
    assert_logixde(last_json(run_py(*flags, str(report_script), logixde=True)), facade_init)


@pytest.mark.parametrize("value", ["0", ""])
def test_env_var_off(report_script, facade_init, value):
    report = last_json(run_py(str(report_script), env=child_env(False, LOGIXDE=value)))
    assert report["file"] != facade_init


# Children of a program run with `python -m logixde` (no LOGIXDE in the outer environment).
PARENT = textwrap.dedent(
    """
    import json, multiprocessing, subprocess, sys

    def child_file(q):
        import logging
        q.put(logging.__file__)

    def main():
        out = {}
        code = "import sys; e = 'logging' in sys.modules; import logging; print(e, logging.__file__)"
        for flags in ([], ["-I"]):
            p = subprocess.run([sys.executable, *flags, "-c", code], capture_output=True, text=True)
            out["subprocess" + "".join(flags)] = p.stdout.strip()
        for method in ("spawn", "forkserver", "fork"):
            if method not in multiprocessing.get_all_start_methods():
                continue
            ctx = multiprocessing.get_context(method)
            q = ctx.Queue()
            p = ctx.Process(target=child_file, args=(q,))
            p.start()
            out[method] = q.get(timeout=60)
            p.join(60)
        print(json.dumps(out))

    if __name__ == "__main__":
        main()
    """
)


@pytest.fixture(scope="module")
def children(tmp_path_factory):
    path = tmp_path_factory.mktemp("parent") / "parent.py"
    path.write_text(PARENT)
    return last_json(run_py("-m", "logixde", str(path), logixde=False))


@pytest.mark.parametrize("kind", ["subprocess", "subprocess-I"])
def test_subprocess_child_inherits(children, facade_init, kind):
    assert children[kind] == f"False {facade_init}"


@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_multiprocessing_child_inherits(children, facade_init, method):
    if method not in children:
        pytest.skip(f"no {method} start method on this platform")
    assert children[method] == facade_init


def test_child_activation_is_lazy_enough_to_patch_time(tmp_path, facade_init):
    # As CPython's test_relativeCreated_has_higher_precision does: patch time.time_ns in a
    # child before its first `import logging`; logging must see the patched clock.
    code = textwrap.dedent(
        """
        import json, sys, time
        assert "logging" not in sys.modules
        ns = 1_700_000_000_123_456_789
        time.time_ns = lambda: ns
        time.time = lambda: ns / 1e9
        import logging
        r = logging.makeLogRecord({})
        print(json.dumps([logging.__file__, int(r.created)]))
        """
    )
    out = run_json(code, logixde=True)
    assert out[0] == facade_init
    assert out[1] == 1_700_000_000


def test_late_activation_is_detected_and_taken_over(facade_init):
    # The stdlib's logging imported first: activation notices and takes over (the bridge,
    # tests/test_late_activation.py), so the process still has one logging: logixde's.
    out = run_json(
        "import json, sys, logging as early, logixde\n"
        "before = [logixde.is_active(), logixde.stdlib_logging_was_imported()]\n"
        "logixde.activate()\n"
        "import logging\n"
        "print(json.dumps(before + [logixde.is_active(), logging.__file__,\n"
        "                           early.getLogger('x') is logging.getLogger('x')]))",
        logixde=False,
    )
    assert out == [False, True, True, facade_init, True]


def test_is_active_from_startup_with_env_var():
    out = run_json("import json, logixde; print(json.dumps(logixde.is_active()))", logixde=True)
    assert out is True


def test_python_m_logixde_usage():
    proc = run_py("-m", "logixde", check=False)
    assert proc.returncode == 2
    assert "usage" in proc.stderr


def test_running_interpreter_is_tested():
    # The matrix runs this file once per interpreter: make the version visible in reports.
    assert sys.version_info >= (3, 9)
