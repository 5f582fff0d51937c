"""The array and error conventions of docs/python.md: rows are tokens, C-ordered input is read
in place, other layouts are copied once, bad input raises the library's one-line message."""

import numpy as np
import pytest

import varsphere as vs
from varsphere._varsphere import _testing


def test_c_ordered_input_is_not_copied():
    X = vs.random_point(64, 1000, seed=1)
    address, copied = _testing.tokens_address(X)
    assert not copied
    assert address == X.ctypes.data
    # A C-contiguous row block is a view with the same layout: also read in place.
    block = X[100:200]
    address, copied = _testing.tokens_address(block)
    assert not copied and address == block.ctypes.data


@pytest.mark.parametrize("make", [
    np.asfortranarray,                              # F-ordered
    lambda X: np.repeat(X, 2, axis=0)[::2],          # strided rows
    lambda X: X.astype(np.float32),                 # another dtype
    lambda X: X.tolist(),                           # a nested list
])
def test_other_layouts_are_copied_and_give_the_same_numbers(make):
    X = vs.random_point(3, 16, seed=2)
    Y = vs.random_point(3, 16, seed=3)
    other = make(X)
    _, copied = _testing.tokens_address(other)
    assert copied
    tol = 1e-6 if np.asarray(other).dtype == np.float32 else 0.0
    assert np.abs(vs.log(other, Y) - vs.log(X, Y)).max() <= tol + 1e-7 * (tol > 0)


def test_outputs_are_c_ordered_rows():
    X = vs.random_point(3, 5, seed=1)
    model = vs.Attention(3, beta=2.0)
    F = model.field(X)
    assert F.shape == (5, 3) and F.flags.c_contiguous and F.dtype == np.float64
    sol = vs.flow(model, X, 1.0, dt=0.1)
    assert sol.X.shape == (11, 5, 3) and sol.X.flags.c_contiguous


BAD = [
    ("shape", lambda: vs.flow(vs.Attention(3), np.ones(3), 1.0), vs.InvalidInput, r"expected .*\(n, d\)"),
    ("dimension", lambda: vs.flow(vs.Attention(3), vs.random_point(4, 5, seed=1), 1.0),
     vs.InvalidInput, "dimension 4"),
    ("non-unit", lambda: vs.flow(vs.Attention(3), 2 * vs.random_point(3, 5, seed=1), 1.0),
     vs.InvalidInput, "token 1 has norm 2"),
    ("nan", lambda: vs.exp(np.array([np.nan, 0, 1.0]), np.zeros(3)), vs.InvalidInput, "finite|NaN|nan"),
    ("not tangent", lambda: vs.exp(np.array([1.0, 0, 0]), np.array([1.0, 0, 0])), vs.InvalidInput,
     "not tangent"),
    ("non-symmetric", lambda: vs.InteractionEnergy(np.array([[1.0, 2.0], [0.0, 1.0]])),
     vs.InvalidInput, "symmetric"),
    ("negative beta", lambda: vs.Attention(3, beta=-1.0), vs.InvalidInput, "beta"),
    ("bad scheme", lambda: vs.flow(vs.Attention(3), vs.random_point(3, 4, seed=1), 1.0, scheme="rk5"),
     vs.InvalidInput, "rk5"),
    ("dt", lambda: vs.flow(vs.Attention(3), vs.random_point(3, 4, seed=1), 1.0, dt=0.0),
     vs.InvalidInput, "dt"),
    ("budget", lambda: vs.flow(vs.Attention(3), vs.random_point(3, 4, seed=1), 1.0, dt=1e-3,
                               max_steps=10), vs.ResourceLimit, "max"),
    ("K", lambda: vs.bvp(vs.random_point(3, 2, seed=1), vs.random_point(3, 2, seed=2), 1.0, 0),
     vs.InvalidInput, "K"),
    ("model missing", lambda: vs.bvp(vs.random_point(3, 2, seed=1), vs.random_point(3, 2, seed=2),
                                     1.0, 4, lagrangian="de-giorgi"), vs.InvalidInput, "model"),
    ("missing file", lambda: vs.load_trajectory("/nonexistent/x.h5"), vs.IoError, "x.h5"),
    ("bad extension", lambda: vs.save_trajectory("/tmp/x.txt", [0.0], np.array([[[1.0, 0.0]]])),
     vs.InvalidInput, r"\.csv or \.h5"),
]


@pytest.mark.parametrize("name,call,kind,message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_one_line(name, call, kind, message):
    with pytest.raises(kind, match=message) as info:
        call()
    assert "\n" not in str(info.value)


def test_exception_hierarchy():
    assert issubclass(vs.InvalidInput, ValueError)
    assert issubclass(vs.CutLocusError, ValueError)
    assert issubclass(vs.IoError, OSError)
    assert issubclass(vs.ResourceLimit, RuntimeError)
    assert issubclass(vs.NotConverged, RuntimeError)
    assert issubclass(vs.Error, RuntimeError)


def test_same_message_as_the_cli(tmp_path, cli):
    bad = tmp_path / "bad.csv"
    bad.write_text("0.6,0.6,0\n1,0,0\n")
    with pytest.raises(vs.InvalidInput) as info:
        vs.load_points(bad)
    run = cli("flow", "--x0", bad, "--T", 1, check=False)
    assert run.returncode != 0
    assert run.stderr.strip() == "varsphere: error: " + str(info.value)


def test_not_converged_raises_only_when_asked():
    X0, X1 = vs.random_point(3, 4, seed=1), vs.random_point(3, 4, seed=2)
    model = vs.Attention(3, beta=1.0)
    sol = vs.bvp(X0, X1, 1.0, 16, lagrangian="flow-matching", model=model, max_iterations=1)
    assert sol.outcome == "not-converged" and not sol.converged
    with pytest.raises(vs.NotConverged, match="not converged"):
        vs.bvp(X0, X1, 1.0, 16, lagrangian="flow-matching", model=model, max_iterations=1, check=True)


def test_python_callable_errors_propagate():
    X = vs.random_point(3, 4, seed=1)

    def broken(t, X):
        raise ZeroDivisionError("from the user's field")

    with pytest.raises(ZeroDivisionError, match="user's field"):
        vs.flow(broken, X, 1.0)
    with pytest.raises(vs.InvalidInput, match="returned shape"):
        vs.flow(lambda t, X: X[:2], X, 1.0)
    with pytest.raises(vs.InvalidInput, match="finite"):
        vs.flow(lambda t, X: np.full_like(X, np.nan), X, 1.0)


def test_stubs_name_every_public_function():
    """The .pyi stubs (for editors) and the module agree on the public names."""
    import ast
    import pathlib
    stub = pathlib.Path(vs.__file__).with_name("__init__.pyi")
    tree = ast.parse(stub.read_text())
    stubbed = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    public = {name for name in dir(vs) if not name.startswith("_") and name != "annotations"}
    public -= {"_varsphere"}
    assert public - stubbed == set()
    assert stubbed - public == set()


def test_docstrings_state_shapes():
    for f in (vs.flow, vs.bvp, vs.exp, vs.Attention, vs.compare, vs.check_el, vs.clusters):
        assert "(n, d)" in f.__doc__ or "(K+1, n, d)" in f.__doc__ or "(m, n, d)" in f.__doc__, f


CLI_DATA = __import__("conftest").DATA / "cli"


@pytest.mark.parametrize("name,kind", [("nan.csv", vs.InvalidInput), ("nonunit.csv", vs.InvalidInput),
                                       ("ragged.csv", vs.IoError), ("overflow.csv", vs.IoError)])
def test_bad_point_files_raise_the_cli_message(name, kind, cli):
    # A file that does not parse is an IoError (an OSError), a parsed one with bad values InvalidInput.
    with pytest.raises(kind) as info:
        vs.load_points(CLI_DATA / name)
    run = cli("flow", "--x0", CLI_DATA / name, "--T", 1, check=False)
    assert run.returncode != 0
    assert run.stderr.strip() == "varsphere: error: " + str(info.value)


def test_antipodal_endpoints_raise_cut_locus_as_the_cli(cli):
    X0 = vs.load_points(CLI_DATA / "x0_d3_n4.csv")
    X1 = vs.load_points(CLI_DATA / "x1_antipodal.csv")
    with pytest.raises(vs.CutLocusError) as info:
        vs.bvp(X0, X1, 1.0, 8)
    run = cli("bvp", "--x0", CLI_DATA / "x0_d3_n4.csv", "--x1", CLI_DATA / "x1_antipodal.csv",
              "--T", 1, "--K", 8, "--lagrangian", "kinetic", check=False)
    assert run.returncode != 0
    assert run.stderr.strip() == "varsphere: error: " + str(info.value)


def test_non_symmetric_d_raises_as_the_cli(cli):
    D = np.loadtxt(CLI_DATA / "d_nonsymmetric.csv", delimiter=",")
    with pytest.raises(vs.InvalidInput, match="symmetric"):
        vs.InteractionEnergy(D)
