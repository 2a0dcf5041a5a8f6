"""The examples print the same bytes under logixde as under the standard library."""

import os
import subprocess
import sys

import pytest

from support import _env

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


@pytest.mark.parametrize("example", ["basic.py", "styles.py"])
def test_example_output_is_byte_identical(example):
    path = os.path.join(EXAMPLES, example)
    stdlib = subprocess.run([sys.executable, path], capture_output=True, env=_env(False), cwd=EXAMPLES)
    ours = subprocess.run([sys.executable, "-m", "logixde", path], capture_output=True, env=_env(True), cwd=EXAMPLES)
    assert stdlib.returncode == 0, stdlib.stderr.decode()
    assert ours.returncode == 0, ours.stderr.decode()
    assert stdlib.stdout  # the example prints something
    assert ours.stdout == stdlib.stdout
    assert ours.stderr == stdlib.stderr
