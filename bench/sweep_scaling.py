#!/usr/bin/env python3
"""Sweep throughput and scaling (issue 18), side by side in one run on this machine:

1. The 10 β × 16 seeds phase diagram (n = 32, d = 3, T = 30, rk4 dt = 0.05, 61 observation times)
   as a new user runs it through the command line — a shell pipeline per run (python3 + numpy
   writes the start, `varsphere flow` integrates, python3 + h5py reads the trajectory) — and as one
   Python driver calling `varsphere flow` per run (the best case for a loop of commands), against
   `varsphere sweep` with 2 workers: runs per second and speed-ups.
   Scaling on 10 β × 64 seeds (640 runs, long enough to amortize starting MPI): `sweep` with 1 and
   2 workers and under `mpirun -np 1` and `-np 2`, parallel efficiency.
2. The GLPR paper-size diagram (n = 32, d = 2, 90 β in [0, 9], 2048 starts, T = 30): a slice of
   3 β (0.1, 4.5, 9.0) × 128 starts timed with 2 workers, extrapolated to the whole and to R ranks
   (runs at large and small β cost the same: fixed steps).

    /usr/bin/python3 bench/sweep_scaling.py build/varsphere
"""

import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

program = sys.argv[1] if len(sys.argv) > 1 else "build/varsphere"
REPEATS = 3
BETAS = [float(b) for b in np.linspace(0.5, 9.5, 10)]
SPEC = {"name": "phase diagram 10 x 16", "grid": {"beta": BETAS}, "seeds": 16, "seed": 1,
        "flow": {"model": "sa", "n": 32, "d": 3, "T": 30, "dt": 0.05},
        "observe": {"frames": 61}}
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def cli_loop(tmp):
    start = time.perf_counter()
    rng = np.random.default_rng(1)
    for beta in BETAS:
        for s in range(16):
            X = rng.normal(size=(32, 3))
            X /= np.linalg.norm(X, axis=1, keepdims=True)
            np.savetxt(tmp / "x0.csv", X, delimiter=",", fmt="%.17g")
            subprocess.run([program, "flow", "--quiet", "--x0", str(tmp / "x0.csv"), "--T", "30",
                            "--beta", repr(beta), "--dt", "0.05", "--save-every", "10",
                            "--threads", "1", "--out", str(tmp / "run.h5")], check=True)
            with h5py.File(tmp / "run.h5", "r") as f:
                Y = f["X"][...]
            G = np.einsum("kid,kjd->kij", Y, Y)
            i, j = np.triu_indices(32, 1)
            _ = (G[:, i, j] > 0.999).mean(axis=1)
    return time.perf_counter() - start


WRITE = ("import sys, numpy as np; r = np.random.default_rng(int(sys.argv[2])); "
         "X = r.normal(size=(32, 3)); X /= np.linalg.norm(X, axis=1, keepdims=True); "
         "np.savetxt(sys.argv[1], X, delimiter=',', fmt='%.17g')")
READ = ("import sys, h5py, numpy as np; X = h5py.File(sys.argv[1], 'r')['X'][...]; "
        "G = np.einsum('kid,kjd->kij', X, X); i, j = np.triu_indices(X.shape[1], 1); "
        "np.savetxt(sys.stdout, (G[:, i, j] > 0.999).mean(axis=1))")


def shell_pipeline(tmp):
    start = time.perf_counter()
    for beta in BETAS:
        for s in range(16):
            subprocess.run(["/usr/bin/python3", "-c", WRITE, str(tmp / "x0.csv"), str(s)], check=True)
            subprocess.run([program, "flow", "--quiet", "--x0", str(tmp / "x0.csv"), "--T", "30",
                            "--beta", repr(beta), "--dt", "0.05", "--save-every", "10",
                            "--threads", "1", "--out", str(tmp / "run.h5")], check=True)
            subprocess.run(["/usr/bin/python3", "-c", READ, str(tmp / "run.h5")], check=True,
                           stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    (tmp / "spec.json").write_text(json.dumps(SPEC))
    out = str(tmp / "r.h5")
    runs = 160
    rows = {}
    rows["shell pipeline per run (new user)"] = [shell_pipeline(tmp) for _ in range(REPEATS)]
    rows["Python driver calling flow per run"] = [cli_loop(tmp) for _ in range(REPEATS)]
    rows["sweep --jobs 2"] = [timed([program, "sweep", str(tmp / "spec.json"), "--out", out,
                                     "--jobs", "2", "--quiet"]) for _ in range(REPEATS)]
    print(f"10 x 16 phase diagram (n = 32, d = 3, T = 30, dt = 0.05; {runs} runs), medians of {REPEATS}:")
    sweep2 = statistics.median(rows["sweep --jobs 2"])
    for name, values in rows.items():
        m = statistics.median(values)
        print(f"  {name:36s} {m:7.2f} s  {runs / m:7.1f} runs/s  sweep is {m / sweep2:5.1f}x faster")

    big = dict(SPEC, seeds=64)
    (tmp / "big.json").write_text(json.dumps(big))
    scaling = {}
    for jobs in (1, 2):
        scaling[f"sweep --jobs {jobs}"] = statistics.median(
            timed([program, "sweep", str(tmp / "big.json"), "--out", out, "--jobs", str(jobs),
                   "--quiet"]) for _ in range(REPEATS))
    for ranks in (1, 2):
        scaling[f"mpirun -np {ranks} sweep"] = statistics.median(
            timed(["mpirun", "-np", str(ranks), program, "sweep", str(tmp / "big.json"), "--out",
                   out, "--quiet"]) for _ in range(REPEATS))
    print(f"scaling, 10 x 64 (640 runs), medians of {REPEATS}:")
    for name, m in scaling.items():
        print(f"  {name:36s} {m:7.2f} s  {640 / m:7.1f} runs/s")
    t1, t2 = scaling["sweep --jobs 1"], scaling["sweep --jobs 2"]
    m1, m2 = scaling["mpirun -np 1 sweep"], scaling["mpirun -np 2 sweep"]
    print(f"  efficiency at 2 workers: threads {t1 / (2 * t2):.0%}, MPI ranks {m1 / (2 * m2):.0%}")

    slice_spec = {"grid": {"beta": [0.1, 4.5, 9.0]}, "seeds": 128, "seed": 1,
                  "flow": {"model": "sa", "n": 32, "d": 2, "T": 30, "dt": 0.1},
                  "observe": {"frames": 31}}
    (tmp / "slice.json").write_text(json.dumps(slice_spec))
    seconds = statistics.median(timed([program, "sweep", str(tmp / "slice.json"), "--out", out,
                                       "--jobs", "2", "--quiet"]) for _ in range(REPEATS))
    per_run = seconds * 2 / (3 * 128)  # core-seconds per run
    total = 90 * 2048
    print(f"GLPR paper size (90 beta x 2048 starts = {total} runs, n = 32, d = 2, T = 30, dt = 0.1):")
    print(f"  slice 3 x 128 with 2 workers: {seconds:.2f} s, {per_run * 1e3:.2f} core-ms per run")
    for cores in (2, 32, 256):
        print(f"  whole diagram on {cores:3d} cores: {total * per_run / cores / 60:7.1f} min")
