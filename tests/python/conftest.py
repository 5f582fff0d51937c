"""Shared helpers of the Python tests: the reference cases in tests/data and the CLI binary.

CTest sets PYTHONPATH to the build tree's python/ folder and VARSPHERE_CLI to the varsphere
program, so the bindings are compared with the same C++ code run through the command line.
"""

import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"


def _numbers(name):
    return np.loadtxt(DATA / name, dtype=float, ndmin=1)


def read_mat(name):
    v = _numbers(name)
    rows, cols = int(v[0]), int(v[1])
    return v[2:].reshape(rows, cols)


def read_series(name):
    v = _numbers(name)
    return v[1:1 + int(v[0])]


def read_traj(name):
    v = _numbers(name)
    m, n, d = int(v[0]), int(v[1]), int(v[2])
    block = v[3:].reshape(m, 1 + n * d)
    return block[:, 0], block[:, 1:].reshape(m, n, d)


@pytest.fixture(scope="session")
def cli():
    """Runs `varsphere ARGS` and returns the completed process (the test checks the exit)."""
    program = os.environ.get("VARSPHERE_CLI")
    if not program:
        pytest.skip("VARSPHERE_CLI is not set (run through ctest)")

    def run(command, *args, check=True):
        return subprocess.run([program, command, "--quiet", *map(str, args)],
                              capture_output=True, text=True, check=check)

    return run


def read_json(path):
    with open(path) as f:
        return json.load(f)
