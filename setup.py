"""`pip install .` for the varsphere Python module, without a network (docs/python.md).

The native module is built by the project's CMake (pybind11 from Debian), so pip needs no build
requirements from PyPI: run it with Debian's setuptools and no build isolation,

    /usr/bin/python3 -m pip install --no-build-isolation --break-system-packages .

(--break-system-packages: Debian marks its Python as externally managed; or use a venv created with
--system-site-packages, or `--target DIR`). VARSPHERE_CMAKE_BUILD_DIR reuses a configured build
tree instead of configuring one in build/pip/cmake.
"""

import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


def project_version():
    for line in (ROOT / "CMakeLists.txt").read_text().splitlines():
        if line.startswith("project(varsphere VERSION"):
            return line.split()[2]
    raise RuntimeError("no project version in CMakeLists.txt")


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = pathlib.Path(os.environ.get("VARSPHERE_CMAKE_BUILD_DIR", SCRATCH / "cmake"))
        if not (build / "CMakeCache.txt").exists():
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-G", "Ninja",
                            "-DVARSPHERE_BUILD_TESTS=OFF",
                            f"-DPython_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "varsphere_python"], check=True)
        built = build / "python" / "varsphere" / pathlib.Path(self.get_ext_filename(ext.name)).name
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)


# setuptools' own scratch (and the egg-info) under build/pip, beside the CMake tree, not in the sources.
SCRATCH = ROOT / "build" / "pip"
SCRATCH.mkdir(parents=True, exist_ok=True)

setup(
    name="varsphere",
    version=project_version(),
    description="Riemannian optimization and calculus of variations on spheres",
    packages=["varsphere"],
    package_dir={"varsphere": "python/varsphere"},
    package_data={"varsphere": ["__init__.pyi", "py.typed"]},
    ext_modules=[Extension("varsphere._varsphere", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": str(SCRATCH / "setuptools")},
             "egg_info": {"egg_base": str(SCRATCH)}},
    python_requires=">=3.9",
    install_requires=["numpy"],
)
