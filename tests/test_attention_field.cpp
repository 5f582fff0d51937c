// The attention vector field (docs/math.md §2): the fast double path equals the generic template for
// every kind of head, Jet derivatives equal finite differences, outputs are tangent, β = 100 is
// stable, the antipodal pair is stationary, the circle reduces to the angle ODE, and the
// USA/SA flows are gradient flows of E_β (velocity = n·grad E, resp. the Z-weighted gradient).
#include <doctest/doctest.h>

#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/core/scalar.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>

#include <varsphere/testing/jet_check.hpp>

using namespace varsphere;
using namespace varsphere::testing;
using Eigen::MatrixXd;

namespace {

MatrixXd random_symmetric(Rng& rng, int d, double scale) {
  const MatrixXd B = rng.normal_matrix(d, d);
  return scale * (B + B.transpose()) / 2;
}

MatrixXd generic_velocity(const AttentionField& f, double t, const MatrixXd& X) {
  using J = ceres::Jet<double, 1>;
  const Eigen::Matrix<J, -1, -1> XJ = X.cast<J>();
  Eigen::Matrix<J, -1, -1> VJ;
  f(J(t), XJ, VJ);
  return VJ.unaryExpr([](const J& j) { return j.a; });
}

MatrixXd fast_velocity(const AttentionField& f, double t, const MatrixXd& X) {
  AttentionWorkspace ws;
  MatrixXd V(X.rows(), X.cols());
  f.velocity(t, X, V, ws);
  return V;
}

}  // namespace

TEST_CASE("fast double path equals the generic template for every kind of head") {
  Rng rng(51);
  const int d = 4, n = 37;
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd I = MatrixXd::Identity(d, d);
  struct Setup {
    const char* name;
    std::vector<AttentionHead> heads;
  };
  const std::vector<Setup> setups = {
      {"identity", {{I, I}}},
      {"symmetric A, general V", {{random_symmetric(rng, d, 1.0), rng.normal_matrix(d, d)}}},
      {"general A and V", {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)}}},
      {"three heads", {{I, I}, {rng.normal_matrix(d, d), I}, {random_symmetric(rng, d, 2.0), -I}}},
  };
  for (const auto& s : setups) {
    for (auto weights : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
      for (double beta : {0.0, 1.0, 9.0}) {
        for (double sign : {1.0, -1.0}) {
          CAPTURE(s.name);
          CAPTURE(beta);
          CAPTURE(int(weights));
          const AttentionField f(d, s.heads, {weights, beta, sign});
          const MatrixXd fast = fast_velocity(f, 0.3, X);
          const MatrixXd generic = generic_velocity(f, 0.3, X);
          CHECK((fast - generic).norm() <= 1e-13 * (1 + generic.norm()));
          CHECK(X.cwiseProduct(fast).colwise().sum().cwiseAbs().maxCoeff() <=
                1e-14 * (1 + fast.norm()));
        }
      }
    }
  }
}

TEST_CASE("time-dependent heads are evaluated at the requested time") {
  Rng rng(52);
  const int d = 3, n = 9;
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd A0 = rng.normal_matrix(d, d), A1 = random_symmetric(rng, d, 1.0);
  const HeadSchedule schedule = [&](double t) {
    return std::vector<AttentionHead>{
        {std::cos(t) * A0 + std::sin(t) * A1, (1 + t) * MatrixXd::Identity(d, d)}};
  };
  const AttentionField moving(d, schedule, {AttentionNormalization::Softmax, 2.0, 1.0});
  for (double t : {0.0, 0.7, 2.0}) {
    const AttentionField frozen(d, schedule(t), {AttentionNormalization::Softmax, 2.0, 1.0});
    CHECK((fast_velocity(moving, t, X) - fast_velocity(frozen, 0.0, X)).norm() <= 1e-15);
    CHECK((generic_velocity(moving, t, X) - fast_velocity(frozen, 0.0, X)).norm() <= 1e-13);
  }
  const HeadSchedule bad = [&](double) {
    return std::vector<AttentionHead>{{MatrixXd::Identity(2, 2), MatrixXd::Identity(d, d)}};
  };
  const AttentionField broken(d, bad, {});
  CHECK_THROWS_AS(fast_velocity(broken, 0.0, X), InvalidInput);
}

TEST_CASE("Jet derivatives of the field equal central differences of the double evaluation") {
  Rng rng(53);
  const int d = 3, n = 2;  // 6 inputs ≤ the Jet size
  const MatrixXd X = product::random_point(rng, d, n);
  for (auto weights : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
    const AttentionField f(d, {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)}},
                           {weights, 1.5, 1.0});
    auto F = [&](const auto& p) {
      using T = typename std::decay_t<decltype(p)>::Scalar;
      const Eigen::Matrix<T, -1, -1> Xp =
          Eigen::Map<const Eigen::Matrix<T, -1, -1>>(p.data(), d, n);
      Eigen::Matrix<T, -1, -1> V;
      f(T(0.0), Xp, V);
      return Eigen::Matrix<T, -1, 1>(Eigen::Map<const Eigen::Matrix<T, -1, 1>>(V.data(), d * n));
    };
    const Eigen::VectorXd p = Eigen::Map<const Eigen::VectorXd>(X.data(), d * n);
    CHECK(max_jacobian_error(F, p, 1e-6) <= 1e-7);
  }
}

TEST_CASE("the closed-form velocity Jacobian equals the Jet derivative") {
  Rng rng(58);
  const int d = 3, n = 5;
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd I = MatrixXd::Identity(d, d);
  const std::vector<std::vector<AttentionHead>> setups = {
      {{I, I}},
      {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)}},
      {{I, I}, {random_symmetric(rng, d, 1.0), rng.normal_matrix(d, d)}}};
  for (const auto& heads : setups) {
    for (auto weights : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
      for (double sign : {1.0, -1.0}) {
        const AttentionField f(d, heads, {weights, 1.3, sign});
        MatrixXd F;
        const MatrixXd J = f.velocity_jacobian(0.0, X, &F);
        CHECK((F - fast_velocity(f, 0.0, X)).norm() <= 1e-14 * (1 + F.norm()));
        // Reference: Jet derivatives, one token's coordinates at a time.
        using J3 = ceres::Jet<double, 3>;
        for (int k = 0; k < n; ++k) {
          Eigen::Matrix<J3, -1, -1> XJ = X.cast<J3>();
          for (int b = 0; b < d; ++b) XJ(b, k).v[b] = 1.0;
          Eigen::Matrix<J3, -1, -1> FJ;
          f(J3(0.0), XJ, FJ);
          for (int i = 0; i < n; ++i)
            for (int a = 0; a < d; ++a)
              for (int b = 0; b < d; ++b)
                CHECK(J(i * d + a, k * d + b) ==
                      doctest::Approx(FJ(a, i).v[b]).epsilon(1e-12).scale(1.0));
        }
      }
    }
  }
}

TEST_CASE("beta = 100 is stable and the antipodal pair is stationary for every beta") {
  Rng rng(54);
  const int d = 5;
  const Eigen::VectorXd x = sphere::random_point(rng, d);
  MatrixXd pair(d, 2);
  pair << x, -x;
  for (double beta : {0.0, 1.0, 10.0, 100.0}) {
    for (auto weights : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
      CAPTURE(beta);
      const AttentionField f = AttentionField::identity(d, {weights, beta, 1.0});
      const MatrixXd v = fast_velocity(f, 0.0, pair);
      // The unprojected velocity is a multiple of x for each token; its tangent part is rounding only.
      AttentionWorkspace ws;
      MatrixXd D(d, 2);
      f.unprojected_velocity(0.0, pair, D, ws);
      CHECK(v.cwiseAbs().maxCoeff() <= 4e-16 * D.cwiseAbs().maxCoeff());
    }
  }
  const MatrixXd X = product::random_point(rng, d, 50);
  const AttentionField hot = AttentionField::identity(d, {AttentionNormalization::Softmax, 100.0, 1.0});
  const MatrixXd v = fast_velocity(hot, 0.0, X);
  CHECK(v.allFinite());
  CHECK((v - generic_velocity(hot, 0.0, X)).norm() <= 1e-13);
}

TEST_CASE(
    "on the circle the USA field is the angle ODE dθ_i/dt = -(1/n) Σ_j e^{β cos(θ_i-θ_j)} "
    "sin(θ_i-θ_j)") {
  Rng rng(55);
  const int n = 7;
  const double beta = 2.5;
  Eigen::VectorXd theta(n);
  MatrixXd X(2, n);
  for (int i = 0; i < n; ++i) {
    theta(i) = 2 * M_PI * rng.uniform();
    X.col(i) << std::cos(theta(i)), std::sin(theta(i));
  }
  const AttentionField f = AttentionField::identity(2, {AttentionNormalization::Unnormalized, beta, 1.0});
  const MatrixXd v = fast_velocity(f, 0.0, X);
  for (int i = 0; i < n; ++i) {
    double rate = 0;
    for (int j = 0; j < n; ++j)
      rate -= std::exp(beta * std::cos(theta(i) - theta(j))) * std::sin(theta(i) - theta(j)) / n;
    // The angular velocity is ⟨v_i, x_i^⊥⟩ with x^⊥ = (−sin θ, cos θ).
    CHECK(v(0, i) * -std::sin(theta(i)) + v(1, i) * std::cos(theta(i)) ==
          doctest::Approx(rate).epsilon(1e-13));
  }
}

TEST_CASE(
    "gradient structure: USA = n grad E (product metric), SA = grad E in the Z-weighted metric") {
  Rng rng(56);
  const int d = 3, n = 12;
  const MatrixXd X = product::random_point(rng, d, n);
  for (double beta : {0.5, 3.0}) {
    // Symmetric A and V = A keep the structure (docs/math.md §2).
    const MatrixXd A = random_symmetric(rng, d, 0.8);
    const MatrixXd grad = attention_energy_riemannian_gradient(X, A, beta);
    const AttentionField usa(d, {{A, A}}, {AttentionNormalization::Unnormalized, beta, 1.0});
    CHECK((fast_velocity(usa, 0, X) - n * grad).norm() <= 1e-13 * grad.norm() * n);
    const AttentionField sa(d, {{A, A}}, {AttentionNormalization::Softmax, beta, 1.0});
    const Eigen::VectorXd Z = partition_functions(X, A, beta);
    MatrixXd metric_grad = grad;  // g-gradient: (n²/Z_i) times the product-metric gradient
    for (int i = 0; i < n; ++i) metric_grad.col(i) *= n * n / Z(i);
    CHECK((fast_velocity(sa, 0, X) - metric_grad).norm() <= 1e-13 * metric_grad.norm());
  }
}

TEST_CASE("energy gradient equals the Jet derivative of the energy") {
  Rng rng(57);
  const int d = 3, n = 2;
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd A = rng.normal_matrix(d, d);  // not symmetric: both terms of the gradient matter
  for (double beta : {0.0, 0.7}) {
    Eigen::Matrix<Jet, -1, -1> XJ(d, n);
    for (int k = 0; k < d * n; ++k) XJ(k) = Jet(X(k), k);
    const Jet E = attention_energy(XJ, A, beta);
    const MatrixXd G = attention_energy_gradient(X, A, beta);
    for (int k = 0; k < d * n; ++k) CHECK(E.v(k) == doctest::Approx(G(k)).epsilon(1e-13));
  }
  // β → 0: E_β − 1/(2β) → E_0.
  const double small = 1e-7;
  CHECK(attention_energy(X, A, small) - 1 / (2 * small) ==
        doctest::Approx(attention_energy(X, A, 0.0)).epsilon(1e-5));
}

TEST_CASE("invalid construction is rejected with a typed error") {
  const MatrixXd I3 = MatrixXd::Identity(3, 3);
  CHECK_THROWS_AS(AttentionField(1, {{MatrixXd::Identity(1, 1), MatrixXd::Identity(1, 1)}}),
                  InvalidInput);
  CHECK_THROWS_AS(AttentionField(3, std::vector<AttentionHead>{}), InvalidInput);
  CHECK_THROWS_AS(AttentionField(3, {{MatrixXd::Identity(2, 2), I3}}), InvalidInput);
  CHECK_THROWS_AS(AttentionField(3, {{I3, I3}}, {AttentionNormalization::Softmax, -1.0, 1.0}),
                  InvalidInput);
  CHECK_THROWS_AS(AttentionField(3, {{I3, I3}}, {AttentionNormalization::Softmax, 1.0, 0.5}),
                  InvalidInput);
  MatrixXd nan = I3;
  nan(0, 0) = std::nan("");
  CHECK_THROWS_AS(AttentionField(3, {{nan, I3}}), InvalidInput);
}

// Issue 14: the energy overflows a double above beta * max score ~ 709; its logarithm does not.
TEST_CASE("log-energy equals log E where E is finite and the closed form where E overflows") {
  Rng rng(5);
  const MatrixXd X = product::random_point(rng, 3, 7);
  const MatrixXd A = MatrixXd::Identity(3, 3);
  for (double beta : {0.1, 1.0, 9.0}) {
    CHECK(attention_log_energy(X, A, beta) ==
          doctest::Approx(std::log(attention_energy(X, A, beta))).epsilon(1e-13));
  }
  // Every token at e1: S_ij = 1, so E = e^beta / (2 beta) and log E = beta - log(2 beta).
  const MatrixXd same = Eigen::VectorXd::Unit(3, 0).replicate(1, 5);
  for (double beta : {1000.0, 1e6}) {
    CHECK(std::isinf(attention_energy(same, A, beta)));
    CHECK(attention_log_energy(same, A, beta) ==
          doctest::Approx(beta - std::log(2 * beta)).epsilon(1e-14));
  }
  CHECK_THROWS_AS(attention_log_energy(X, A, 0.0), InvalidInput);
}
