// The discrete Euler–Lagrange BVP (docs/math.md §3): discrete geodesics, convergence orders of the
// discrete rules, the transformer flow recovered as the De Giorgi and flow-matching minimizer,
// the null Lagrangian, shooting against Ceres, checkEL, continuation, and honest failures.
#include <doctest/doctest.h>

#include <cmath>
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/de_giorgi_lagrangian.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/functionals/kinetic_lagrangian.hpp>
#include <varsphere/functionals/mechanical_lagrangian.hpp>
#include <varsphere/functionals/perturbed_lagrangian.hpp>
#include <varsphere/solvers/check_el.hpp>
#include <varsphere/solvers/continuation.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/path_comparison.hpp>
#include <varsphere/solvers/shooting.hpp>
#include <varsphere/solvers/split_step.hpp>
#include <varsphere/testing/residual_jacobian_check.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/discrete_action.hpp>

#include "support/reference_case.hpp"

using namespace varsphere;
using namespace varsphere::testing;
using Eigen::MatrixXd;

namespace {

// The flow sampled on the BVP grid, to 1e-13.
template <class Field>
Trajectory accurate_flow(const Field& field, const MatrixXd& X0, double T, int K) {
  return flow_on_grid(field, X0, T, K, 1e-13, 1e-14);
}

}  // namespace

TEST_CASE("discrete geodesic equals the uniformly sampled great circle (pymanopt case)") {
  const MatrixXd X0 = read_points_case("pm_chordgeod_d3_n3_K16.x0.mat");
  const MatrixXd X1 = read_points_case("pm_chordgeod_d3_n3_K16.x1.mat");
  const ReferenceTrajectory ref = read_traj("pm_chordgeod_d3_n3_K16.path.traj");
  const BvpResult r = solve_bvp(KineticLagrangian{}, X0, X1, 1.0, 16);
  CHECK(r.converged);
  REQUIRE(r.path.size() == ref.frames.size());
  for (std::size_t k = 0; k < ref.frames.size(); ++k) {
    CHECK((r.path.frames[k] - ref.frames[k]).cwiseAbs().maxCoeff() <= 1e-10);
  }
}

TEST_CASE("kinetic BVPs are slerp with action d(X0, X1)^2 / (2T)") {
  Rng rng(81);
  for (int d : {2, 3, 8}) {
    CAPTURE(d);
    const MatrixXd X0 = product::random_point(rng, d, 4), X1 = product::random_point(rng, d, 4);
    const double T = 1.7;
    const BvpResult r = solve_bvp(KineticLagrangian{}, X0, X1, T, 12);
    CHECK(r.converged);
    CHECK(r.del_residual_max <= 1e-10);
    for (int k = 0; k <= 12; ++k) {
      CHECK(product::distance(r.path.frames[k], product::geodesic(X0, X1, k / 12.0)) <= 1e-10);
    }
    const double dist = product::distance(X0, X1);
    CHECK(r.action == doctest::Approx(dist * dist / (2 * T)).epsilon(1e-12));
  }
}

TEST_CASE("midpoint rule converges at order 2, the left-endpoint rule at order 1") {
  // Flow matching for an attention field with a general A: the BVP minimizer between X(0) and
  // X(T) is the flow, computed to 1e-13 by dopri5. (A rotation field is too symmetric: there the
  // midpoint rule superconverges at order 4 and the left-endpoint rule at order 2.)
  Rng rng(82);
  const int d = 3, n = 3;
  const MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField field(d, {{rng.normal_matrix(d, d), MatrixXd::Identity(d, d)}},
                             {AttentionNormalization::Softmax, 1.0, 1.0});
  const double T = 1.5;
  const FlowMatchingLagrangian fm{field};
  const Trajectory exact = accurate_flow(field, X0, T, 256);
  std::vector<double> Ks = {16, 32, 64, 128, 256}, mid, left;
  for (double K : Ks) {
    Trajectory reference;  // the flow on this grid
    const int stride = 256 / int(K);
    for (int k = 0; k <= int(K); ++k)
      reference.push_back(exact.times[k * stride], exact.frames[k * stride]);
    BvpOptions o;
    mid.push_back(
        compare_paths(solve_bvp(fm, X0, exact.frames.back(), T, int(K), o).path, reference)
            .sup_distance);
    o.rule = DiscreteRule::LeftEndpoint;
    left.push_back(
        compare_paths(solve_bvp(fm, X0, exact.frames.back(), T, int(K), o).path, reference)
            .sup_distance);
  }
  const double s2 = fitted_order(Ks, mid), s1 = fitted_order(Ks, left);
  MESSAGE("midpoint order " << s2 << " (errors " << mid.front() << " .. " << mid.back()
                            << "), left-endpoint order " << s1 << " (" << left.front() << " .. "
                            << left.back() << ")");
  CHECK(s2 >= 1.8);
  CHECK(s2 <= 2.2);
  CHECK(s1 >= 0.8);
  CHECK(s1 <= 1.2);
}

TEST_CASE(
    "De Giorgi BVP between the flow's endpoints returns the SA/USA flow; action = energy gain") {
  Rng rng(83);
  const int d = 3, n = 6;
  const double T = 2.0, beta = 1.0;
  const MatrixXd X0 = product::random_point(rng, d, n), I = MatrixXd::Identity(d, d);
  for (auto weights : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
    CAPTURE(int(weights));
    const AttentionField field = AttentionField::identity(d, {weights, beta, 1.0});
    const DeGiorgiLagrangian L = DeGiorgiLagrangian::identity(weights, beta, d);
    std::vector<double> sup, gap;
    for (int K : {16, 32}) {
      const Trajectory flow = accurate_flow(field, X0, T, K);
      const BvpResult r = solve_bvp(L, X0, flow.frames.back(), T, K);
      INFO(r.status);
      CHECK(r.converged);
      sup.push_back(compare_paths(r.path, flow).sup_distance);
      const double gain =
          attention_energy(flow.frames.back(), I, beta) - attention_energy(X0, I, beta);
      gap.push_back(std::abs(r.action - gain));
    }
    MESSAGE("sup distance " << sup[0] << " -> " << sup[1] << ", |action - gain| " << gap[0]
                            << " -> " << gap[1]);
    // O(h²): halving h divides both by 4 (to within 15%), and they are small.
    CHECK(sup[0] / sup[1] == doctest::Approx(4.0).epsilon(0.15));
    CHECK(gap[0] / gap[1] == doctest::Approx(4.0).epsilon(0.15));
    CHECK(sup[1] <= 1e-3);
  }
}

TEST_CASE("Newton on the DEL equations certifies a least-squares solution to rounding level") {
  // The route documented in BvpOptions::del_tolerance: Levenberg–Marquardt stops near 1e-8
  // relative (cost rounding); Newton on the DEL equations from its path reaches ~1e-12 and
  // moves the path only by that much.
  Rng rng(90);
  const int d = 3, n = 4;
  const MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField field =
      AttentionField::identity(d, {AttentionNormalization::Unnormalized, 1.0, 1.0});
  const DeGiorgiLagrangian L = DeGiorgiLagrangian::identity(AttentionNormalization::Unnormalized, 1.0, d);
  const Trajectory flow = accurate_flow(field, X0, 1.5, 16);
  const BvpResult ls = solve_bvp(L, X0, flow.frames.back(), 1.5, 16);
  BvpOptions newton;
  newton.method = BvpMethod::DelEquations;
  newton.initial_path = ls.path;
  newton.del_tolerance = 1e-12;
  const BvpResult certified = solve_bvp(L, X0, flow.frames.back(), 1.5, 16, newton);
  MESSAGE("DEL residual: least squares " << ls.del_residual_max << ", Newton "
                                         << certified.del_residual_max);
  CHECK(certified.converged);
  CHECK(certified.del_residual_max <= 1e-12 * std::max(1.0, certified.del_residual_scale));
  CHECK(compare_paths(ls.path, certified.path).sup_distance <= 1e-6);
}

namespace {
// A Lagrangian seen only through operator(): hides closed-form Jacobians from the library.
struct Opaque {
  const DeGiorgiLagrangian* inner;
  template <class T>
  T operator()(const T& t, const Mat<T>& X, const Mat<T>& V) const {
    return (*inner)(t, X, V);
  }
};

// max of the residual and Jacobian errors of the shipped battery (testing/residual_jacobian_check).
template <class L>
double residual_jacobian_error(const L& lagrangian, const MatrixXd& X, const MatrixXd& V) {
  const auto e = varsphere::testing::residual_jacobian_error(lagrangian, 0.3, X, V);
  return std::max({e.residual, e.jacobian, e.gradient});
}
}  // namespace

TEST_CASE("closed-form residual Jacobians equal automatic differentiation; both solves agree") {
  Rng rng(91);
  const int d = 3, n = 4;
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd V = product::random_tangent(rng, X);
  const AttentionField general(d, {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)}},
                               {AttentionNormalization::Softmax, 1.2, 1.0});
  CHECK(residual_jacobian_error(KineticLagrangian{}, X, V) <= 1e-14);
  CHECK(residual_jacobian_error(FlowMatchingLagrangian{general}, X, V) <= 1e-12);
  // The vector-Jacobian product (residual_gradients) for every attention variant: two heads, USA,
  // hardmax, Sinkhorn, a causal mask with ALiBi, the reversed sign.
  for (auto w : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized,
                 AttentionNormalization::Hardmax, AttentionNormalization::Sinkhorn}) {
    AttentionOptions options{w, 0.9, -1.0};
    options.bias.mask = AttentionMask::Causal;
    options.bias.alibi = 0.5;
    const AttentionField heads(d, {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)},
                                   {rng.normal_matrix(d, d), rng.normal_matrix(d, d)}},
                               options);
    const FlowMatchingLagrangian fm{heads};
    static_assert(GradientLeastSquaresLagrangian<decltype(fm)>);
    static_assert(GradientLeastSquaresLagrangian<DeGiorgiLagrangian>);
    const auto e = varsphere::testing::residual_jacobian_error(fm, 0.3, X, V);
    CHECK(e.gradient <= 1e-12);
    CHECK(e.jacobian <= 1e-12);
  }
  for (auto w : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
    const DeGiorgiLagrangian dg = DeGiorgiLagrangian::identity(w, 1.7, d);
    CHECK(residual_jacobian_error(dg, X, V) <= 1e-12);
    CHECK(residual_jacobian_error(FlowMatchingLagrangian{dg.field(), dg.metric()}, X, V) <= 1e-12);
  }
  // The DEL residual from closed-form Jacobians equals the one from Jets (the wrapper hides the
  // closed forms, so it is differentiated automatically as a general Lagrangian).
  {
    const DeGiorgiLagrangian dg = DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, 1.1, d);
    Trajectory path;
    const MatrixXd Y = product::random_point(rng, d, n);
    for (int k = 0; k <= 6; ++k) path.push_back(k / 6.0, product::geodesic(X, Y, k / 6.0));
    const DelResidual analytic = del_residual(dg, DiscreteRule::Midpoint, path);
    const DelResidual jets = del_residual(Opaque{&dg}, DiscreteRule::Midpoint, path);
    CHECK(analytic.max == doctest::Approx(jets.max).epsilon(1e-10));
    CHECK(analytic.scale == doctest::Approx(jets.scale).epsilon(1e-10));
  }
  // The solver gives the same path with either Jacobian.
  const DeGiorgiLagrangian L = DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, 1.0, d);
  const Trajectory flow = accurate_flow(L.field(), X, 1.0, 12);
  BvpOptions tight;
  tight.del_tolerance = 1e-11;
  BvpOptions autodiff = tight;
  autodiff.analytic_jacobians = false;
  const BvpResult a = solve_bvp(L, X, flow.frames.back(), 1.0, 12, tight);
  const BvpResult b = solve_bvp(L, X, flow.frames.back(), 1.0, 12, autodiff);
  CHECK(a.converged);
  CHECK(b.converged);
  CHECK(compare_paths(a.path, b.path).sup_distance <= 1e-10);
}

TEST_CASE("null-Lagrangian split: same action up to a constant, exact gradient, same minimizer") {
  Rng rng(44);
  const int d = 4, n = 5;
  const double h = 0.1, t_a = 0.3;
  for (auto w : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
    const DeGiorgiLagrangian dg = DeGiorgiLagrangian::identity(w, 1.3, d);
    const MatrixXd Xa = product::random_point(rng, d, n);
    const MatrixXd Xb = product::exp(Xa, 0.3 * product::random_tangent(rng, Xa));
    // ½|s|² = L_d − (Φ(X_b) − Φ(X_a)) + C, with Φ = E_β.
    const double C = 0.25;
    Eigen::VectorXd s, r;
    MatrixXd Ja, Jb;
    REQUIRE(split_step_residuals(dg, DiscreteRule::Midpoint, t_a, h, C, Xa, Xb, s, &Ja, &Jb));
    REQUIRE(step_residuals(dg, DiscreteRule::Midpoint, t_a, h, Xa, Xb, r));
    const double gain = attention_energy(Xb, MatrixXd::Identity(d, d), 1.3) -
                        attention_energy(Xa, MatrixXd::Identity(d, d), 1.3);
    CHECK(0.5 * s.squaredNorm() ==
          doctest::Approx(0.5 * r.squaredNorm() - gain + C).epsilon(1e-13));
    // The partner rows are the flow-matching residuals in the same metric.
    Eigen::VectorXd fm;
    REQUIRE(step_residuals(FlowMatchingLagrangian{dg.field(), dg.metric()}, DiscreteRule::Midpoint,
                           t_a, h, Xa, Xb, fm));
    CHECK((s.head(fm.size()) - fm).cwiseAbs().maxCoeff() <= 1e-14);
    // The defect c_k is the quadrature error of ∫dE/dt: it shrinks like the cube of the step.
    double c1 = 0, c2 = 0;
    const MatrixXd step = product::log(Xa, Xb);
    REQUIRE(split_step_defect(dg, DiscreteRule::Midpoint, t_a, h, Xa,
                              product::exp(Xa, MatrixXd(0.02 * step)), c1));
    REQUIRE(split_step_defect(dg, DiscreteRule::Midpoint, t_a, h, Xa,
                              product::exp(Xa, MatrixXd(0.01 * step)), c2));
    CHECK(std::log2(std::abs(c1 / c2)) == doctest::Approx(3.0).epsilon(0.05));
    // Jacobians against central differences of the residual.
    const double eps = 1e-6;
    double worst = 0;
    for (int side = 0; side < 2; ++side) {
      for (Eigen::Index col = 0; col < n * d; ++col) {
        MatrixXd P = side == 0 ? Xa : Xb, M = P;
        P(col % d, col / d) += eps;
        M(col % d, col / d) -= eps;
        Eigen::VectorXd sp, sm;
        REQUIRE(split_step_residuals(dg, DiscreteRule::Midpoint, t_a, h, C, side == 0 ? P : Xa,
                                     side == 0 ? Xb : P, sp, nullptr, nullptr));
        REQUIRE(split_step_residuals(dg, DiscreteRule::Midpoint, t_a, h, C, side == 0 ? M : Xa,
                                     side == 0 ? Xb : M, sm, nullptr, nullptr));
        const Eigen::VectorXd fd = (sp - sm) / (2 * eps);
        const MatrixXd& J = side == 0 ? Ja : Jb;
        worst = std::max(worst, (fd - J.col(col)).cwiseAbs().maxCoeff());
      }
    }
    CHECK(worst <= 1e-7);
  }
  // Solved with and without the split: the same discrete minimizer; Gauss–Newton on the split
  // converges superlinearly, on the De Giorgi residuals only linearly.
  Rng rng2(17);
  const int dd = 3, nn = 6, K = 48;
  const double T = 1.5;
  const DeGiorgiLagrangian L = DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, 1.0, dd);
  const MatrixXd X0 = product::random_point(rng2, dd, nn);
  const Trajectory flow = accurate_flow(L.field(), X0, T, K);
  BvpOptions split;
  split.del_tolerance = 1e-10;
  BvpOptions plain = split;
  plain.null_lagrangian_split = false;
  const BvpResult a = solve_bvp(L, X0, flow.frames.back(), T, K, split);
  const BvpResult b = solve_bvp(L, X0, flow.frames.back(), T, K, plain);
  REQUIRE(a.converged);
  REQUIRE(b.converged);
  CHECK(method_label(a) == "least-squares (null-Lagrangian split)");
  CHECK(a.method == BvpMethod::LeastSquares);
  CHECK(a.null_lagrangian_split);
  CHECK(method_label(b) == "least-squares");
  CHECK(!b.null_lagrangian_split);
  CHECK(compare_paths(a.path, b.path).sup_distance <= 1e-9);
  CHECK(a.action == doctest::Approx(b.action).epsilon(1e-12));
  MESSAGE("iterations with the split " << a.iterations << ", without " << b.iterations);
  CHECK(a.iterations < b.iterations);
}

TEST_CASE("flow matching recovers the flow for random non-symmetric A and V") {
  Rng rng(84);
  const int d = 3, n = 5;
  const double T = 1.5;
  const MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField field(d, {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)}},
                             {AttentionNormalization::Softmax, 1.0, 1.0});
  const FlowMatchingLagrangian L{field};
  std::vector<double> sup;
  for (int K : {16, 32}) {
    const Trajectory flow = accurate_flow(field, X0, T, K);
    const BvpResult r = solve_bvp(L, X0, flow.frames.back(), T, K);
    CHECK(r.converged);
    sup.push_back(compare_paths(r.path, flow).sup_distance);
  }
  MESSAGE("flow matching sup distance " << sup[0] << " -> " << sup[1]);
  CHECK(sup[0] / sup[1] == doctest::Approx(4.0).epsilon(0.15));
}

TEST_CASE("De Giorgi and flow matching in the same metric differ by a null Lagrangian") {
  Rng rng(85);
  const int d = 3, n = 4;
  const double beta = 1.5, T = 1.0;
  const MatrixXd X0 = product::random_point(rng, d, n), I = MatrixXd::Identity(d, d);
  const DeGiorgiLagrangian dg = DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, beta, d);
  const FlowMatchingLagrangian fm{dg.field(), dg.metric()};
  // 1. Same optimal path: both O(h²)-close to the flow, so close to each other.
  const Trajectory flow = accurate_flow(dg.field(), X0, T, 32);
  const BvpResult a = solve_bvp(dg, X0, flow.frames.back(), T, 32);
  const BvpResult b = solve_bvp(fm, X0, flow.frames.back(), T, 32);
  CHECK(compare_paths(a.path, b.path).sup_distance <= 1e-4);
  // 2. L_DG − L_FM = ⟨V, grad_g E⟩_g = dE/dt has identically vanishing E–L residual, along an
  //    arbitrary smooth path (here a geodesic between unrelated points).
  const MatrixXd Y = product::random_point(rng, d, n);
  Trajectory path;
  for (int k = 0; k <= 200; ++k) path.push_back(k / 200.0, product::geodesic(X0, Y, k / 200.0));
  const CheckElResult null = check_el(PerturbedLagrangian{dg, fm, -1.0}, path);
  const CheckElResult single = check_el(dg, path);
  MESSAGE("checkEL of the difference " << null.max_residual << " vs De Giorgi alone "
                                       << single.max_residual);
  // Measured 4.7e-8 (finite differences of a 200-step path): ten times that.
  CHECK(null.max_residual <= 5e-7);
  CHECK(single.max_residual >= 1e-2);
}

TEST_CASE("checkEL along an accurate flow: ~0 for its Lagrangians, not for the kinetic one") {
  Rng rng(86);
  const int d = 3, n = 5;
  const MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField field = AttentionField::identity(d, {AttentionNormalization::Softmax, 2.0, 1.0});
  const Trajectory flow = accurate_flow(field, X0, 2.0, 200);
  const double fm = check_el(FlowMatchingLagrangian{field}, flow).max_residual;
  const double dg =
      check_el(DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, 2.0, d), flow).max_residual;
  const double kin = check_el(KineticLagrangian{}, flow).max_residual;
  MESSAGE("checkEL: flow matching " << fm << ", De Giorgi " << dg << ", kinetic " << kin);
  // Measured 1.7e-9 and 2.0e-9, set by the reference flow's tolerance: ten times that.
  CHECK(fm <= 2e-8);
  CHECK(dg <= 2e-8);
  CHECK(kin >= 1e-2);
}

namespace {
// U(X) = Σ_i ⟨c, x_i⟩ + ½κ Σ_{i≠j} ⟨x_i, x_j⟩: gravity plus a pairwise coupling.
struct CoupledPotential {
  Eigen::Vector3d c{0.3, -0.5, 0.8};
  double kappa = 0.7;
  template <class T>
  T operator()(const Mat<T>& X) const {
    const Vec<T> s = X.rowwise().sum();
    return c.cast<T>().dot(s) + T(0.5 * kappa) * (s.squaredNorm() - X.squaredNorm());
  }
};
}  // namespace

TEST_CASE("shooting and the Ceres DEL solver agree on a mechanical problem with a potential") {
  Rng rng(87);
  const MatrixXd X0 = product::random_point(rng, 3, 2);
  const MatrixXd V0 = product::random_tangent(rng, X0, 0.8);
  const double T = 1.0;
  const CoupledPotential U;
  // The endpoint comes from the exact E–L flow, so a solution is known to exist.
  const MatrixXd X1 = mechanical_trajectory(U, X0, V0, T, 1).frames.back();
  const ShootingResult shot = shoot(U, X0, X1, T, 20);
  REQUIRE(shot.converged);
  CHECK((shot.velocity - V0).norm() <= 1e-8);
  // Discrete solutions at K and 2K, Richardson-extrapolated at the common nodes (O(h⁴)).
  const MechanicalLagrangian L{U};
  const BvpResult coarse = solve_bvp(L, X0, X1, T, 100);
  const BvpResult fine = solve_bvp(L, X0, X1, T, 200);
  CHECK(coarse.method == BvpMethod::DelEquations);
  CHECK(coarse.converged);
  CHECK(fine.converged);
  double worst = 0;
  for (int k = 0; k <= 20; ++k) {
    const MatrixXd extrapolated = (4 * fine.path.frames[10 * k] - coarse.path.frames[5 * k]) / 3;
    worst = std::max(worst, (extrapolated - shot.path.frames[k]).cwiseAbs().maxCoeff());
  }
  MESSAGE("Richardson-extrapolated Ceres path vs shooting: " << worst);
  CHECK(worst <= 1e-8);
}

TEST_CASE("perturbed Lagrangian L + eps M: the optimal path moves by O(eps), with continuation") {
  Rng rng(88);
  const MatrixXd X0 = product::random_point(rng, 3, 3);
  const double T = 1.0;
  const AttentionField field = AttentionField::identity(3, {AttentionNormalization::Softmax, 1.0, 1.0});
  const MatrixXd X1 = accurate_flow(field, X0, T, 16).frames.back();
  auto make = [&](double eps) {
    return PerturbedLagrangian{FlowMatchingLagrangian{field}, KineticLagrangian{}, eps};
  };
  const std::vector<double> eps = {0.0, 1e-3, 2e-3, 4e-3, 8e-3};
  const auto results = continuation(make, eps, X0, X1, T, 16);
  std::vector<double> moved, e;
  for (std::size_t j = 1; j < eps.size(); ++j) {
    CHECK(results[j].converged);
    moved.push_back(compare_paths(results[j].path, results[0].path).sup_distance);
    e.push_back(eps[j]);
  }
  const double slope =
      fitted_order(std::vector<double>{1 / e[0], 1 / e[1], 1 / e[2], 1 / e[3]}, moved);
  MESSAGE("path displacement vs eps: slope " << slope);
  CHECK(slope == doctest::Approx(1.0).epsilon(0.05));
}

TEST_CASE("failures are reported: antipodal endpoints, non-convergence, bad sizes") {
  Rng rng(89);
  const MatrixXd X0 = product::random_point(rng, 3, 2);
  MatrixXd X1 = product::random_point(rng, 3, 2);
  X1.col(1) = -X0.col(1);
  try {
    solve_bvp(KineticLagrangian{}, X0, X1, 1.0, 8);
    FAIL("no error for antipodal endpoints");
  } catch (const CutLocusError& e) {
    CHECK(std::string(e.what()).find("antipodal") != std::string::npos);
  }
  const AttentionField field = AttentionField::identity(3, {AttentionNormalization::Softmax, 4.0, 1.0});
  BvpOptions few;
  few.max_iterations = 1;
  const BvpResult r =
      solve_bvp(FlowMatchingLagrangian{field}, X0, product::random_point(rng, 3, 2), 3.0, 16, few);
  CHECK_FALSE(r.converged);
  CHECK(r.status.find("not converged") != std::string::npos);
  CHECK_THROWS_AS(solve_bvp(KineticLagrangian{}, X0, X0, 0.0, 8), InvalidInput);
  CHECK_THROWS_AS(solve_bvp(KineticLagrangian{}, X0, X0, 1.0, 0), InvalidInput);
  CHECK_THROWS_AS(DeGiorgiLagrangian(AttentionNormalization::Softmax, 1.0, rng.normal_matrix(3, 3)),
                  InvalidInput);
}
