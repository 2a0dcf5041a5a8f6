"""``python -m logixde script.py [args]``, ``python -m logixde -m module [args]`` or
``python -m logixde -c command [args]``.

Runs a program with logixde as its ``logging`` from its first line; child processes
inherit the activation through the LOGIXDE environment variable.

Where the wheel's start-up hook (logixde_activate.pth) is installed, the interpreter is
re-executed with LOGIXDE=1 and the same flags and arguments, so the program runs exactly
as ``python script.py`` would — same ``sys.argv``, ``__main__`` and call stack (which
shows in tracebacks and ``stack_info``). Otherwise (an editable install) the program runs
here through runpy.
"""

import os
import runpy
import sys
import types

from logixde._activation import ENV_VAR, activate

USAGE = "usage: python -m logixde (script.py | -m module | -c command) [args ...]"

#: The start-up hook the wheel installs at the root of site-packages.
PTH_FILE = "logixde_activate.pth"


def _startup_hook_installed():
    """True when logixde_activate.pth sits in a site directory this interpreter processes.

    An editable install imports logixde from the source tree, whose copy of the file is
    never read at start-up: there, unless the hook was installed by hand, the program must
    run here rather than in a re-executed child.
    """
    import site

    site_dirs = list(site.getsitepackages()) if hasattr(site, "getsitepackages") else []
    if site.ENABLE_USER_SITE:
        site_dirs.append(site.getusersitepackages())
    return any(os.path.exists(os.path.join(d, PTH_FILE)) for d in site_dirs)


def _reexec(argv):
    import subprocess

    os.environ[ENV_VAR] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    # The interpreter's own options (-W, -X, -O, …) carry over to the new process.
    flags = subprocess._args_from_interpreter_flags()
    os.execv(sys.executable, [sys.executable, *flags, *argv])


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    if argv[0] in ("-c", "-m") and len(argv) < 2:
        print(USAGE, file=sys.stderr)
        return 2
    if _startup_hook_installed() and hasattr(os, "execv"):
        _reexec(argv)
    activate()
    if argv[0] == "-c":
        sys.argv = ["-c"] + argv[2:]
        sys.path[0] = ""
        main_module = types.ModuleType("__main__")
        sys.modules["__main__"] = main_module
        exec(compile(argv[1], "<string>", "exec"), main_module.__dict__)
    elif argv[0] == "-m":
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv[:]
        sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))
        runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
