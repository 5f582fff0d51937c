#include <varsphere/functionals/attention_parameter_jacobian.hpp>

#include <varsphere/core/error.hpp>
#include <varsphere/manifolds/product.hpp>

namespace varsphere {

AttentionParameterJacobian attention_parameter_jacobian(const AttentionField& field, double t,
                                                        const Eigen::MatrixXd& X) {
  const AttentionOptions& o = field.options();
  if (o.normalization != AttentionNormalization::Softmax &&
      o.normalization != AttentionNormalization::Unnormalized) {
    throw InvalidInput("attention parameter derivatives: only SA and USA attention are differentiable");
  }
  const Eigen::Index d = X.rows(), n = X.cols();
  const double c = o.normalization == AttentionNormalization::Softmax ? 1.0 : 0.0;
  const std::vector<AttentionHead> heads = field.heads_at(t);
  AttentionParameterJacobian out;
  out.velocity = Eigen::MatrixXd::Zero(d, n);
  for (std::size_t h = 0; h < heads.size(); ++h) {
    const Eigen::MatrixXd W = field.weights(t, X, h);  // row i: w_ij
    const Eigen::MatrixXd mean = X * W.transpose();    // column i: x̄_i
    Eigen::MatrixXd JA = Eigen::MatrixXd::Zero(n * d, d * d), JV = Eigen::MatrixXd::Zero(n * d, d * d);
    for (Eigen::Index i = 0; i < n; ++i) {
      Eigen::MatrixXd G = X * W.row(i).asDiagonal() * X.transpose();
      G.noalias() -= c * mean.col(i) * mean.col(i).transpose();
      const Eigen::MatrixXd C = heads[h].V * G;
      for (Eigen::Index q = 0; q < d; ++q) {
        for (Eigen::Index p = 0; p < d; ++p) {
          JA.block(i * d, p + q * d, d, 1) = (o.beta * X(p, i)) * C.col(q);
        }
        for (Eigen::Index a = 0; a < d; ++a) JV(i * d + a, a + q * d) = mean(q, i);
      }
    }
    out.velocity.noalias() += heads[h].V * mean;
    out.A.push_back(std::move(JA));
    out.V.push_back(std::move(JV));
  }
  // F_i = sign · P_i D_i: project token i's rows of every Jacobian.
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::VectorXd x = X.col(i);
    for (std::size_t h = 0; h < heads.size(); ++h) {
      for (Eigen::MatrixXd* J : {&out.A[h], &out.V[h]}) {
        auto rows = J->middleRows(i * d, d);
        rows -= x * (x.transpose() * rows);
        rows *= o.sign;
      }
    }
  }
  out.velocity *= o.sign;
  product::tangent_project_in_place(X, out.velocity);
  return out;
}

}  // namespace varsphere
