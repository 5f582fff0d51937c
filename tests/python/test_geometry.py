"""Geometry bindings: the geomstats reference case (the tolerance of test_reference_geometry.cpp)
and the identities of docs/math.md §1, for one sphere and for products."""

import numpy as np
import pytest

import varsphere as vs
from conftest import read_mat, read_series, read_traj

TOL = 1e-12


def test_geomstats_reference_case():
    X0, X1 = read_mat("gs_geod_d3_n8.x0.mat"), read_mat("gs_geod_d3_n8.x1.mat")
    V = read_mat("gs_geod_d3_n8.v.mat")
    assert np.abs(vs.log(X0, X1) - read_mat("gs_geod_d3_n8.log_x0_x1.mat")).max() <= TOL
    assert np.abs(vs.exp(X0, V) - read_mat("gs_geod_d3_n8.exp_x0_v.mat")).max() <= TOL
    assert np.abs(vs.transport(X0, X1, V) -
                  read_mat("gs_geod_d3_n8.ptransport_v_x0_to_x1.mat")).max() <= TOL
    assert np.abs(vs.distance(X0, X1) - read_series("gs_geod_d3_n8.dist_per_particle.series")).max() <= TOL
    assert abs(vs.product_distance(X0, X1) - read_series("gs_geod_d3_n8.dist_product.series")[0]) <= TOL
    times, frames = read_traj("gs_geod_d3_n8.geodesic.traj")
    assert np.abs(vs.geodesic(X0, X1, times) - frames).max() <= TOL


def test_single_point_equals_row_of_batch():
    X = vs.random_point(4, 6, seed=3)
    Y = vs.random_point(4, 6, seed=4)
    V = vs.log(X, Y)
    for i in range(6):
        assert np.abs(vs.log(X[i], Y[i]) - V[i]).max() == 0.0
        assert vs.distance(X[i], Y[i]) == vs.distance(X, Y)[i]
        assert vs.exp(X[i], V[i]).shape == (4,)


def test_identities():
    X = vs.random_point(5, 10, seed=1)
    Y = vs.random_point(5, 10, seed=2)
    V = vs.log(X, Y)
    assert np.abs(vs.exp(X, V) - Y).max() <= 1e-14
    assert np.abs(np.linalg.norm(V, axis=1) - vs.distance(X, Y)).max() <= 1e-14
    assert np.abs(np.sum(X * V, axis=1)).max() <= 1e-15
    U = vs.random_tangent(X, seed=5)
    W = vs.transport(X, Y, U)
    # Transport is an isometry onto T_Y and maps log_X Y to −log_Y X.
    assert np.abs(np.linalg.norm(W, axis=1) - np.linalg.norm(U, axis=1)).max() <= 1e-14
    assert np.abs(np.sum(Y * W, axis=1)).max() <= 1e-14
    assert np.abs(vs.transport(X, Y, V) + vs.log(Y, X)).max() <= 1e-14
    mid = vs.geodesic(X, Y, 0.5)
    assert np.abs(vs.distance(X, mid) - 0.5 * vs.distance(X, Y)).max() <= 1e-14
    assert abs(vs.product_distance(X, Y) - np.sqrt(np.sum(vs.distance(X, Y) ** 2))) <= 1e-14
    R = vs.retract(X, 1e-4 * U)
    assert np.abs(R - vs.exp(X, 1e-4 * U)).max() <= 1e-11  # second-order agreement
    assert np.abs(vs.tangent_project(X, X)).max() <= 1e-15
    assert np.abs(vs.project(3.0 * X) - X).max() <= 1e-15


def test_random_point_is_seeded_and_uniform():
    A = vs.random_point(3, 20000, seed=11)
    assert np.array_equal(A, vs.random_point(3, 20000, seed=11))
    assert not np.array_equal(A, vs.random_point(3, 20000, seed=12))
    assert np.abs(np.linalg.norm(A, axis=1) - 1).max() <= 1e-15
    # The mean of a uniform point on S² is 0 with standard error 1/sqrt(3N) per coordinate.
    assert np.abs(A.mean(axis=0)).max() <= 5 / np.sqrt(3 * 20000)
    assert vs.random_point(3, seed=1).shape == (3,)


def test_cut_locus_raises():
    x = np.array([1.0, 0.0, 0.0])
    with pytest.raises(vs.CutLocusError, match="antipodal"):
        vs.log(x, -x)
    with pytest.raises(ValueError):  # CutLocusError is a ValueError
        vs.transport(x, -x, np.array([0.0, 1.0, 0.0]))
