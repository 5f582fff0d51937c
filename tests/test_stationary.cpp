// Interaction energies E_D on (S^{d−1})^n (docs/math.md §4): derivatives against Jets and finite
// differences, and stationary points found and classified for closed-form extremizers.

#include <doctest/doctest.h>

#include <cmath>
#include <varsphere/core/jet_gradient.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/interaction_energy.hpp>
#include <varsphere/solvers/stationary.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/manifolds/product.hpp>

using namespace varsphere;
using Eigen::MatrixXd;

TEST_CASE("E_D gradient equals the Jet derivative; Hessian equals differences of the gradient") {
  Rng rng(61);
  const int d = 3, n = 5;
  MatrixXd D = rng.normal_matrix(d, d);
  D = (0.5 * (D + D.transpose())).eval();
  const InteractionEnergy E(D);
  const MatrixXd X = product::random_point(rng, d, n);
  Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(X.data(), X.size()), g;
  const double value = value_and_gradient(
      [&](const auto& z) {
        using J = typename std::decay_t<decltype(z)>::Scalar;
        return E(
            Eigen::Matrix<J, -1, -1>(Eigen::Map<const Eigen::Matrix<J, -1, -1>>(z.data(), d, n)));
      },
      x, g);
  const MatrixXd G = E.gradient(X);
  CHECK(std::abs(value - E(X)) <= 1e-14);
  CHECK((Eigen::Map<const Eigen::VectorXd>(G.data(), G.size()) - g).cwiseAbs().maxCoeff() <= 1e-13);
  // Euclidean Hessian by central differences of the gradient.
  const MatrixXd H = E.hessian(X);
  double worst = 0;
  const double h = 1e-6;
  for (int c = 0; c < d * n; ++c) {
    MatrixXd P = X, M = X;
    P(c % d, c / d) += h;
    M(c % d, c / d) -= h;
    const MatrixXd dG = (E.gradient(P) - E.gradient(M)) / (2 * h);
    worst = std::max(
        worst,
        (Eigen::Map<const Eigen::VectorXd>(dG.data(), dG.size()) - H.col(c)).cwiseAbs().maxCoeff());
  }
  CHECK(worst <= 1e-7);
  // Riemannian Hessian: second derivative of E along geodesics t ↦ exp_X(t u).
  const MatrixXd U = product::random_tangent(rng, X);
  const MatrixXd R = E.riemannian_hessian(X);
  const Eigen::Map<const Eigen::VectorXd> u(U.data(), U.size());
  const double quadratic = u.dot(R * u);
  const double t = 1e-4;
  const double second = (E(MatrixXd(product::exp(X, MatrixXd(t * U)))) - 2 * E(X) +
                         E(MatrixXd(product::exp(X, MatrixXd(-t * U))))) /
                        (t * t);
  CHECK(quadratic == doctest::Approx(second).epsilon(1e-5));
  // Riemannian Hessian as an operator: Hess E[u] = P_X d/dt grad E(exp_X(t u)) at t = 0 (the
  // Levi-Civita connection of an embedded product of spheres), by central differences.
  const MatrixXd dgrad = (E.riemannian_gradient(product::exp(X, MatrixXd(t * U))) -
                          E.riemannian_gradient(product::exp(X, MatrixXd(-t * U)))) /
                         (2 * t);
  const MatrixXd projected = product::tangent_project(X, dgrad);
  const Eigen::VectorXd Ru = R * u;
  CHECK((Eigen::Map<const Eigen::VectorXd>(projected.data(), projected.size()) - Ru)
            .cwiseAbs()
            .maxCoeff() <= 1e-6 * Ru.cwiseAbs().maxCoeff());
}

TEST_CASE(
    "extremizers: point mass for D >= 0, antipodal pair for D <= 0, classified by the Hessian") {
  Rng rng(62);
  const int n = 6;
  {  // D = diag(1, 3, 4): maximum e^4 at a point mass on ±e_3. (From an arbitrary start, ascent
     // may stop at a particle-level local maximum: clusters at +e_3 and −e_3.)
    const InteractionEnergy E(Eigen::Vector3d(1, 3, 4).asDiagonal().toDenseMatrix());
    MatrixXd X0 = product::random_point(rng, 3, n);
    X0.row(2) = X0.row(2).cwiseAbs();
    const StationaryResult r = find_stationary(E, X0, Extremum::Ascent);
    INFO(r.status);
    REQUIRE(r.converged);
    CHECK(r.residual <= 1e-10);
    CHECK(r.energy == doctest::Approx(std::exp(4.0)).epsilon(1e-12));
    for (int i = 0; i < n; ++i) CHECK(std::abs(std::abs(r.X(2, i)) - 1) <= 1e-9);
    const Classification c = classify(E, r.X);
    CHECK(c.kind == "maximum");
    CHECK(c.symmetry_dimension == 0);
  }
  {  // D = I: every point mass is a maximum, e^1; the SO(3) orbit (dimension 2) is removed.
    const InteractionEnergy E(MatrixXd::Identity(3, 3));
    const StationaryResult r =
        find_stationary(E, product::random_point(rng, 3, n), Extremum::Ascent);
    REQUIRE(r.converged);
    CHECK(r.energy == doctest::Approx(std::exp(1.0)).epsilon(1e-12));
    const Classification c = classify(E, r.X);
    CHECK(c.kind == "maximum");
    CHECK(c.symmetry_dimension == 2);
  }
  {  // D = diag(−1, −3, −4): maximum cosh(4) at the antipodal pair on ±e_3.
    const InteractionEnergy E(Eigen::Vector3d(-1, -3, -4).asDiagonal().toDenseMatrix());
    const StationaryResult r =
        find_stationary(E, product::random_point(rng, 3, 2), Extremum::Ascent);
    REQUIRE(r.converged);
    CHECK(r.energy == doctest::Approx(std::cosh(4.0)).epsilon(1e-12));
    CHECK(std::abs(r.X.col(0).dot(r.X.col(1)) + 1) <= 1e-9);
    CHECK(classify(E, r.X).kind == "maximum");
  }
}

TEST_CASE("bad interaction matrices are refused") {
  CHECK_THROWS_AS(InteractionEnergy(MatrixXd::Zero(2, 3)), InvalidInput);
  MatrixXd A = MatrixXd::Identity(3, 3);
  A(0, 1) = 1;
  CHECK_THROWS_AS(InteractionEnergy{A}, InvalidInput);
  A(0, 1) = std::nan("");
  CHECK_THROWS_AS(InteractionEnergy{A}, InvalidInput);
}

TEST_CASE("a single token: stationary points are eigenvectors of D; D = I is not isolated") {
  // n = 1: E_D(x) = exp(<x, D x>), stationary exactly at the eigenvectors of D.
  for (int d : {2, 3}) {
    CAPTURE(d);
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(d, 1);
    x(0, 0) = 0.6;
    x(1, 0) = 0.8;
    // D = I: every point is stationary and every tangent direction is a rotation: degenerate,
    // with nothing left to classify (this was a segmentation fault).
    const InteractionEnergy identity(Eigen::MatrixXd::Identity(d, d));
    CHECK(identity.stationarity_residual(x) <= 1e-15);
    const Classification c = classify(identity, x);
    CHECK(c.kind == "degenerate");
    CHECK(c.eigenvalues.size() == 0);
    CHECK(c.symmetry_dimension == d - 1);
    // D = diag(2, 1, ...): ascent ends on ±e_1 with energy e^2, a maximum.
    Eigen::MatrixXd D = Eigen::MatrixXd::Identity(d, d);
    D(0, 0) = 2.0;
    const InteractionEnergy top(D);
    const StationaryResult r = find_stationary(top, x, Extremum::Ascent);
    CHECK(r.converged);
    CHECK(r.energy == doctest::Approx(std::exp(2.0)).epsilon(1e-12));
    CHECK(std::abs(r.X(0, 0)) == doctest::Approx(1.0).epsilon(1e-10));
    CHECK(classify(top, r.X).kind == "maximum");
  }
}
