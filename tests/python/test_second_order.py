"""varsphere.second_order, BvpSolution.second_order and varsphere.path_sensitivity
(docs/math.md §3.8-3.9): closed-form spectra of discrete geodesics, the Morse index past the
conjugate point, the CLI's numbers, and dX*/dtheta against re-solved BVPs."""

import numpy as np
import pytest

import varsphere as vs
from conftest import read_json


def great_circle(X, U, length, T, K):
    """Token i moves by the angle length from x_i towards u_i (unit, orthogonal) in K steps."""
    a = np.linspace(0.0, length, K + 1)[:, None, None]
    return np.cos(a) * X[None] + np.sin(a) * U[None], np.linspace(0.0, T, K + 1)


def unit_directions(X, seed):
    U = vs.random_tangent(X, seed=seed)
    return U / np.linalg.norm(U, axis=1, keepdims=True)


def geodesic_spectrum(length, n, d, T, K):
    """Per token: (2 - 2cos(j pi/K))/h in-plane and d - 2 copies of phi/(h sin phi)(2cos phi - 2cos(j pi/K))."""
    h, phi = T / K, length / K
    c = np.cos(np.arange(1, K) * np.pi / K)
    normal = phi / (h * np.sin(phi)) * (2 * np.cos(phi) - 2 * c)
    per_token = np.concatenate([(2 - 2 * c) / h] + [normal] * (d - 2))
    return np.sort(np.tile(per_token, n))


@pytest.mark.parametrize("length", [2.0, 2 * np.pi - 1.0])
def test_certificate_of_a_discrete_geodesic(length):
    d, n, T, K = 4, 2, 1.0, 16
    X = vs.random_point(d, n, seed=11)
    path, times = great_circle(X, unit_directions(X, 12), length, T, K)
    sol = vs.bvp(X, path[-1], T, K, lagrangian="kinetic", init=path, eigenvalues=5)
    assert sol.outcome == "certified"
    c = sol.second_order
    assert c["morse_index"] == (n * (d - 2) if length > np.pi else 0)
    assert c["kind"] == ("saddle" if length > np.pi else "strict-local-minimum")
    assert c["near_zero"] == 0 and c["dimension"] == (K - 1) * n * (d - 1)
    expected = geodesic_spectrum(length, n, d, T, K)[:5]
    assert np.allclose(c["smallest_eigenvalues"], expected, rtol=1e-7, atol=0)
    # The standalone certificate of the same path is the same.
    again = vs.second_order(sol.path, sol.times, lagrangian="kinetic", eigenvalues=5)
    assert np.allclose(again["smallest_eigenvalues"], c["smallest_eigenvalues"], rtol=1e-12)
    assert vs.bvp(X, path[-1], T, K, init=path, second_order=False).second_order is None


def test_cli_reports_the_same_certificate(tmp_path, cli):
    X0 = vs.random_point(3, 5, seed=13)
    model = vs.Attention(3, beta=1.0)
    X1 = vs.flow(model, X0, 1.0, dt=0.01).final
    vs.save_points(tmp_path / "x0.csv", X0)
    vs.save_points(tmp_path / "x1.csv", X1)
    X0, X1 = vs.load_points(tmp_path / "x0.csv"), vs.load_points(tmp_path / "x1.csv")
    cli("bvp", "--x0", tmp_path / "x0.csv", "--x1", tmp_path / "x1.csv", "--T", 1, "--K", 12,
        "--lagrangian", "de-giorgi", "--json", tmp_path / "b.json", "--sensitivity", "beta",
        "--sensitivity-out", tmp_path / "s.h5")
    theirs = read_json(tmp_path / "b.json")
    ours = vs.bvp(X0, X1, 1.0, 12, lagrangian="de-giorgi", model=model)
    assert theirs["second_order"]["kind"] == ours.second_order["kind"] == "strict-local-minimum"
    assert np.allclose(theirs["second_order"]["smallest_eigenvalues"],
                       ours.second_order["smallest_eigenvalues"], rtol=1e-12)
    dX = vs.path_sensitivity(ours.path, ours.times, "beta", lagrangian="de-giorgi", model=model)
    times, frames = vs.load_trajectory(tmp_path / "s.h5", on_sphere=False)[:2]
    assert np.abs(frames - dX).max() <= 1e-12 * np.abs(dX).max()
    assert abs(theirs["sensitivity"]["max_node_norm"] - np.linalg.norm(dX, axis=(1, 2)).max()) <= 1e-12


def test_sensitivity_equals_differences_of_resolved_paths():
    d, n, T, K, beta = 3, 3, 1.0, 10, 1.3
    X0 = vs.random_point(d, n, seed=14)
    X1 = vs.flow(vs.Attention(d, beta=beta), X0, T, dt=0.01).final

    def solve(b, horizon):
        model = vs.Attention(d, beta=b)
        first = vs.bvp(X0, X1, horizon, K, lagrangian="flow-matching", model=model,
                       second_order=False, check=True)
        return vs.bvp(X0, X1, horizon, K, lagrangian="flow-matching", model=model,
                      init=first.path, method="del-equations", second_order=False, check=True)

    base = solve(beta, T)
    model = vs.Attention(d, beta=beta)
    d_beta = vs.path_sensitivity(base.path, base.times, "beta", lagrangian="flow-matching", model=model)
    d_T = vs.path_sensitivity(base.path, base.times, "T", lagrangian="flow-matching", model=model)
    # theta as a callable: the same derivative.
    d_call = vs.path_sensitivity(base.path, base.times, lambda b: vs.Attention(d, beta=b), theta=beta,
                                 lagrangian="flow-matching")
    assert np.abs(d_call - d_beta).max() <= 1e-12 * np.abs(d_beta).max()

    def central(step, which):
        up = solve(beta + step, T) if which == "beta" else solve(beta, T + step)
        down = solve(beta - step, T) if which == "beta" else solve(beta, T - step)
        logs = [vs.log(x, u) - vs.log(x, v) for x, u, v in zip(base.path, up.path, down.path)]
        return np.array(logs) / (2 * step)

    for which, exact in (("beta", d_beta), ("T", d_T)):
        fd = (4 * central(2e-3, which) - central(4e-3, which)) / 3
        assert np.abs(fd - exact).max() <= 1e-6 * np.abs(exact).max(), which
    assert np.abs(d_beta[0]).max() == 0 and np.abs(d_beta[-1]).max() == 0


def test_continuation_in_beta_with_the_sensitivity_predictor(tmp_path, cli):
    X0 = vs.random_point(3, 4, seed=17)
    model = vs.Attention(3, beta=2.0)
    X1 = vs.flow(vs.Attention(3, beta=1.0), X0, 2.0, dt=0.01).final
    betas = [1.0, 1.2, 1.4, 1.6, 1.8]
    runs = {p: vs.bvp(X0, X1, 2.0, 16, lagrangian="de-giorgi", model=model, continuation=betas,
                      predictor=p, second_order=False) for p in ("warm-start", "sensitivity")}
    direct = vs.bvp(X0, X1, 2.0, 16, lagrangian="de-giorgi", model=model, second_order=False)
    with_certificates = vs.bvp(X0, X1, 2.0, 16, lagrangian="de-giorgi", model=model, continuation=betas)
    assert [s["second_order"]["kind"] for s in with_certificates.continuation] == ["strict-local-minimum"] * 6
    for run in runs.values():
        assert [s["beta"] for s in run.continuation] == betas + [2.0]
        assert all(s["outcome"] == "certified" for s in run.continuation)
        assert np.abs(run.path - direct.path).max() <= 1e-6
    iterations = {p: sum(s["iterations"] for s in r.continuation[1:]) for p, r in runs.items()}
    assert iterations["sensitivity"] < iterations["warm-start"], iterations
    # The CLI's --continuation runs the same stages.
    vs.save_points(tmp_path / "x0.csv", X0)
    vs.save_points(tmp_path / "x1.csv", X1)
    cli("bvp", "--x0", tmp_path / "x0.csv", "--x1", tmp_path / "x1.csv", "--T", 2, "--K", 16,
        "--lagrangian", "de-giorgi", "--beta", 2, "--continuation", "1,1.2,1.4,1.6,1.8",
        "--second-order", "no", "--json", tmp_path / "b.json")
    stages = read_json(tmp_path / "b.json")["continuation"]["stages"]
    assert [s["beta"] for s in stages] == betas + [2.0]
    assert all(s["second_order"] is None for s in stages)  # --second-order no
    assert [s["iterations"] for s in stages] == [s["iterations"] for s in runs["sensitivity"].continuation]


def test_bad_arguments_raise():
    X = vs.random_point(3, 2, seed=15)
    path, times = great_circle(X, unit_directions(X, 16), 1.0, 1.0, 6)
    with pytest.raises(ValueError, match="parameter"):
        vs.path_sensitivity(path, times, "gamma", lagrangian="kinetic")
    with pytest.raises(ValueError, match="theta"):
        vs.path_sensitivity(path, times, lambda b: vs.Attention(3, beta=b))
    with pytest.raises(ValueError, match="needs model"):
        vs.path_sensitivity(path, times, "beta", lagrangian="kinetic")
    with pytest.raises(ValueError, match="eigenvalues"):
        vs.second_order(path, times, eigenvalues=0)
    with pytest.raises(ValueError, match="interior"):
        vs.second_order(path[:2], times[:2])
    with pytest.raises(ValueError, match="predictor"):
        vs.bvp(X, path[-1], 1.0, 6, lagrangian="de-giorgi", model=vs.Attention(3), continuation=[0.5],
               predictor="linear")
    with pytest.raises(ValueError, match="needs model"):
        vs.bvp(X, path[-1], 1.0, 6, continuation=[0.5])
