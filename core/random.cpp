#include <varsphere/core/random.hpp>

#include <cmath>
#include <numbers>

namespace varsphere {

double Rng::uniform() {
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

double Rng::normal() {
  // 1 - uniform() lies in (0, 1], so the logarithm is finite.
  const double u1 = 1.0 - uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

Eigen::VectorXd Rng::normal_vector(Eigen::Index d) {
  Eigen::VectorXd v(d);
  for (Eigen::Index k = 0; k < d; ++k) v(k) = normal();
  return v;
}

Eigen::MatrixXd Rng::normal_matrix(Eigen::Index d, Eigen::Index n) {
  Eigen::MatrixXd M(d, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index k = 0; k < d; ++k) M(k, j) = normal();
  }
  return M;
}

}  // namespace varsphere
