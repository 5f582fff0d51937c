"""varsphere.fit (docs/inverse.md): known (A, V) recovered from flows, the CLI's numbers, the
hold-out against baselines, and bad input."""

import numpy as np
import pytest

import varsphere as vs
from conftest import read_json


def truth(d, seed):
    rng = np.random.default_rng(seed)
    return (np.eye(d) + rng.normal(size=(d, d)) / np.sqrt(d),
            np.eye(d) + 0.5 * rng.normal(size=(d, d)) / np.sqrt(d))


def flows(model, d, count, n, T, h, seed):
    out = []
    for s in range(count):
        X0 = vs.random_point(d, n, seed=seed + s)
        sol = vs.flow(model, X0, T, scheme="dopri5", rtol=1e-12, atol=1e-13,
                      t_eval=np.linspace(0.0, T, int(round(T / h)) + 1))
        out.append(sol)
    return out


def test_recovers_known_matrices_at_order_two():
    A, V = truth(3, 1)
    model = vs.Attention(3, A=A, V=V)
    errors = []
    for h in (0.2, 0.1, 0.05):
        fit = vs.fit(flows(model, 3, 4, 8, 1.0, h, 10))
        assert fit["outcome"] == "converged"
        errors.append(max(np.abs(fit["A"][0, 0] - A).max(), np.abs(fit["V"][0, 0] - V).max()))
    order = np.polyfit(np.log([0.2, 0.1, 0.05]), np.log(errors), 1)[0]
    assert 1.8 < order < 2.2, errors
    assert fit["r_squared"] > 0.9999 and fit["null_dimension"] == 0
    assert fit["A"].shape == (1, 1, 3, 3) and len(fit["parameter_names"]) == 18


def test_cli_fits_the_same_parameters(tmp_path, cli):
    A, V = truth(3, 2)
    sols = flows(vs.Attention(3, A=A, V=V), 3, 3, 6, 1.0, 0.1, 20)
    files = []
    for i, s in enumerate(sols):
        files.append(tmp_path / f"p{i}.h5")
        vs.save_trajectory(files[-1], s.times, s.X)
    cli("fit", "--paths", *files, "--json", tmp_path / "fit.json", "--out", tmp_path / "fit.h5",
        "--holdout", 0.34)
    theirs = read_json(tmp_path / "fit.json")
    loaded = [vs.load_trajectory(f)[:2] for f in files]
    ours = vs.fit(loaded, holdout=0.34)
    assert abs(ours["cost"] - theirs["cost"]) <= 1e-14
    assert np.allclose([p["value"] for p in theirs["parameters"]], ours["theta"], rtol=0, atol=1e-12)
    assert [r["model"] for r in ours["holdout"]] == ["fitted", "identity", "usa"]
    fitted, identity, usa = ours["holdout"]
    # The data are an SA flow: the fit predicts the held-out trajectory, the baselines do not.
    assert fitted["trajectory_error"] < 1e-2 * min(identity["trajectory_error"], usa["trajectory_error"])
    for a, b in zip(ours["holdout"], theirs["holdout"]["rows"]):
        assert abs(a["trajectory_error"] - b["trajectory_error"]) <= 1e-12


def test_causal_alibi_model():
    A, V = truth(3, 4)
    model = vs.Attention(3, A=A, V=V, mask="causal", alibi=1.5)
    fit = vs.fit(flows(model, 3, 4, 8, 1.0, 0.05, 40), mask="causal", alibi=1.5)
    assert fit["outcome"] == "converged" and fit["r_squared"] > 0.9999
    assert np.abs(fit["A"][0, 0] - A).max() < 0.01
    # The same data without the mask in the model are explained worse.
    assert vs.fit(flows(model, 3, 4, 8, 1.0, 0.05, 40))["r_squared"] < fit["r_squared"]


def test_low_rank_gauge_and_unidentifiable_family():
    rng = np.random.default_rng(3)
    Q, K = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    sols = flows(vs.Attention(4, A=Q.T @ K / 2), 4, 3, 6, 1.0, 0.1, 30)
    fit = vs.fit(sols, score="low-rank", rank=2, value="identity")
    assert fit["outcome"] == "converged"
    assert fit["gauge_dimension"] == 4 and fit["null_dimension"] == 4
    one_token = [(s.times, s.X[:, :1, :]) for s in sols]
    blind = vs.fit(one_token)
    assert blind["outcome"] == "unidentifiable" and blind["null_dimension"] >= 16


def test_bad_input_raises():
    a = (np.array([0.0, 0.1]), np.stack([vs.random_point(3, 4, seed=1), vs.random_point(3, 4, seed=2)]))
    b = (np.array([0.0, 0.1]), np.stack([vs.random_point(4, 4, seed=1), vs.random_point(4, 4, seed=2)]))
    with pytest.raises(ValueError, match="d = 4"):
        vs.fit([a, b])
    with pytest.raises(ValueError, match="at least 2"):
        vs.fit([(a[0][:1], a[1][:1])])
    with pytest.raises(ValueError, match="increase"):
        vs.fit([(np.array([0.1, 0.0]), a[1])])
    with pytest.raises(ValueError, match="score family"):
        vs.fit([a], score="diagonal")
    with pytest.raises(ValueError, match="cannot be determined"):
        vs.fit([a], time="piecewise", blocks=8)
    with pytest.raises(ValueError, match="pairs"):
        vs.fit("paths.h5")
