// Probability measures on S^{d−1} with finite support: μ = Σ_k w_k δ_{x_k}, w_k ≥ 0, Σ_k w_k = 1
// (docs/math.md §4). n equal weights are the particle (empirical) measure of a configuration; weights
// on the equispaced grid θ_k = 2πk/N of S¹ discretize a density ρ(θ) as w_k = ρ(θ_k)·2π/N (the
// trapezoidal rule, spectrally accurate for smooth periodic integrands).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <numbers>
#include <string>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/error.hpp>

namespace varsphere {

struct DiscreteMeasure {
  Eigen::MatrixXd support;  ///< d×N, column k is the atom x_k ∈ S^{d−1}
  Eigen::VectorXd weights;  ///< N masses, ≥ 0, summing to 1
};

/// Throws InvalidInput unless the support is a valid configuration and the weights are finite,
/// non-negative, of the support's size and sum to 1 within `sum_tol`.
void validate_measure(const DiscreteMeasure& mu, double sum_tol = 1e-9,
                      const std::string& what = "measure");

/// The empirical measure (1/n) Σ_i δ_{x_i} of a configuration.
DiscreteMeasure empirical_measure(const Eigen::MatrixXd& X);

/// Angles θ_k = 2πk/N, k = 0..N−1.
Eigen::VectorXd circle_grid_angles(Eigen::Index N);

/// The uniform measure on the grid θ_k of S¹ ⊂ R²: atoms (cos θ_k, sin θ_k), weights 1/N.
DiscreteMeasure circle_grid_measure(Eigen::Index N);

}  // namespace varsphere
