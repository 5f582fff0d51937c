// E_D on discrete measures, mirror descent on grid weights, and the ascent/descent flows of E_D
// (docs/math.md §4, BKKRW), at reduced sizes: identities to rounding, first variations against finite
// differences, closed forms (I₀(1), f/ε = I₁(1)/(2I₂(1))), convergence orders.
#include <doctest/doctest.h>

#include <cmath>
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/interaction_field.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/mirror_descent.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>

using namespace varsphere;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {
MatrixXd random_symmetric(Rng& rng, int d) {
  const MatrixXd A = rng.normal_matrix(d, d);
  return 0.5 * (A + A.transpose());
}
MatrixXd diag2(double a, double b) {
  return Eigen::Vector2d(a, b).asDiagonal();
}
}  // namespace

TEST_CASE("measure energy, first variation and residual agree with the particle versions") {
  Rng rng(71);
  const int d = 3, n = 7;
  const InteractionEnergy E(random_symmetric(rng, d));
  const MatrixXd X = product::random_point(rng, d, n);
  const DiscreteMeasure mu = empirical_measure(X);
  CHECK(E(mu) == doctest::Approx(E(X)).epsilon(1e-14));
  CHECK(E.stationarity_residual(mu) ==
        doctest::Approx(0.5 * n * E.riemannian_gradient(X).colwise().norm().maxCoeff())
            .epsilon(1e-13));
  // δE/δμ: E(μ + tν) − E(μ − tν) = 2t ∫ δE/δμ dν for ν of mass 0 (exact for a quadratic).
  DiscreteMeasure weighted{X, VectorXd::Zero(n)};
  for (int k = 0; k < n; ++k) weighted.weights(k) = 0.5 + rng.uniform();
  weighted.weights /= weighted.weights.sum();
  VectorXd nu(n);
  for (int k = 0; k < n; ++k) nu(k) = rng.normal();
  nu.array() -= nu.mean();
  const double t = 1e-3;
  const DiscreteMeasure plus{X, weighted.weights + t * nu}, minus{X, weighted.weights - t * nu};
  const double derivative = (E(plus) - E(minus)) / (2 * t);
  CHECK(derivative == doctest::Approx(E.first_variation(weighted, X).dot(nu)).epsilon(1e-10));
  // The tangential gradient of δE/δμ on the support is twice the residual's vector: check its
  // norm at the worst atom by a derivative along the great circle through it.
  double worst = 0;
  for (int k = 0; k < n; ++k) {
    const Eigen::VectorXd x = X.col(k);
    double gradient_norm_sq = 0;
    // Orthonormal tangent basis at x from two random vectors.
    MatrixXd B(d, d - 1);
    for (int b = 0; b < d - 1; ++b) {
      VectorXd v = rng.normal_vector(d);
      v -= x.dot(v) * x;
      for (int c = 0; c < b; ++c) v -= B.col(c).dot(v) * B.col(c);
      B.col(b) = v.normalized();
    }
    for (int b = 0; b < d - 1; ++b) {
      const double h = 1e-5;
      MatrixXd Y(d, 2);
      Y.col(0) = std::cos(h) * x + std::sin(h) * B.col(b);
      Y.col(1) = std::cos(h) * x - std::sin(h) * B.col(b);
      const VectorXd f = E.first_variation(weighted, Y);
      gradient_norm_sq += std::pow((f(0) - f(1)) / (2 * h), 2);
    }
    worst = std::max(worst, 0.5 * std::sqrt(gradient_norm_sq));
  }
  CHECK(worst == doctest::Approx(E.stationarity_residual(weighted)).epsilon(1e-7));
}

TEST_CASE("grid measures on S^1: the uniform measure has E = I_0(1) and constant first variation") {
  const DiscreteMeasure grid = circle_grid_measure(32);
  validate_measure(grid);
  const InteractionEnergy E(MatrixXd::Identity(2, 2));
  CHECK(E(grid) == doctest::Approx(std::cyl_bessel_i(0.0, 1.0)).epsilon(1e-14));
  const VectorXd f = E.first_variation(grid, grid.support);
  CHECK((f.array() - 2 * std::cyl_bessel_i(0.0, 1.0)).abs().maxCoeff() <= 1e-13);
  CHECK(E.stationarity_residual(grid) <= 1e-14);
}

TEST_CASE("measures with bad weights are refused") {
  DiscreteMeasure mu = circle_grid_measure(8);
  mu.weights(0) = -0.1;
  CHECK_THROWS_AS(validate_measure(mu), InvalidInput);
  mu = circle_grid_measure(8);
  mu.weights *= 2;
  CHECK_THROWS_AS(validate_measure(mu), InvalidInput);
  mu = circle_grid_measure(8);
  mu.weights.conservativeResize(7);
  CHECK_THROWS_AS(validate_measure(mu), InvalidInput);
  CHECK_THROWS_AS(circle_grid_measure(2), InvalidInput);
  const InteractionEnergy E3(MatrixXd::Identity(3, 3));
  CHECK_THROWS_AS(mirror_descent(E3, circle_grid_measure(8), Extremum::Descent), InvalidInput);
}

TEST_CASE("mirror descent: monotone with the default step, minimizing density exp(f cos 2theta)") {
  const int N = 32;
  const DiscreteMeasure grid = circle_grid_measure(N);
  const VectorXd theta = circle_grid_angles(N);
  const double eps = 0.01;
  const InteractionEnergy E(diag2(1, 1 + eps));
  MirrorDescentOptions options;
  options.record_every = 1;
  const MirrorDescentResult r = mirror_descent(E, grid, Extremum::Descent, options);
  REQUIRE(r.converged);
  CHECK(r.gap <= 1e-10);
  for (std::size_t k = 1; k < r.history.size(); ++k)
    CHECK(r.history[k] <= r.history[k - 1] + 1e-15);
  CHECK(r.value == doctest::Approx(E(DiscreteMeasure{grid.support, r.weights})).epsilon(1e-14));
  // The uniform measure is not stationary for ε ≠ 0; the minimizer is, on its (full) support.
  CHECK(E.stationarity_residual(grid) > 1e-3);
  CHECK(E.stationarity_residual(DiscreteMeasure{grid.support, r.weights}) <= 1e-8);
  std::vector<double> c2(N), logw(N);
  for (int k = 0; k < N; ++k) c2[k] = std::cos(2 * theta(k)), logw[k] = std::log(r.weights(k));
  const LineFit fit = fit_line(c2, logw);
  const double predicted = std::cyl_bessel_i(1.0, 1.0) / (2 * std::cyl_bessel_i(2.0, 1.0));
  CHECK(fit.slope / eps == doctest::Approx(predicted).epsilon(0.02));
  CHECK(fit.max_deviation <= 0.2 * eps * eps);
}

TEST_CASE("mirror ascent concentrates the grid measure: E -> e^{lambda_max} at the top direction") {
  // D = diag(0.5, 1): the maximum e^1 is a point mass on ±e_2 (θ = π/2 is a grid point for N = 16).
  // A start symmetric under θ ↦ θ + π stays symmetric and tends to the pair ±e_2 (cosh 1), so the
  // start leans towards +e_2.
  const int N = 16;
  const VectorXd theta = circle_grid_angles(N);
  DiscreteMeasure start = circle_grid_measure(N);
  for (int k = 0; k < N; ++k) start.weights(k) = std::exp(0.3 * std::sin(theta(k)));
  start.weights /= start.weights.sum();
  const InteractionEnergy E(diag2(0.5, 1.0));
  MirrorDescentOptions options;
  options.record_every = 1;
  const MirrorDescentResult r = mirror_descent(E, start, Extremum::Ascent, options);
  REQUIRE(r.converged);
  for (std::size_t k = 1; k < r.history.size(); ++k)
    CHECK(r.history[k] >= r.history[k - 1] - 1e-15);
  CHECK(r.value == doctest::Approx(std::exp(1.0)).epsilon(1e-9));
  CHECK(r.weights(N / 4) >= 1 - 1e-9);
}

TEST_CASE("E_D flows: unit mobility is (n/2) grad E, softmax mobility divides by Z_i") {
  Rng rng(72);
  const int d = 3, n = 6;
  const InteractionEnergy E(random_symmetric(rng, d));
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd G = E.riemannian_gradient(X);
  const MatrixXd K = E.kernel(X, X);
  for (Extremum direction : {Extremum::Ascent, Extremum::Descent}) {
    const double sign = ascent_sign(direction);
    MatrixXd V(d, n), S(d, n);
    interaction_field(E, direction, Mobility::Unit)(0.0, X, V);
    interaction_field(E, direction, Mobility::Softmax)(0.0, X, S);
    CHECK((V - sign * 0.5 * n * G).cwiseAbs().maxCoeff() <= 1e-13);
    for (int i = 0; i < n; ++i) {
      const double Z = K.row(i).mean();
      CHECK((S.col(i) - V.col(i) / Z).cwiseAbs().maxCoeff() <= 1e-13);
    }
  }
}

TEST_CASE("E_D flows: energy is monotone, and the normalized-step scheme is of order 1") {
  Rng rng(73);
  const int d = 3, n = 8;
  const InteractionEnergy E(Eigen::Vector3d(1.0, 0.5, -0.5).asDiagonal().toDenseMatrix());
  const MatrixXd X0 = product::random_point(rng, d, n);
  for (Extremum direction : {Extremum::Ascent, Extremum::Descent}) {
    for (Mobility mobility : {Mobility::Unit, Mobility::Softmax}) {
      FlowOptions o;
      o.dt = 0.01;
      const FlowResult r = integrate(interaction_field(E, direction, mobility), X0, 0, 2, o);
      double previous = E(X0);
      for (std::size_t k = 1; k < r.trajectory.size(); ++k) {
        const double e = E(MatrixXd(r.trajectory.frames[k]));
        CHECK(ascent_sign(direction) * (e - previous) >= -1e-14);
        previous = e;
      }
    }
  }
  // x_i ← normalize(x_i + τ (1/n) Σ_j e_ij D x_j) against a tight dopri5 reference at T = 1.
  const AttentionField F = interaction_field(E, Extremum::Ascent, Mobility::Unit);
  const Trajectory reference = flow_on_grid(F, X0, 1.0, 1);
  std::vector<double> steps, errors;
  for (int K : {50, 100, 200, 400}) {
    FlowOptions o;
    o.scheme = FlowScheme::EulerRenormalize;
    o.dt = 1.0 / K;
    o.record = false;
    const FlowResult r = integrate(F, X0, 0, 1, o);
    steps.push_back(K);
    errors.push_back(product::distance(r.final_state, reference.frames.back()));
  }
  CHECK(fitted_order(steps, errors) == doctest::Approx(1.0).epsilon(0.05));
}

TEST_CASE("ascent on S^1 from random data: two clusters for D = diag(1, 0), one for D = I") {
  const int n = 40;
  FlowOptions o;
  o.scheme = FlowScheme::EulerRenormalize;
  o.dt = 0.1;
  o.record = false;
  Rng rng(1000);
  const MatrixXd X0 = product::random_point(rng, 2, n);
  const auto clusters = [&](double delta) {
    const AttentionField F =
        interaction_field(InteractionEnergy(diag2(1, delta)), Extremum::Ascent, Mobility::Unit);
    return count_clusters(integrate(F, X0, 0, 100, o).final_state);
  };
  CHECK(clusters(0.0) == 2);
  CHECK(clusters(1.0) == 1);
  CHECK(clusters(1.5) == 2);
}
