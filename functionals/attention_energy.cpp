#include <varsphere/functionals/attention_energy.hpp>

#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/tiled_attention.hpp>

namespace varsphere {

namespace {

// Σ_j exp(β⟨x_i, B x_j⟩) x_j for every i (no normalization, no bias).
Eigen::MatrixXd exponential_sums(const Eigen::MatrixXd& X, const Eigen::MatrixXd& B, double beta,
                                 int threads) {
  Eigen::MatrixXd Y;
  const TiledAttentionOptions options{beta, false, threads, Precision::Double};
  if (B.isIdentity(0.0)) {
    tiled_attention(X, X, X, ScoreBias{}, options, &Y, nullptr);
  } else {
    const Eigen::MatrixXd BX = B * X;
    tiled_attention(X, BX, X, ScoreBias{}, options, &Y, nullptr);
  }
  return static_cast<double>(X.cols()) * Y;  // the kernel's unnormalized sums carry a 1/n
}

}  // namespace

Eigen::VectorXd log_partition_functions(const Eigen::MatrixXd& X, const Eigen::MatrixXd& A,
                                        double beta, int threads) {
  Eigen::VectorXd log_Z;
  const TiledAttentionOptions options{beta, true, threads, Precision::Double};
  if (A.isIdentity(0.0)) {
    tiled_attention(X, X, X, ScoreBias{}, options, nullptr, &log_Z);
  } else {
    const Eigen::MatrixXd AX = A * X;
    tiled_attention(X, AX, X, ScoreBias{}, options, nullptr, &log_Z);
  }
  return log_Z;
}

double attention_energy(const Eigen::MatrixXd& X, const Eigen::MatrixXd& A, double beta,
                        int threads) {
  const double n = static_cast<double>(X.cols());
  if (beta == 0.0) {
    const Eigen::VectorXd s = X.rowwise().sum();
    return s.dot(A * s) / (2 * n * n);
  }
  return log_partition_functions(X, A, beta, threads).array().exp().sum() / (2 * beta * n * n);
}

double attention_log_energy(const Eigen::MatrixXd& X, const Eigen::MatrixXd& A, double beta,
                            int threads) {
  if (!(beta > 0)) throw InvalidInput("log-energy: needs beta > 0");
  const Eigen::VectorXd log_Z = log_partition_functions(X, A, beta, threads);
  const double m = log_Z.maxCoeff();
  const double n = static_cast<double>(X.cols());
  return std::log((log_Z.array() - m).exp().sum()) + m - std::log(2 * beta * n * n);
}

Eigen::MatrixXd attention_energy_gradient(const Eigen::MatrixXd& X, const Eigen::MatrixXd& A,
                                          double beta, int threads) {
  const double n = static_cast<double>(X.cols());
  const Eigen::MatrixXd U = exponential_sums(X, A, beta, threads);
  if (A == A.transpose()) return A * U / (n * n);
  const Eigen::MatrixXd At = A.transpose();
  return (A * U + At * exponential_sums(X, At, beta, threads)) / (2 * n * n);
}

Eigen::MatrixXd attention_energy_riemannian_gradient(const Eigen::MatrixXd& X,
                                                     const Eigen::MatrixXd& A, double beta) {
  return product::riemannian_gradient(X, attention_energy_gradient(X, A, beta));
}

double usa_dissipation(const Eigen::MatrixXd& dX) {
  return dX.squaredNorm() / static_cast<double>(dX.cols());
}

double sa_dissipation(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dX, const Eigen::MatrixXd& A,
                      double beta, int threads) {
  const double n = static_cast<double>(X.cols());
  const Eigen::VectorXd Z = log_partition_functions(X, A, beta, threads).array().exp().matrix();
  return Z.dot(dX.colwise().squaredNorm().transpose()) / (n * n);
}

}  // namespace varsphere
