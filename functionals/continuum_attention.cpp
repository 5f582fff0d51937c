#include <varsphere/functionals/continuum_attention.hpp>

namespace varsphere {

void check_attention_kernels(const ContinuumGrid& grid, const ContinuumAttentionKernels& k) {
  grid.check_kernel(k.WQ, "attention W^Q");
  grid.check_kernel(k.WK, "attention W^K");
  grid.check_kernel(k.WV, "attention W^V");
  if (k.WO) grid.check_kernel(*k.WO, "attention W^O");
  if (k.heads < 1 || grid.features() % k.heads != 0) {
    throw InvalidInput(
        "attention: the number of heads (" + std::to_string(k.heads) +
        ") must divide the feature grid size N_y = " + std::to_string(grid.features()));
  }
}

Eigen::MatrixXd attention_kernel(const ContinuumGrid& grid, const Eigen::MatrixXd& Q,
                                 const Eigen::MatrixXd& K, int h, int heads) {
  const Eigen::Index width = grid.features() / heads, first = h * width;
  const auto w = grid.wy.segment(first, width);
  const double scale = 1.0 / std::sqrt(w.sum());
  Eigen::MatrixXd S =
      scale * Q.middleCols(first, width) * w.asDiagonal() * K.middleCols(first, width).transpose();
  for (Eigen::Index i = 0; i < S.rows(); ++i) {
    S.row(i) = (S.row(i).array() - S.row(i).maxCoeff()).exp();
    S.row(i) /= S.row(i).dot(grid.wx);
  }
  return S;
}

Eigen::MatrixXd continuum_attention(const ContinuumGrid& grid, const ContinuumAttentionKernels& k,
                                    const Eigen::MatrixXd& u) {
  const Eigen::MatrixXd Q = feature_integral(grid, u, k.WQ), K = feature_integral(grid, u, k.WK),
                        V = feature_integral(grid, u, k.WV);
  Eigen::MatrixXd A(u.rows(), u.cols());
  const Eigen::Index width = grid.features() / k.heads;
  for (int h = 0; h < k.heads; ++h) {
    const Eigen::MatrixXd gamma = attention_kernel(grid, Q, K, h, k.heads);
    A.middleCols(h * width, width) = gamma * grid.wx.asDiagonal() * V.middleCols(h * width, width);
  }
  return k.WO ? feature_integral(grid, A, *k.WO) : A;
}

}  // namespace varsphere
