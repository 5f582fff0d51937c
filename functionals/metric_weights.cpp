#include <varsphere/functionals/metric_weights.hpp>

namespace varsphere {

Eigen::MatrixXd MetricWeights::gradient(const Eigen::MatrixXd& X) const {
  const Eigen::Index d = X.rows(), n = X.cols();
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(n, n * d);
  if (kind != Kind::Sa) return G;
  const Eigen::MatrixXd AX = A * X, AtX = A.transpose() * X;
  const Eigen::MatrixXd E = (beta * (X.transpose() * AX)).array().exp().matrix();  // (i, l)
  const double scale = beta / (double(n) * double(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    G.block(i, i * d, 1, d) += scale * (AX * E.row(i).transpose()).transpose();
    for (Eigen::Index k = 0; k < n; ++k)
      G.block(i, k * d, 1, d) += scale * E(i, k) * AtX.col(i).transpose();
  }
  return G;
}

}  // namespace varsphere
