"""Python and the CLI share files: trajectories (.csv, .h5) and point sets, atomically written."""

import h5py
import numpy as np
import pytest

import varsphere as vs


@pytest.mark.parametrize("ext", [".h5", ".csv"])
def test_round_trip(tmp_path, ext):
    sol = vs.flow(vs.Attention(3, beta=1.0), vs.random_point(3, 5, seed=1), 1.0, dt=0.1)
    path = tmp_path / ("run" + ext)
    vs.save_trajectory(path, sol.times, sol.X, {"beta": 1.0, "model": "sa", "A": np.eye(3)})
    times, X, attributes = vs.load_trajectory(path)
    assert np.array_equal(times, sol.times) and np.array_equal(X, sol.X)
    if ext == ".h5":
        assert attributes["beta"] == 1.0 and attributes["model"] == "sa"
        assert np.array_equal(attributes["A"], np.eye(3))
        with h5py.File(path, "r") as f:  # the CLI's layout, readable with h5py
            assert f["X"].shape == (11, 5, 3)
            assert np.array_equal(f["t"][...], sol.times)


def test_cli_trajectory_loads(tmp_path, cli):
    X0 = vs.random_point(3, 4, seed=2)
    vs.save_points(tmp_path / "x0.csv", X0)
    cli("flow", "--x0", tmp_path / "x0.csv", "--T", 1, "--beta", 2, "--out", tmp_path / "run.h5")
    times, X, attributes = vs.load_trajectory(tmp_path / "run.h5")
    assert attributes["beta"] == 2.0 and attributes["scheme"] == "rk4"
    ours = vs.flow(vs.Attention(3, beta=2.0), vs.load_points(tmp_path / "x0.csv"), 1.0)
    assert np.abs(X - ours.X).max() <= 1e-14


def test_failed_save_leaves_the_existing_file(tmp_path):
    path = tmp_path / "run.h5"
    vs.save_trajectory(path, [0.0, 1.0], np.array([[[1.0, 0.0]], [[0.0, 1.0]]]))
    before = path.read_bytes()
    bad = np.array([[[1.0, 0.0]], [[np.nan, 1.0]]])
    with pytest.raises(vs.InvalidInput):
        vs.save_trajectory(path, [0.0, 1.0], bad)
    with pytest.raises(vs.InvalidInput, match="increase"):
        vs.save_trajectory(path, [1.0, 0.0], np.array([[[1.0, 0.0]], [[0.0, 1.0]]]))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.h5"]  # no temporaries left


def test_clusters_and_min_inner_product():
    X = np.array([[1.0, 0, 0], [1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [0, 0, 1.0]])
    count, labels = vs.clusters(X)
    assert count == 3 and list(labels) == [0, 0, 1, 2, 2]
    assert vs.min_inner_product(X) == 0.0
    assert vs.clusters(X, threshold=-0.5)[0] == 1
