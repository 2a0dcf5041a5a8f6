"""The ledger: compat/pyXY.txt lists the suite tests known to fail under logixde.

Format, one entry a line::

    test.test_logging.BasicFilterTest.test_filter  # one-line reason
    test.test_logging.X.test_y  # FLAKY: why this test cannot be made deterministic

Blank lines and lines starting with ``#`` are comments. A ``FLAKY:`` reason marks a test
whose outcome is allowed either way (use sparingly, with a justification).

The ratchet (``check``): the gate fails on a failing test that the ledger does not list,
on a listed test that now passes (remove it: the ledger only shrinks), and on a listed
test that the suite no longer has.

This module is pure logic on plain data (no logging, no subprocesses), so
tests/test_gate_ledger.py tests it on synthetic results.
"""

import os

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
FLAKY_PREFIX = "FLAKY:"
DEFAULT_REASON = "untriaged"

HEADER = """\
# Known failures of CPython {version}'s test_logging under logixde: `test_id  # reason`.
# The gate (python -m cpython_tests) fails on a failure not listed here and on a listed
# test that passes, so this file only shrinks. A reason starting with "FLAKY:" allows
# either outcome (justify it). Regenerate with: python -m cpython_tests --update-ledger
"""


class Entry:
    __slots__ = ("test_id", "reason")

    def __init__(self, test_id, reason):
        self.test_id = test_id
        self.reason = reason

    @property
    def flaky(self):
        return self.reason.startswith(FLAKY_PREFIX)

    def __eq__(self, other):
        return isinstance(other, Entry) and (self.test_id, self.reason) == (other.test_id, other.reason)

    def __repr__(self):
        return f"Entry({self.test_id!r}, {self.reason!r})"


def ledger_path(root, version):
    """compat/py311.txt for version (3, 11)."""
    return os.path.join(root, "compat", "py%d%d.txt" % tuple(version[:2]))


def parse(text):
    """{test_id: Entry} from the ledger's text; raises ValueError on a malformed line."""
    entries = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        test_id, sep, reason = line.partition("#")
        test_id = test_id.strip()
        reason = reason.strip()
        if not sep or not reason:
            raise ValueError(f"ledger line {lineno}: missing '# reason': {raw!r}")
        if " " in test_id or test_id.count(".") < 3:
            raise ValueError(f"ledger line {lineno}: not a test id: {test_id!r}")
        if test_id in entries:
            raise ValueError(f"ledger line {lineno}: duplicate entry {test_id}")
        entries[test_id] = Entry(test_id, reason)
    return entries


def load(path):
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return parse(f.read())


def render(entries, version):
    """The ledger file's text: header, then entries sorted by test id."""
    lines = [HEADER.format(version="%d.%d" % tuple(version[:2]))]
    for test_id in sorted(entries):
        lines.append(f"{test_id}  # {entries[test_id].reason}")
    return "\n".join(lines) + "\n"


class Verdict:
    """What the ratchet found; ``ok`` is False when the gate must fail."""

    def __init__(self):
        self.unlisted_failures = []  # failing, not in the ledger
        self.listed_passes = []  # in the ledger (not FLAKY), passing now
        self.stale_entries = []  # in the ledger, unknown to the suite
        self.listed_skips = []  # in the ledger, skipped now (reported, not fatal)
        self.expected_failures = []  # failing and listed
        self.flaky = []  # FLAKY entries, whatever they did

    @property
    def ok(self):
        return not (self.unlisted_failures or self.listed_passes or self.stale_entries)

    def problems(self):
        out = []
        for t in self.unlisted_failures:
            out.append(f"NEW FAILURE (not in the ledger): {t}")
        for t in self.listed_passes:
            out.append(f"NOW PASSES (remove it from the ledger): {t}")
        for t in self.stale_entries:
            out.append(f"STALE LEDGER ENTRY (no such test in this suite): {t}")
        return out


def check(outcomes, entries, selected=None):
    """Compare ``{test_id: status}`` with the ledger ``{test_id: Entry}``.

    ``selected``: when only part of the suite ran (developer runs with --class), a
    predicate telling which test ids were meant to run; entries outside it are ignored.
    """
    v = Verdict()
    for test_id in sorted(outcomes):
        status = outcomes[test_id]
        entry = entries.get(test_id)
        if entry is not None and entry.flaky:
            v.flaky.append(test_id)
        elif status == FAILED:
            (v.expected_failures if entry is not None else v.unlisted_failures).append(test_id)
        elif status == PASSED and entry is not None:
            v.listed_passes.append(test_id)
        elif status == SKIPPED and entry is not None:
            v.listed_skips.append(test_id)
    for test_id in sorted(entries):
        if test_id not in outcomes and (selected is None or selected(test_id)):
            v.stale_entries.append(test_id)
    return v


def updated(outcomes, entries, details=None, selected=None):
    """The ledger after a run: every failing test listed, passing and skipped ones dropped.

    Existing reasons are kept; a new entry gets ``untriaged: <last line of its error>``.
    FLAKY entries are kept as they are. Entries outside ``selected`` are kept unchanged.
    """
    details = details or {}
    new = {}
    for test_id, entry in entries.items():
        if entry.flaky or (selected is not None and not selected(test_id)):
            new[test_id] = entry
        elif outcomes.get(test_id) == FAILED:
            new[test_id] = entry
    for test_id, status in outcomes.items():
        if status == FAILED and test_id not in new:
            new[test_id] = Entry(test_id, default_reason(details.get(test_id, "")))
    return new


def default_reason(detail):
    """``untriaged: <the error's last non-blank line>``, on one line, at most ~120 chars."""
    last = ""
    for line in (detail or "").splitlines():
        if line.strip():
            last = line.strip()
    if len(last) > 110:
        last = last[:107] + "..."
    return f"{DEFAULT_REASON}: {last}" if last else DEFAULT_REASON
