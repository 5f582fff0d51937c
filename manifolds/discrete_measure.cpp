#include <varsphere/manifolds/discrete_measure.hpp>

namespace varsphere {

void validate_measure(const DiscreteMeasure& mu, double sum_tol, const std::string& what) {
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

DiscreteMeasure empirical_measure(const Eigen::MatrixXd& X) {
  return {X, Eigen::VectorXd::Constant(X.cols(), 1.0 / static_cast<double>(X.cols()))};
}

Eigen::VectorXd circle_grid_angles(Eigen::Index N) {
  if (N < 3) throw InvalidInput("circle grid: need N >= 3 points");
  return Eigen::VectorXd::LinSpaced(N, 0.0, 2.0 * std::numbers::pi * double(N - 1) / double(N));
}

DiscreteMeasure circle_grid_measure(Eigen::Index N) {
  const Eigen::VectorXd theta = circle_grid_angles(N);
  Eigen::MatrixXd X(2, N);
  X.row(0) = theta.array().cos().matrix().transpose();
  X.row(1) = theta.array().sin().matrix().transpose();
  return {X, Eigen::VectorXd::Constant(N, 1.0 / static_cast<double>(N))};
}

}  // namespace varsphere
