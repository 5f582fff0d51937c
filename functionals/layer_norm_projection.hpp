// Layer normalization and ReLU as projections (docs/math.md §5, TLLC).
//
// S1(σ1, σ2) = {u : for every token x, mean_y u = σ1 and var_y u = σ2²}, with
//   mean_y u(x) = (1/|Ω_y|) ∫ u(x, y) dy,   var_y u(x) = (1/|Ω_y|) ∫ (u(x, y) − mean)² dy.
// For each token, S1 is the sphere of radius σ2 √|Ω_y| (in L²(Ω_y)) centred at the constant σ1,
// inside the hyperplane of mean σ1; the nearest point of it to v (in the same L² norm) is
//   Proj_S1(v) = σ2 (v − mean v)/std v + σ1,
// the closed-form layer normalization without epsilon (the orthogonal split v − σ1 =
// (mean v − σ1)·1 + (v − mean v)). S1 is not convex and the projection is not defined for a
// constant row (std = 0): that is an error, never a NaN. Proj_S1(c v) = Proj_S1(v) for c > 0.
// S2 = {u ≥ 0}, Proj_S2(v) = max(v, 0) (ReLU), the nearest point for any weighted L² norm.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/continuum_grid.hpp>

namespace varsphere {

/// Proj_S1 row by row with the feature quadrature of `grid`. Throws Error naming the token when a
/// row is constant (relative variance below 1e-28) and InvalidInput for σ2 ≤ 0 or bad shapes.
Eigen::MatrixXd project_layer_norm(const ContinuumGrid& grid, const Eigen::MatrixXd& v,
                                   double sigma1, double sigma2);

/// Proj_S2(v) = max(v, 0): ReLU.
Eigen::MatrixXd project_nonnegative(const Eigen::MatrixXd& v);

}  // namespace varsphere
