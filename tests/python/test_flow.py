"""varsphere.flow and varsphere.Attention against the published codes' outputs (the tolerances of
test_flow_reference.cpp) and against the same computation through the command line (≤ 1e-14)."""

import h5py
import numpy as np
import pytest

import varsphere as vs
from conftest import read_json, read_mat, read_series

ROTF = "rotf_sa_d3_n64_b1_dt0p1"


def test_rotf_replay_and_ode():
    X0 = read_mat(ROTF + ".x0.mat")
    model = vs.Attention(3, beta=1.0)
    replay = vs.flow(model, X0, 15.0, scheme="euler-renormalize", dt=0.1)
    assert replay.steps == 150
    assert np.abs(replay.final - read_mat(ROTF + ".xT.mat")).max() <= 1e-9
    energy = read_series(ROTF + ".energy.series")
    assert abs(replay.energies[0] - energy[0]) <= 1e-14
    assert abs(replay.energies[-1] - energy[-1]) <= 1e-12
    ode = vs.flow(model, X0, 15.0, scheme="dopri5", rtol=1e-12, atol=1e-13)
    assert np.abs(ode.final - read_mat(ROTF + ".xT_ode.mat")).max() <= 1e-8
    assert np.all(np.diff(ode.energies) >= -1e-13)


def test_rotf_same_as_cli(tmp_path, cli):
    X0 = read_mat(ROTF + ".x0.mat")
    vs.save_points(tmp_path / "x0.csv", X0)
    cli("flow", "--x0", tmp_path / "x0.csv", "--T", 15, "--scheme", "euler-renormalize",
        "--dt", 0.1, "--out", tmp_path / "run.h5", "--json", tmp_path / "run.json")
    sol = vs.flow(vs.Attention(3, beta=1.0), vs.load_points(tmp_path / "x0.csv"), 15.0,
                  scheme="euler-renormalize", dt=0.1)
    with h5py.File(tmp_path / "run.h5", "r") as f:
        assert np.abs(f["X"][...] - sol.X).max() <= 1e-14
        assert np.abs(f["t"][...] - sol.times).max() <= 1e-14
    summary = read_json(tmp_path / "run.json")
    assert abs(summary["energy_final"] - sol.energy_final) <= 1e-14
    assert abs(summary["log_energy_final"] - sol.log_energy_final) <= 1e-14
    assert summary["clusters_final"] == sol.clusters_final
    assert summary["steps"] == sol.steps and summary["rhs_evaluations"] == sol.rhs_evaluations
    assert abs(summary["min_inner_product_final"] - sol.min_inner_product_final) <= 1e-14


def test_dotm_merge_times():
    X0 = read_mat("dotm_kinetic_sa_d2_n5_b4_dt0p1.x0.mat")
    model = vs.Attention(2, beta=4.0)
    replay = vs.flow(model, X0, 400.0, scheme="euler-renormalize", dt=0.1)
    counts = read_series("dotm_kinetic_sa_d2_n5_b4_dt0p1.clusters_cc0p999.series")
    ours = vs.diagnose(replay.X, replay.times, beta=4.0)["clusters"]
    assert np.array_equal(ours, counts.astype(int))
    ode = vs.flow(model, X0, 400.0, scheme="dopri5", rtol=1e-11, atol=1e-12, dt=0.005)
    diag = vs.diagnose(ode.X, ode.times, beta=4.0)
    assert abs(diag["energy"][-1] - np.exp(4.0) / 8.0) <= 1e-9
    expected = read_series("dotm_kinetic_sa_d2_n5_b4.ode_merge_times.series")
    assert len(diag["merge_times"]) == 4
    assert np.abs(diag["merge_times"] - expected).max() <= 0.005 + 1e-9


def test_python_vector_field_equals_the_model():
    X0 = vs.random_point(3, 12, seed=4)
    model = vs.Attention(3, beta=2.0, A=np.diag([1.0, 0.5, -0.3]), V=np.diag([1.0, 2.0, 1.0]))
    calls = []

    def field(t, X):
        calls.append(t)
        return model.field(X, t)

    a = vs.flow(model, X0, 2.0, dt=0.05)
    b = vs.flow(field, X0, 2.0, dt=0.05)
    assert len(calls) == b.rhs_evaluations
    assert np.abs(a.X - b.X).max() <= 1e-14
    assert b.energies is None


def test_schedule_with_constant_heads_equals_constant_model():
    X0 = vs.random_point(4, 6, seed=5)
    A = np.stack([np.eye(4), np.diag([1.0, -1.0, 0.5, 0.0])])
    V = np.stack([np.eye(4), 0.5 * np.eye(4)])
    const = vs.Attention(4, beta=1.5, A=A, V=V)
    timed = vs.Attention(4, beta=1.5, schedule=lambda t: (A, V))
    a = vs.flow(const, X0, 1.0, dt=0.1)
    b = vs.flow(timed, X0, 1.0, dt=0.1)
    assert np.abs(a.final - b.final).max() <= 1e-14
    assert len(const.heads()) == 2


def test_q_k_gives_a_equals_qt_k():
    rng = np.random.default_rng(0)
    Q, K = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    X = vs.random_point(3, 7, seed=1)
    a = vs.Attention(3, Q=Q, K=K).field(X)
    b = vs.Attention(3, A=Q.T @ K).field(X)
    assert np.abs(a - b).max() <= 1e-14


def test_field_matches_the_formula_and_the_jacobian_matches_differences():
    rng = np.random.default_rng(1)
    A, V = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    X = vs.random_point(3, 5, seed=2)
    beta = 1.3
    model = vs.Attention(3, beta=beta, A=A, V=V)
    S = beta * X @ A @ X.T  # S[i, j] = β <x_i, A x_j>
    W = np.exp(S - S.max(axis=1, keepdims=True))
    W /= W.sum(axis=1, keepdims=True)
    D = W @ X @ V.T
    F = D - np.sum(D * X, axis=1, keepdims=True) * X
    assert np.abs(model.field(X) - F).max() <= 1e-14
    J = model.jacobian(X)
    h = 1e-6
    for k in range(X.size):
        E = np.zeros(X.size)
        E[k] = h
        Xp, Xm = X + E.reshape(X.shape), X - E.reshape(X.shape)
        # The field's formula extends off the sphere; differences in the ambient coordinates.
        def raw(Y):
            S = beta * Y @ A @ Y.T
            W = np.exp(S - S.max(axis=1, keepdims=True))
            W /= W.sum(axis=1, keepdims=True)
            D = W @ Y @ V.T
            return (D - np.sum(D * Y, axis=1, keepdims=True) * Y).ravel()
        assert np.abs(J[:, k] - (raw(Xp) - raw(Xm)) / (2 * h)).max() <= 1e-8


@pytest.mark.parametrize("kind", ["sa", "usa"])
def test_dissipation_is_the_energy_rate_for_symmetric_a_equal_v(kind):
    A = np.diag([1.0, 0.4, -0.2])
    model = vs.Attention(3, model=kind, beta=1.7, A=A, V=A)
    X = vs.random_point(3, 9, seed=6)
    h = 1e-4
    sol = vs.flow(model, X, 2 * h, dt=h, scheme="rk4")
    rate = (sol.energies[2] - sol.energies[0]) / (2 * h)
    # Central difference around t = h: compare with the dissipation at the middle frame.
    assert abs(rate - model.dissipation(sol.X[1])) <= 1e-7 * max(1.0, abs(rate))


def test_t_eval_and_pre_ln(tmp_path, cli):
    X0 = vs.random_point(3, 8, seed=7)
    model = vs.Attention(3, beta=1.0, norm="pre")
    sol = vs.flow(model, X0, 3.0, scheme="dopri5", t_eval=[0.0, 1.5, 3.0])
    assert np.array_equal(sol.times, [0.0, 1.5, 3.0])
    vs.save_points(tmp_path / "x0.csv", X0)
    cli("flow", "--x0", tmp_path / "x0.csv", "--T", 3, "--scheme", "dopri5", "--norm", "pre",
        "--out-final", tmp_path / "final.csv")
    # The CLI writes CSV with 17 significant digits: a round trip of the same double.
    assert np.abs(vs.load_points(tmp_path / "final.csv") - sol.final).max() <= 1e-15


def test_cli_threads_precision_and_kernel(tmp_path, cli):
    """--threads changes nothing (bit for bit), --kernel dense agrees to 1e-12 after a whole
    flow, --precision single to the stated float32 accuracy; the module agrees with the CLI."""
    X0 = vs.random_point(4, 300, seed=11)
    vs.save_points(tmp_path / "x0.csv", X0)
    runs = {}
    for name, flags in {"t1": ["--threads", 1], "t2": ["--threads", 2],
                        "dense": ["--kernel", "dense"], "single": ["--precision", "single"]}.items():
        cli("flow", "--x0", tmp_path / "x0.csv", "--T", 2, "--beta", 4, "--dt", 0.05,
            "--scheme", "rk4", "--out", tmp_path / f"{name}.h5", *flags)
        with h5py.File(tmp_path / f"{name}.h5", "r") as f:
            runs[name] = f["X"][...]
    assert np.array_equal(runs["t1"], runs["t2"])
    assert np.abs(runs["dense"] - runs["t1"]).max() <= 1e-12
    single_error = np.abs(runs["single"] - runs["t1"]).max()
    assert 0 < single_error <= 1e-5
    sol = vs.flow(vs.Attention(4, beta=4.0, dtype=np.float32), X0, 2.0, scheme="rk4", dt=0.05)
    assert np.array_equal(sol.X, runs["single"])
    with pytest.raises(vs.InvalidInput, match="dtype must be float64 or float32"):
        vs.Attention(4, dtype=np.int32)
    with pytest.raises(vs.InvalidInput, match="threads must be >= 0"):
        vs.Attention(4, threads=-2)
    model = vs.Attention(4, threads=2, dtype="float32", kernel="tiled")
    assert model.threads == 2 and model.dtype == np.float32 and model.kernel == "tiled"


def test_dopri5_keeps_first_same_as_last():
    # 6 field evaluations per accepted step (plus the rejected ones), not 7: the derivative at the
    # end of a step is reused although the state is projected onto the sphere for output.
    X0 = vs.random_point(3, 32, seed=1)
    sol = vs.flow(vs.Attention(3, beta=1.0), X0, 30.0, scheme="dopri5", rtol=1e-10, atol=1e-12)
    assert sol.steps > 100
    assert sol.rhs_evaluations < 6.6 * sol.steps, (sol.rhs_evaluations, sol.steps)
    assert np.abs(np.linalg.norm(sol.X, axis=-1) - 1).max() <= 1e-15 * 4
