"""Helpers of ``scripts/bench.py``, the logixde benchmark.

One file per concern:

- ``scenarios``: what is measured (configuration, the timed statement, the sink and its check);
- ``libraries``: how each library is loaded in a worker (stdlib, logixde, picologging, logxide);
- ``worker``: the subprocess that sets up one (library, scenario) and times or dumps it;
- ``runner``: runs the workers, interleaved, and compares outputs with the stdlib's;
- ``report``: JSON, the printed table and ``docs/performance.md``;
- ``svg``: the chart, a self-contained SVG written without extra dependencies;
- ``profiling``: ``--profile SCENARIO`` under ``perf`` (or callgrind);
- ``venvs``: ``--venv PYTHON``, a benchmark venv with logixde built in release mode and the peers.

``worker``, ``scenarios`` and ``libraries`` run inside the measured interpreter (3.9+), import
nothing from the rest of this package, and never import ``logging`` before the library under
test has been chosen.
"""
