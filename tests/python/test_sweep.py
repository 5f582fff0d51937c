"""Sweeps from Python equal `varsphere sweep` row by row; a dict spec equals its file; bad specs
raise InvalidInput with the CLI's line; the phase-diagram quantity is the fraction of close pairs."""

import json

import h5py
import numpy as np
import pytest

import varsphere as vs

SPEC = {"grid": {"beta": [0.5, 4.0]}, "seeds": 4, "seed": 9,
        "flow": {"model": "sa", "n": 10, "d": 3, "T": 6, "dt": 0.1},
        "weights": {"A": "goe", "V": "tied"}, "observe": {"frames": 7, "final": True}}


def file_datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


def test_python_sweep_equals_the_cli(tmp_path, cli):
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(SPEC))
    cli("sweep", spec_path, "--out", tmp_path / "cli.h5", "--jobs", 2)
    res = vs.sweep(SPEC, out=tmp_path / "py.h5", jobs=1)
    from_file = file_datasets(tmp_path / "cli.h5")
    assert set(from_file) == {k for k in res if k != "attrs"}
    for name, values in from_file.items():
        assert np.array_equal(values, res[name], equal_nan=True), name
    assert not (tmp_path / "py.h5.journal").exists()
    assert file_datasets(tmp_path / "py.h5").keys() == from_file.keys()
    # The spec is the identity of the results: the file's spec attribute parses to the dict.
    assert json.loads(res["attrs"]["spec"]) == SPEC


def test_pair_fraction_is_the_fraction_of_close_pairs():
    res = vs.sweep(SPEC)
    R, m = res["runs/pair_fraction"].shape
    assert (R, m) == (8, 7)
    final = res["runs/final"]  # (R, n, d): the configuration at T
    for r in range(R):
        G = final[r] @ final[r].T
        iu = np.triu_indices(10, 1)
        assert res["runs/pair_fraction"][r, -1] == pytest.approx(np.mean(G[iu] > 0.999), abs=1e-15)
        assert res["runs/min_inner_product"][r, -1] == pytest.approx(G[iu].min(), abs=1e-14)
    # The summary is the mean over each grid point's seeds.
    mean = res["summary/pair_fraction/mean"]
    assert np.allclose(mean, res["runs/pair_fraction"].reshape(2, 4, m).mean(axis=1), atol=1e-15)


def test_shares_merge_to_the_whole(tmp_path):
    whole = vs.sweep(SPEC)
    parts = []
    for task in range(3):
        parts.append(tmp_path / f"part{task}.h5")
        vs.sweep(SPEC, out=parts[-1], task=task, of=3)
    merged = vs.sweep_merge(parts, tmp_path / "merged.h5")
    for name in whole:
        if name != "attrs":
            assert np.array_equal(whole[name], merged[name], equal_nan=True), name
    with pytest.raises(vs.InvalidInput, match="hold 6 of the spec's 8 runs"):
        vs.sweep_merge(parts[:2], tmp_path / "incomplete.h5")
    assert not (tmp_path / "incomplete.h5").exists()


def test_bad_specs_raise_the_cli_line(tmp_path, cli):
    bad = dict(SPEC, flow=dict(SPEC["flow"], model="xa"))
    with pytest.raises(vs.InvalidInput) as python_error:
        vs.sweep(bad)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    run = cli("sweep", path, "--out", tmp_path / "r.h5", check=False)
    assert run.returncode == 1
    assert run.stderr.strip() == "varsphere: error: " + str(python_error.value)
    with pytest.raises(vs.InvalidInput, match="unknown key 'grids'"):
        vs.sweep({"grids": {}})
    with pytest.raises(vs.InvalidInput, match="out must end in .h5"):
        vs.sweep(SPEC, out=tmp_path / "r.csv")
