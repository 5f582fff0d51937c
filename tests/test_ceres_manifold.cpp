// The ceres::Manifold axioms, written once and checked for every manifold varsphere hands to
// Ceres (one sphere factor in several dimensions, products of them through ceres::ProductManifold,
// and Ceres' Euclidean manifold as a control of the suite itself). Then a small optimization
// whose minimizer is known in closed form.
#include <ceres/ceres.h>
#include <ceres/product_manifold.h>
#include <doctest/doctest.h>

#include <limits>
#include <memory>
#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/ceres_product_sphere_manifold.hpp>
#include <varsphere/manifolds/ceres_sphere_manifold.hpp>
#include <varsphere/manifolds/sphere.hpp>
#include <varsphere/testing/manifold_axioms.hpp>

using namespace varsphere;
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

// A random point of a product of spheres / Euclidean space: blocks of sizes `blocks` (0 = R^k).
struct Layout {
  std::vector<int> sphere_dims;  // ambient dims of the sphere factors; empty: Euclidean
  int euclidean = 0;
};

Eigen::VectorXd random_point(Rng& rng, const Layout& L) {
  if (L.sphere_dims.empty()) return rng.normal_vector(L.euclidean);
  int total = 0;
  for (int d : L.sphere_dims) total += d;
  Eigen::VectorXd x(total);
  int offset = 0;
  for (int d : L.sphere_dims) {
    x.segment(offset, d) = sphere::random_point(rng, d);
    offset += d;
  }
  return x;
}

// The axioms of ceres::Manifold (the shipped battery <varsphere/testing/manifold_axioms.hpp>) at a
// random x with a tangent step δ of norm `step`.
void check_manifold_axioms(const ceres::Manifold& M, const Layout& L, Rng& rng, double step) {
  const Eigen::VectorXd x = random_point(rng, L);
  Eigen::VectorXd delta = rng.normal_vector(M.TangentSize());
  delta *= step / delta.norm();
  const testing::ManifoldAxiomErrors e =
      testing::manifold_axiom_errors(M, x, delta, random_point(rng, L));
  CHECK(e.all_evaluated);
  CHECK(e.plus_zero <= 1e-15);
  CHECK(e.minus_self <= 1e-15);
  CHECK(e.minus_plus <= 1e-13);
  CHECK(e.plus_minus <= 1e-13);
  CHECK(e.plus_jacobian <= 1e-8);
  CHECK(e.minus_jacobian <= 1e-8);
  CHECK(e.jacobian_inverse <= 1e-14);
  CHECK(e.right_multiply <= 1e-14);
}

}  // namespace

TEST_CASE("ceres::Manifold axioms hold for every manifold varsphere uses") {
  Rng rng(31);
  for (double step : {0.0, 1e-9, 0.3, 2.0, 3.1}) {
    CAPTURE(step);
    for (int d : {2, 3, 5, 16}) {
      CAPTURE(d);
      CeresSphereManifold S(d);
      check_manifold_axioms(S, {{d}, 0}, rng, step);
    }
    // (S²)×(S⁴) through Ceres' product; a step of norm ≤ 3.1 keeps each factor inside π.
    ceres::ProductManifold<CeresSphereManifold, CeresSphereManifold> P(CeresSphereManifold(3),
                                                                       CeresSphereManifold(5));
    check_manifold_axioms(P, {{3, 5}, 0}, rng, step);
    // The whole product as one manifold (find_stationary's), with its blockwise
    // RightMultiplyByPlusJacobian.
    for (int n : {1, 3}) {
      CeresProductSphereManifold Q(4, n);
      check_manifold_axioms(Q, {std::vector<int>(n, 4), 0}, rng, step);
    }
    ceres::EuclideanManifold<4> E;
    check_manifold_axioms(E, {{}, 4}, rng, step);
  }
}

TEST_CASE("Plus moves along geodesics: tangent coordinates have the Riemannian scale") {
  Rng rng(32);
  CeresSphereManifold S(4);
  const Eigen::VectorXd x = sphere::random_point(rng, 4);
  for (double r : {1e-6, 0.5, 3.0}) {
    Eigen::VectorXd delta = rng.normal_vector(3);
    delta *= r / delta.norm();
    Eigen::VectorXd y(4);
    S.Plus(x.data(), delta.data(), y.data());
    CHECK(std::abs(y.norm() - 1.0) <= 4e-16);
    CHECK(sphere::distance(x, y) == doctest::Approx(r).epsilon(1e-13));
  }
}

TEST_CASE("Minus reports failure at the cut locus; a bad dimension is rejected") {
  CeresSphereManifold S(3);
  const Eigen::Vector3d x(0, 0, 1), y(0, 0, -1);
  Eigen::Vector2d out;
  CHECK_FALSE(S.Minus(y.data(), x.data(), out.data()));
  CHECK_THROWS_AS(CeresSphereManifold(1), InvalidInput);
}

namespace {
struct DistanceToAnchor {
  explicit DistanceToAnchor(Eigen::Vector3d a) : a_(std::move(a)) {}
  template <class T>
  bool operator()(const T* x, T* residual) const {
    for (int k = 0; k < 3; ++k) residual[k] = x[k] - T(a_(k));
    return true;
  }
  Eigen::Vector3d a_;
};
}  // namespace

TEST_CASE("Ceres on the sphere manifold finds the closed-form nearest point s/|s|") {
  // C(x) = ½Σ_k ‖x − a_k‖² = const − ⟨x, s⟩ on S², s = Σ a_k: minimizer s/‖s‖. Near it
  // C rises by ‖s‖δ²/2 at distance δ, so with C evaluated to relative precision ε no method can
  // locate the minimizer better than δ* = sqrt(2εC/‖s‖): the test asks for 4δ* (anchors spread
  // widely, large C) and for 1e-10 absolute (tight anchors, small C).
  Rng rng(33);
  for (double spread : {1.0, 1e-3}) {
    CAPTURE(spread);
    std::vector<Eigen::Vector3d> anchors;
    Eigen::Vector3d sum = Eigen::Vector3d::Zero();
    for (int k = 0; k < 5; ++k) {
      anchors.push_back(spread * rng.normal_vector(3) + Eigen::Vector3d(1, 0, 0));
      sum += anchors.back();
    }
    Eigen::Vector3d x(-0.2, 0.9, 0.1);
    x.normalize();
    ceres::Problem problem;
    for (const auto& a : anchors) {
      problem.AddResidualBlock(
          new ceres::AutoDiffCostFunction<DistanceToAnchor, 3, 3>(new DistanceToAnchor(a)), nullptr,
          x.data());
    }
    problem.SetManifold(x.data(), new CeresSphereManifold(3));
    ceres::Solver::Options options;
    options.function_tolerance = 1e-16;
    options.gradient_tolerance = 1e-16;
    options.parameter_tolerance = 1e-16;
    ceres::Solver::Summary summary;
    ceres::Solve(options, &problem, &summary);
    const double resolvable =
        std::sqrt(2 * std::numeric_limits<double>::epsilon() * summary.final_cost / sum.norm());
    CHECK(std::abs(x.norm() - 1.0) <= 1e-15);
    CHECK((x - sum.normalized()).norm() <= std::max(4 * resolvable, 1e-10));
  }
}
