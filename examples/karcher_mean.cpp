// The Karcher (Fréchet) mean of points on S^{d-1} by Riemannian gradient descent, written only
// with the public geometry: f(x) = ½ Σ_k d(x, y_k)², grad f(x) = −Σ_k log_x(y_k), and the step
// x ← exp_x(−τ grad f). For points in a small cap the mean is unique and the iteration converges
// linearly; the program prints the gradient norm per iteration and checks the optimality
// condition Σ_k log_x(y_k) = 0.
#include <cstdio>
#include <varsphere/geometry.hpp>

int main() {
  using namespace varsphere;
  Rng rng(2024);
  const int d = 3, m = 25;
  const Eigen::VectorXd north = Eigen::VectorXd::Unit(d, d - 1);
  Eigen::MatrixXd Y(d, m);  // points scattered in a cap of radius ~0.5 around the north pole
  for (int k = 0; k < m; ++k)
    Y.col(k) = sphere::exp(north, sphere::random_tangent(rng, north, 0.3));

  Eigen::VectorXd x = Y.col(0);
  double gradient_norm = 1.0;
  for (int it = 0; it < 50 && gradient_norm >= 1e-14; ++it) {
    Eigen::VectorXd sum_log = Eigen::VectorXd::Zero(d);
    for (int k = 0; k < m; ++k) sum_log += sphere::log(x, Y.col(k));
    gradient_norm = sum_log.norm();
    std::printf("iteration %2d  |grad f| = %.3e\n", it, gradient_norm);
    x = sphere::exp(x, sum_log / m);  // τ = 1/m: Newton-like for a tight cluster
  }
  std::printf("Karcher mean: (%.12f, %.12f, %.12f), distance to the pole %.4f\n", x(0), x(1), x(2),
              sphere::distance(x, north));
  return gradient_norm < 1e-14 ? 0 : 1;  // the optimality condition Σ log_x(y_k) = 0
}
