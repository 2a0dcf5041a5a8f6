"""Activation: make logixde the process's ``logging``.

A meta-path finder placed first on ``sys.meta_path`` answers ``import logging`` with
logixde's facade package, loaded under the name ``logging`` itself, so its submodules
(``logging.handlers``, ``logging.config``) are found through its ``__path__`` and every
module and class presents itself as the stdlib's. ``logixde.logging[.X]`` is an alias of
``logging[.X]``: one module object, never two.

Activation is lazy: it imports nothing but installs the finder, so a program that never
imports ``logging`` never pays for it (and a test may patch ``time.time_ns`` before the
first ``import logging``).
"""

import os
import sys

_FACADE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logging")
_ALIAS_PREFIX = "logixde."

#: Environment variable that activates logixde at interpreter start-up (via logixde.pth).
ENV_VAR = "LOGIXDE"


def _is_facade_name(fullname):
    return fullname == "logging" or fullname.startswith("logging.")


class _AliasLoader:
    """Loads ``logixde.logging[.X]`` as the very module object ``logging[.X]``."""

    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        import importlib

        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class LogixdeFinder:
    """Meta-path finder that serves ``logging`` from logixde's facade package."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "logging":
            # importlib.util's own spec_from_file_location, without importing importlib
            # (which `import logging` does not import).
            from _frozen_importlib_external import spec_from_file_location

            return spec_from_file_location(
                "logging",
                os.path.join(_FACADE_DIR, "__init__.py"),
                submodule_search_locations=[_FACADE_DIR],
            )
        if fullname.startswith(_ALIAS_PREFIX) and _is_facade_name(fullname[len(_ALIAS_PREFIX):]):
            from _frozen_importlib import ModuleSpec

            return ModuleSpec(fullname, _AliasLoader(fullname[len(_ALIAS_PREFIX):]))
        # logging.handlers / logging.config resolve through the facade's __path__.
        return None

    def invalidate_caches(self):
        pass


def _installed_finder():
    for finder in sys.meta_path:
        if isinstance(finder, LogixdeFinder):
            return finder
    return None


def _is_logixde_module(module):
    return getattr(module, "__file__", None) is not None and os.path.dirname(
        os.path.abspath(module.__file__)
    ) == _FACADE_DIR


def stdlib_logging_was_imported():
    """True when the stdlib's ``logging`` is in ``sys.modules`` instead of logixde's."""
    module = sys.modules.get("logging")
    return module is not None and not _is_logixde_module(module)


def activate(*, environ=True):
    """Make logixde the process's ``logging``; idempotent.

    With ``environ`` (the default) ``LOGIXDE=1`` is also set, so child processes
    (subprocess, multiprocessing spawn/forkserver) activate it too through logixde.pth.

    When the stdlib's ``logging`` was imported first (pytest imports it before any test
    module), logixde takes over ``sys.modules`` and bridges the stdlib's module and its
    existing loggers into logixde, so the process still has one logging system; see
    ``logixde._bridge``.
    """
    if _installed_finder() is None:
        sys.meta_path.insert(0, LogixdeFinder())
    if environ:
        os.environ[ENV_VAR] = "1"
    if stdlib_logging_was_imported():
        from logixde import _bridge

        _bridge.take_over(sys.modules)


def is_active():
    """True when ``sys.modules['logging']`` is logixde's (or will be on first import)."""
    module = sys.modules.get("logging")
    if module is None:
        return _installed_finder() is not None
    return _is_logixde_module(module)


def activate_from_environment():
    """Called from logixde.pth at start-up: activate when LOGIXDE is set and not "0"."""
    if os.environ.get(ENV_VAR, "") not in ("", "0"):
        activate(environ=False)
