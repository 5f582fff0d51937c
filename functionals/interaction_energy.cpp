#include <varsphere/functionals/interaction_energy.hpp>

namespace varsphere {

InteractionEnergy::InteractionEnergy(Eigen::MatrixXd D) : D_(std::move(D)) {
  if (D_.rows() != D_.cols() || D_.rows() < 2 || !D_.allFinite()) {
    throw InvalidInput("interaction energy: D must be a finite square matrix of size >= 2");
  }
  validate_symmetric(D_, "interaction energy: D");
  D_ = (0.5 * (D_ + D_.transpose())).eval();  // eval: no aliasing with the transpose
}

Eigen::MatrixXd InteractionEnergy::gradient(const Eigen::MatrixXd& X) const {
  return 2.0 * attention_energy_gradient(X, D_, 1.0);
}

Eigen::MatrixXd InteractionEnergy::riemannian_gradient(const Eigen::MatrixXd& X) const {
  return product::riemannian_gradient(X, gradient(X));
}

double InteractionEnergy::stationarity_residual(const Eigen::MatrixXd& X) const {
  return stationarity_residual(empirical_measure(X));
}

Eigen::MatrixXd InteractionEnergy::kernel(const Eigen::MatrixXd& X,
                                          const Eigen::MatrixXd& Y) const {
  return (X.transpose() * D_ * Y).array().exp().matrix();
}

double InteractionEnergy::operator()(const DiscreteMeasure& mu) const {
  return mu.weights.dot(kernel(mu.support, mu.support) * mu.weights);
}

Eigen::VectorXd InteractionEnergy::first_variation(const DiscreteMeasure& mu,
                                                   const Eigen::MatrixXd& Y) const {
  return 2.0 * kernel(Y, mu.support) * mu.weights;
}

double InteractionEnergy::stationarity_residual(const DiscreteMeasure& mu,
                                                double support_threshold) const {
  const Eigen::MatrixXd& X = mu.support;
  const Eigen::MatrixXd F = D_ * X * (kernel(X, X) * mu.weights.asDiagonal()).transpose();
  const Eigen::VectorXd norms = product::tangent_project(X, F).colwise().norm().transpose();
  double worst = 0.0;
  for (Eigen::Index k = 0; k < X.cols(); ++k)
    if (mu.weights(k) > support_threshold) worst = std::max(worst, norms(k));
  return worst;
}

Eigen::MatrixXd InteractionEnergy::hessian(const Eigen::MatrixXd& X) const {
  const Eigen::Index d = X.rows(), n = X.cols();
  const Eigen::MatrixXd DX = D_ * X;
  const Eigen::MatrixXd E = (X.transpose() * DX).array().exp().matrix();
  const double c = 2.0 / (double(n) * double(n));
  Eigen::MatrixXd H = Eigen::MatrixXd::Zero(n * d, n * d);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index k = 0; k < n; ++k) {
      auto block = H.block(i * d, k * d, d, d);
      if (k != i) {
        block = c * E(i, k) * (D_ + DX.col(k) * DX.col(i).transpose());
        continue;
      }
      block = c * E(i, i) * (D_ + 2.0 * DX.col(i) * DX.col(i).transpose());
      for (Eigen::Index j = 0; j < n; ++j)
        if (j != i) block += c * E(i, j) * DX.col(j) * DX.col(j).transpose();
    }
  }
  return H;
}

Eigen::MatrixXd InteractionEnergy::riemannian_hessian(const Eigen::MatrixXd& X) const {
  const Eigen::Index d = X.rows(), n = X.cols();
  const Eigen::MatrixXd H = hessian(X), G = gradient(X);
  std::vector<Eigen::MatrixXd> P(n);  // tangent projections, once per token
  for (Eigen::Index i = 0; i < n; ++i)
    P[i] = Eigen::MatrixXd::Identity(d, d) - X.col(i) * X.col(i).transpose();
  Eigen::MatrixXd R(n * d, n * d);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index k = 0; k < n; ++k)
      R.block(i * d, k * d, d, d) = P[i] * H.block(i * d, k * d, d, d) * P[k];
    R.block(i * d, i * d, d, d) -= X.col(i).dot(G.col(i)) * P[i];
  }
  return 0.5 * (R + R.transpose());
}

}  // namespace varsphere
