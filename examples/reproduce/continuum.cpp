// The continuum Transformer of TLLC (docs/math.md §5): operator splitting = Post-LN encoder block,
// layer norm = projection onto S1, convergence under refinement, and the link to the sphere
// dynamics of GLPR through the layer-norm constraint.
#include <cmath>
#include <sstream>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/functionals/encoder_weights.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/continuum_splitting.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

#include "encoder_reference_data.hpp"
#include "reproduction.hpp"

namespace varsphere::reproduce {

namespace {

Eigen::MatrixXd reference(const std::string& stem) {
  const auto& files = encoder_reference_files();
  const auto it = files.find(stem);
  if (it == files.end()) throw Error("continuum: reference data '" + stem + "' is not compiled in");
  std::istringstream in(it->second);
  return read_csv_matrix(in, stem);
}

// A smooth two-head model on the midpoint grid of [0, 1]² (Gaussian and trigonometric kernels).
ContinuumLayer smooth_model(const ContinuumGrid& g) {
  const Eigen::Index n = g.features();
  ContinuumLayer layer;
  Eigen::MatrixXd WQ(n, n), WK(n, n), WV(n, n), W1(n, n), W2(n, n);
  for (Eigen::Index a = 0; a < n; ++a)
    for (Eigen::Index b = 0; b < n; ++b) {
      const double xi = g.y(a), y = g.y(b);
      WQ(a, b) = 2.0 * std::exp(-4 * (xi - y) * (xi - y));
      WK(a, b) = 1.5 * std::cos(2 * (xi - y)) - 0.5 * xi;
      WV(a, b) = std::sin(1 + xi + 2 * y);
      W1(a, b) = 0.6 * std::cos(3 * xi * y) - 0.3;
      W2(a, b) = 0.4 * std::exp(-(xi + y));
    }
  layer.attention = {WQ, WK, WV, std::nullopt, 2};
  layer.W1 = W1, layer.W2 = W2;
  Eigen::VectorXd b1(n), b2(n);
  for (Eigen::Index b = 0; b < n; ++b) b1(b) = 0.1 * std::sin(4 * g.y(b)), b2(b) = -0.2 * g.y(b);
  layer.b1 = feature_bias(g.tokens(), b1), layer.b2 = feature_bias(g.tokens(), b2);
  layer.sigma1 = 1.5, layer.sigma2 = 0.6;
  return layer;
}

Eigen::MatrixXd smooth_tokens(const ContinuumGrid& g) {
  Eigen::MatrixXd u(g.tokens(), g.features());
  for (Eigen::Index i = 0; i < g.tokens(); ++i)
    for (Eigen::Index b = 0; b < g.features(); ++b)
      u(i, b) = std::cos(5 * g.x(i) - 3 * g.y(b)) + g.x(i) * g.y(b);
  return u;
}

// Attention only: Q = K = βu, V = u and an FFN that vanishes (I + W_j = 0, b_j = 0), on the unit
// grid, so one step is u ← LN(u + dt Attn(u)).
ContinuumLayer attention_only(const ContinuumGrid& g, double beta, double sigma1, double sigma2) {
  const Eigen::Index n = g.features();
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n);
  ContinuumLayer layer;
  layer.attention = {beta * I, beta * I, I, std::nullopt, 1};
  layer.W1 = -I, layer.W2 = -I;
  layer.b1 = layer.b2 = Eigen::MatrixXd::Zero(g.tokens(), n);
  layer.sigma1 = sigma1, layer.sigma2 = sigma2;
  return layer;
}

// Tokens of a state on S1 as unit vectors: z_x = (u_x − σ1)/(σ2 √|Ω_y|), as columns (unit grid).
Eigen::MatrixXd unit_tokens(const Eigen::MatrixXd& u, double sigma1, double sigma2) {
  return ((u.array() - sigma1) / (sigma2 * std::sqrt(double(u.cols())))).matrix().transpose();
}

}  // namespace

std::vector<Row> splitting_equals_encoder(const Settings&) {
  const std::string id = "splitting-equals-encoder", paper = "TLLC";
  std::vector<Row> rows;
  for (const std::string name : {"encoder_h1", "encoder_h4"}) {
    const EncoderWeights w =
        encoder_weights_from([&](const char* key) { return reference(name + "_" + key); });
    const Eigen::MatrixXd u0 = reference(name + "_u0"), torch = reference(name + "_out");
    const ContinuumGrid grid = ContinuumGrid::unit(u0.rows(), u0.cols());
    const Eigen::MatrixXd u = splitting_step(grid, continuum_layer_from_encoder(grid, w), u0);
    std::ostringstream q;
    q << "max |splitting step - torch TransformerEncoderLayer| (" << w.heads << " head"
      << (w.heads > 1 ? "s" : "") << ", " << u0.rows() << " tokens x " << u0.cols()
      << " features, LN eps 0)";
    rows.push_back(within(id, paper, q.str(), 0, (u - torch).cwiseAbs().maxCoeff(), 1e-10));
  }
  return rows;
}

std::vector<Row> layernorm_projection(const Settings&) {
  const std::string id = "layernorm-projection", paper = "TLLC";
  std::vector<Row> rows;
  const Eigen::MatrixXd v = reference("layernorm_in"), torch = reference("layernorm_out"),
                        params = reference("layernorm_params");
  const double s1 = params(0), s2 = params(1);
  const ContinuumGrid unit = ContinuumGrid::unit(v.rows(), v.cols());
  const Eigen::MatrixXd p = project_layer_norm(unit, v, s1, s2);
  rows.push_back(within(id, paper, "max |Proj_S1 - torch layer_norm (eps 0)|", 0,
                        (p - torch).cwiseAbs().maxCoeff(), 1e-12));
  // Nearest point: among 10^4 random points of S1 (LN of Gaussian rows), none is closer.
  Rng rng(91);
  const int samples = 10000;
  int closer = 0;
  double margin = std::numeric_limits<double>::infinity();
  for (int k = 0; k < samples; ++k) {
    const Eigen::Index i = k % v.rows();
    const Eigen::RowVectorXd q = project_layer_norm(ContinuumGrid::unit(1, v.cols()),
                                                    rng.normal_matrix(1, v.cols()), s1, s2);
    const double gap = (v.row(i) - q).squaredNorm() - (v.row(i) - p.row(i)).squaredNorm();
    closer += gap < 0;
    margin = std::min(margin, gap);
  }
  rows.push_back(within(
      id, paper, "random feasible points closer than Proj_S1 (of " + std::to_string(samples) + ")",
      0, closer, 0));
  double invariance = 0;
  for (double c : {1e-3, 0.5, 7.0, 1e3})
    invariance =
        std::max(invariance, (project_layer_norm(unit, c * v, s1, s2) - p).cwiseAbs().maxCoeff());
  rows.push_back(
      within(id, paper, "max |LN(c v) - LN(v)|, c in {1e-3, 0.5, 7, 1e3}", 0, invariance, 1e-12));
  rows.push_back(within(id, paper, "max |Proj_S1(Proj_S1 v) - Proj_S1 v| (a projection)", 0,
                        (project_layer_norm(unit, p, s1, s2) - p).cwiseAbs().maxCoeff(), 1e-13));
  Eigen::MatrixXd constant = v;
  constant.row(1).setConstant(0.25);
  bool refused = false;
  try {
    (void)project_layer_norm(unit, constant, s1, s2);
  } catch (const Error&) {
    refused = true;
  }
  rows.push_back(within(id, paper, "a constant token is refused with an error, not NaN (1 = yes)",
                        1, refused, 0));
  return rows;
}

std::vector<Row> continuum_refinement(const Settings& s) {
  const std::string id = "continuum-refinement", paper = "TLLC";
  std::vector<Row> rows;
  // Grids N, 3N, 9N (, 27N): the coarse midpoints are nodes of the finer grids; two units of depth.
  const int N = 6, levels = s.quick ? 3 : 4;
  std::vector<Eigen::MatrixXd> coarse;
  std::vector<double> sizes;
  for (int k = 0, refine = 1; k < levels; ++k, refine *= 3) {
    const ContinuumGrid g = ContinuumGrid::midpoint(N * refine, 1.0, N * refine, 1.0);
    const ContinuumLayer layer = smooth_model(g);
    const Eigen::MatrixXd u = depth_flow(
                                  g, [&](double) { return layer; }, smooth_tokens(g), 2.0)
                                  .u.back();
    Eigen::MatrixXd c(N, N);
    for (int i = 0; i < N; ++i)
      for (int b = 0; b < N; ++b) c(i, b) = u(refine * i + refine / 2, refine * b + refine / 2);
    coarse.push_back(c);
    sizes.push_back(N * refine);
  }
  std::vector<double> grid_sizes, differences;
  for (std::size_t k = 0; k + 1 < coarse.size(); ++k) {
    grid_sizes.push_back(sizes[k]);
    differences.push_back((coarse[k + 1] - coarse[k]).cwiseAbs().maxCoeff());
  }
  Row grid_row = within(id, paper,
                        "grid order: max change at the coarse nodes, N_x = N_y = 6 to " +
                            std::to_string(int(sizes.back())) + " (midpoint rule: 2)",
                        2.0, fitted_order(grid_sizes, differences), 0.15);
  grid_row.series = Series{"N (grid points per axis)", "max change to the next grid (x3)",
                           grid_sizes, differences};
  rows.push_back(grid_row);

  // Continuous depth: 1/dt substeps per unit of depth, against dt = 1/4096.
  const ContinuumGrid g = ContinuumGrid::midpoint(10, 1.0, 12, 1.0);
  const ContinuumLayer layer = smooth_model(g);
  const LayerSchedule schedule = [&](double) { return layer; };
  const Eigen::MatrixXd u0 = smooth_tokens(g);
  const int finest = s.quick ? 1024 : 4096;
  const Eigen::MatrixXd exact = depth_flow(g, schedule, u0, 1.0, 1.0 / finest, finest).u.back();
  std::vector<double> steps, errors;
  for (int M : {8, 16, 32, 64}) {
    steps.push_back(M);
    errors.push_back(
        (depth_flow(g, schedule, u0, 1.0, 1.0 / M, M).u.back() - exact).cwiseAbs().maxCoeff());
  }
  Row dt_row = within(id, paper,
                      "continuous-depth order in dt (1/dt = 8..64 vs 1/" + std::to_string(finest) +
                          "; Lie-Euler splitting: 1)",
                      1.0, fitted_order(steps, errors), 0.1);
  dt_row.series = Series{"1/dt (substeps per layer)", "max error at depth 1", steps, errors};
  rows.push_back(dt_row);
  return rows;
}

std::vector<Row> ln_sphere(const Settings&) {
  const std::string id = "ln-sphere", paper = "TLLC/GLPR";
  std::vector<Row> rows;
  // 1. Every post-LN state lies on the sphere of radius σ2 √N_y in the mean-σ1 hyperplane: the
  //    four-head encoder layer of the PyTorch reference stacked 12 times.
  {
    const EncoderWeights w = encoder_weights_from(
        [&](const char* key) { return reference(std::string("encoder_h4_") + key); });
    const Eigen::MatrixXd u0 = reference("encoder_h4_u0");
    const ContinuumGrid grid = ContinuumGrid::unit(u0.rows(), u0.cols());
    const ContinuumLayer layer = continuum_layer_from_encoder(grid, w);
    const DepthTrajectory run = depth_flow(
        grid, [&](double) { return layer; }, u0, 12.0);
    double worst = 0;
    const double radius = w.sigma2 * std::sqrt(double(u0.cols()));
    for (std::size_t k = 1; k < run.u.size(); ++k)
      for (Eigen::Index i = 0; i < u0.rows(); ++i) {
        const Eigen::RowVectorXd row = run.u[k].row(i);
        worst = std::max({worst, std::abs(row.mean() - w.sigma1),
                          std::abs((row.array() - w.sigma1).matrix().norm() - radius) / radius});
      }
    rows.push_back(within(id, paper,
                          "12 four-head layers: max |mean - sigma1|, | |u - sigma1| - sigma2 "
                          "sqrt(N_y) | / radius",
                          0, worst, 1e-12));
  }
  // 2. Attention only (Q = K = βu, V = u, no FFN): one step is z ← normalize(z + dt Σ_j p_ij z_j)
  //    for the unit tokens z, with p the softmax of β² σ2² √N_y ⟨z_i, z_j⟩ — GLPR's SA model with
  //    β_eff = β² σ2² √N_y, stepped by the published normalized-Euler scheme.
  const int n = 16, width = 6;
  const double beta = 1.2, s1 = 0.5, s2 = 0.9;
  const double beta_eff = beta * beta * s2 * s2 * std::sqrt(double(width));
  const ContinuumGrid grid = ContinuumGrid::unit(n, width);
  const ContinuumLayer layer = attention_only(grid, beta, s1, s2);
  const LayerSchedule schedule = [&](double) { return layer; };
  Rng rng(92);
  const Eigen::MatrixXd u0 = project_layer_norm(grid, rng.normal_matrix(n, width), s1, s2);
  const Eigen::MatrixXd Z0 = unit_tokens(u0, s1, s2);
  const AttentionField sa =
      AttentionField::identity(width, {AttentionNormalization::Softmax, beta_eff, 1.0});
  {
    FlowOptions o;
    o.scheme = FlowScheme::EulerRenormalize;
    o.dt = 0.1;
    o.record = false;
    const Eigen::MatrixXd glpr = integrate(sa, Z0, 0.0, 2.0, o).final_state;
    const Eigen::MatrixXd continuum =
        unit_tokens(depth_flow(grid, schedule, u0, 2.0, 0.1).u.back(), s1, s2);
    rows.push_back(
        within(id, paper,
               "attention-only continuum, dt = 0.1 to depth 2 = GLPR SA normalized steps "
               "with beta_eff = beta^2 sigma2^2 sqrt(N_y): max |difference|",
               0, (continuum - glpr).cwiseAbs().maxCoeff(), 1e-12));
  }
  {
    const Trajectory flow = flow_on_grid(sa, Z0, 1.0, 1);
    std::vector<double> steps, errors;
    for (int M : {32, 64, 128, 256}) {
      steps.push_back(M);
      errors.push_back(product::distance(
          unit_tokens(depth_flow(grid, schedule, u0, 1.0, 1.0 / M, M).u.back(), s1, s2),
          flow.frames.back()));
    }
    Row r = within(id, paper, "dt -> 0: distance to the SA flow on the sphere at depth 1 (order 1)",
                   1.0, fitted_order(steps, errors), 0.1);
    r.series = Series{"1/dt", "distance to the GLPR SA flow", steps, errors};
    rows.push_back(r);
  }
  // 3. Token geometry over depth for the encoder stack (dt = 1): pairwise inner products rise and
  //    the tokens cluster.
  {
    const int depth = 80;
    const DepthTrajectory run = depth_flow(grid, schedule, u0, double(depth));
    Series mean_inner{"depth (layers)", "mean pairwise <z_i, z_j>", {}, {}, false, false};
    for (std::size_t k = 0; k < run.u.size(); ++k) {
      const Eigen::MatrixXd Z = unit_tokens(run.u[k], s1, s2);
      const Eigen::MatrixXd G = Z.transpose() * Z;
      mean_inner.x.push_back(run.t[k]);
      mean_inner.y.push_back((G.sum() - G.trace()) / double(n * (n - 1)));
    }
    const Eigen::MatrixXd Zend = unit_tokens(run.u.back(), s1, s2);
    Row r = within(id, paper,
                   "attention-only encoder stack, 16 random tokens: clusters after " +
                       std::to_string(depth) + " layers",
                   1, count_clusters(Zend), 0);
    r.series = mean_inner;
    rows.push_back(r);
  }
  return rows;
}

}  // namespace varsphere::reproduce
