// Whole nodes as unknowns (docs/math.md §3.7): the block-tridiagonal Cholesky against a dense
// factorization, its thread-count invariance, and the node-block Levenberg–Marquardt against the
// per-token Ceres solver of the DEL equations (the solver the BVP used before), with the same path
// whatever the thread count, and a clean stop from the iteration callback.
#include <doctest/doctest.h>

#include <Eigen/Cholesky>
#include <Eigen/QR>
#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/functionals/de_giorgi_lagrangian.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/block_tridiagonal_system.hpp>
#include <varsphere/solvers/discrete_action.hpp>
#include <varsphere/solvers/lagrangian_step_model.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/path_comparison.hpp>


using namespace varsphere;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// H = JᵀJ of a random block-bidiagonal J (rows of step k touch blocks k−1 and k), so that H is
// block-tridiagonal and positive definite; filled into `system` and returned dense.
MatrixXd random_normal_equations(Rng& rng, BlockTridiagonalSystem& system) {
  const int m = system.blocks();
  const Eigen::Index N = system.block_size();
  MatrixXd dense = MatrixXd::Zero(m * N, m * N);
  for (int k = 0; k <= m; ++k) {
    const MatrixXd Ja = rng.normal_matrix(N + 3, N), Jb = rng.normal_matrix(N + 3, N);
    if (k > 0) dense.block((k - 1) * N, (k - 1) * N, N, N) += Ja.transpose() * Ja;
    if (k < m) dense.block(k * N, k * N, N, N) += Jb.transpose() * Jb;
    if (k > 0 && k < m) {
      dense.block((k - 1) * N, k * N, N, N) += Ja.transpose() * Jb;
      dense.block(k * N, (k - 1) * N, N, N) += Jb.transpose() * Ja;
    }
  }
  for (int k = 0; k < m; ++k) {
    system.diagonal(k) = dense.block(k * N, k * N, N, N);
    if (k + 1 < m) system.coupling(k) = dense.block(k * N, (k + 1) * N, N, N);
  }
  return dense;
}

}  // namespace

TEST_CASE("block-tridiagonal Cholesky solves the damped system like a dense Cholesky") {
  Rng rng(170);
  // Block sizes below, at and above one panel (128 columns), so that every panel path runs.
  for (const auto& shape : {std::pair{1, 5}, {6, 7}, {3, 130}, {4, 300}}) {
    const int blocks = shape.first;
    const Eigen::Index N = shape.second;
    CAPTURE(blocks);
    CAPTURE(N);
    BlockTridiagonalSystem system(blocks, N);
    const MatrixXd H = random_normal_equations(rng, system);
    const VectorXd b = rng.normal_vector(H.rows());
    for (double lambda : {0.0, 1e-3, 10.0}) {
      CAPTURE(lambda);
      MatrixXd damped = H;
      damped.diagonal() += lambda * H.diagonal().cwiseMax(1e-6);
      const VectorXd expected = damped.llt().solve(b);
      REQUIRE(system.factor(lambda, 2));
      const VectorXd x = system.solve(b);
      CHECK((x - expected).norm() <= 1e-10 * expected.norm());
      CHECK((damped * x - b).norm() <= 1e-10 * b.norm());
      // A float32 factor refined against the double system gives the double solution.
      REQUIRE(system.factor(lambda, 2, 1e-6, FactorPrecision::Single));
      const VectorXd single = system.solve(b);
      CHECK((single - expected).norm() <= 1e-10 * expected.norm());
      CHECK((system.damped_multiply(single) - damped * single).norm() <= 1e-12 * b.norm());
    }
    CHECK((system.multiply(b) - H * b).norm() <= 1e-12 * (H * b).norm());
  }
}

TEST_CASE("block-tridiagonal Cholesky: the same solution bit for bit on 1, 2 and 3 threads") {
  Rng rng(171);
  BlockTridiagonalSystem system(5, 290);
  random_normal_equations(rng, system);
  const VectorXd b = rng.normal_vector(system.size());
  REQUIRE(system.factor(1e-4, 1));
  const VectorXd one = system.solve(b);
  for (int threads : {2, 3}) {
    REQUIRE(system.factor(1e-4, threads));
    CHECK((system.solve(b) - one).cwiseAbs().maxCoeff() == 0.0);
  }
}

TEST_CASE("a float32 factor that cannot be refined falls back to double") {
  // Diagonal blocks Q diag(1 .. 1e-10) Qᵀ, no coupling: float32 (cond · 6e-8 ≫ 1) cannot refine,
  // the double factor (cond · 1e-16 = 1e-6) solves it.
  Rng rng(176);
  const Eigen::Index N = 40;
  BlockTridiagonalSystem system(2, N);
  VectorXd spectrum(N);
  for (Eigen::Index i = 0; i < N; ++i) spectrum(i) = std::pow(10.0, -10.0 * i / (N - 1));
  for (int k = 0; k < 2; ++k) {
    const MatrixXd Q = Eigen::HouseholderQR<MatrixXd>(rng.normal_matrix(N, N)).householderQ();
    system.diagonal(k) = Q * spectrum.asDiagonal() * Q.transpose();
  }
  const VectorXd b = rng.normal_vector(2 * N);
  VectorXd expected(2 * N);
  for (int k = 0; k < 2; ++k) expected.segment(k * N, N) = system.diagonal(k).llt().solve(b.segment(k * N, N));
  REQUIRE(system.factor(0.0, 2, 1e-30, FactorPrecision::Double));
  const VectorXd direct = system.solve(b);
  if (system.factor(0.0, 2, 1e-30, FactorPrecision::Single)) {  // float may refuse outright
    const VectorXd x = system.solve(b);
    CHECK((x - direct).norm() <= 1e-12 * direct.norm());  // it is the double solve
  }
  CHECK((direct - expected).norm() <= 1e-5 * expected.norm());
}

TEST_CASE("block-tridiagonal Cholesky reports a matrix that is not positive definite") {
  BlockTridiagonalSystem system(3, 4);
  for (int k = 0; k < 3; ++k) system.diagonal(k) = MatrixXd::Identity(4, 4);
  system.diagonal(1)(2, 2) = -1.0;
  CHECK_FALSE(system.factor(0.0, 1));
  CHECK_THROWS_AS(system.solve(VectorXd::Zero(12)), Error);
  // A large enough damping does not help a negative pivot (it scales |diag| clamped from below):
  // the factor stays refused, and the system is unchanged by the attempt.
  CHECK(system.diagonal(1)(2, 2) == -1.0);
}

TEST_CASE("node blocks give the path of the per-token Ceres DEL solver, flow matching and De Giorgi") {
  Rng rng(172);
  const int d = 4, n = 5, K = 12;
  const double T = 1.2;
  const MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField general(d, {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)}},
                               {AttentionNormalization::Softmax, 1.3, 1.0});
  const DeGiorgiLagrangian dg = DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, 1.0, d);
  const MatrixXd X1 = product::random_point(rng, d, n);
  // `del_tolerance` for the node blocks: Levenberg–Marquardt with Gauss–Newton polishing reaches
  // ~1e-12 on problems whose residuals nearly vanish (endpoints of the flow), ~1e-8 relative on
  // others (a far endpoint); the gap between the paths follows.
  auto check_same = [&](const auto& L, const MatrixXd& end, double del_tolerance, double max_gap) {
    BvpOptions node_blocks;
    node_blocks.second_order.reset();  // the solve only (test_second_order checks the certificate)
    node_blocks.del_tolerance = del_tolerance;
    const BvpResult a = solve_bvp(L, X0, end, T, K, node_blocks);
    BvpOptions per_token = node_blocks;
    per_token.method = BvpMethod::DelEquations;
    per_token.del_tolerance = 1e-12;
    const BvpResult b = solve_bvp(L, X0, end, T, K, per_token);
    INFO(a.status);
    INFO(b.status);
    REQUIRE(a.converged);
    REQUIRE(b.converged);
    CHECK(a.method == BvpMethod::LeastSquares);
    const double gap = compare_paths(a.path, b.path).sup_distance;
    MESSAGE("node blocks vs per-token Ceres: " << gap << " (DEL " << a.del_residual_max << ")");
    CHECK(gap <= max_gap);
    CHECK(a.action == doctest::Approx(b.action).epsilon(1e-12));
  };
  const Trajectory general_flow = flow_on_grid(general, X0, T, K, 1e-13, 1e-14);
  check_same(FlowMatchingLagrangian{general}, general_flow.frames.back(), 1e-10, 1e-10);
  check_same(FlowMatchingLagrangian{general}, X1, 1e-7, 1e-7);
  const Trajectory flow = flow_on_grid(dg.field(), X0, T, K, 1e-13, 1e-14);
  check_same(dg, flow.frames.back(), 1e-10, 1e-10);
}

TEST_CASE("node-block BVP: the path does not depend on the thread count, bit for bit") {
  Rng rng(173);
  const int d = 5, n = 9, K = 10;
  const MatrixXd X0 = product::random_point(rng, d, n);
  const DeGiorgiLagrangian dg = DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, 2.0, d);
  const Trajectory flow = flow_on_grid(dg.field(), X0, 1.0, K, 1e-13, 1e-14);
  BvpOptions options;
  options.second_order.reset();  // the solve only (test_second_order checks the certificate)
  options.threads = 1;
  const BvpResult one = solve_bvp(dg, X0, flow.frames.back(), 1.0, K, options);
  REQUIRE(one.converged);
  for (int threads : {2, 3}) {
    options.threads = threads;
    const BvpResult r = solve_bvp(dg, X0, flow.frames.back(), 1.0, K, options);
    CHECK(r.iterations == one.iterations);
    for (int k = 0; k <= K; ++k) CHECK((r.path.frames[k] - one.path.frames[k]).cwiseAbs().maxCoeff() == 0.0);
  }
}

TEST_CASE("a solve stopped by its callback returns the current path as not converged") {
  Rng rng(174);
  const int d = 3, n = 6, K = 16;
  const MatrixXd X0 = product::random_point(rng, d, n), X1 = product::random_point(rng, d, n);
  const AttentionField field(d, {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)}},
                             {AttentionNormalization::Softmax, 1.0, 1.0});
  const FlowMatchingLagrangian L{field};
  std::vector<BvpIteration> seen;
  BvpOptions options;
  options.second_order.reset();  // the solve only (test_second_order checks the certificate)
  options.on_iteration = [&](const BvpIteration& it) {
    seen.push_back(it);
    return it.iteration < 2;
  };
  const BvpResult stopped = solve_bvp(L, X0, X1, 1.0, K, options);
  CHECK_FALSE(stopped.converged);
  CHECK(stopped.outcome == BvpOutcome::NotConverged);
  CHECK(stopped.status.find("interrupted after 2 iterations") != std::string::npos);
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].iteration == 2);
  // The reported cost is the solver's: ½Σ|s_k|² = S_d of the path it returns (no split here).
  CHECK(seen[1].cost == doctest::Approx(stopped.action).epsilon(1e-12));
  // Levenberg–Marquardt never accepts an increase: the path so far is better than the start.
  BvpOptions none;
  none.second_order.reset();  // the solve only (test_second_order checks the certificate)
  none.max_iterations = 0;
  const BvpResult start = solve_bvp(L, X0, X1, 1.0, K, none);
  CHECK(stopped.action < start.action);
  // The DEL estimate is |gradient|_∞/h, at most the true DEL maximum.
  CHECK(seen[1].del_estimate <= stopped.del_residual_max * (1 + 1e-12));
}

namespace {
// The same model without its factored Jacobians: the solver assembles from the dense ones.
class DenseOnly final : public StepModel {
 public:
  explicit DenseOnly(const StepModel& inner) : inner_(inner) {}
  DiscreteRule rule() const override { return inner_.rule(); }
  bool step_value(double t, double h, const MatrixXd& a, const MatrixXd& b, double& v) const override {
    return inner_.step_value(t, h, a, b, v);
  }
  bool step_gradients(double t, double h, const MatrixXd& a, const MatrixXd& b, MatrixXd* ga,
                      MatrixXd* gb) const override {
    return inner_.step_gradients(t, h, a, b, ga, gb);
  }
  void lagrangian_gradients(double t, const MatrixXd& X, const MatrixXd& V, MatrixXd& Lx,
                            MatrixXd& Lv) const override {
    inner_.lagrangian_gradients(t, X, V, Lx, Lv);
  }
  bool least_squares() const override { return inner_.least_squares(); }
  Eigen::Index residual_size(Eigen::Index d, Eigen::Index n) const override {
    return inner_.residual_size(d, n);
  }
  bool step_residuals(double t, double h, const MatrixXd& a, const MatrixXd& b, VectorXd& r,
                      MatrixXd* Ja, MatrixXd* Jb) const override {
    return inner_.step_residuals(t, h, a, b, r, Ja, Jb);
  }
  bool closed_form_jacobians() const override { return inner_.closed_form_jacobians(); }
  bool splits() const override { return inner_.splits(); }
  Eigen::Index split_residual_size(Eigen::Index d, Eigen::Index n) const override {
    return inner_.split_residual_size(d, n);
  }
  bool split_step_residuals(double t, double h, double c, const MatrixXd& a, const MatrixXd& b,
                            VectorXd& s, MatrixXd* Ja, MatrixXd* Jb) const override {
    return inner_.split_step_residuals(t, h, c, a, b, s, Ja, Jb);
  }
  bool split_step_defect(double t, double h, const MatrixXd& a, const MatrixXd& b,
                         double& c) const override {
    return inner_.split_step_defect(t, h, a, b, c);
  }
  double split_potential(const MatrixXd& X) const override { return inner_.split_potential(X); }

 private:
  const StepModel& inner_;
};
}  // namespace

TEST_CASE("factored step Jacobians give the dense assembly's solve (flow matching, De Giorgi split)") {
  Rng rng(175);
  const int d = 4, n = 7, K = 10;
  const MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField general(d, {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)}},
                               {AttentionNormalization::Softmax, 1.3, 1.0});
  const DeGiorgiLagrangian dg = DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, 1.5, d);
  const FlowMatchingLagrangian fm{general};
  const Trajectory fm_flow = flow_on_grid(general, X0, 1.0, K, 1e-13, 1e-14);
  const Trajectory dg_flow = flow_on_grid(dg.field(), X0, 1.0, K, 1e-13, 1e-14);
  const LagrangianStepModel<FlowMatchingLagrangian<AttentionField>> fm_model(fm, DiscreteRule::Midpoint);
  const LagrangianStepModel<DeGiorgiLagrangian> dg_model(dg, DiscreteRule::Midpoint);
  // Both a zero-residual problem (the flow's end) and a far end (nonzero residuals).
  const MatrixXd far = product::random_point(rng, d, n);
  for (const auto& [model, end] : {std::pair<const StepModel*, MatrixXd>{&fm_model, fm_flow.frames.back()},
                                   {&fm_model, far},
                                   {&dg_model, dg_flow.frames.back()}}) {
    BvpOptions options;
    options.second_order.reset();  // the solve only (test_second_order checks the certificate)
    options.del_tolerance = 1e-10;
    options.max_iterations = 30;
    const BvpResult factored = solve_bvp(*model, X0, end, 1.0, K, options);
    const BvpResult dense = solve_bvp(DenseOnly(*model), X0, end, 1.0, K, options);
    CAPTURE(factored.status);
    CHECK(factored.iterations == dense.iterations);
    CHECK(factored.null_lagrangian_split == dense.null_lagrangian_split);
    const double gap = compare_paths(factored.path, dense.path).sup_distance;
    MESSAGE("factored vs dense assembly: " << gap << " after " << factored.iterations << " iterations");
    CHECK(gap <= 1e-12);
  }
}

TEST_CASE("a float32 factor refined in double gives the double factor's path (n(d-1) = 256)") {
  Rng rng(177);
  const int d = 5, n = 64, K = 6;
  const MatrixXd X0 = product::random_point(rng, d, n);
  const DeGiorgiLagrangian dg = DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, 1.0, d);
  const Trajectory flow = flow_on_grid(dg.field(), X0, 0.6, K, 1e-13, 1e-14);
  BvpOptions options;
  options.second_order.reset();  // the solve only (test_second_order checks the certificate)
  options.del_tolerance = 1e-10;
  options.threads = 2;
  const BvpResult single = solve_bvp(dg, X0, flow.frames.back(), 0.6, K, options);
  options.single_precision_factor = false;
  const BvpResult twice = solve_bvp(dg, X0, flow.frames.back(), 0.6, K, options);
  REQUIRE(single.converged);
  REQUIRE(twice.converged);
  // (The iteration counts may differ: near the tolerance the steps are rounding-sized.)
  const double gap = compare_paths(single.path, twice.path).sup_distance;
  MESSAGE("float32-refined vs double factor: " << gap);
  CHECK(gap <= 1e-12);
}
