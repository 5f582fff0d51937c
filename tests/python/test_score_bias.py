"""Masks and score biases from Python (docs/math.md §2.6) agree with numpy formulas and the CLI."""

import numpy as np
import pytest

import varsphere as vs
from conftest import DATA, read_json


def numpy_field(X, A, V, beta, b, softmax=True):
    S = beta * X @ A @ X.T + b
    if softmax:
        W = np.exp(S - S.max(axis=1, keepdims=True))
        W /= W.sum(axis=1, keepdims=True)
    else:
        W = np.exp(S) / X.shape[0]
    D = W @ X @ V.T
    return D - np.sum(D * X, axis=1, keepdims=True) * X


@pytest.mark.parametrize("mask", ["causal", "strict-causal"])
def test_mask_and_alibi_equal_the_formula(mask):
    n, d, beta, lam = 9, 3, 1.5, 2.0
    rng = np.random.default_rng(3)
    A, V = rng.normal(size=(d, d)), rng.normal(size=(d, d))
    X = vs.random_point(d, n, seed=1)
    i, j = np.indices((n, n))
    b = -lam * np.abs(i - j) / n
    b[j > i] = -np.inf
    if mask == "strict-causal":
        b[j == i] = -np.inf
    model = vs.Attention(d, model="usa", beta=beta, A=A, V=V, mask=mask, alibi=lam)
    assert model.mask == mask and model.alibi == lam
    assert np.abs(model.field(X) - numpy_field(X, A, V, beta, b, softmax=False)).max() <= 1e-14
    user = vs.Attention(d, model="usa", beta=beta, A=A, V=V, bias=b)
    assert np.abs(user.field(X) - model.field(X)).max() <= 1e-14


def test_lost_in_the_middle_replay():
    case = DATA / "research" / "litm_alibi_n16_lam8_beta1_clusters_s17"
    load = lambda name: (lambda v: v[2:].reshape(int(v[0]), int(v[1])))(np.loadtxt(case / name))
    X0, W = load("x0.mat"), load("W.mat")
    n = X0.shape[0]
    with np.errstate(divide="ignore"):
        bias = np.log(n * W)  # −inf where the prior is zero (k >= j)
    model = vs.Attention(2, model="usa", beta=1.0, V=np.eye(2), bias=bias, mask="strict-causal")
    # V = βI with β = 1 here.
    sol = vs.flow(model, X0, 10.0, dt=0.0025, record=False)
    assert np.abs(sol.final - load("final.mat")).max() <= 1e-9


def test_cli_mask_flags_same_as_python(tmp_path, cli):
    X0 = vs.random_point(3, 10, seed=2)
    vs.save_points(tmp_path / "x0.csv", X0)
    cli("flow", "--x0", tmp_path / "x0.csv", "--T", 2, "--mask", "causal", "--alibi", 1.5,
        "--beta", 2, "--out-final", tmp_path / "final.csv", "--json", tmp_path / "run.json")
    sol = vs.flow(vs.Attention(3, beta=2.0, mask="causal", alibi=1.5),
                  vs.load_points(tmp_path / "x0.csv"), 2.0)
    assert np.abs(vs.load_points(tmp_path / "final.csv") - sol.final).max() <= 1e-15
    summary = read_json(tmp_path / "run.json")
    assert summary["attention"]["mask"] == "causal" and summary["attention"]["alibi"] == 1.5


def test_bad_combinations_raise():
    X0 = vs.random_point(3, 4, seed=1)
    masked = vs.Attention(3, mask="causal")
    with pytest.raises(vs.InvalidInput, match="de-giorgi"):
        vs.bvp(X0, vs.random_point(3, 4, seed=2), 1.0, 8, lagrangian="de-giorgi", model=masked)
    with pytest.raises(vs.InvalidInput, match="attends to no token"):
        vs.Attention(3, mask="strict-causal").field(X0)
    with pytest.raises(vs.InvalidInput, match="mask"):
        vs.Attention(3, mask="upper")
    with pytest.raises(vs.InvalidInput, match="ALiBi"):
        vs.Attention(3, alibi=-1.0)
    with pytest.raises(vs.InvalidInput, match="5x5"):
        vs.Attention(3, bias=np.zeros((5, 5))).field(X0)
    # Flow matching works for a masked model.
    sol = vs.bvp(X0, vs.flow(masked, X0, 1.0).final, 1.0, 8, lagrangian="flow-matching", model=masked)
    assert sol.converged


def test_sinkhorn_weights_are_doubly_stochastic_and_match_the_reference():
    case = DATA / "research" / "sink_n8_d4_B2_Wid_beta1_s0"
    load = lambda name: (lambda v: v[2:].reshape(int(v[0]), int(v[1])))(np.loadtxt(case / name))
    X, A, ref = load("x0_b0.mat"), load("A_h0.mat"), load("attn_nit5_h0_b0.mat")
    exact = vs.Attention(4, model="sinkhorn", A=A, sinkhorn_iterations=5, sinkhorn_tolerance=0.0)
    W = exact.weights(X)
    # The code's marginals are float32: exp(log_mu_used − log(1/8)) − 1 ≈ −5.7e-9 relative.
    assert np.abs(W - ref).max() <= 2e-8 * np.abs(ref).max()
    tight = vs.Attention(4, model="sinkhorn", A=A, sinkhorn_iterations=1000)
    W = tight.weights(X)
    assert np.abs(W.sum(axis=0) - 1).max() <= 1e-10 and np.abs(W.sum(axis=1) - 1).max() <= 1e-10
    sol = vs.flow(tight, X, 1.0, dt=0.05)
    assert sol.final.shape == X.shape


def test_hardmax_and_placements_from_python():
    X0 = vs.random_point(3, 8, seed=4)
    hard = vs.Attention(3, model="hardmax")
    W = hard.weights(X0)
    assert np.array_equal(W, np.eye(8))  # A = I: every token's argmax is itself
    with pytest.raises(vs.InvalidInput, match="hardmax"):
        vs.bvp(X0, X0, 1.0, 4, lagrangian="flow-matching", model=hard)
    for norm in ["peri", "ngpt"]:
        model = vs.Attention(3, beta=1.0, norm=norm)
        sol = vs.flow(model, X0, 2.0, scheme="rk4", dt=0.01)
        assert np.abs(np.linalg.norm(sol.final, axis=1) - 1).max() <= 1e-14
        assert (sol.radii is not None) == (norm == "peri")
        replay = vs.flow(model, X0, 2.0, scheme="simuformer-euler", dt=0.001)
        # The replay's update is first order in the direction: close to the ODE for small dt
        # (nGPT exactly its Euler step; Peri up to the non-equivariant radius rule).
        if norm == "ngpt":
            assert np.abs(replay.final - sol.final).max() <= 1e-2
    with pytest.raises(vs.InvalidInput, match="simuformer-euler"):
        vs.flow(vs.Attention(3, norm="ngpt"), X0, 1.0, scheme="euler-renormalize")


def test_noise_is_seeded_and_same_as_cli(tmp_path, cli):
    X0 = vs.random_point(3, 6, seed=3)
    model = vs.Attention(3, beta=1.0)
    a = vs.flow(model, X0, 1.0, scheme="geodesic-euler-maruyama", dt=0.01, noise=0.3, seed=5)
    b = vs.flow(model, X0, 1.0, scheme="geodesic-euler-maruyama", dt=0.01, noise=0.3, seed=5)
    c = vs.flow(model, X0, 1.0, scheme="geodesic-euler-maruyama", dt=0.01, noise=0.3, seed=6)
    assert np.array_equal(a.final, b.final) and not np.array_equal(a.final, c.final)
    vs.save_points(tmp_path / "x0.csv", X0)
    cli("flow", "--x0", tmp_path / "x0.csv", "--T", 1, "--scheme", "geodesic-euler-maruyama",
        "--noise", 0.3, "--seed", 5, "--out-final", tmp_path / "final.csv")
    ours = vs.flow(model, vs.load_points(tmp_path / "x0.csv"), 1.0,
                   scheme="geodesic-euler-maruyama", dt=0.01, noise=0.3, seed=5)
    assert np.abs(vs.load_points(tmp_path / "final.csv") - ours.final).max() <= 1e-15
    with pytest.raises(vs.InvalidInput, match="geodesic-euler-maruyama"):
        vs.flow(model, X0, 1.0, noise=0.3)


def test_sinkhorn_energy_rises_at_the_dissipation_rate():
    rng = np.random.default_rng(5)
    B = rng.normal(size=(3, 3))
    A = (B + B.T) / 2
    model = vs.Attention(3, model="sinkhorn", beta=1.2, A=A, V=A, sinkhorn_iterations=20000,
                         sinkhorn_tolerance=1e-15)
    X = vs.random_point(3, 6, seed=2)
    h = 1e-4
    sol = vs.flow(model, X, 2 * h, dt=h)
    rate = (model.energy(sol.X[2]) - model.energy(sol.X[0])) / (2 * h)
    F = model.field(sol.X[1])
    assert abs(rate - np.sum(F * F) / 6) <= 1e-6 * abs(rate)


def test_bias_callable_of_time():
    X = vs.random_point(3, 5, seed=8)
    M = np.random.default_rng(2).normal(size=(5, 5))
    moving = vs.Attention(3, bias=lambda t: np.sin(t) * M)
    for t in (0.0, 0.7):
        assert np.array_equal(moving.field(X, t), vs.Attention(3, bias=np.sin(t) * M).field(X))
    with pytest.raises(vs.InvalidInput, match="5x5|n = 5"):
        vs.Attention(3, bias=lambda t: np.zeros((2, 2))).field(X)


def test_simuformer_periln_replay_from_python():
    case = DATA / "research" / "sf_periln_n16_d4_beta4"
    load = lambda name: (lambda v: v[2:].reshape(int(v[0]), int(v[1])))(np.loadtxt(case / name))
    X0, BF = load("x0_b1.mat"), load("BF_h0_b1.mat")
    model = vs.Attention(4, beta=4.0, A=BF, V=load("V_h0_b1.mat").T, norm="peri")
    sol = vs.flow(model, X0, 10.1, scheme="simuformer-euler", dt=0.1, record=False)
    assert sol.steps == 101
    assert np.abs(sol.final - load("final_b1.mat")).max() <= 1e-9
    r = load("r_final_b1.mat")[:, 0]
    assert np.abs(sol.radii / r - 1).max() <= 1e-9


def test_ngpt_flow_matching_bvp_same_as_cli(tmp_path, cli):
    X0 = vs.random_point(3, 4, seed=9)
    vs.save_points(tmp_path / "x0.csv", X0)
    X0 = vs.load_points(tmp_path / "x0.csv")
    model = vs.Attention(3, beta=1.0, norm="ngpt", ngpt_alpha=0.5)
    ours = vs.compare(X0, 1.0, 16, lagrangian="flow-matching", model=model)
    cli("compare", "--x0", tmp_path / "x0.csv", "--T", 1, "--K", 16, "--norm", "ngpt",
        "--ngpt-alpha", 0.5, "--lagrangian", "flow-matching", "--json", tmp_path / "c.json")
    theirs = read_json(tmp_path / "c.json")
    assert ours["converged"] and theirs["converged"]
    assert abs(ours["action"] - theirs["action"]) <= 1e-14
    assert ours["max_distance_path_to_flow"] <= 1e-3  # the flow minimizes its flow-matching action
    with pytest.raises(vs.InvalidInput, match="ngpt"):
        vs.compare(X0, 1.0, 16, lagrangian="de-giorgi", model=model)
