// The geometry property suite (docs/math.md §1 checks), written once and run for every manifold
// (S^{d-1} and (S^{d-1})^n, several d) and for both scalars (double and ceres::Jet values).
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <varsphere/core/error.hpp>
#include <varsphere/core/scalar.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/product.hpp>

#include "support/geometries.hpp"
#include <varsphere/testing/jet_check.hpp>

using namespace varsphere;
using namespace varsphere::testing;

namespace {

constexpr double kPi = std::numbers::pi;
const double kAdversarialAngles[] = {1e-12, 1e-8, 1e-3, 1.0, kPi - 1e-3, kPi - 1e-8};

template <class G, class S>
struct Case {
  using Geometry = G;
  using Scalar = S;
};

template <class G>
std::vector<G> instances();
template <>
std::vector<SphereGeometry> instances() {
  return {{2}, {3}, {5}, {64}};
}
template <>
std::vector<ProductGeometry> instances() {
  return {{2, 7}, {3, 8}, {5, 3}, {64, 4}};
}

template <class T>
Mat<T> to(const Eigen::MatrixXd& M) {
  return M.cast<T>();
}
template <class T>
Eigen::MatrixXd values(const Mat<T>& M) {
  return M.unaryExpr([](const T& x) { return value_of(x); });
}

// Y with every token at geodesic distance theta from the token of X, and the tangent V with
// exp_X(V) = Y (columns of norm theta).
struct AnglePair {
  Eigen::MatrixXd X, V, Y;
};
// Absolute error floor of a quantity computed from stored points: a few ulps per token.
template <class G>
double floor(const G& M) {
  return 1e-15 * std::sqrt(double(M.tokens()));
}

AnglePair pair_at_angle(Rng& rng, const Eigen::MatrixXd& X, double theta) {
  const Eigen::MatrixXd E = unit_tangent_columns(rng, X);
  return {X, theta * E, std::cos(theta) * X + std::sin(theta) * E};
}

}  // namespace

#define GEOMETRY_CASES                                                                    \
  Case<SphereGeometry, double>, Case<SphereGeometry, Jet>, Case<ProductGeometry, double>, \
      Case<ProductGeometry, Jet>

TEST_CASE_TEMPLATE("exp and log are inverse to each other", C, GEOMETRY_CASES) {
  using T = typename C::Scalar;
  for (const auto& M : instances<typename C::Geometry>()) {
    Rng rng(11);
    for (double theta : kAdversarialAngles) {
      CAPTURE(M.name());
      CAPTURE(theta);
      const AnglePair p = pair_at_angle(rng, M.random_point(rng), theta);
      // exp(log y) = y is well-conditioned all the way to the antipode (sin θ damps the error).
      const Eigen::MatrixXd Y2 = values<T>(M.exp(to<T>(p.X), M.log(to<T>(p.X), to<T>(p.Y))));
      CHECK((Y2 - p.Y).norm() <= 1e-13 * std::sqrt(double(M.tokens())));
      // log(exp v) = v: a point is stored to ~1e-16 absolute, so the error has that floor plus a
      // relative part bounded by 1e-13 times the condition number θ / sin θ.
      const Eigen::MatrixXd V2 = values<T>(M.log(to<T>(p.X), M.exp(to<T>(p.X), to<T>(p.V))));
      CHECK((V2 - p.V).norm() <= floor(M) + 1e-13 * (theta / std::sin(theta)) * p.V.norm());
    }
  }
}

TEST_CASE_TEMPLATE("distance is symmetric and equals the angle", C, GEOMETRY_CASES) {
  using T = typename C::Scalar;
  for (const auto& M : instances<typename C::Geometry>()) {
    Rng rng(12);
    for (double theta : kAdversarialAngles) {
      CAPTURE(M.name());
      CAPTURE(theta);
      const AnglePair p = pair_at_angle(rng, M.random_point(rng), theta);
      const double dxy = value_of(M.distance(to<T>(p.X), to<T>(p.Y)));
      const double dyx = value_of(M.distance(to<T>(p.Y), to<T>(p.X)));
      const double expected = theta * std::sqrt(double(M.tokens()));
      CHECK(std::abs(dxy - dyx) <= 4e-16 * expected + 1e-300);
      // The stored Y carries rounding of order 1e-16 in each coordinate: allow that in absolute
      // terms (the ulp-level relative accuracy is checked on exact inputs in test_sphere.cpp).
      CHECK(std::abs(dxy - expected) <= 1e-15 * std::sqrt(double(M.tokens())) + 1e-14 * expected);
      // d(X, exp_X(V)) = ‖V‖.
      const double dexp = value_of(M.distance(to<T>(p.X), M.exp(to<T>(p.X), to<T>(p.V))));
      CHECK(std::abs(dexp - p.V.norm()) <=
            1e-15 * std::sqrt(double(M.tokens())) + 1e-14 * expected);
    }
  }
}

TEST_CASE_TEMPLATE("parallel transport is an isometry from T_x to T_y", C, GEOMETRY_CASES) {
  using T = typename C::Scalar;
  for (const auto& M : instances<typename C::Geometry>()) {
    Rng rng(13);
    for (double theta : kAdversarialAngles) {
      CAPTURE(M.name());
      CAPTURE(theta);
      const AnglePair p = pair_at_angle(rng, M.random_point(rng), theta);
      const Eigen::MatrixXd U = product::random_tangent(rng, p.X);
      const Eigen::MatrixXd W = product::random_tangent(rng, p.X);
      const Eigen::MatrixXd TU = values<T>(M.transport(to<T>(p.X), to<T>(p.Y), to<T>(U)));
      const Eigen::MatrixXd TW = values<T>(M.transport(to<T>(p.X), to<T>(p.Y), to<T>(W)));
      // Transport divides by ‖x + y‖ = 2cos(θ/2): errors grow like 1/cos(θ/2) near π.
      const double tol = 1e-14 / std::cos(theta / 2);
      const double scale = U.norm() * W.norm();
      CHECK(std::abs(TU.cwiseProduct(TW).sum() - U.cwiseProduct(W).sum()) <= tol * scale);
      CHECK(std::abs(TU.norm() - U.norm()) <= tol * U.norm());
      CHECK(p.Y.cwiseProduct(TU).colwise().sum().cwiseAbs().maxCoeff() <= tol * U.norm());
      // Back again is the identity.
      const Eigen::MatrixXd back = values<T>(M.transport(to<T>(p.Y), to<T>(p.X), to<T>(TU)));
      CHECK((back - U).norm() <= 4 * tol * U.norm());
      // The geodesic's own velocity is transported to its velocity at the end: Γ(log_x y) = −log_y
      // x.
      if (theta < kPi - 1e-6) {
        const Eigen::MatrixXd TL = values<T>(M.transport(to<T>(p.X), to<T>(p.Y), to<T>(p.V)));
        const Eigen::MatrixXd Lyx = values<T>(M.log(to<T>(p.Y), to<T>(p.X)));
        CHECK((TL + Lyx).norm() <= floor(M) + 1e-13 * (theta / std::sin(theta)) * p.V.norm());
      }
    }
  }
}

TEST_CASE_TEMPLATE("retraction and its inverse round trip inside pi/2", C, GEOMETRY_CASES) {
  using T = typename C::Scalar;
  for (const auto& M : instances<typename C::Geometry>()) {
    Rng rng(14);
    for (double theta : {1e-12, 1e-8, 1e-3, 1.0, 1.5}) {
      CAPTURE(M.name());
      CAPTURE(theta);
      const Eigen::MatrixXd X = M.random_point(rng);
      const Eigen::MatrixXd V = std::tan(theta) * unit_tangent_columns(rng, X);
      const Eigen::MatrixXd Q = values<T>(M.retract(to<T>(X), to<T>(V)));
      CHECK((Q.colwise().norm().array() - 1.0).abs().maxCoeff() <= 4e-16);
      CHECK(std::abs(value_of(M.distance(to<T>(X), to<T>(Q))) -
                     theta * std::sqrt(double(M.tokens()))) <= 1e-15 + 1e-14 * theta);
      const Eigen::MatrixXd V2 = values<T>(M.inverse_retract(to<T>(X), to<T>(Q)));
      CHECK((V2 - V).norm() <= floor(M) + 1e-13 * V.norm() / std::pow(std::cos(theta), 2));
    }
  }
}

TEST_CASE_TEMPLATE("geodesic interpolates and has constant speed", C, GEOMETRY_CASES) {
  using T = typename C::Scalar;
  for (const auto& M : instances<typename C::Geometry>()) {
    Rng rng(15);
    for (double theta : {1e-8, 0.5, 2.0, kPi - 1e-3}) {
      CAPTURE(M.name());
      CAPTURE(theta);
      const AnglePair p = pair_at_angle(rng, M.random_point(rng), theta);
      const double total = theta * std::sqrt(double(M.tokens()));
      for (double t : {0.0, 0.25, 0.5, 1.0}) {
        const Eigen::MatrixXd G = values<T>(M.geodesic(to<T>(p.X), to<T>(p.Y), T(t)));
        CHECK(std::abs(value_of(M.distance(to<T>(p.X), to<T>(G))) - t * total) <=
              1e-15 + 1e-12 * total);
        CHECK(std::abs(value_of(M.distance(to<T>(G), to<T>(p.Y))) - (1 - t) * total) <=
              1e-15 + 1e-12 * total);
      }
    }
  }
}

TEST_CASE_TEMPLATE("log and transport refuse the cut locus", C, GEOMETRY_CASES) {
  using T = typename C::Scalar;
  for (const auto& M : instances<typename C::Geometry>()) {
    Rng rng(16);
    const Eigen::MatrixXd X = M.random_point(rng);
    const Eigen::MatrixXd U = product::random_tangent(rng, X);
    Eigen::MatrixXd Y = X;
    Y.col(0) = -X.col(0);  // one antipodal token is enough
    CHECK_THROWS_AS(M.log(to<T>(X), to<T>(Y)), CutLocusError);
    CHECK_THROWS_AS(M.transport(to<T>(X), to<T>(Y), to<T>(U)), CutLocusError);
    CHECK_THROWS_AS(M.inverse_retract(to<T>(X), to<T>(Y)), CutLocusError);
    // The distance is defined there: π for that token.
    CHECK(value_of(M.distance(to<T>(X.col(0).eval()), to<T>(Y.col(0).eval()))) ==
          doctest::Approx(kPi).epsilon(1e-15));
  }
}
