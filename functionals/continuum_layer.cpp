#include <varsphere/functionals/continuum_layer.hpp>

namespace varsphere {

void check_layer(const ContinuumGrid& grid, const ContinuumLayer& layer) {
  check_attention_kernels(grid, layer.attention);
  grid.check_kernel(layer.W1, "FFN W1");
  grid.check_kernel(layer.W2, "FFN W2");
  grid.check_field(layer.b1, "FFN bias b1");
  grid.check_field(layer.b2, "FFN bias b2");
  if (!std::isfinite(layer.sigma1) || !(layer.sigma2 > 0) || !std::isfinite(layer.sigma2)) {
    throw InvalidInput("layer: need a finite sigma1 and a positive finite sigma2");
  }
}

Eigen::MatrixXd feature_bias(Eigen::Index tokens, const Eigen::VectorXd& b) {
  return Eigen::MatrixXd::Ones(tokens, 1) * b.transpose();
}

}  // namespace varsphere
