#!/usr/bin/env python3
"""The logixde benchmark: logixde against the stdlib (and picologging / LogXide if installed).

Each (library, scenario) runs in its own worker process, several timed windows each; the table
gives median ns per call and the speed-up over the stdlib measured in the same run. Every
window's sink is checked for every record, and every library's output bytes are compared with
the stdlib's (clock frozen identically). See docs/performance.md for the method and results.

    python scripts/bench.py                          # this interpreter, all scenarios
    python scripts/bench.py --quick                  # < 1 minute per interpreter
    python scripts/bench.py --python .venv/bin/python --python .tox/py39/bin/python
    python scripts/bench.py --venv /usr/bin/python3.12  # make .venv-bench-3.12.x with logixde, run it
    python scripts/bench.py --scenarios info,asctime --repeat 9
    python scripts/bench.py --profile info           # perf profile into docs/performance.md
    python scripts/bench.py --report-only            # regenerate the doc from bench-results/

The interpreter given with ``--python`` must have logixde installed (``maturin develop
--release`` in a venv, or a tox env) for logixde's column; ``--venv BASE_PYTHON`` makes such a
venv (``.venv-bench-<version>``, with picologging and logxide when they install) and uses it.
The stdlib always runs. This script
itself runs on any Python 3.9+ and imports no logging library.
"""

import argparse
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from bench import libraries, report, runner  # noqa: E402
from bench import scenarios as scenario_defs  # noqa: E402

DEFAULT_RESULTS = os.path.join(ROOT, "bench-results")
DEFAULT_DOC = os.path.join(ROOT, "docs", "performance.md")


def parse_args(argv):
    names = [s.name for s in scenario_defs.SCENARIOS]
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--python",
        action="append",
        metavar="PATH",
        help="interpreter to benchmark (repeatable; default: the one running this script)",
    )
    p.add_argument(
        "--venv",
        action="append",
        metavar="PATH",
        help="base interpreter: create/update .venv-bench-<version> with logixde built "
        "(maturin develop --release) and the peers, then benchmark that venv's python (repeatable)",
    )
    p.add_argument("--no-build", action="store_true", help="with --venv: do not rebuild logixde")
    p.add_argument("--scenarios", help="comma-separated subset of: " + ", ".join(names))
    p.add_argument("--libs", default=",".join(libraries.NAMES), help="default: %(default)s")
    p.add_argument("--repeat", type=int, help="timed windows per worker (default 5, quick 3)")
    p.add_argument("--rounds", type=int, help="workers per (library, scenario), interleaved (default 2, quick 1)")
    p.add_argument("--target", type=float, help="seconds per timed window (default 0.1, quick 0.03)")
    p.add_argument("--quick", action="store_true", help="a short run (< 1 minute per interpreter)")
    p.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: the worker process's CPU time (default; robust when other processes load the "
        "machine); wall: elapsed time. The threads scenario always uses wall time.",
    )
    p.add_argument("--no-gc", action="store_true", help="disable the garbage collector in timed windows")
    p.add_argument("--results", default=DEFAULT_RESULTS, help="JSON output directory (default: bench-results/)")
    p.add_argument("--doc", default=DEFAULT_DOC, help="Markdown page to regenerate (default: docs/performance.md)")
    p.add_argument(
        "--write-doc",
        choices=("auto", "yes", "no"),
        default="auto",
        help="regenerate --doc: auto = yes for a full run of all scenarios, no for --quick or a subset",
    )
    p.add_argument("--report-only", action="store_true", help="regenerate the doc from --results JSON, run nothing")
    p.add_argument("--profile", metavar="SCENARIO", help="profile one scenario and write the top entries into the doc")
    p.add_argument(
        "--profile-lib",
        default="stdlib,logixde",
        help="comma-separated libraries to profile, one block each (default: %(default)s)",
    )
    p.add_argument("--profiler", choices=("perf", "callgrind"), help="default: perf if present, else callgrind")
    p.add_argument("--profile-seconds", type=float, default=5.0, help="perf: seconds sampled (default 5)")
    p.add_argument("--profile-calls", type=int, default=20000, help="callgrind: calls run (default 20000)")
    args = p.parse_args(argv)
    args.scenario_names = args.scenarios.split(",") if args.scenarios else names
    unknown = [n for n in args.scenario_names if n not in names]
    if unknown:
        p.error("unknown scenario(s) %s; known: %s" % (", ".join(unknown), ", ".join(names)))
    args.libs = args.libs.split(",")
    bad = [lib for lib in args.libs if lib not in libraries.NAMES]
    if bad or "stdlib" not in args.libs:
        p.error("--libs must include stdlib and only: " + ", ".join(libraries.NAMES))
    args.libs = [lib for lib in libraries.NAMES if lib in args.libs]
    args.repeat = args.repeat or (3 if args.quick else 5)
    args.rounds = args.rounds or (1 if args.quick else 2)
    args.target = args.target or (0.03 if args.quick else 0.1)
    if not args.python and not args.venv:
        args.python = [sys.executable]
    args.python = args.python or []
    return args


def main(argv):
    args = parse_args(argv)
    if args.venv:
        from bench import venvs

        args.python += [venvs.ensure(base, ROOT, build=not args.no_build) for base in args.venv]
    if args.profile:
        return do_profile(args)
    if args.report_only:
        paths = sorted(glob.glob(os.path.join(args.results, "*.json")))
        if not paths:
            raise SystemExit("no results in %s" % args.results)
        documents = report.load_json(paths)
        print("wrote", report.write_docs(documents, args.doc))
        return 0
    cfg = runner.Config(
        repeat=args.repeat,
        target=args.target,
        rounds=args.rounds,
        libs=args.libs,
        scenario_names=args.scenario_names,
        nogc=args.no_gc,
        clock=args.clock,
    )
    documents = runner.run_all(args.python, cfg, argv)
    for doc in documents:
        path = report.write_json(args.results, doc)
        print()
        print(report.text_table(doc))
        print("(JSON: %s)" % os.path.relpath(path))
    full = not args.quick and not args.scenarios
    if args.write_doc == "yes" or (args.write_doc == "auto" and full):
        print("wrote", report.write_docs(documents, args.doc))
    return 0


def do_profile(args):
    from bench import profiling

    if args.profile not in scenario_defs.by_name():
        raise SystemExit("unknown scenario %r" % args.profile)
    profiler = args.profiler or profiling.available_profiler()
    if profiler is None:
        raise SystemExit("neither perf nor valgrind is installed")
    blocks = []
    for lib in args.profile_lib.split(","):
        block, _ = profiling.profile(
            args.python[0], args.profile, lib, profiler, args.results,
            seconds=args.profile_seconds, calls=args.profile_calls,
        )
        blocks.append("### `%s` on %s\n\n%s" % (args.profile, lib, block))
    block = "\n\n".join(blocks)
    print(block)
    paths = sorted(glob.glob(os.path.join(args.results, "*.json")))
    if paths:
        print("wrote", report.write_docs(report.load_json(paths), args.doc, profile_text=block))
    else:
        print("(no results in %s yet: run the benchmark, then --profile again to put this in the doc)" % args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
