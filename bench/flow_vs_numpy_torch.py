#!/usr/bin/env python3
"""Whole-process `varsphere flow` against the published numpy scheme and PyTorch (issue 17).

The same study three ways, medians of repeated runs in one session: SA with Q = K = V = I,
beta = 1, n = 4096 tokens in d = 64, 20 steps of the authors' Euler scheme
x_i <- normalize(x_i + dt * sum_j softmax_j(beta <x_i, x_j>) x_j), dt = 0.1.

  * varsphere: `varsphere flow --scheme euler-renormalize` as a process (reading the CSV start,
    writing the JSON summary with energies and cluster counts), double and --precision single;
  * numpy with Debian's OpenBLAS (pthread build), in a subprocess whose OPENBLAS_CORETYPE and
    OPENBLAS_L2_SIZE are unset; threadpoolctl reports the library, its kernel and thread count;
  * PyTorch CPU (Debian python3-torch) with 2 threads, float64 and float32.

    /usr/bin/python3 bench/flow_vs_numpy_torch.py build-bench/varsphere [--n 4096 --d 64]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

NUMPY_SCRIPT = r"""
import json, sys, time
import numpy as np
from threadpoolctl import threadpool_info
n, d, steps, dt, beta, repeats = map(float, sys.argv[1:7])
n, d, steps, repeats = int(n), int(d), int(steps), int(repeats)
X0 = np.loadtxt(sys.argv[7], delimiter=",")
times = []
for _ in range(repeats):
    start = time.perf_counter()
    X = X0.copy()
    for _ in range(steps):
        S = beta * (X @ X.T)
        S -= S.max(axis=1, keepdims=True)
        W = np.exp(S)
        W /= W.sum(axis=1, keepdims=True)
        X = X + dt * (W @ X)
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    times.append(time.perf_counter() - start)
info = [{k: p.get(k) for k in ("internal_api", "architecture", "num_threads", "filepath")}
        for p in threadpool_info() if p.get("user_api") == "blas"]
print(json.dumps({"times": times, "blas": info, "final": X[:2].tolist()}))
"""

TORCH_SCRIPT = r"""
import json, sys, time
import numpy as np
import torch
torch.set_num_threads(2)
n, d, steps, dt, beta, repeats = map(float, sys.argv[1:7])
n, d, steps, repeats = int(n), int(d), int(steps), int(repeats)
out = {}
for name, dtype in (("float64", torch.float64), ("float32", torch.float32)):
    X0 = torch.from_numpy(np.loadtxt(sys.argv[7], delimiter=",")).to(dtype)
    times = []
    with torch.no_grad():
        for _ in range(repeats):
            start = time.perf_counter()
            X = X0.clone()
            for _ in range(steps):
                W = torch.softmax(beta * (X @ X.T), dim=1)
                X = X + dt * (W @ X)
                X = X / X.norm(dim=1, keepdim=True)
            times.append(time.perf_counter() - start)
    out[name] = {"times": times, "final": X[:2].double().tolist()}
out["threads"] = torch.get_num_threads()
out["version"] = torch.__version__
print(json.dumps(out))
"""


def run_varsphere(program, x0, args, repeats, extra):
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([program, "flow", "--quiet", "--x0", x0, "--T", str(args.steps * args.dt),
                            "--dt", str(args.dt), "--scheme", "euler-renormalize", "--beta",
                            str(args.beta), "--json", os.path.join(tmp, "s.json"), *extra],
                           check=True)
            times.append(time.perf_counter() - start)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("varsphere")
    parser.add_argument("--n", type=int, default=4096)
    parser.add_argument("--d", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--dt", type=float, default=0.1)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    X0 = rng.standard_normal((args.n, args.d))
    X0 /= np.linalg.norm(X0, axis=1, keepdims=True)
    with tempfile.TemporaryDirectory() as tmp:
        x0 = os.path.join(tmp, "x0.csv")
        np.savetxt(x0, X0, delimiter=",", fmt="%.17g")
        common = [str(v) for v in (args.n, args.d, args.steps, args.dt, args.beta, args.repeats)]
        env = {k: v for k, v in os.environ.items()
               if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        rows = {}
        rows["varsphere double"] = run_varsphere(args.varsphere, x0, args, args.repeats, [])
        rows["varsphere single"] = run_varsphere(args.varsphere, x0, args, args.repeats,
                                                 ["--precision", "single"])
        numpy_out = json.loads(subprocess.run([sys.executable, "-c", NUMPY_SCRIPT, *common, x0],
                                              env=env, capture_output=True, text=True,
                                              check=True).stdout)
        rows["numpy float64 (process work only)"] = numpy_out["times"]
        try:
            torch_out = json.loads(subprocess.run([sys.executable, "-c", TORCH_SCRIPT, *common, x0],
                                                  env=env, capture_output=True, text=True,
                                                  check=True).stdout)
            rows["torch float64"] = torch_out["float64"]["times"]
            rows["torch float32"] = torch_out["float32"]["times"]
            print(f"torch {torch_out['version']}, {torch_out['threads']} threads")
        except (subprocess.CalledProcessError, json.JSONDecodeError) as e:
            print("torch: not available:", e)
    print("numpy BLAS:", numpy_out["blas"])
    base = statistics.median(rows["varsphere double"])
    single = statistics.median(rows["varsphere single"])
    print(f"n = {args.n}, d = {args.d}, {args.steps} steps; medians of {args.repeats} runs")
    for name, times in rows.items():
        m = statistics.median(times)
        ref = single if "float32" in name else base
        print(f"  {name:36s} {m:8.3f} s   ratio to varsphere {'single' if 'float32' in name else 'double'}: {m / ref:5.2f}")


if __name__ == "__main__":
    main()
