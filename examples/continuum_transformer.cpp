// A small continuum Transformer (docs/math.md §5, TLLC): 24 tokens on Ω_x = [0, 1], features on
// Ω_y = [0, 1] with 32 grid points, two heads, smooth kernels, and a user-written LayerSchedule
// whose attention sharpens with depth (β(t) = 1 + t/4). Every unit of depth is one six-substep
// splitting step (= one Post-LN encoder block). It prints how the token geometry evolves: the
// normalized tokens z_x = (u_x − σ1)/(σ2 √|Ω_y|) lie on the unit sphere of the mean-zero features
// (checked at every layer), and they cluster: here into two antipodal groups (mean inner product
// near 0, the least one −1), the two-cluster states that the sphere dynamics of GLPR and BKKRW
// also reach.
#include <cmath>
#include <cstdio>
#include <varsphere/functionals/continuum_grid.hpp>
#include <varsphere/functionals/continuum_layer.hpp>
#include <varsphere/functionals/layer_norm_projection.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/continuum_splitting.hpp>

using namespace varsphere;

int main() {
  const ContinuumGrid grid = ContinuumGrid::midpoint(24, 1.0, 32, 1.0);
  const Eigen::Index n = grid.features();
  const double sigma1 = 0.0, sigma2 = 1.0;

  // The user's model: kernels are functions of (ξ, y) sampled on the grid, weights depend on t.
  const LayerSchedule layers = [&](double t) {
    const double beta = 1.0 + 0.25 * t;
    Eigen::MatrixXd WQ(n, n), WV(n, n), W1(n, n), W2(n, n);
    for (Eigen::Index a = 0; a < n; ++a)
      for (Eigen::Index b = 0; b < n; ++b) {
        const double xi = grid.y(a), y = grid.y(b);
        WQ(a, b) = beta * 6.0 * std::exp(-30.0 * (xi - y) * (xi - y));  // a smoothed identity
        WV(a, b) = 4.0 * std::exp(-40.0 * (xi - y) * (xi - y));
        W1(a, b) = -1.0 / grid.wy(a) * (a == b) + 0.3 * std::cos(M_PI * (xi + y));
        W2(a, b) = -1.0 / grid.wy(a) * (a == b) + 0.2 * std::sin(M_PI * xi * y);
      }
    ContinuumLayer layer;
    layer.attention = {WQ, WQ, WV, std::nullopt, 2};
    layer.W1 = W1, layer.W2 = W2;  // I + W_j is a small smooth operator: a weak FFN
    layer.b1 = layer.b2 = Eigen::MatrixXd::Zero(grid.tokens(), n);
    layer.sigma1 = sigma1, layer.sigma2 = sigma2;
    return layer;
  };

  Eigen::MatrixXd u0(grid.tokens(), n);
  for (Eigen::Index i = 0; i < grid.tokens(); ++i)
    for (Eigen::Index b = 0; b < n; ++b)
      u0(i, b) = std::cos(2 * M_PI * (3 * grid.x(i) + grid.y(b))) +
                 std::sin(7 * grid.x(i) * grid.y(b) + double(i));

  u0 = project_layer_norm(grid, u0, sigma1, sigma2);  // start on S1 too
  const DepthTrajectory run = depth_flow(grid, layers, u0, 24.0);
  const double radius = sigma2 * std::sqrt(grid.feature_measure());
  double worst_sphere = 0;
  std::printf("depth  mean<z,z'>  min<z,z'>  clusters(>0.999)\n");
  for (std::size_t k = 0; k < run.u.size(); ++k) {
    // Unit tokens in the weighted L² inner product, as columns: z̃ = diag(√ω) z (Euclidean).
    Eigen::MatrixXd Z = ((run.u[k].array() - sigma1) / radius).matrix().transpose();
    Z = grid.wy.cwiseSqrt().asDiagonal() * Z;
    if (k > 0)
      worst_sphere = std::max(worst_sphere, (Z.colwise().norm().array() - 1).abs().maxCoeff());
    const Eigen::MatrixXd G = Z.transpose() * Z;
    const double m = double(Z.cols());
    if (k % 3 == 0) {
      const double mean = (G.sum() - G.trace()) / (m * (m - 1));
      double least = 1;
      for (Eigen::Index i = 0; i < Z.cols(); ++i)
        for (Eigen::Index j = 0; j < i; ++j) least = std::min(least, G(i, j));
      std::printf("%5.0f  %10.4f  %9.4f  %d\n", run.t[k], mean, least, count_clusters(Z));
    }
  }
  std::printf(
      "post-LN tokens on the sphere of radius sigma2*sqrt|Omega_y|: max | |z| - 1 | = %.2e\n",
      worst_sphere);
  return worst_sphere < 1e-12 ? 0 : 1;
}
