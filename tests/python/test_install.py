"""`cmake --install` and `pip install .` give an importable package (docs/python.md, "Install")."""

import os
import pathlib
import subprocess
import sys

import pytest

BUILD = os.environ.get("VARSPHERE_BUILD_DIR")
ROOT = pathlib.Path(__file__).resolve().parents[2]
CHECK = ("import varsphere, numpy, pathlib; "
         "p = pathlib.Path(varsphere.__file__).parent; "
         "assert (p / '__init__.pyi').exists() and (p / 'py.typed').exists(); "
         "assert abs(varsphere.distance(numpy.array([1.0, 0]), numpy.array([0, 1.0])) - 1.5707963267948966) < 1e-15; "
         "print(p)")


def import_from(path):
    env = dict(os.environ, PYTHONPATH=str(path))
    out = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True,
                         cwd="/")
    assert out.returncode == 0, out.stderr
    return pathlib.Path(out.stdout.strip())


@pytest.mark.skipif(not BUILD, reason="VARSPHERE_BUILD_DIR is not set (run through ctest)")
def test_cmake_install(tmp_path):
    subprocess.run(["cmake", "--install", BUILD, "--prefix", str(tmp_path)], check=True,
                   capture_output=True)
    found = list(tmp_path.glob("lib/python3*/*-packages/varsphere/__init__.py"))
    assert len(found) == 1
    assert import_from(found[0].parent.parent) == found[0].parent


@pytest.mark.skipif(not BUILD, reason="VARSPHERE_BUILD_DIR is not set (run through ctest)")
def test_pip_install_without_network(tmp_path):
    env = dict(os.environ, VARSPHERE_CMAKE_BUILD_DIR=BUILD, PIP_NO_INDEX="1")
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation",
                          "--no-deps", "--target", str(tmp_path / "site"), str(ROOT)],
                         env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert import_from(tmp_path / "site") == tmp_path / "site" / "varsphere"
