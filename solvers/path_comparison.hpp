// Comparison of a path with a flow trajectory on the same time grid (docs/math.md §3 checks):
// sup and L² (trapezoid in time) geodesic distance on the product, the length of each path and
// the geodesic distance between its endpoints.
#pragma once

#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/manifolds/product.hpp>

namespace varsphere {

/// Σ_k d(X_k, X_{k+1}) on the product.
double path_length(const Trajectory& path);

struct PathComparison {
  double sup_distance = 0.0;  ///< max_k d(A_k, B_k)
  double l2_distance = 0.0;   ///< sqrt(∫ d(A(t), B(t))² dt), trapezoid rule on the grid
  double length_a = 0.0, length_b = 0.0;
  double endpoint_distance = 0.0;  ///< d(A_0, A_end): what the length is compared with
};

/// Throws InvalidInput unless both have the same times (to 1e-12) and shapes.
PathComparison compare_paths(const Trajectory& a, const Trajectory& b);

}  // namespace varsphere
