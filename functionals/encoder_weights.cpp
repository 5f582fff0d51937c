#include <varsphere/functionals/encoder_weights.hpp>

namespace varsphere {

ContinuumLayer continuum_layer_from_encoder(const ContinuumGrid& grid, const EncoderWeights& w) {
  if ((grid.wy.array() - 1.0).abs().maxCoeff() > 1e-14) {
    throw InvalidInput("encoder weights: the feature grid must have unit weights");
  }
  const Eigen::Index n = grid.features();
  if (w.b1.size() != n || w.b2.size() != n) {
    throw InvalidInput("encoder weights: biases must have N_y = " + std::to_string(n) + " entries");
  }
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n);
  ContinuumLayer layer;
  layer.attention = {w.Wq.transpose(), w.Wk.transpose(), w.Wv.transpose(), w.Wo.transpose(),
                     w.heads};
  layer.W1 = w.W1.transpose() - I;
  layer.W2 = w.W2.transpose() - I;
  layer.b1 = feature_bias(grid.tokens(), w.b1);
  layer.b2 = feature_bias(grid.tokens(), w.b2);
  layer.sigma1 = w.sigma1;
  layer.sigma2 = w.sigma2;
  check_layer(grid, layer);
  return layer;
}

}  // namespace varsphere
