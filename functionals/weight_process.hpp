// Time-dependent head weights (docs/math.md §6, MDCBS): dD_h = f_h(D_h, t) dt + σ dS_h, with
// S = (W + Wᵀ)/2 a symmetric matrix Brownian motion (W: d×d independent Brownian motions), so
// E[⟨x, dS y⟩²] = ½(|x|²|y|² + ⟨x, y⟩²) dt. Kinds:
//   frozen           f = 0, σ = 0;
//   Ornstein–Uhlenbeck f = M − D (M = I by default), any σ ≥ 0 (σ² = 2 in the paper's runs);
//   oscillating      f = target_h(t) − D, σ = 0, targets phase-shifted per head, τ = t + 2πh/H:
//     d = 2 (the paper's): [[2 + 1.5 cos τ, sin 2τ], [sin 2τ, 2 − 1.5 cos τ]];
//     d ≥ 3 (our generalization, equal to it for d = 2): diagonal a: 2 + 1.5 cos(τ + 2πa/d),
//     off-diagonal a < b: sin(2τ + 2π(a + b − 1)/d)/(d − 1);
//   deterministic    any user drift f(h, D, t), σ = 0.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <functional>
#include <numbers>
#include <string>
#include <varsphere/core/error.hpp>

namespace varsphere {

struct WeightProcess {
  /// f_h(D_h, t): head index, current weight, time.
  std::function<Eigen::MatrixXd(int h, const Eigen::MatrixXd& D, double t)> drift;
  double sigma = 0.0;  ///< noise amplitude σ ≥ 0
  std::string name;

  static WeightProcess frozen();

  static WeightProcess ornstein_uhlenbeck(double sigma, Eigen::MatrixXd mean = {}) {
    if (!(sigma >= 0) || !std::isfinite(sigma)) {
      throw InvalidInput("Ornstein-Uhlenbeck weights: sigma must be finite and >= 0");
    }
    return {[mean](int, const Eigen::MatrixXd& D, double) {
              const Eigen::MatrixXd M =
                  mean.size() ? mean : Eigen::MatrixXd::Identity(D.rows(), D.cols());
              return (M - D).eval();
            },
            sigma, "ornstein-uhlenbeck"};
  }

  /// The oscillating targets for H heads in dimension d (see above).
  static Eigen::MatrixXd oscillating_target(Eigen::Index d, int h, int H, double t);

  static WeightProcess oscillating(int heads);

  static WeightProcess deterministic(
      std::function<Eigen::MatrixXd(int, const Eigen::MatrixXd&, double)> f,
      std::string name = "deterministic");
};

}  // namespace varsphere
