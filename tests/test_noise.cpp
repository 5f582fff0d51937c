// Noisy tokens (docs/math.md §2.8): geodesic Euler–Maruyama with a Brownian path on a fixed grid.
// Reproducible from the seed, one path shared by every step that is a multiple of the grid, on the
// sphere to rounding; and the long-run law of two USA tokens on S¹ (A = V = I) is the Gibbs law of
// their relative angle, p(φ) ∝ exp(e^{β cos φ}/(βσ²)), checked by a Kolmogorov–Smirnov test.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/testing/kolmogorov_smirnov.hpp>

using namespace varsphere;
using varsphere::testing::ks_distance_to_density;
using Eigen::MatrixXd;

namespace {

FlowOptions noisy(double dt, double sigma, std::uint64_t seed, double noise_dt = 0.0) {
  FlowOptions o;
  o.scheme = FlowScheme::GeodesicEulerMaruyama;
  o.dt = dt;
  o.noise_sigma = sigma;
  o.noise_dt = noise_dt;
  o.seed = seed;
  o.record = false;
  return o;
}

// Independent pairs (2k, 2k+1), each the two-token USA field with A = V = I:
// F_i = ½ e^{β<x_i, x_j>} P_{x_i} x_j (the self term P_x x vanishes).
struct PairField {
  double beta;
  void operator()(double, const MatrixXd& X, MatrixXd& dX) const {
    dX.resize(X.rows(), X.cols());
    for (Eigen::Index k = 0; k + 1 < X.cols(); k += 2) {
      for (auto [i, j] : {std::pair{k, k + 1}, std::pair{k + 1, k}}) {
        const double c = X.col(i).dot(X.col(j));
        dX.col(i) = 0.5 * std::exp(beta * c) * (X.col(j) - c * X.col(i));
      }
    }
  }
};

}  // namespace

TEST_CASE("noise: reproducible, one shared path, on the sphere") {
  Rng rng(91);
  const MatrixXd X0 = product::random_point(rng, 3, 10);
  const AttentionField f = AttentionField::identity(3, {AttentionNormalization::Softmax, 1.0});
  const FlowResult a = integrate(f, X0, 0.0, 1.0, noisy(0.001, 0.5, 7));
  const FlowResult b = integrate(f, X0, 0.0, 1.0, noisy(0.001, 0.5, 7));
  CHECK((a.final_state - b.final_state).cwiseAbs().maxCoeff() == 0.0);
  CHECK((a.final_state.colwise().norm().array() - 1).abs().maxCoeff() <= 1e-14);
  // The same path at a coarser step (4 grid increments per step) stays close; another seed does not.
  const FlowResult coarse = integrate(f, X0, 0.0, 1.0, noisy(0.004, 0.5, 7, 0.001));
  const FlowResult other = integrate(f, X0, 0.0, 1.0, noisy(0.001, 0.5, 8));
  const double same_path = product::distance(a.final_state, coarse.final_state);
  const double other_path = product::distance(a.final_state, other.final_state);
  CHECK(same_path <= 0.1 * other_path);
  // σ = 0 is the deterministic geodesic Euler scheme.
  FlowOptions plain = noisy(0.01, 0.0, 1);
  plain.scheme = FlowScheme::GeodesicEuler;
  CHECK((integrate(f, X0, 0.0, 1.0, noisy(0.01, 0.0, 1)).final_state -
         integrate(f, X0, 0.0, 1.0, plain).final_state).cwiseAbs().maxCoeff() <= 1e-14);
  CHECK_THROWS_AS(integrate(f, X0, 0.0, 1.0, noisy(0.0015, 0.5, 1, 0.001)), InvalidInput);
  FlowOptions wrong = noisy(0.01, 0.5, 1);
  wrong.scheme = FlowScheme::RK4;
  CHECK_THROWS_AS(integrate(f, X0, 0.0, 1.0, wrong), InvalidInput);
}

TEST_CASE("noise: two USA tokens on the circle reach the Gibbs law of their angle") {
  const double beta = 1.0, sigma = 1.0;
  const int pairs = 1000;
  Rng rng(92);
  const MatrixXd X0 = product::random_point(rng, 2, 2 * pairs);
  const FlowResult r = integrate(PairField{beta}, X0, 0.0, 20.0, noisy(0.002, sigma, 2024));
  std::vector<double> phi;
  for (int k = 0; k < pairs; ++k) {
    const Eigen::Vector2d a = r.final_state.col(2 * k), b = r.final_state.col(2 * k + 1);
    phi.push_back(std::atan2(a(0) * b(1) - a(1) * b(0), a.dot(b)));  // in (−π, π]
  }
  // p(φ) ∝ exp(e^{β cos φ}/(βσ²)).
  auto density = [&](double x) { return std::exp(std::exp(beta * std::cos(x)) / (beta * sigma * sigma)); };
  const double ks = ks_distance_to_density(phi, density, -std::numbers::pi, std::numbers::pi);
  std::sort(phi.begin(), phi.end());
  // Kolmogorov–Smirnov at the 1% level for 1000 independent samples: 1.63/sqrt(1000) = 0.0515.
  CAPTURE(ks);
  CHECK(ks <= 1.63 / std::sqrt(double(pairs)));
  // The law is not the uniform one (the test can fail): its KS distance to uniform is large.
  double ks_uniform = 0;
  for (int k = 0; k < pairs; ++k) {
    const double F = (phi[k] + std::numbers::pi) / (2 * std::numbers::pi);
    ks_uniform = std::max(ks_uniform, std::abs(F - double(k) / pairs));
  }
  CHECK(ks_uniform >= 0.15);
}
