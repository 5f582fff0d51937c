#include <varsphere/functionals/weight_process.hpp>

namespace varsphere {

WeightProcess WeightProcess::frozen() {
  return {[](int, const Eigen::MatrixXd& D, double) {
            return Eigen::MatrixXd::Zero(D.rows(), D.cols()).eval();
          },
          0.0, "frozen"};
}

Eigen::MatrixXd WeightProcess::oscillating_target(Eigen::Index d, int h, int H, double t) {
  const double pi = std::numbers::pi, tau = t + 2 * pi * h / H;
  Eigen::MatrixXd T(d, d);
  for (Eigen::Index a = 0; a < d; ++a) {
    T(a, a) = 2 + 1.5 * std::cos(tau + 2 * pi * double(a) / double(d));
    for (Eigen::Index b = a + 1; b < d; ++b)
      T(a, b) = T(b, a) =
          std::sin(2 * tau + 2 * pi * double(a + b - 1) / double(d)) / double(d - 1);
  }
  return T;
}

WeightProcess WeightProcess::oscillating(int heads) {
  if (heads < 1) throw InvalidInput("oscillating weights: need at least one head");
  return {[heads](int h, const Eigen::MatrixXd& D, double t) {
            return (oscillating_target(D.rows(), h, heads, t) - D).eval();
          },
          0.0, "oscillating"};
}

WeightProcess WeightProcess::deterministic(
    std::function<Eigen::MatrixXd(int, const Eigen::MatrixXd&, double)> f, std::string name) {
  return {std::move(f), 0.0, std::move(name)};
}

}  // namespace varsphere
