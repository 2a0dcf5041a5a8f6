"""logixde: Python's standard ``logging``, exactly, with its logic in Rust.

``from logixde import logging`` makes logixde the process's ``logging``: afterwards
``import logging`` (and ``logging.handlers``, ``logging.config``) anywhere gives logixde's
modules. ``python -m logixde script.py`` and ``LOGIXDE=1`` activate it with no code change.

This package stays light: importing it imports neither ``logging`` nor the native core.
"""

from logixde._activation import activate, is_active, stdlib_logging_was_imported

__all__ = ["activate", "is_active", "stdlib_logging_was_imported", "logging"]


def __getattr__(name):
    # `from logixde import logging` lands here: activate, then hand out the one module.
    if name == "logging":
        activate()
        import logging  # not importlib.import_module: importlib is not imported yet

        return logging
    raise AttributeError(f"module 'logixde' has no attribute {name!r}")
