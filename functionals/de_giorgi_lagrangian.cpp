#include <varsphere/functionals/de_giorgi_lagrangian.hpp>

namespace varsphere {

DeGiorgiLagrangian DeGiorgiLagrangian::identity(AttentionNormalization normalization, double beta,
                                                Eigen::Index d) {
  return DeGiorgiLagrangian(normalization, beta, Eigen::MatrixXd::Identity(d, d));
}

void DeGiorgiLagrangian::residual_jacobians(double t, const Eigen::MatrixXd& X,
                                            const Eigen::MatrixXd& V, Eigen::VectorXd& r,
                                            Eigen::MatrixXd& JX, Eigen::MatrixXd& JV) const {
  const Eigen::Index d = X.rows(), n = X.cols();
  Eigen::MatrixXd F;
  const Eigen::MatrixXd JF = field_.velocity_jacobian(t, X, &F);
  const Eigen::VectorXd w = metric_(X), sw = w.cwiseSqrt();
  const Eigen::MatrixXd G = metric_.gradient(X);
  r.resize(2 * n * d);
  JX.setZero(2 * n * d, n * d);
  JV.setZero(2 * n * d, n * d);
  for (Eigen::Index i = 0; i < n; ++i) {
    r.segment(i * d, d) = sw(i) * V.col(i);
    r.segment((n + i) * d, d) = sw(i) * F.col(i);
    JX.middleRows(i * d, d) = V.col(i) * G.row(i) / (2 * sw(i));
    JX.middleRows((n + i) * d, d) =
        sw(i) * JF.middleRows(i * d, d) + F.col(i) * G.row(i) / (2 * sw(i));
    JV.block(i * d, i * d, d, d).diagonal().setConstant(sw(i));
  }
}

void DeGiorgiLagrangian::residual_gradients(double t, const Eigen::MatrixXd& X,
                                            const Eigen::MatrixXd& V, Eigen::MatrixXd& gX,
                                            Eigen::MatrixXd& gV) const {
  const Eigen::Index d = X.rows(), n = X.cols();
  const Eigen::VectorXd w = metric_(X);
  gV = V * w.asDiagonal();
  Eigen::MatrixXd F;
  gX = field_.velocity_vjp(
      t, X, [&](const Eigen::MatrixXd& field_value) { return Eigen::MatrixXd(field_value * w.asDiagonal()); }, &F);
  if (metric_.kind == MetricWeights::Kind::Sa) {  // the other metrics have constant weights
    const Eigen::VectorXd half =
        0.5 * (V.colwise().squaredNorm() + F.colwise().squaredNorm()).transpose();
    const Eigen::VectorXd g = metric_.gradient(X).transpose() * half;
    gX += Eigen::Map<const Eigen::MatrixXd>(g.data(), d, n);
  }
}

Eigen::MatrixXd DeGiorgiLagrangian::partner_rows(const Eigen::MatrixXd& rows) const {
  const Eigen::Index half = rows.rows() / 2;
  return rows.topRows(half) - rows.bottomRows(half);
}

Eigen::MatrixXd DeGiorgiLagrangian::split_potential_gradient(const Eigen::MatrixXd& X) const {
  return attention_energy_gradient(X, A_, beta_);
}

Eigen::MatrixXd DeGiorgiLagrangian::symmetric_part(const Eigen::MatrixXd& A) {
  validate_symmetric(A,
                     "De Giorgi Lagrangian: the flow is a gradient flow only for symmetric "
                     "A = Q^T K with V = A (use the flow-matching Lagrangian for general A, V); A");
  return 0.5 * (A + A.transpose());
}

}  // namespace varsphere
