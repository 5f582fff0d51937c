// The continuum Transformer (docs/math.md §5, TLLC): the splitting step against PyTorch's Post-LN
// encoder (stored outputs), the layer-norm projection, and convergence in Δt and in the grids.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/encoder_weights.hpp>
#include <varsphere/solvers/continuum_splitting.hpp>
#include <varsphere/core/error.hpp>

#include "support/reference_case.hpp"

using namespace varsphere;
using Eigen::MatrixXd;

namespace {

MatrixXd read_case(const std::string& name, const std::string& key) {
  return read_csv_matrix(testing::data_path("encoder/" + name + "_" + key + ".csv"));
}

// A smooth layer on the midpoint grid of [0, 1]²: kernels and biases are smooth functions.
ContinuumLayer smooth_layer(const ContinuumGrid& g, double sigma1, double sigma2) {
  const Eigen::Index n = g.features();
  MatrixXd WQ(n, n), WK(n, n), WV(n, n), W1(n, n), W2(n, n);
  for (Eigen::Index a = 0; a < n; ++a)
    for (Eigen::Index b = 0; b < n; ++b) {
      const double xi = g.y(a), y = g.y(b);
      WQ(a, b) = 1.5 * std::cos(M_PI * (xi - y));
      WK(a, b) = 1.2 * std::cos(M_PI * (xi - 0.5 * y)) + 0.3;
      WV(a, b) = std::exp(-std::pow(xi - y, 2));
      W1(a, b) = 0.5 * std::sin(M_PI * (xi + y));
      W2(a, b) = -0.4 * std::cos(2 * M_PI * xi * y);
    }
  ContinuumLayer layer;
  layer.attention = {WQ, WK, WV, std::nullopt, 1};
  layer.W1 = W1, layer.W2 = W2;
  Eigen::VectorXd b1(n), b2(n);
  for (Eigen::Index b = 0; b < n; ++b) b1(b) = 0.2 * std::cos(M_PI * g.y(b)), b2(b) = 0.1 * g.y(b);
  layer.b1 = feature_bias(g.tokens(), b1);
  layer.b2 = feature_bias(g.tokens(), b2);
  layer.sigma1 = sigma1, layer.sigma2 = sigma2;
  return layer;
}

MatrixXd smooth_state(const ContinuumGrid& g) {
  MatrixXd u(g.tokens(), g.features());
  for (Eigen::Index i = 0; i < g.tokens(); ++i)
    for (Eigen::Index b = 0; b < g.features(); ++b)
      u(i, b) = std::sin(2 * M_PI * g.y(b) + 3 * g.x(i)) + 0.5 * std::cos(M_PI * g.x(i) * g.y(b));
  return u;
}

}  // namespace

TEST_CASE("one splitting step equals PyTorch's Post-LN encoder layer (one head and four heads)") {
  for (const std::string name : {"encoder_h1", "encoder_h4"}) {
    INFO(name);
    const EncoderWeights w =
        encoder_weights_from([&](const char* key) { return read_case(name, key); });
    const MatrixXd u0 = read_case(name, "u0"), expected = read_case(name, "out");
    const ContinuumGrid grid = ContinuumGrid::unit(u0.rows(), u0.cols());
    const ContinuumLayer layer = continuum_layer_from_encoder(grid, w);
    const MatrixXd u = splitting_step(grid, layer, u0);
    CHECK((u - expected).cwiseAbs().maxCoeff() <= 1e-10);
    // The intermediate u5 = ½(u4 + u2) is the encoder's LN input halved: LN absorbs the ½.
    const SplittingSubsteps s = splitting_substeps(grid, layer, u0);
    CHECK((s.u5 - 0.5 * (s.u4 + s.u2)).cwiseAbs().maxCoeff() <= 1e-15);
    // Changing the number of heads changes the result: the heads are really split.
    ContinuumLayer other = layer;
    other.attention.heads = w.heads == 1 ? 2 : 1;
    CHECK((splitting_step(grid, other, u0) - expected).cwiseAbs().maxCoeff() > 1e-3);
  }
}

TEST_CASE("layer norm is the projection onto S1: closed form, nearest point, scale invariance") {
  Rng rng(81);
  // Non-uniform feature weights (a trapezoid-like rule) to test the weighted L² geometry.
  ContinuumGrid g = ContinuumGrid::midpoint(5, 1.0, 9, 2.0);
  for (Eigen::Index b = 0; b < g.features(); ++b) g.wy(b) *= 0.5 + 0.1 * double(b);
  const MatrixXd v = rng.normal_matrix(5, 9);
  const double s1 = 0.4, s2 = 1.3;
  const MatrixXd p = project_layer_norm(g, v, s1, s2);
  const double measure = g.feature_measure();
  for (Eigen::Index i = 0; i < 5; ++i) {
    const double mean = p.row(i).dot(g.wy) / measure;
    const double var = (p.row(i).array() - mean).square().matrix().dot(g.wy) / measure;
    CHECK(mean == doctest::Approx(s1).epsilon(1e-14));
    CHECK(var == doctest::Approx(s2 * s2).epsilon(1e-13));
  }
  CHECK((project_layer_norm(g, 3.7 * v, s1, s2) - p).cwiseAbs().maxCoeff() <= 1e-13);
  CHECK((project_layer_norm(g, p, s1, s2) - p).cwiseAbs().maxCoeff() <= 1e-13);
  // Nearest point: no feasible point (LN of a random vector) is closer in the weighted norm.
  auto dist2 = [&](const Eigen::RowVectorXd& a, const Eigen::RowVectorXd& b) {
    return (a - b).cwiseAbs2().dot(g.wy);
  };
  int closer = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const MatrixXd q = project_layer_norm(g, rng.normal_matrix(5, 9), s1, s2);
    for (Eigen::Index i = 0; i < 5; ++i)
      closer += dist2(v.row(i), q.row(i)) < dist2(v.row(i), p.row(i)) - 1e-12;
  }
  CHECK(closer == 0);
  // A constant token has no projection: an error, not NaN.
  MatrixXd bad = v;
  bad.row(2).setConstant(0.7);
  CHECK_THROWS_AS(project_layer_norm(g, bad, s1, s2), Error);
  CHECK_THROWS_AS(project_layer_norm(g, v, s1, 0.0), InvalidInput);
}

TEST_CASE("continuous depth: the splitting converges at first order in dt") {
  const ContinuumGrid g = ContinuumGrid::midpoint(12, 1.0, 10, 1.0);
  const ContinuumLayer layer = smooth_layer(g, 2.0, 0.5);
  const LayerSchedule schedule = [&](double) { return layer; };
  const MatrixXd u0 = project_layer_norm(g, smooth_state(g), 2.0, 0.5);
  const MatrixXd reference = depth_flow(g, schedule, u0, 1.0, 1.0 / 2048, 2048).u.back();
  std::vector<double> steps, errors;
  for (int M : {16, 32, 64, 128}) {
    steps.push_back(M);
    errors.push_back(
        (depth_flow(g, schedule, u0, 1.0, 1.0 / M, M).u.back() - reference).cwiseAbs().maxCoeff());
  }
  CHECK(fitted_order(steps, errors) == doctest::Approx(1.0).epsilon(0.1));
}

TEST_CASE("grid refinement: smooth kernels converge at the midpoint rule's second order") {
  // Grids N, 3N, 9N, 27N: the coarse midpoints are nodes of every finer grid.
  std::vector<MatrixXd> at_coarse_nodes;
  std::vector<double> sizes;
  const int N = 4;
  for (int refine : {1, 3, 9, 27}) {
    const ContinuumGrid g = ContinuumGrid::midpoint(N * refine, 1.0, N * refine, 1.0);
    const ContinuumLayer layer = smooth_layer(g, 2.0, 0.5);
    const MatrixXd u = depth_flow(
                           g, [&](double) { return layer; }, smooth_state(g), 2.0)
                           .u.back();
    MatrixXd coarse(N, N);
    for (int i = 0; i < N; ++i)
      for (int b = 0; b < N; ++b)
        coarse(i, b) = u(refine * i + refine / 2, refine * b + refine / 2);
    at_coarse_nodes.push_back(coarse);
    sizes.push_back(N * refine);
  }
  std::vector<double> K, differences;
  for (std::size_t k = 0; k + 1 < at_coarse_nodes.size(); ++k) {
    K.push_back(sizes[k]);
    differences.push_back((at_coarse_nodes[k + 1] - at_coarse_nodes[k]).cwiseAbs().maxCoeff());
  }
  CHECK(fitted_order(K, differences) == doctest::Approx(2.0).epsilon(0.1));
}

TEST_CASE("continuum inputs are checked") {
  const ContinuumGrid g = ContinuumGrid::midpoint(4, 1.0, 6, 1.0);
  ContinuumLayer layer = smooth_layer(g, 0.0, 1.0);
  const MatrixXd u = smooth_state(g);
  CHECK_THROWS_AS(splitting_step(g, layer, MatrixXd::Ones(3, 6)), InvalidInput);
  layer.attention.heads = 4;  // does not divide 6
  CHECK_THROWS_AS(splitting_step(g, layer, u), InvalidInput);
  layer.attention.heads = 1;
  layer.W1(0, 0) = std::nan("");
  CHECK_THROWS_AS(splitting_step(g, layer, u), InvalidInput);
  CHECK_THROWS_AS(depth_flow(
                      g, [&](double) { return smooth_layer(g, 0, 1); }, u, 1.0, 0.3),
                  InvalidInput);
  CHECK_THROWS_AS(ContinuumGrid::midpoint(4, 1.0, 1, 1.0), InvalidInput);
}
