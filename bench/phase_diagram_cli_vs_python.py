#!/usr/bin/env python3
"""The phase-diagram study (10 β × 16 seeds, n = 32, d = 3, T = 30) through the command line with
CSV/HDF5 files, as a user without the module does it, and in-process through varsphere.flow
(examples/python/phase_diagram.py), side by side in one run; all must give the same diagram.

Two ways through the command line: a shell pipeline per run (python3 + numpy writes x0.csv,
`varsphere flow` writes run.h5, python3 + h5py reads it: the new user's seven steps), and one
Python driver that calls `varsphere flow` per run and reads the files in-process (the best case
for the command line).

    PYTHONPATH=build/python /usr/bin/python3 bench/phase_diagram_cli_vs_python.py build/varsphere
"""

import importlib.util
import pathlib
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

import varsphere as vs

ROOT = pathlib.Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("phase_diagram", ROOT / "examples/python/phase_diagram.py")
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)

BETAS = np.linspace(0.5, 9.5, 10)
SEEDS = range(16)
N, D, T, DT, SAVE = 32, 3, 30.0, 0.05, 10


def through_cli(program):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for beta in BETAS:
            fractions = []
            for s in SEEDS:
                x0, out = tmp / "x0.csv", tmp / "run.h5"
                vs.save_points(x0, vs.random_point(D, N, seed=s))
                subprocess.run([program, "flow", "--quiet", "--x0", x0, "--T", str(T),
                                "--beta", repr(float(beta)), "--dt", str(DT), "--save-every",
                                str(SAVE), "--out", out], check=True)
                with h5py.File(out, "r") as f:
                    fractions.append(example.clustered_fraction(f["X"][...]))
            rows.append(np.mean(fractions, axis=0))
    return np.array(rows)


WRITE = ("import sys, numpy as np; sys.path[:0] = [{path!r}]; import varsphere as vs; "
         "vs.save_points(sys.argv[1], vs.random_point({d}, {n}, seed=int(sys.argv[2])))")
READ = ("import sys, h5py, numpy as np; X = h5py.File(sys.argv[1], 'r')['X'][...]; "
        "G = np.einsum('kid,kjd->kij', X, X); i, j = np.triu_indices(X.shape[1], 1); "
        "np.savetxt(sys.stdout, (G[:, i, j] > 0.999).mean(axis=1))")


def through_shell(program):
    path = str(pathlib.Path(vs.__file__).parent.parent)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        x0, out = tmp / "x0.csv", tmp / "run.h5"
        for beta in BETAS:
            fractions = []
            for s in SEEDS:
                subprocess.run([sys.executable, "-c", WRITE.format(path=path, d=D, n=N), x0,
                                str(s)], check=True)
                subprocess.run([program, "flow", "--quiet", "--x0", x0, "--T", str(T),
                                "--beta", repr(float(beta)), "--dt", str(DT), "--save-every",
                                str(SAVE), "--out", out], check=True)
                text = subprocess.run([sys.executable, "-c", READ, out], check=True,
                                      capture_output=True, text=True).stdout
                fractions.append(np.array(text.split(), dtype=float))
            rows.append(np.mean(fractions, axis=0))
    return np.array(rows)


def main():
    program = sys.argv[1]
    start = time.perf_counter()
    shell = through_shell(program)
    shell_seconds = time.perf_counter() - start
    start = time.perf_counter()
    cli = through_cli(program)
    cli_seconds = time.perf_counter() - start
    start = time.perf_counter()
    py, _ = example.phase_diagram(BETAS, SEEDS, n=N, d=D, T=T, dt=DT, save_every=SAVE)
    py_seconds = time.perf_counter() - start
    runs = len(BETAS) * len(SEEDS)
    for name, seconds in [("shell pipeline per run", shell_seconds),
                          ("CLI from one driver", cli_seconds), ("Python module", py_seconds)]:
        print(f"{name:24} {seconds:7.2f} s ({1e3 * seconds / runs:6.1f} ms per run, "
              f"{seconds / py_seconds:4.1f}x the module's time)")
    print(f"largest difference of the diagrams: {max(np.abs(cli - py).max(), np.abs(shell - py).max()):.1e}")


if __name__ == "__main__":
    main()
