// The weights of one unit of depth of the continuum Transformer (docs/math.md §5, TLLC): attention
// kernels, the feed-forward kernels W_j (operators I + 𝒲_j) and biases b_j(x, y), and the
// layer-norm constraint S1(σ1, σ2). Depth-dependent weights are a LayerSchedule t ↦ layer.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <functional>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/continuum_attention.hpp>
#include <varsphere/functionals/continuum_grid.hpp>

namespace varsphere {

/// The weights of one unit of depth.
struct ContinuumLayer {
  ContinuumAttentionKernels attention;
  Eigen::MatrixXd W1, W2;  ///< FFN kernels (N_y × N_y); the FFN operators are I + 𝒲_j
  Eigen::MatrixXd b1, b2;  ///< biases b_j(x, y), N_x × N_y (a Transformer's: identical rows)
  double sigma1 = 0.0;     ///< layer-norm mean σ1
  double sigma2 = 1.0;     ///< layer-norm standard deviation σ2 > 0
};

/// Depth-dependent weights: the layer in force at depth t.
using LayerSchedule = std::function<ContinuumLayer(double t)>;

/// Throws InvalidInput naming the first inconsistent weight.
void check_layer(const ContinuumGrid& grid, const ContinuumLayer& layer);

/// A per-feature bias b(y) as the N_x × N_y field b(x, y) = b(y).
Eigen::MatrixXd feature_bias(Eigen::Index tokens, const Eigen::VectorXd& b);

}  // namespace varsphere
