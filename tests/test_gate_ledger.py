"""The gate's ledger and ratchet (cpython_tests/ledger.py, report.py), on synthetic
results; then the gate end to end on one test class with a temporary ledger."""

import json
import os
import sys

import pytest

from childproc import ROOT, run_py
from cpython_tests import ledger, report
from cpython_tests.ledger import FAILED, PASSED, SKIPPED, Entry

T = "test.test_logging.%s"
A, B, C, D = T % "K.test_a", T % "K.test_b", T % "L.test_c", T % "L.test_d"


def entries(**reasons):
    return {T % k.replace("__", "."): Entry(T % k.replace("__", "."), r) for k, r in reasons.items()}


def test_unlisted_failure_fails_the_gate():
    v = ledger.check({A: FAILED, B: PASSED}, {})
    assert not v.ok
    assert v.unlisted_failures == [A]


def test_listed_failure_is_fine():
    v = ledger.check({A: FAILED, B: PASSED}, {A: Entry(A, "formatter missing")})
    assert v.ok
    assert v.expected_failures == [A]


def test_listed_test_that_passes_fails_the_gate():
    v = ledger.check({A: PASSED, B: FAILED}, {A: Entry(A, "x"), B: Entry(B, "y")})
    assert not v.ok
    assert v.listed_passes == [A]
    assert any("NOW PASSES" in p and A in p for p in v.problems())


def test_stale_entry_fails_the_gate():
    v = ledger.check({A: FAILED}, {A: Entry(A, "x"), C: Entry(C, "renamed away")})
    assert not v.ok
    assert v.stale_entries == [C]


def test_stale_entry_outside_a_partial_run_is_ignored():
    in_k = lambda t: ".K." in t  # noqa: E731
    v = ledger.check({A: FAILED}, {A: Entry(A, "x"), C: Entry(C, "other class")}, selected=in_k)
    assert v.ok


def test_listed_skip_is_reported_not_fatal():
    v = ledger.check({A: SKIPPED}, {A: Entry(A, "x")})
    assert v.ok
    assert v.listed_skips == [A]


def test_unlisted_skip_is_fine():
    assert ledger.check({A: SKIPPED, B: PASSED}, {}).ok


@pytest.mark.parametrize("status", [PASSED, FAILED])
def test_flaky_entry_allows_either_outcome(status):
    v = ledger.check({A: status}, {A: Entry(A, "FLAKY: depends on wall-clock rollover")})
    assert v.ok
    assert v.flaky == [A]


def test_all_passing_no_ledger_is_fine():
    assert ledger.check({A: PASSED, B: PASSED}, {}).ok


def test_parse_and_render_round_trip():
    e = {A: Entry(A, "why # with a hash"), C: Entry(C, "FLAKY: because")}
    text = ledger.render(e, (3, 11))
    assert text.startswith("# Known failures of CPython 3.11")
    assert ledger.parse(text) == e
    assert text.index(A) < text.index(C)


@pytest.mark.parametrize(
    "line",
    [
        "test.test_logging.K.test_a",  # no reason
        "test.test_logging.K.test_a  #   ",  # empty reason
        "not a test id  # reason",
        "test_a  # too short",
    ],
)
def test_parse_rejects_malformed_lines(line):
    with pytest.raises(ValueError):
        ledger.parse(line + "\n")


def test_parse_rejects_duplicates():
    with pytest.raises(ValueError):
        ledger.parse(f"{A}  # x\n{A}  # y\n")


def test_update_keeps_reasons_adds_new_and_drops_passes():
    old = {A: Entry(A, "hand-written reason"), B: Entry(B, "fixed since"),
           D: Entry(D, "FLAKY: timing")}
    outcomes = {A: FAILED, B: PASSED, C: FAILED, D: PASSED}
    details = {C: "Traceback (most recent call last):\n  ...\nAttributeError: no Filter\n"}
    new = ledger.updated(outcomes, old, details)
    assert set(new) == {A, C, D}
    assert new[A].reason == "hand-written reason"
    assert new[C].reason == "untriaged: AttributeError: no Filter"
    assert new[D].reason == "FLAKY: timing"
    assert ledger.check(outcomes, new).ok


def test_update_of_a_partial_run_keeps_other_entries():
    in_k = lambda t: ".K." in t  # noqa: E731
    old = {C: Entry(C, "other class, not run")}
    new = ledger.updated({A: FAILED}, old, {}, selected=in_k)
    assert set(new) == {A, C}


def test_default_reason_is_one_short_line():
    r = ledger.default_reason("x\n" + "E" * 500 + "\n\n")
    assert "\n" not in r and len(r) < 130 and r.startswith("untriaged: ")
    assert ledger.default_reason("") == "untriaged"


def test_ledger_path_per_minor_version():
    assert ledger.ledger_path("/r", (3, 13, 0)) == os.path.join("/r", "compat", "py313.txt")


def test_docs_merge_updates_only_its_version():
    s311 = report.render_section("py311", "3.11", {A: PASSED, B: FAILED, C: SKIPPED})
    doc = report.merge("", "py311", s311)
    s39 = report.render_section("py39", "3.9", {A: FAILED})
    doc = report.merge(doc, "py39", s39)
    assert doc.index("## Python 3.9") < doc.index("## Python 3.11")
    assert "| 3.11 | 1 | 1 | 1 |" in doc and "| 3.9 | 0 | 1 | 0 |" in doc
    s311b = report.render_section("py311", "3.11", {A: PASSED, B: PASSED, C: PASSED})
    doc2 = report.merge(doc, "py311", s311b)
    assert "| 3.11 | 3 | 0 | 0 |" in doc2
    assert s39 in doc2  # the other version's section is untouched
    assert doc2.count("## Python 3.11") == 1
    assert "| K | 2 | 0 | 0 |" in doc2


# --- the gate end to end, on one small class, against a temporary ledger ------------

CLASS = "BasicFilterTest"


def gate(tmp_path, *extra):
    return run_py(
        "-m", "cpython_tests", "--class", CLASS, "--no-docs",
        "--ledger", str(tmp_path / "ledger.txt"), "--results", str(tmp_path / "results.json"),
        *extra, cwd=ROOT, check=False, timeout=300,
    )


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gate")
    proc = gate(tmp, "--update-ledger")
    with open(tmp / "results.json") as f:
        results = json.load(f)
    return tmp, proc, results


def test_gate_last_line_and_results(first_run):
    tmp, proc, results = first_run
    last = proc.stdout.strip().splitlines()[-1]
    statuses = [t["status"] for t in results["tests"].values()]
    assert last == "%d passed, %d failed, %d skipped" % (
        statuses.count(PASSED), statuses.count(FAILED), statuses.count(SKIPPED))
    assert len(statuses) >= 3
    assert all(i.startswith(f"test.test_logging.{CLASS}.") for i in results["tests"])


def test_gate_with_regenerated_ledger_passes(first_run):
    tmp, proc, results = first_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    again = gate(tmp)
    assert again.returncode == 0, again.stdout + again.stderr


def test_gate_fails_on_unlisted_failure(tmp_path):
    # Real failures through the real path: a per-test timeout too short for any test makes
    # the worker stop each one, which the runner records as failed.
    tiny = ("--timeout", "0.01")
    listed_run = gate(tmp_path, "--update-ledger", *tiny)
    assert listed_run.returncode == 0, listed_run.stdout + listed_run.stderr
    listed = ledger.load(str(tmp_path / "ledger.txt"))
    assert listed, "every test timed out, so every test is listed"
    victim = sorted(listed)[0]
    del listed[victim]
    (tmp_path / "ledger.txt").write_text(ledger.render(listed, sys.version_info))
    out = gate(tmp_path, *tiny)
    assert out.returncode != 0
    assert f"NEW FAILURE (not in the ledger): {victim}" in out.stdout


def test_gate_fails_on_listed_pass(first_run, tmp_path):
    tmp, proc, results = first_run
    passing = sorted(i for i, t in results["tests"].items() if t["status"] == PASSED)
    if not passing:
        pytest.skip(f"nothing in {CLASS} passes yet")
    listed = ledger.load(str(tmp / "ledger.txt"))
    listed[passing[0]] = Entry(passing[0], "claimed broken")
    (tmp_path / "ledger.txt").write_text(ledger.render(listed, sys.version_info))
    out = gate(tmp_path)
    assert out.returncode != 0
    assert f"NOW PASSES (remove it from the ledger): {passing[0]}" in out.stdout


def test_gate_fails_on_stale_entry(first_run, tmp_path):
    tmp, proc, results = first_run
    listed = ledger.load(str(tmp / "ledger.txt"))
    ghost = f"test.test_logging.{CLASS}.test_no_such_test"
    listed[ghost] = Entry(ghost, "gone")
    (tmp_path / "ledger.txt").write_text(ledger.render(listed, sys.version_info))
    out = gate(tmp_path)
    assert out.returncode != 0
    assert f"STALE LEDGER ENTRY (no such test in this suite): {ghost}" in out.stdout


# --- the harness itself ----------------------------------------------------------------


def test_harness_reference_run_on_the_stdlib_passes(tmp_path):
    # With the stdlib's own logging, the harness must report the class as passing.
    out = run_py("-m", "cpython_tests", "--stdlib", "--class", CLASS,
                 "--results", str(tmp_path / "r.json"), cwd=ROOT, check=False, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    results = json.loads((tmp_path / "r.json").read_text())["tests"]
    assert results and all(t["status"] == PASSED for t in results.values())
    assert out.stdout.strip().splitlines()[-1] == f"{len(results)} passed, 0 failed, 0 skipped"


SELF_CHECK = r"""
import json, os, sys, sysconfig
sys.path.insert(0, os.path.join(%r, "cpython_tests"))
import logixde; logixde.activate()
import worker
import logging  # logixde's
clean = worker.self_check(False)
import importlib.util
path = os.path.join(sysconfig.get_paths()["stdlib"], "logging", "__init__.py")
spec = importlib.util.spec_from_file_location("smuggled_stdlib_logging", path)
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
keep = mod.getLogger("x")
dirty = worker.self_check(False)
print(json.dumps([clean, dirty]))
""" % (ROOT,)


def test_self_check_finds_stdlib_logging_objects():
    from childproc import run_json

    clean, dirty = run_json(SELF_CHECK, logixde=False)
    assert clean == []
    assert any("objects of the stdlib logging package alive" in p for p in dirty)
