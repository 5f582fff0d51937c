#include <varsphere/functionals/sinkhorn.hpp>

#include <string>
#include <varsphere/core/error.hpp>

namespace varsphere {

void check_sinkhorn_options(const SinkhornOptions& o) {
  if (o.max_iterations < 1) throw InvalidInput("sinkhorn attention: at least one iteration is needed");
  if (!(o.tolerance >= 0)) throw InvalidInput("sinkhorn attention: the tolerance must be >= 0");
  if (!std::isnan(o.log_marginal) && !std::isfinite(o.log_marginal)) {
    throw InvalidInput("sinkhorn attention: log_marginal must be finite");
  }
}

double sinkhorn_energy(const Eigen::MatrixXd& X, const Eigen::MatrixXd& A, double beta,
                       const SinkhornOptions& options) {
  if (!(beta > 0) || !std::isfinite(beta)) throw InvalidInput("sinkhorn energy: beta must be > 0");
  check_sinkhorn_options(options);
  const double n = static_cast<double>(X.cols());
  const Eigen::MatrixXd S = (A * X).transpose() * X;  // S(j, i) = ⟨x_i, A x_j⟩
  Eigen::MatrixXd W = beta * S;
  sinkhorn_weights(W, options);  // W(j, i) = n π_ij
  double cost = 0;
  for (Eigen::Index i = 0; i < W.cols(); ++i) {
    for (Eigen::Index j = 0; j < W.rows(); ++j) {
      const double pi = W(j, i) / n;
      if (pi > 0) cost += pi * (-beta * S(j, i)) + pi * std::log(n * n * pi);
    }
  }
  return -cost / (2 * beta);
}

}  // namespace varsphere
