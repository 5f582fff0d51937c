// The second variation of the discrete action (docs/math.md §3.8) and the sensitivity of optimal
// paths (§3.9): closed-form Hessian spectra of discrete geodesics and of a resting pendulum, the
// Morse index of stationary paths past a conjugate point, the block LDLᵀ inertia and the Krylov
// eigenvalues against dense ones, and dX*/dθ against re-solved BVPs.
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/functionals/de_giorgi_lagrangian.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/functionals/kinetic_lagrangian.hpp>
#include <varsphere/functionals/mechanical_lagrangian.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/action_hessian.hpp>
#include <varsphere/solvers/continuation.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/path_sensitivity.hpp>
#include <varsphere/solvers/second_order_certificate.hpp>

using namespace varsphere;
using Eigen::MatrixXd;
using Eigen::VectorXd;
constexpr double pi = std::numbers::pi;

namespace {

// Token i travels along the great circle through x_i (start) and u_i (unit, ⊥ x_i) by the angle
// `length`, in K equal steps over [0, T].
Trajectory great_circle_path(const MatrixXd& X, const MatrixXd& U, const std::vector<double>& length,
                             double T, int K) {
  Trajectory path;
  for (int k = 0; k <= K; ++k) {
    MatrixXd Y(X.rows(), X.cols());
    for (Eigen::Index i = 0; i < X.cols(); ++i) {
      const double a = length[i] * k / K;
      Y.col(i) = std::cos(a) * X.col(i) + std::sin(a) * U.col(i);
    }
    path.push_back(T * k / K, Y);
  }
  return path;
}

// Spectrum of the discrete kinetic action Σ θ_k²/2h along great-circle arcs of `length` (one per
// token) with K steps: per token, the in-plane modes (2 − 2cos(jπ/K))/h and d − 2 copies of the
// normal modes φ/(h sin φ)·(2cos φ − 2cos(jπ/K)), φ = length/K (docs/math.md §3.8).
std::vector<double> discrete_geodesic_spectrum(const std::vector<double>& length, Eigen::Index d,
                                               double T, int K) {
  const double h = T / K;
  std::vector<double> out;
  for (double L : length) {
    const double phi = L / K;
    for (int j = 1; j < K; ++j) {
      const double c = std::cos(j * pi / K);
      out.push_back((2 - 2 * c) / h);
      for (Eigen::Index m = 0; m < d - 2; ++m) {
        out.push_back(phi / (h * std::sin(phi)) * (2 * std::cos(phi) - 2 * c));
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

MatrixXd orthonormal_directions(Rng& rng, const MatrixXd& X) {
  MatrixXd U = product::random_tangent(rng, X);
  for (Eigen::Index i = 0; i < U.cols(); ++i) U.col(i).normalize();
  return U;
}

// U(X) = −(c/2) Σ_i ⟨e_1, x_i⟩²: every token has a stable rest point at e_1 where the Riemannian
// Hessian of U is c·I (a spherical pendulum at the bottom of its well).
struct Well {
  double c = 4.0;
  template <class T>
  T operator()(const Mat<T>& X) const {
    return T(-0.5 * c) * X.row(0).squaredNorm();
  }
};

}  // namespace

TEST_CASE("the Hessian of a discrete geodesic equals its closed-form spectrum, short arc and long arc") {
  Rng rng(190);
  const double T = 1.0;
  const int K = 16;
  for (Eigen::Index d : {3, 4}) {
    for (double length : {2.0, 2 * pi - 1.0}) {  // shorter than π; longer than π (past the conjugate point)
      const MatrixXd X = product::random_point(rng, d, 2);
      const MatrixXd U = orthonormal_directions(rng, X);
      const std::vector<double> lengths{length, length};
      const Trajectory initial = great_circle_path(X, U, lengths, T, K);
      BvpOptions options;
      options.initial_path = initial;
      const BvpResult r = solve_bvp(KineticLagrangian{}, X, initial.frames.back(), T, K, options);
      REQUIRE(r.outcome == BvpOutcome::Certified);
      REQUIRE(r.second_order.has_value());
      // The solve stays on the arc: a stationary path even when it is not a minimizer.
      CHECK(product::distance(r.path.frames[K / 2], initial.frames[K / 2]) <= 1e-9);
      const std::vector<double> expected = discrete_geodesic_spectrum(lengths, d, T, K);
      const SecondOrderCertificate& c = *r.second_order;
      const long index = length > pi ? 2 * (d - 2) : 0;  // d − 2 per token past π
      CHECK(c.morse_index == index);
      CHECK(c.near_zero == 0);
      CHECK(c.kind == (index > 0 ? StationaryKind::Saddle : StationaryKind::StrictLocalMinimum));
      REQUIRE(c.smallest_eigenvalues.size() == 4);
      for (std::size_t j = 0; j < 4; ++j) {
        CHECK(c.smallest_eigenvalues[j] == doctest::Approx(expected[j]).epsilon(1e-7));
      }
    }
  }
}

TEST_CASE("block Krylov eigenvalues, multiple ones included, match the closed form on a large path") {
  // 6 tokens on S³, 3 of them past π: 29 nodes × 18 unknowns = 522 > the dense limit, the smallest
  // eigenvalue has multiplicity 6 and the Morse index is 3·(d − 2) = 6.
  Rng rng(191);
  const Eigen::Index d = 4;
  const int K = 30;
  const double T = 2.0;
  const MatrixXd X = product::random_point(rng, d, 6);
  const MatrixXd U = orthonormal_directions(rng, X);
  const std::vector<double> lengths{5.0, 5.0, 5.0, 1.0, 1.0, 1.0};
  const Trajectory path = great_circle_path(X, U, lengths, T, K);
  const SecondOrderCertificate c =
      second_order_certificate(KineticLagrangian{}, DiscreteRule::Midpoint, path, {6, 1e-7, 2});
  const std::vector<double> expected = discrete_geodesic_spectrum(lengths, d, T, K);
  CHECK(c.dimension == 522);
  CHECK(c.morse_index == 6);
  CHECK(c.kind == StationaryKind::Saddle);
  REQUIRE(c.smallest_eigenvalues.size() == 6);
  for (std::size_t j = 0; j < 6; ++j) {
    CHECK(c.smallest_eigenvalues[j] == doctest::Approx(expected[j]).epsilon(1e-7));
  }
  // The short arcs alone: positive definite, the first Cholesky certifies it.
  const Trajectory short_path = great_circle_path(X, U, std::vector<double>(6, 1.0), T, K);
  const SecondOrderCertificate s = second_order_certificate(KineticLagrangian{}, DiscreteRule::Midpoint,
                                                            short_path, {4, 1e-7, 1});
  const std::vector<double> expected_short =
      discrete_geodesic_spectrum(std::vector<double>(6, 1.0), d, T, K);
  CHECK(s.morse_index == 0);
  CHECK(s.kind == StationaryKind::StrictLocalMinimum);
  for (std::size_t j = 0; j < 4; ++j) {
    CHECK(s.smallest_eigenvalues[j] == doctest::Approx(expected_short[j]).epsilon(1e-7));
  }
}

TEST_CASE("a pendulum resting in its well longer than half a period is a saddle of the action") {
  // Static path at e_1 under L = ½|v|² − U: the second variation per normal direction is
  // (2 − 2cos ϑ_j)/h − (hc/4)(2 + 2cos ϑ_j), ϑ_j = jπ/K, negative for j < (2K/π)·atan(h√c/2):
  // about T√c/π modes (the conjugate points of the continuous problem at multiples of π/√c).
  const Well U{4.0};
  const MechanicalLagrangian L{U};
  const int K = 40;
  for (double T : {1.2, 2.0, 3.5}) {  // T√c/π = 0.76, 1.27, 2.23
    const Eigen::Index d = 3;
    MatrixXd X = MatrixXd::Zero(d, 1);
    X(0, 0) = 1.0;
    const BvpResult r = solve_bvp(L, X, X, T, K);
    REQUIRE(r.outcome == BvpOutcome::Certified);
    REQUIRE(r.second_order.has_value());
    const double h = T / K;
    long negative = 0;
    double smallest = 1e300;
    for (int j = 1; j < K; ++j) {
      const double c = std::cos(j * pi / K);
      const double mu = (2 - 2 * c) / h - h * U.c / 4 * (2 + 2 * c);
      negative += mu < 0 ? (d - 1) : 0;
      smallest = std::min(smallest, mu);
    }
    CHECK(negative == static_cast<long>(d - 1) * static_cast<long>(std::floor(T * std::sqrt(U.c) / pi)));
    CHECK(r.second_order->morse_index == negative);
    CHECK(r.second_order->smallest_eigenvalues[0] == doctest::Approx(smallest).epsilon(1e-7));
  }
}

TEST_CASE("a De Giorgi optimal path is a strict local minimizer") {
  Rng rng(192);
  const Eigen::Index d = 3;
  const MatrixXd X0 = product::random_point(rng, d, 5);
  const double T = 1.0;
  const AttentionField field = AttentionField::identity(d, {AttentionNormalization::Softmax, 1.0});
  const MatrixXd X1 = flow_on_grid(field, X0, T, 1, 1e-12, 1e-13).frames.back();
  const DeGiorgiLagrangian L = DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, 1.0, d);
  const BvpResult r = solve_bvp(L, X0, X1, T, 16);
  REQUIRE(r.outcome == BvpOutcome::Certified);
  REQUIRE(r.second_order.has_value());
  CHECK(r.second_order->kind == StationaryKind::StrictLocalMinimum);
  CHECK(r.second_order->morse_index == 0);
  CHECK(r.second_order->smallest_eigenvalues[0] > r.second_order->zero_threshold);
  // The certificate is the dense spectrum's bottom, and the Hessian is the same on 1 and 2 threads.
  const BlockTridiagonalSystem H1 = action_hessian(LagrangianStepModel(L, DiscreteRule::Midpoint), r.path, 1);
  const BlockTridiagonalSystem H2 = action_hessian(LagrangianStepModel(L, DiscreteRule::Midpoint), r.path, 2);
  const MatrixXd A1 = H1.dense(), A2 = H2.dense();
  CHECK((A1 - A2).cwiseAbs().maxCoeff() == 0.0);
  CHECK((A1 - A1.transpose()).cwiseAbs().maxCoeff() == 0.0);
  const VectorXd lambda = Eigen::SelfAdjointEigenSolver<MatrixXd>(A1).eigenvalues();
  CHECK(r.second_order->smallest_eigenvalues[0] == doctest::Approx(lambda(0)).epsilon(1e-9));
  // Without the option there is no certificate; above its size limit it is skipped and said so.
  BvpOptions off;
  off.second_order.reset();
  CHECK_FALSE(solve_bvp(L, X0, X1, T, 16, off).second_order.has_value());
  BvpOptions small;
  small.second_order->max_dimension = 100;  // 15 nodes × 10 unknowns = 150
  const BvpResult skipped = solve_bvp(L, X0, X1, T, 16, small);
  CHECK_FALSE(skipped.second_order.has_value());
  CHECK(skipped.status.find("second-order certificate skipped: 150 unknowns") != std::string::npos);
}

TEST_CASE("block LDLT inertia and solve agree with a dense decomposition of an indefinite matrix") {
  Rng rng(193);
  BlockTridiagonalSystem H(7, 5);
  for (int k = 0; k < 7; ++k) {
    const MatrixXd G = rng.normal_matrix(5, 5);
    H.diagonal(k) = G + G.transpose();
    if (k < 6) H.coupling(k) = 0.5 * rng.normal_matrix(5, 5);
  }
  const MatrixXd A = H.dense();
  const VectorXd lambda = Eigen::SelfAdjointEigenSolver<MatrixXd>(A).eigenvalues();
  for (double shift : {-2.0, -0.3, 0.0, 0.7, 3.0}) {
    CHECK(H.count_below(shift) == (lambda.array() < shift).count());
  }
  const VectorXd b = rng.normal_vector(35);
  const VectorXd x = H.solve_symmetric(b);
  CHECK((A * x - b).norm() <= 1e-10 * b.norm() * lambda.cwiseAbs().maxCoeff() / lambda.cwiseAbs().minCoeff());
  CHECK_THROWS_AS(certify_hessian(H, {0, 1e-7, 1}), InvalidInput);
}

TEST_CASE("path sensitivity equals central differences of re-solved BVPs, in beta and in T") {
  Rng rng(194);
  const Eigen::Index d = 3;
  const MatrixXd X0 = product::random_point(rng, d, 3);
  const double T = 1.0, beta = 1.3;
  const int K = 12;
  auto field_at = [&](double b) {
    return AttentionField::identity(d, {AttentionNormalization::Softmax, b});
  };
  const AttentionField field = field_at(beta);
  const MatrixXd X1 = flow_on_grid(field, X0, T, 1, 1e-12, 1e-13).frames.back();
  BvpOptions tight;
  tight.second_order.reset();
  auto solve_at = [&](double b, double horizon) {
    // Least squares, then Newton on the DEL equations from there: a residual at rounding level.
    BvpOptions newton = tight;
    newton.initial_path = solve_bvp(FlowMatchingLagrangian{field_at(b)}, X0, X1, horizon, K, tight).path;
    newton.method = BvpMethod::DelEquations;
    const BvpResult r = solve_bvp(FlowMatchingLagrangian{field_at(b)}, X0, X1, horizon, K, newton);
    REQUIRE(r.converged);
    CHECK(r.del_residual_max <= 1e-12);
    return r.path;
  };
  const Trajectory path = solve_at(beta, T);
  auto make = [&](double b) { return FlowMatchingLagrangian{field_at(b)}; };
  const auto dX = path_sensitivity(make, DiscreteRule::Midpoint, beta, path);
  const auto dT = horizon_sensitivity(FlowMatchingLagrangian{field}, DiscreteRule::Midpoint, path);
  // Central differences of re-solved paths at steps δ and δ/2, Richardson-extrapolated (O(δ⁴)).
  const double delta = 4e-3;  // large enough that the solves' 1e-12 accuracy does not show
  // The re-solved paths at θ ± step, once each; the central difference at every node.
  auto difference = [&](double step, bool in_beta) {
    const Trajectory up = in_beta ? solve_at(beta + step, T) : solve_at(beta, T + step);
    const Trajectory down = in_beta ? solve_at(beta - step, T) : solve_at(beta, T - step);
    std::vector<MatrixXd> out(K + 1);
    for (int k = 1; k < K; ++k) {
      const MatrixXd& X = path.frames[k];
      out[k] = (product::log(X, up.frames[k]) - product::log(X, down.frames[k])) / (2 * step);
    }
    return out;
  };
  const auto beta_half = difference(delta / 2, true), beta_full = difference(delta, true);
  const auto T_half = difference(delta / 2, false), T_full = difference(delta, false);
  double worst_beta = 0, worst_T = 0, size_beta = 0, size_T = 0;
  for (int k = 1; k < K; ++k) {
    const MatrixXd fd_beta = (4 * beta_half[k] - beta_full[k]) / 3;
    const MatrixXd fd_T = (4 * T_half[k] - T_full[k]) / 3;
    worst_beta = std::max(worst_beta, (fd_beta - dX[k]).norm());
    worst_T = std::max(worst_T, (fd_T - dT[k]).norm());
    size_beta = std::max(size_beta, dX[k].norm());
    size_T = std::max(size_T, dT[k].norm());
  }
  MESSAGE("dX/dbeta: max " << size_beta << ", error " << worst_beta << "; dX/dT: max " << size_T
                           << ", error " << worst_T);
  CHECK(size_beta > 1e-3);
  CHECK(size_T > 1e-3);
  CHECK(worst_beta <= 1e-6 * size_beta);
  CHECK(worst_T <= 1e-6 * size_T);
  CHECK(dX.front().norm() == 0.0);
  CHECK(dX.back().norm() == 0.0);
}

TEST_CASE("continuation over beta with the sensitivity predictor needs fewer iterations") {
  Rng rng(195);
  const Eigen::Index d = 3;
  const MatrixXd X0 = product::random_point(rng, d, 4);
  const double T = 2.0;
  const MatrixXd X1 = flow_on_grid(AttentionField::identity(d, {AttentionNormalization::Softmax, 1.0}),
                                   X0, T, 1, 1e-12, 1e-13)
                          .frames.back();
  auto make = [&](double b) {
    return DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, b, d);
  };
  const std::vector<double> betas{1.0, 1.2, 1.4, 1.6, 1.8, 2.0};
  BvpOptions options;
  options.second_order.reset();
  const auto warm = continuation(make, betas, X0, X1, T, 16, options);
  const auto predicted =
      continuation(make, betas, X0, X1, T, 16, options, ContinuationPredictor::Sensitivity);
  int warm_iterations = 0, predicted_iterations = 0;
  for (std::size_t j = 1; j < betas.size(); ++j) {
    REQUIRE(warm[j].converged);
    REQUIRE(predicted[j].converged);
    CHECK(product::distance(warm[j].path.frames[8], predicted[j].path.frames[8]) <= 1e-7);
    warm_iterations += warm[j].iterations;
    predicted_iterations += predicted[j].iterations;
  }
  MESSAGE("iterations after the first: warm start " << warm_iterations << ", sensitivity predictor "
                                                    << predicted_iterations);
  CHECK(predicted_iterations < warm_iterations);
}
