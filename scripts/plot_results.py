#!/usr/bin/python3
"""Pictures of a varsphere run, and a short summary of what they show.

    plot_results.py OUT
    plot_results.py sweep RESULTS.h5 --out FIGURE.png [--observable pair_fraction] [--time T]

The first form reads what `varsphere compare --json OUT/compare.json --plot OUT/compare` and
`varsphere reproduce --json OUT/reproduce.json` wrote (either may be missing) and writes PNGs into OUT:

  sphere_paths.png   tokens on the sphere (d = 3) with the flow trajectories and the optimal path
  distance.png       distance between the optimal path and the flow over time
  energy.png         energy of the flow and of the path; dE/dt and the dissipation |F|^2_g
  convergence.png    error against K on log-log axes with the fitted order, one panel per row
  reproduce_*.png    the other series of the reproductions (decay rates, limits, staircase)

The second draws a sweep (docs/sweeps.md; needs python3-h5py): with one grid axis, a heat map of
the observable's mean over (axis, t) and its curves over t with standard-error bands; with two or
more axes, a heat map over the first two at time --time (default: the last) and curves over the
first axis, one per value of the second, with error bands.

Uses Debian's python3-numpy and python3-matplotlib only (and python3-h5py for sweeps).
"""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def fail(message):
    print(f"plot_results: error: {message}", file=sys.stderr)
    sys.exit(1)


def read_trajectory(path):
    """CSV `t,token,x1..xd` -> (times[m], X[m, n, d])."""
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    times = np.unique(data[:, 0])
    n = len(np.unique(data[:, 1]))
    d = data.shape[1] - 2
    if data.shape[0] != len(times) * n:
        fail(f"{path}: {data.shape[0]} rows are not {len(times)} frames of {n} tokens")
    return times, data[:, 2:].reshape(len(times), n, d)


def save(fig, out, name, written):
    path = os.path.join(out, name)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    written.append(path)


def plot_compare(out, written, summary_lines):
    folder = os.path.join(out, "compare")
    needed = [os.path.join(folder, f) for f in ("flow.csv", "path.csv", "comparison.csv")]
    if not all(os.path.exists(p) for p in needed):
        return
    t_flow, flow = read_trajectory(needed[0])
    _, path = read_trajectory(needed[1])
    table = np.genfromtxt(needed[2], delimiter=",", names=True)
    summary = {}
    json_path = os.path.join(out, "compare.json")
    if os.path.exists(json_path):
        with open(json_path) as f:
            summary = json.load(f)
    lagrangian = summary.get("lagrangian", "")
    n, d = flow.shape[1], flow.shape[2]

    if d == 3:
        fig = plt.figure(figsize=(7, 7))
        ax = fig.add_subplot(projection="3d")
        u, v = np.mgrid[0 : 2 * np.pi : 40j, 0 : np.pi : 20j]
        ax.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v),
                          color="0.85", linewidth=0.4)
        for i in range(n):
            ax.plot(*flow[:, i, :].T, color="tab:blue", linewidth=1.2,
                    label="attention flow" if i == 0 else None)
            ax.plot(*path[:, i, :].T, color="tab:orange", linestyle="--", linewidth=1.0,
                    label=f"optimal path ({lagrangian} BVP)" if i == 0 else None)
        ax.scatter(*flow[0].T, color="black", s=12, label="tokens at t = 0")
        ax.scatter(*flow[-1].T, color="tab:red", s=40, marker="*", label=f"t = {t_flow[-1]:g}")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.set_zlabel("x3")
        ax.set_box_aspect((1, 1, 1))
        ax.set_title(f"{n} tokens on S^2: flow and optimal path")
        ax.legend(loc="upper left", fontsize=8)
        save(fig, out, "sphere_paths.png", written)

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(table["t"], table["distance"], color="tab:purple")
    ax.set_xlabel("t")
    ax.set_ylabel("geodesic distance on (S^{d-1})^n")
    ax.set_title("distance between the optimal path and the flow")
    ax.grid(True, alpha=0.3)
    save(fig, out, "distance.png", written)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    top.plot(table["t"], table["energy_flow"], label="E(flow)", color="tab:blue")
    top.plot(table["t"], table["energy_path"], "--", label="E(optimal path)", color="tab:orange")
    top.axhline(math.exp(summary["beta"]) / (2 * summary["beta"]) if summary.get("beta") else
                np.nan, color="0.5", linestyle=":", label="e^beta/(2 beta): one cluster (A = I)")
    top.set_ylabel("energy E_beta")
    top.legend(fontsize=8)
    top.grid(True, alpha=0.3)
    bottom.plot(table["t"], table["dEdt_flow"], label="dE/dt along the flow", color="tab:green")
    bottom.plot(table["t"], table["dissipation_flow"], "--", label="dissipation |F|^2_g",
                color="tab:red")
    bottom.set_xlabel("t")
    bottom.set_ylabel("rate")
    bottom.legend(fontsize=8)
    bottom.grid(True, alpha=0.3)
    top.set_title("energy rises along the flow at the rate of its dissipation")
    save(fig, out, "energy.png", written)

    if summary:
        summary_lines.append(
            f"compare ({lagrangian}, n = {n}, d = {d}, T = {summary.get('T')}, K = {summary.get('K')}): "
            f"max distance optimal path - flow {summary.get('max_distance_path_to_flow', float('nan')):.2e}; "
            f"action {summary.get('action', float('nan')):.8f} vs energy gain "
            f"{summary.get('energy_gain', float('nan')):.8f}; converged {summary.get('converged')}")


def plot_reproductions(out, written, summary_lines):
    json_path = os.path.join(out, "reproduce.json")
    if not os.path.exists(json_path):
        return
    with open(json_path) as f:
        doc = json.load(f)
    rows = doc["rows"] if isinstance(doc, dict) else doc
    passed = sum(1 for r in rows if r["pass"])
    summary_lines.append(f"reproduce: {passed} of {len(rows)} rows pass "
                         f"({len({r['id'] for r in rows})} reproductions)")
    for r in rows:
        if not r["pass"]:
            summary_lines.append(f"  FAIL {r['id']}: {r['quantity']} = {r['measured']}")

    series = [r for r in rows if "series" in r]
    convergence = [r for r in series if r["series"]["x_label"] == "K"]
    others = [r for r in series if r["series"]["x_label"] != "K"]
    if convergence:
        cols = 3
        rows_n = math.ceil(len(convergence) / cols)
        fig, axes = plt.subplots(rows_n, cols, figsize=(4.2 * cols, 3.4 * rows_n), squeeze=False)
        for ax, r in zip(axes.flat, convergence):
            s = r["series"]
            K, err = np.array(s["x"]), np.array(s["y"])
            ax.loglog(K, err, "o-", label="measured")
            ref = err[0] * (K / K[0]) ** (-r["expected"])
            ax.loglog(K, ref, ":", color="0.4", label=f"slope -{r['expected']:g} (expected)")
            ax.set_title(f"{r['id']}\nfitted order {r['measured']:.3f}", fontsize=9)
            ax.set_xlabel("K (steps)")
            ax.set_ylabel(s["y_label"], fontsize=8)
            ax.legend(fontsize=7)
            ax.grid(True, which="both", alpha=0.3)
        for ax in list(axes.flat)[len(convergence):]:
            ax.set_visible(False)
        save(fig, out, "convergence.png", written)
    by_id = {}
    for r in others:
        by_id.setdefault(r["id"], []).append(r)
    for rid, group in by_id.items():
        fig, axes = plt.subplots(1, len(group), figsize=(5 * len(group), 3.8), squeeze=False)
        for ax, r in zip(axes.flat, group):
            s = r["series"]
            x, y = np.array(s["x"], dtype=float), np.array(s["y"], dtype=float)
            keep = np.ones_like(x, dtype=bool)
            if s["log_x"]:
                keep &= x > 0
            if s["log_y"]:
                keep &= y > 0
            style = "o-" if keep.sum() < 40 else "-"
            curves = s.get("curves", {})
            ax.plot(x[keep], y[keep], style, label=s["y_label"] if curves else None)
            for name, values in curves.items():
                values = np.array(values, dtype=float)
                ax.plot(x[keep], values[keep], style, label=name)
            if curves:
                ax.legend(fontsize=7)
            ax.set_xscale("log" if s["log_x"] else "linear")
            ax.set_yscale("log" if s["log_y"] else "linear")
            ax.set_xlabel(s["x_label"])
            ax.set_ylabel(s["y_label"], fontsize=8)
            ax.set_title(f"{r['quantity']}\nexpected {r['expected']:.4g}, measured {r['measured']:.4g}",
                         fontsize=8)
            ax.grid(True, which="both", alpha=0.3)
        save(fig, out, f"reproduce_{rid}.png", written)


def plot_sweep(args):
    import argparse

    parser = argparse.ArgumentParser(prog="plot_results.py sweep")
    parser.add_argument("results")
    parser.add_argument("--out", required=True)
    parser.add_argument("--observable", default="pair_fraction",
                        choices=["pair_fraction", "clusters", "energy", "min_inner_product"])
    parser.add_argument("--time", type=float, default=None)
    a = parser.parse_args(args)
    try:
        import h5py
    except ImportError:
        fail("sweep plots need python3-h5py")
    if not os.path.isfile(a.results):
        fail(f"'{a.results}' is not a file")
    try:
        f = h5py.File(a.results, "r")
    except OSError as e:
        fail(f"'{a.results}' is not an HDF5 file ({e})")
    with f:
        if "summary" not in f:
            fail(f"'{a.results}' has no summary (a part of a job array? merge it first)")
        spec = json.loads(f.attrs["spec"])
        axes = list(spec.get("grid", {}).keys())
        mean = f[f"summary/{a.observable}/mean"][...]
        err = f[f"summary/{a.observable}/stderr"][...]
        times = f["grid/times"][...]
        values = {name: f[f"grid/{name}"][...] for name in axes}
    if not axes:
        fail("the sweep has no grid axis: nothing to draw over")
    label = a.observable.replace("_", " ")
    t = times[0]
    first = np.unique(values[axes[0]])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    if len(axes) == 1:
        order = np.argsort(values[axes[0]])
        image = left.pcolormesh(t, np.arange(len(order)), mean[order], shading="nearest", cmap="viridis")
        left.set_yticks(np.arange(len(order)), [f"{v:g}" for v in values[axes[0]][order]])
        left.set_xlabel("t")
        left.set_ylabel(axes[0])
        fig.colorbar(image, ax=left, label=f"mean {label}")
        for g in order:
            right.plot(t, mean[g], label=f"{axes[0]} = {values[axes[0]][g]:g}")
            right.fill_between(t, mean[g] - err[g], mean[g] + err[g], alpha=0.25)
        right.set_xlabel("t")
    else:
        k = len(t) - 1 if a.time is None else int(np.argmin(np.abs(t - a.time)))
        second = np.unique(values[axes[1]])
        grid = np.full((len(second), len(first)), np.nan)
        for g in range(mean.shape[0]):
            i = np.searchsorted(second, values[axes[1]][g])
            j = np.searchsorted(first, values[axes[0]][g])
            grid[i, j] = mean[g, k]  # further axes: the last point wins (choose --time per slice)
        image = left.pcolormesh(np.arange(len(first)), np.arange(len(second)), grid,
                                shading="nearest", cmap="viridis")
        left.set_xticks(np.arange(len(first)), [f"{v:g}" for v in first])
        left.set_yticks(np.arange(len(second)), [f"{v:g}" for v in second])
        left.set_xlabel(axes[0])
        left.set_ylabel(axes[1])
        left.set_title(f"t = {t[k]:g}")
        fig.colorbar(image, ax=left, label=f"mean {label}")
        for v in second:
            rows = [g for g in range(mean.shape[0]) if values[axes[1]][g] == v]
            rows.sort(key=lambda g: values[axes[0]][g])
            x = [values[axes[0]][g] for g in rows]
            y = np.array([mean[g, k] for g in rows])
            e = np.array([err[g, k] for g in rows])
            right.plot(x, y, marker="o", label=f"{axes[1]} = {v:g}")
            right.fill_between(x, y - e, y + e, alpha=0.25)
        right.set_xlabel(axes[0])
    right.set_ylabel(f"mean {label} (± standard error)")
    right.legend(fontsize=7)
    right.grid(True, alpha=0.3)
    fig.suptitle(spec.get("name", os.path.basename(a.results)))
    fig.tight_layout()
    fig.savefig(a.out, dpi=130)
    plt.close(fig)
    print(f"plot: {a.out}")


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "sweep":
        plot_sweep(sys.argv[2:])
        return
    if len(sys.argv) != 2:
        fail("usage: plot_results.py OUT")
    out = sys.argv[1]
    if not os.path.isdir(out):
        fail(f"'{out}' is not a folder")
    written, summary_lines = [], []
    plot_compare(out, written, summary_lines)
    plot_reproductions(out, written, summary_lines)
    if not written:
        fail(f"nothing to plot in '{out}' (expected compare/ or reproduce.json)")
    for line in summary_lines:
        print(line)
    print("plots: " + ", ".join(os.path.basename(p) for p in written))


if __name__ == "__main__":
    main()
