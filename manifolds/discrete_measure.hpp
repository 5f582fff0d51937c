// Probability measures on S^{d−1} with finite support: μ = Σ_k w_k δ_{x_k}, w_k ≥ 0, Σ_k w_k = 1
// (MATH.md §4). n equal weights are the particle (empirical) measure of a configuration; weights
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
inline void validate_measure(const DiscreteMeasure& mu, double sum_tol = 1e-9,
                             const std::string& what = "measure") {
  validate_configuration(mu.support, kUnitTolerance, what + " support");
  if (mu.weights.size() != mu.support.cols()) {
    throw InvalidInput(what + ": " + std::to_string(mu.weights.size()) + " weights for " +
                       std::to_string(mu.support.cols()) + " atoms");
  }
  if (!mu.weights.allFinite() || (mu.weights.array() < 0).any()) {
    throw InvalidInput(what + ": weights must be finite and non-negative");
  }
  if (std::abs(mu.weights.sum() - 1.0) > sum_tol) {
    throw InvalidInput(what + ": weights sum to " + std::to_string(mu.weights.sum()) + ", not 1");
  }
}

/// The empirical measure (1/n) Σ_i δ_{x_i} of a configuration.
inline DiscreteMeasure empirical_measure(const Eigen::MatrixXd& X) {
  return {X, Eigen::VectorXd::Constant(X.cols(), 1.0 / static_cast<double>(X.cols()))};
}

/// Angles θ_k = 2πk/N, k = 0..N−1.
inline Eigen::VectorXd circle_grid_angles(Eigen::Index N) {
  if (N < 3) throw InvalidInput("circle grid: need N >= 3 points");
  return Eigen::VectorXd::LinSpaced(N, 0.0, 2.0 * std::numbers::pi * double(N - 1) / double(N));
}

/// The uniform measure on the grid θ_k of S¹ ⊂ R²: atoms (cos θ_k, sin θ_k), weights 1/N.
inline DiscreteMeasure circle_grid_measure(Eigen::Index N) {
  const Eigen::VectorXd theta = circle_grid_angles(N);
  Eigen::MatrixXd X(2, N);
  X.row(0) = theta.array().cos().matrix().transpose();
  X.row(1) = theta.array().sin().matrix().transpose();
  return {X, Eigen::VectorXd::Constant(N, 1.0 / static_cast<double>(N))};
}

}  // namespace varsphere
