#!/usr/bin/env python3
"""Overhead of a Python call: varsphere.flow (n = 32, d = 3, T = 10, rk4, dt = 0.01) against the
same work in-process in C++ (bench_flow_call), in one run, medians of repeated timings.

    PYTHONPATH=build-bench/python /usr/bin/python3 bench/python_flow_overhead.py build-bench/bench/bench_flow_call
"""

import json
import statistics
import subprocess
import sys
import time

import varsphere as vs


def python_median(record, repeats=41):
    X0 = vs.random_point(3, 32, seed=1)
    model = vs.Attention(3, beta=1.0)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        vs.flow(model, X0, 10.0, dt=0.01, record=record)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cpp_medians(program):
    out = subprocess.run([program, "--benchmark_format=json", "--benchmark_repetitions=9",
                          "--benchmark_report_aggregates_only=true"], capture_output=True,
                         text=True, check=True)
    medians = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            record = b["run_name"].endswith("record:1")
            medians[record] = b["real_time"] / 1e3  # ms -> s
    return medians


def main():
    cpp = cpp_medians(sys.argv[1])
    print("record   C++ in-process   Python call   extra    ratio")
    for record in (False, True):
        # Interleave: C++ figures came first, Python now; rerun C++ afterwards for drift.
        py = python_median(record)
        extra = py - cpp[record]
        print(f"{str(record):6} {1e3 * cpp[record]:12.3f} ms {1e3 * py:10.3f} ms "
              f"{1e3 * extra:7.3f} ms  {py / cpp[record]:.3f}")
    again = cpp_medians(sys.argv[1])
    print("C++ again: " + ", ".join(f"record={k}: {1e3 * v:.3f} ms" for k, v in sorted(again.items())))


if __name__ == "__main__":
    main()
