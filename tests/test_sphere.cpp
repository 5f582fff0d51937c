// Single-sphere facts that the shared property suite does not cover: ulp-level accuracy of the
// distance on exactly representable inputs, Jet derivatives against finite differences (at
// v = 0, y = x and near the antipode), Riemannian gradient and Hessian, the tangent basis, and
// the tangent bundle with its geodesic flow.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <varsphere/core/error.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/manifolds/sphere.hpp>
#include <varsphere/manifolds/tangent_bundle.hpp>

#include <varsphere/testing/jet_check.hpp>

using namespace varsphere;
using namespace varsphere::testing;
using Eigen::Vector3d;
using Eigen::VectorXd;

namespace {
constexpr double kPi = std::numbers::pi;
constexpr double kEps = std::numeric_limits<double>::epsilon();
}  // namespace

TEST_CASE("distance has ulp-level relative accuracy at both ends") {
  // x = e1 and y = (y0, y1, 0) are stored exactly; the reference angle atan2(y1, y0) is
  // correctly rounded by libm, so any loss is the formula's own.
  const Vector3d x(1, 0, 0);
  for (double theta : {1e-12, 1e-8, 1e-3, 1.0, kPi - 1e-3, kPi - 1e-8}) {
    CAPTURE(theta);
    const Vector3d y(std::cos(theta), std::sin(theta), 0);
    const double reference = std::atan2(y(1), y(0));
    CHECK(std::abs(sphere::distance(x, y) - reference) <= 4 * kEps * reference);
    CHECK(std::abs(sphere::log(x, y).norm() - reference) <= 4 * kEps * reference);
  }
  // acos(<x,y>) would return 0 here: the angle is below sqrt(eps).
  const Vector3d y(1.0, 1e-12, 0.0);
  CHECK(sphere::distance(x, y) == doctest::Approx(1e-12).epsilon(1e-15));
}

TEST_CASE("exp has the identity as derivative at v = 0 (no lost Jet derivatives)") {
  const Vector3d x = Vector3d(1, 2, 2) / 3.0;
  const Eigen::Matrix<Jet, 3, 1> xj = x.cast<Jet>();
  Eigen::Matrix<Jet, 3, 1> v;
  for (int k = 0; k < 3; ++k) v(k) = Jet(0.0, k);
  const auto y = sphere::exp(xj, v);
  for (int i = 0; i < 3; ++i) {
    CHECK(y(i).a == doctest::Approx(x(i)).epsilon(1e-16));
    for (int k = 0; k < 3; ++k) CHECK(y(i).v(k) == doctest::Approx(i == k ? 1.0 : 0.0));
  }
}

TEST_CASE("log at y = x has P_x as derivative in y") {
  const Vector3d x = Vector3d(2, -1, 2) / 3.0;
  Eigen::Matrix<Jet, 3, 1> y;
  for (int k = 0; k < 3; ++k) y(k) = Jet(x(k), k);
  const auto l = sphere::log(x.cast<Jet>().eval(), y);
  const Eigen::Matrix3d P = Eigen::Matrix3d::Identity() - x * x.transpose();
  for (int i = 0; i < 3; ++i) {
    CHECK(l(i).a == 0.0);
    for (int k = 0; k < 3; ++k) CHECK(l(i).v(k) == doctest::Approx(P(i, k)).epsilon(1e-14));
  }
}

TEST_CASE("Jet derivatives of exp, log, distance, transport equal central differences") {
  Rng rng(21);
  const double angles[] = {0.0, 1e-8, 1e-3, 1.0, 2.5, kPi - 1e-3};
  for (double theta : angles) {
    CAPTURE(theta);
    const VectorXd x = sphere::random_point(rng, 3);
    VectorXd e = sphere::random_tangent(rng, x);
    e.normalize();
    const VectorXd v = theta * e;
    const VectorXd y = std::cos(theta) * x + std::sin(theta) * e;
    const VectorXd u = sphere::random_tangent(rng, x);
    // exp, log and transport are smooth away from the antipode: the difference step shrinks
    // only there. The distance has a kink at θ = 0, so its step is a fraction of θ (truncation
    // ~ (h/θ)² = 1e-8); below θ = 1e-3 no step resolvable in double avoids the kink, and it is
    // not checked there.
    const double h_smooth = std::min(1e-6, 1e-4 * (kPi - theta));
    const double h_dist = 1e-4 * std::min({theta, kPi - theta, 1.0});
    const double tol = 1e-6;

    VectorXd xv(6);
    xv << x, v;
    CHECK(max_jacobian_error([](const auto& p) { return sphere::exp(p.head(3), p.tail(3)).eval(); },
                             xv, h_smooth) <= tol);
    VectorXd xy(6);
    xy << x, y;
    CHECK(max_jacobian_error([](const auto& p) { return sphere::log(p.head(3), p.tail(3)).eval(); },
                             xy, h_smooth) <= tol);
    if (theta >= 1e-3) {
      CHECK(max_jacobian_error(
                [](const auto& p) {
                  using T = typename std::decay_t<decltype(p)>::Scalar;
                  Eigen::Matrix<T, 1, 1> out;
                  out(0) = sphere::distance(p.head(3), p.tail(3));
                  return out;
                },
                xy, h_dist) <= tol);
    }
    VectorXd yu(6);
    yu << y, u;
    CHECK(max_jacobian_error(
              [&x](const auto& p) {
                using T = typename std::decay_t<decltype(p)>::Scalar;
                return sphere::transport(x.cast<T>().eval(), p.head(3), p.tail(3)).eval();
              },
              yu, h_smooth) <= tol);
  }
}

TEST_CASE("Riemannian gradient and Hessian of a quadratic match derivatives along geodesics") {
  // f(x) = xᵀAx: ∇f = 2Ax, ∇²f u = 2Au. Along γ(t) = exp_x(tu):
  //   (f∘γ)'(0) = ⟨grad f, u⟩,  (f∘γ)''(0) = ⟨Hess f[u], u⟩.
  Rng rng(22);
  for (int d : {2, 3, 7}) {
    Eigen::MatrixXd B = rng.normal_matrix(d, d);
    const Eigen::MatrixXd A = B + B.transpose();
    const VectorXd x = sphere::random_point(rng, d);
    const VectorXd u = sphere::random_tangent(rng, x);
    auto f_along = [&](double t) {
      const VectorXd g = sphere::exp(x, t * u);
      return g.dot(A * g);
    };
    const double h1 = 1e-5, h = 1e-4;  // first and second difference steps
    const double d1 = (f_along(h1) - f_along(-h1)) / (2 * h1);
    const double d2 = (f_along(h) - 2 * f_along(0) + f_along(-h)) / (h * h);
    const VectorXd egrad = 2 * A * x;
    const VectorXd grad = sphere::riemannian_gradient(x, egrad);
    const VectorXd hess_u = sphere::riemannian_hessian(x, egrad, 2 * A * u, u);
    CHECK(std::abs(grad.dot(x)) <= 1e-14 * egrad.norm());
    CHECK(std::abs(hess_u.dot(x)) <= 1e-13 * A.norm() * u.norm());
    CHECK(grad.dot(u) == doctest::Approx(d1).epsilon(1e-9));
    CHECK(hess_u.dot(u) == doctest::Approx(d2).epsilon(1e-5));
  }
}

TEST_CASE("product Riemannian gradient and Hessian of a coupled quadratic") {
  // f(X) = Σ_ij x_iᵀ A x_j = 1ᵀ XᵀAX 1: ∇_{x_i} f = 2A s with s = Σ_j x_j; (∇²f U)_i = 2A Σ_j u_j.
  Rng rng(23);
  const int d = 4, n = 5;
  Eigen::MatrixXd B = rng.normal_matrix(d, d);
  const Eigen::MatrixXd A = B + B.transpose();
  const Eigen::MatrixXd X = product::random_point(rng, d, n);
  const Eigen::MatrixXd U = product::random_tangent(rng, X);
  auto f_along = [&](double t) {
    const VectorXd s = product::exp(X, t * U).rowwise().sum();
    return s.dot(A * s);
  };
  const double h1 = 1e-5, h = 1e-4;
  const double d1 = (f_along(h1) - f_along(-h1)) / (2 * h1);
  const double d2 = (f_along(h) - 2 * f_along(0) + f_along(-h)) / (h * h);
  const Eigen::MatrixXd G = (2 * A * X.rowwise().sum()).replicate(1, n);
  const Eigen::MatrixXd HU = (2 * A * U.rowwise().sum()).replicate(1, n);
  const Eigen::MatrixXd grad = product::riemannian_gradient(X, G);
  const Eigen::MatrixXd hess_u = product::riemannian_hessian(X, G, HU, U);
  CHECK(grad.cwiseProduct(U).sum() == doctest::Approx(d1).epsilon(1e-9));
  CHECK(hess_u.cwiseProduct(U).sum() == doctest::Approx(d2).epsilon(1e-5));
}

TEST_CASE("tangent basis is orthonormal and spans the tangent space") {
  Rng rng(24);
  for (int d : {2, 3, 6, 33}) {
    for (int trial = 0; trial < 5; ++trial) {
      VectorXd x = sphere::random_point(rng, d);
      if (trial == 0) x = VectorXd::Unit(d, 0);   // x = e1: reflection branch at x_1 > 0
      if (trial == 1) x = -VectorXd::Unit(d, 0);  // and at x_1 < 0
      const Eigen::MatrixXd Bx = sphere::tangent_basis(x);
      CHECK(Bx.rows() == d);
      CHECK(Bx.cols() == d - 1);
      CHECK((Bx.transpose() * Bx - Eigen::MatrixXd::Identity(d - 1, d - 1)).norm() <= 1e-14 * d);
      CHECK((Bx.transpose() * x).norm() <= 1e-15 * d);
    }
  }
}

TEST_CASE("tangent coordinates on the product: the compact bases agree with the dense one, round trip") {
  Rng rng(26);
  const Eigen::MatrixXd X = product::random_point(rng, 4, 5);
  const Eigen::MatrixXd V = product::random_tangent(rng, X, 1.3);
  const Eigen::MatrixXd B = product::tangent_bases(X);
  VectorXd c(5 * 3);
  product::to_tangent_coordinates(B, V, c);
  const VectorXd dense = product::tangent_basis(X).transpose() * Eigen::Map<const VectorXd>(V.data(), V.size());
  CHECK((c - dense).cwiseAbs().maxCoeff() <= 1e-15);
  CHECK((product::from_tangent_coordinates(B, c) - V).cwiseAbs().maxCoeff() <= 1e-14);
  CHECK(c.norm() == doctest::Approx(V.norm()).epsilon(1e-14));  // orthonormal bases: an isometry
}

TEST_CASE("tangent bundle points validate tangency; geodesic flow solves x'' = -|x'|^2 x") {
  Rng rng(25);
  const Eigen::MatrixXd X = product::random_point(rng, 3, 4);
  const Eigen::MatrixXd V = product::random_tangent(rng, X, 0.7);
  const TangentBundlePoint s0(X, V);
  CHECK(tangency_defect(X, V) <= 1e-15);
  CHECK_THROWS_AS(TangentBundlePoint(X, V + 0.1 * X), InvalidInput);
  CHECK_THROWS_AS(TangentBundlePoint(X, Eigen::MatrixXd::Zero(3, 3)), InvalidInput);

  // γ(t) of the flow is the geodesic exp_X(tV), and speed is conserved.
  for (double t : {0.0, 0.3, 2.0}) {
    const TangentBundlePoint st = geodesic_flow(s0, t);
    CHECK((st.point() - product::exp(X, t * V)).norm() <= 1e-14);
    CHECK((st.velocity().colwise().norm() - V.colwise().norm()).norm() <= 1e-14);
  }
  // Second-order check of the ODE by central differences of the velocity.
  const double t = 0.8, h = 1e-5;
  const Eigen::MatrixXd acc =
      (geodesic_flow(s0, t + h).velocity() - geodesic_flow(s0, t - h).velocity()) / (2 * h);
  const TangentBundlePoint st = geodesic_flow(s0, t);
  Eigen::MatrixXd rhs = st.point();
  for (Eigen::Index i = 0; i < rhs.cols(); ++i) rhs.col(i) *= -st.velocity().col(i).squaredNorm();
  CHECK((acc - rhs).norm() <= 1e-8);
}
