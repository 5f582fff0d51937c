// The weights of a discrete Post-LN Transformer encoder layer — in PyTorch's layout,
// nn.TransformerEncoderLayer with d_model = N_y, dim_feedforward = N_y, Linear(x) = x Wᵀ + b —
// as the kernels of the continuum model (docs/math.md §5) on a grid whose feature weights are 1:
//   W^Q = W_qᵀ, W^K = W_kᵀ, W^V = W_vᵀ, W^O = W_oᵀ   (𝒲u = u diag(ω^y) W = u W),
//   I + W1 = W_linear1ᵀ, I + W2 = W_linear2ᵀ, b_j(x, y) = b_linear_j(y),
//   layer-norm affine maps σ2·v + σ1 (constant weight σ2 and bias σ1).
// The attention input and output biases must be zero (the continuum operators have none).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/continuum_grid.hpp>
#include <varsphere/functionals/continuum_layer.hpp>

namespace varsphere {

struct EncoderWeights {
  Eigen::MatrixXd Wq, Wk, Wv, Wo;  ///< N_y × N_y, PyTorch layout (output = input Wᵀ)
  Eigen::MatrixXd W1, W2;          ///< linear1/linear2 weights, N_y × N_y
  Eigen::VectorXd b1, b2;          ///< linear1/linear2 biases, N_y
  int heads = 1;
  double sigma1 = 0.0, sigma2 = 1.0;
};

/// The weights stored by scripts/make_encoder_reference.py: `read(key)` returns the matrix of the
/// case's file <case>_<key>.csv for key in wq, wk, wv, wo, w1, w2, b1, b2, params (heads, σ1, σ2).
template <class Read>
EncoderWeights encoder_weights_from(Read&& read) {
  EncoderWeights w;
  w.Wq = read("wq"), w.Wk = read("wk"), w.Wv = read("wv"), w.Wo = read("wo");
  w.W1 = read("w1"), w.W2 = read("w2");
  const Eigen::MatrixXd b1 = read("b1"), b2 = read("b2"), params = read("params");
  if (b1.rows() != 1 || b2.rows() != 1 || params.size() != 3) {
    throw InvalidInput("encoder weights: biases must be one row and params three numbers");
  }
  w.b1 = b1.row(0).transpose(), w.b2 = b2.row(0).transpose();
  w.heads = static_cast<int>(std::lround(params(0)));
  w.sigma1 = params(1), w.sigma2 = params(2);
  return w;
}

/// The continuum layer on `grid`, which must have unit feature weights (ContinuumGrid::unit).
ContinuumLayer continuum_layer_from_encoder(const ContinuumGrid& grid, const EncoderWeights& w);

}  // namespace varsphere
