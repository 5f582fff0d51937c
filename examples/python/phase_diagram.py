#!/usr/bin/env python3
"""Clustering phase diagram of self-attention on S^{d-1} over (β, t), in a few lines of varsphere.

For each β and each of many random starts, integrate the SA flow (A = V = I) and record at every
saved time the fraction of token pairs with <x_i, x_j> > 0.999 (GLPR's phase-diagram quantity);
the heat map shows its mean over the starts. Run with the build tree on the path:

    PYTHONPATH=build/python /usr/bin/python3 examples/python/phase_diagram.py --out phase.png
"""

import argparse
import time

import numpy as np

import varsphere as vs


def clustered_fraction(X, threshold=0.999):
    """Fraction of pairs i < j with <x_i, x_j> > threshold, per frame of X (m, n, d)."""
    G = np.einsum("kid,kjd->kij", X, X)
    n = X.shape[1]
    upper = np.triu_indices(n, 1)
    return (G[:, upper[0], upper[1]] > threshold).mean(axis=1)


def phase_diagram(betas, seeds, n=32, d=3, T=30.0, dt=0.05, save_every=10):
    """Mean clustered fraction, shape (len(betas), frames), and the saved times."""
    rows = []
    for beta in betas:
        model = vs.Attention(d, beta=beta)
        runs = [vs.flow(model, vs.random_point(d, n, seed=s), T, dt=dt, save_every=save_every)
                for s in seeds]
        rows.append(np.mean([clustered_fraction(r.X) for r in runs], axis=0))
    return np.array(rows), runs[0].times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--betas", type=int, default=10, help="number of β values in [0.5, 9.5]")
    parser.add_argument("--seeds", type=int, default=16, help="random starts per β")
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--d", type=int, default=3)
    parser.add_argument("--T", type=float, default=30.0)
    parser.add_argument("--out", default="phase_diagram.png", help="figure (.png, .pdf, .svg)")
    args = parser.parse_args()

    betas = np.linspace(0.5, 9.5, args.betas)
    start = time.perf_counter()
    fraction, times = phase_diagram(betas, range(args.seeds), n=args.n, d=args.d, T=args.T)
    seconds = time.perf_counter() - start
    print(f"phase diagram: {len(betas)} beta x {args.seeds} seeds, n = {args.n}, d = {args.d}, "
          f"T = {args.T}: {seconds:.2f} s ({1e3 * seconds / (len(betas) * args.seeds):.1f} ms per run)")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    mesh = ax.pcolormesh(times, betas, fraction, shading="nearest", vmin=0, vmax=1, cmap="magma")
    fig.colorbar(mesh, ax=ax, label="fraction of pairs with <x_i, x_j> > 0.999")
    ax.set_xlabel("t")
    ax.set_ylabel("β")
    ax.set_title(f"SA on S^{args.d - 1}, n = {args.n}, {args.seeds} starts per β")
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
