#include <varsphere/functionals/multihead_energy.hpp>

namespace varsphere {

void check_heads(const std::vector<Eigen::MatrixXd>& D, Eigen::Index d) {
  if (D.empty()) throw InvalidInput("multi-head energy: need at least one head");
  for (std::size_t h = 0; h < D.size(); ++h) {
    const std::string what = "multi-head energy: head " + std::to_string(h);
    if (D[h].rows() != d || D[h].cols() != d) {
      throw InvalidInput(what + " must be " + std::to_string(d) + "x" + std::to_string(d));
    }
    validate_finite(D[h], what);
    validate_symmetric(D[h], what);
  }
}

std::vector<AttentionHead> multihead_attention_heads(const std::vector<Eigen::MatrixXd>& D) {
  std::vector<AttentionHead> heads;
  for (const auto& M : D) heads.push_back({M, M / double(D.size())});
  return heads;
}

MultiHeadEvaluation evaluate_multihead(const Eigen::MatrixXd& X,
                                       const std::vector<Eigen::MatrixXd>& D, double sign,
                                       const std::vector<Eigen::MatrixXd>* step) {
  const Eigen::Index d = X.rows(), n = X.cols();
  const double H = static_cast<double>(D.size()), nn = double(n) * double(n);
  MultiHeadEvaluation r;
  r.gradient = Eigen::MatrixXd::Zero(d, n);
  Eigen::MatrixXd v = Eigen::MatrixXd::Zero(d, n);
  Eigen::VectorXd inverse_mobility = Eigen::VectorXd::Zero(n);  // Σ_h n/N_hi
  const Eigen::MatrixXd G = X.transpose() * X;
  const Eigen::ArrayXXd ito_factor = 0.25 * (G.array().square() + 1.0);
  for (std::size_t h = 0; h < D.size(); ++h) {
    const Eigen::MatrixXd DX = D[h] * X;
    const Eigen::ArrayXXd E = (X.transpose() * DX).array().exp();  // symmetric
    const Eigen::VectorXd N = E.rowwise().sum().matrix();
    r.energy += E.sum();
    const Eigen::MatrixXd XE = X * E.matrix();  // column i: Σ_j e_ij x_j (E is symmetric)
    const Eigen::MatrixXd DXE = D[h] * XE;      // column i: Σ_j e_ij D x_j
    r.gradient += DXE;
    v += DXE * N.cwiseInverse().asDiagonal();
    inverse_mobility += double(n) * N.cwiseInverse();
    r.weight_gradient.push_back(XE * X.transpose() / (2 * H * nn));
    r.ito_rate += (ito_factor * E).sum();
    if (step != nullptr) {
      const Eigen::ArrayXXd S = (X.transpose() * (*step)[h] * X).array();
      r.second_order += 0.5 * (E * S.square()).sum();
    }
  }
  r.energy /= 2 * H * nn;
  r.gradient /= H * nn;
  r.ito_rate /= 2 * H * nn;
  r.second_order /= 2 * H * nn;
  v /= H;
  r.velocity = sign * product::tangent_project(X, v);
  const Eigen::VectorXd speed2 = r.velocity.colwise().squaredNorm().transpose();
  r.metric_slope = (speed2.array() / (inverse_mobility.array() / H)).sum() / double(n);
  return r;
}

}  // namespace varsphere
