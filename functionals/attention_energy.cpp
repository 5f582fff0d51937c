#include <varsphere/functionals/attention_energy.hpp>

#include <cmath>
#include <varsphere/core/error.hpp>

namespace varsphere {

double attention_log_energy(const Eigen::MatrixXd& X, const Eigen::MatrixXd& A, double beta) {
  if (!(beta > 0)) throw InvalidInput("log-energy: needs beta > 0");
  const Eigen::MatrixXd scaled = beta * (X.transpose() * (A * X));
  const double m = scaled.maxCoeff();
  const double n = static_cast<double>(X.cols());
  return std::log((scaled.array() - m).exp().sum()) + m - std::log(2 * beta * n * n);
}

Eigen::MatrixXd attention_energy_gradient(const Eigen::MatrixXd& X, const Eigen::MatrixXd& A,
                                          double beta) {
  const double n = static_cast<double>(X.cols());
  const Eigen::MatrixXd S = X.transpose() * A * X;
  const Eigen::MatrixXd K = beta == 0.0 ? Eigen::MatrixXd::Ones(S.rows(), S.cols()).eval()
                                        : (beta * S.array()).exp().matrix().eval();
  // Column i: Σ_j K_ij A x_j + Σ_j K_ji Aᵀ x_j.
  return (A * X * K.transpose() + A.transpose() * X * K) / (2 * n * n);
}

Eigen::MatrixXd attention_energy_riemannian_gradient(const Eigen::MatrixXd& X,
                                                     const Eigen::MatrixXd& A, double beta) {
  return product::riemannian_gradient(X, attention_energy_gradient(X, A, beta));
}

double usa_dissipation(const Eigen::MatrixXd& dX) {
  return dX.squaredNorm() / static_cast<double>(dX.cols());
}

double sa_dissipation(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dX, const Eigen::MatrixXd& A,
                      double beta) {
  const double n = static_cast<double>(X.cols());
  return partition_functions(X, A, beta).dot(dX.colwise().squaredNorm().transpose()) / (n * n);
}

}  // namespace varsphere
