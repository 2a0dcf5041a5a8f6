"""The gate: CPython's own test_logging run against logixde (see run.py, README.md)."""
