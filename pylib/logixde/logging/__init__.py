"""Logging package for Python (logixde: placeholder until the core lands)."""
from logixde import _core  # noqa: F401
