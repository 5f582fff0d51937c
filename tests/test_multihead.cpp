// Multi-head energies with time-dependent weights (docs/math.md §6, MDCBS): the ledger's terms against
// finite differences and the attention field, the Itô rate, the weight processes, and the
// simulation's noise path and balance.
#include <doctest/doctest.h>

#include <cmath>
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/multihead_flow.hpp>

using namespace varsphere;
using Eigen::MatrixXd;

namespace {
std::vector<MatrixXd> some_heads(Rng& rng, int H, int d) {
  std::vector<MatrixXd> D;
  for (int h = 0; h < H; ++h) {
    const MatrixXd A = rng.normal_matrix(d, d);
    D.push_back(MatrixXd::Identity(d, d) + 0.25 * (A + A.transpose()));
  }
  return D;
}
}  // namespace

TEST_CASE("multi-head energy: gradients against differences, velocity = the attention field") {
  Rng rng(101);
  const int d = 3, n = 7, H = 3;
  const MatrixXd X = product::random_point(rng, d, n);
  const std::vector<MatrixXd> D = some_heads(rng, H, d);
  const MultiHeadEvaluation ev = evaluate_multihead(X, D, -1.0);
  double direct = 0;
  for (const auto& M : D) direct += (X.transpose() * M * X).array().exp().sum();
  CHECK(ev.energy == doctest::Approx(direct / (2.0 * H * n * n)).epsilon(1e-14));
  const double h = 1e-6;
  double worst = 0;
  for (int c = 0; c < d * n; ++c) {
    MatrixXd P = X, M = X;
    P(c % d, c / d) += h, M(c % d, c / d) -= h;
    const double fd =
        (evaluate_multihead(P, D, -1).energy - evaluate_multihead(M, D, -1).energy) / (2 * h);
    worst = std::max(worst, std::abs(fd - ev.gradient(c % d, c / d)));
  }
  CHECK(worst <= 1e-8);
  // ∂ℰ/∂D_h along a symmetric direction.
  const MatrixXd A = rng.normal_matrix(d, d), S = A + A.transpose();
  std::vector<MatrixXd> Dp = D, Dm = D;
  Dp[1] += h * S, Dm[1] -= h * S;
  const double fd =
      (evaluate_multihead(X, Dp, -1).energy - evaluate_multihead(X, Dm, -1).energy) / (2 * h);
  CHECK(fd == doctest::Approx((ev.weight_gradient[1].array() * S.array()).sum()).epsilon(1e-8));
  // Second order: ℰ(D + Δ) − ℰ(D) − ⟨∂ℰ, Δ⟩ = ½d²ℰ[Δ] + O(|Δ|³).
  std::vector<MatrixXd> step(H, MatrixXd::Zero(d, d));
  step[2] = 1e-3 * S;
  std::vector<MatrixXd> Ds = D;
  Ds[2] += step[2];
  const MultiHeadEvaluation with_step = evaluate_multihead(X, D, -1, &step);
  const double remainder = evaluate_multihead(X, Ds, -1).energy - ev.energy -
                           (ev.weight_gradient[2].array() * step[2].array()).sum();
  CHECK(remainder == doctest::Approx(with_step.second_order).epsilon(1e-3));
  // The velocity is the multi-head SA field with A_h = D_h, V_h = D_h/H.
  MatrixXd F(d, n);
  AttentionField(d, multihead_attention_heads(D), {AttentionNormalization::Softmax, 1.0, -1.0})(0.0, X,
                                                                                          F);
  CHECK((F - ev.velocity).cwiseAbs().maxCoeff() <= 1e-13);
}

TEST_CASE("one head: the paper's G^2 is exactly the dissipation -dE/dt of the descent") {
  Rng rng(102);
  const MatrixXd X = product::random_point(rng, 3, 9);
  const std::vector<MatrixXd> D = some_heads(rng, 1, 3);
  const MultiHeadEvaluation ev = evaluate_multihead(X, D, -1.0);
  const double rate = (ev.gradient.array() * ev.velocity.array()).sum();
  CHECK(rate == doctest::Approx(-ev.metric_slope).epsilon(1e-12));
  // With several heads the two differ (the harmonic-mean mobility is not the flow's metric).
  const std::vector<MatrixXd> D3 = some_heads(rng, 3, 3);
  const MultiHeadEvaluation ev3 = evaluate_multihead(X, D3, -1.0);
  CHECK(std::abs((ev3.gradient.array() * ev3.velocity.array()).sum() + ev3.metric_slope) > 1e-6);
}

TEST_CASE("Ito rate: E[½ d²E[σ dS]] = σ² · rate · dt for S = (W + Wᵀ)/2 (Monte Carlo, 3σ)") {
  Rng rng(103);
  const int d = 3, H = 2;
  const MatrixXd X = product::random_point(rng, d, 6);
  const std::vector<MatrixXd> D = some_heads(rng, H, d);
  const double sigma = std::sqrt(2.0), dt = 1e-2;
  const int samples = 20000;
  double sum = 0, sum2 = 0;
  for (int k = 0; k < samples; ++k) {
    std::vector<MatrixXd> step;
    for (int h = 0; h < H; ++h) {
      const MatrixXd W = std::sqrt(dt) * rng.normal_matrix(d, d);
      step.push_back(0.5 * sigma * (W + W.transpose()));
    }
    const double q = evaluate_multihead(X, D, -1, &step).second_order;
    sum += q, sum2 += q * q;
  }
  const double mean = sum / samples, sd = std::sqrt((sum2 / samples - mean * mean) / samples);
  const double expected = sigma * sigma * evaluate_multihead(X, D, -1).ito_rate * dt;
  CHECK(std::abs(mean - expected) <= 3 * sd);
}

TEST_CASE("weight processes: the paper's d = 2 targets, and phase-shifted heads average to 2I") {
  for (double t : {0.0, 0.7, 2.3}) {
    const MatrixXd T = WeightProcess::oscillating_target(2, 0, 1, t);
    CHECK(T(0, 0) == doctest::Approx(2 + 1.5 * std::cos(t)));
    CHECK(T(1, 1) == doctest::Approx(2 - 1.5 * std::cos(t)));
    CHECK(T(0, 1) == doctest::Approx(std::sin(2 * t)));
    CHECK(T(1, 0) == T(0, 1));
    for (int d : {2, 3, 5}) {
      MatrixXd mean = MatrixXd::Zero(d, d);
      for (int h = 0; h < 5; ++h) mean += WeightProcess::oscillating_target(d, h, 5, t) / 5.0;
      CHECK((mean - 2 * MatrixXd::Identity(d, d)).cwiseAbs().maxCoeff() <= 1e-12);
    }
  }
  const WeightProcess ou = WeightProcess::ornstein_uhlenbeck(1.0);
  CHECK((ou.drift(0, 3 * MatrixXd::Identity(2, 2), 0.0) + 2 * MatrixXd::Identity(2, 2)).norm() ==
        0);
  CHECK_THROWS_AS(WeightProcess::ornstein_uhlenbeck(-1.0), InvalidInput);
}

TEST_CASE("simulation: symmetric weights, one Brownian path for every dt, reproducible") {
  Rng rng(104);
  const MatrixXd X0 = product::random_point(rng, 3, 8);
  const std::vector<MatrixXd> D0 = some_heads(rng, 2, 3);
  WeightProcess brownian = WeightProcess::frozen();  // dD = σ dS: D(T) depends on the path only
  brownian.sigma = 1.0;
  MultiHeadOptions fine, coarse;
  fine.dt = 0.01, fine.noise_dt = 0.01, fine.seed = 7;
  coarse = fine;
  coarse.dt = 0.04;
  const MultiHeadResult a = simulate_multihead(X0, D0, brownian, 1.0, fine);
  const MultiHeadResult b = simulate_multihead(X0, D0, brownian, 1.0, coarse);
  for (int h = 0; h < 2; ++h) {
    CHECK((a.D[h] - a.D[h].transpose()).cwiseAbs().maxCoeff() == 0.0);
    CHECK((a.D[h] - b.D[h]).cwiseAbs().maxCoeff() <= 1e-12);
  }
  const MultiHeadResult again = simulate_multihead(X0, D0, brownian, 1.0, fine);
  CHECK((again.X - a.X).cwiseAbs().maxCoeff() == 0.0);
  // The balance closes at first order for OU weights on a shared Brownian path (RMS over paths).
  std::vector<double> K, rms;
  for (double dt : {0.02, 0.01, 0.005}) {
    double sum = 0;
    for (int seed = 0; seed < 6; ++seed) {
      MultiHeadOptions o;
      o.dt = dt, o.noise_dt = 0.005, o.seed = 40 + seed;
      const double r = simulate_multihead(X0, D0, WeightProcess::ornstein_uhlenbeck(1.0), 1.0, o)
                           .ledger.residual.back();
      sum += r * r;
    }
    K.push_back(1 / dt);
    rms.push_back(std::sqrt(sum / 6));
  }
  CHECK(fitted_order(K, rms) >= 0.9);
}

TEST_CASE("deterministic weights: WeightPath + the flow integrators, ledger of second order") {
  // Ḋ = I − D (OU without noise): D(t) = I + e^{−t}(D0 − I), against the RK4 + Hermite path.
  Rng rng(106);
  const std::vector<MatrixXd> D0 = some_heads(rng, 2, 3);
  const WeightPath relax(WeightProcess::ornstein_uhlenbeck(0.0), D0, 0.0, 2.0, 0.05);
  for (double t : {0.0, 0.33, 1.01, 2.0}) {
    const MatrixXd exact =
        MatrixXd::Identity(3, 3) + std::exp(-t) * (D0[1] - MatrixXd::Identity(3, 3));
    CHECK((relax.weights(t)[1] - exact).cwiseAbs().maxCoeff() <= 1e-7);
    CHECK((relax.rates(t)[1] + exact - MatrixXd::Identity(3, 3)).cwiseAbs().maxCoeff() <= 1e-5);
  }
  // Oscillating weights, H = 3: the token flow by rk4 on AttentionField(path.schedule()); its
  // velocity is the multi-head velocity, and the trapezoid ledger closes at second order.
  const int H = 3;
  std::vector<MatrixXd> start;
  for (int h = 0; h < H; ++h) start.push_back(WeightProcess::oscillating_target(3, h, H, 0.0));
  const WeightPath path(WeightProcess::oscillating(H), start, 0.0, 1.0, 1e-3);
  const AttentionField field(3, path.schedule(), {AttentionNormalization::Softmax, 1.0, -1.0});
  const MatrixXd X0 = product::random_point(rng, 3, 8);
  MatrixXd F(3, 8);
  field(0.4, X0, F);
  CHECK((F - evaluate_multihead(X0, path.weights(0.4), -1.0).velocity).cwiseAbs().maxCoeff() <=
        1e-13);
  std::vector<double> K, residual;
  for (int steps : {20, 40, 80}) {
    FlowOptions o;
    o.dt = 1.0 / steps;
    const Trajectory X = integrate(field, X0, 0.0, 1.0, o).trajectory;
    K.push_back(steps);
    residual.push_back(std::abs(ledger_along(X, path, -1.0).residual.back()));
  }
  CHECK(fitted_order(K, residual) == doctest::Approx(2.0).epsilon(0.1));
}

TEST_CASE("multi-head inputs are checked") {
  Rng rng(105);
  const MatrixXd X0 = product::random_point(rng, 3, 4);
  std::vector<MatrixXd> D = some_heads(rng, 2, 3);
  MultiHeadOptions o;
  o.dt = 0.03;
  o.noise_dt = 0.02;
  CHECK_THROWS_AS(simulate_multihead(X0, D, WeightProcess::frozen(), 0.3, o), InvalidInput);
  o.noise_dt = 0;
  CHECK_THROWS_AS(simulate_multihead(X0, D, WeightProcess::frozen(), 0.31, o), InvalidInput);
  o.sign = 0.5;
  CHECK_THROWS_AS(simulate_multihead(X0, D, WeightProcess::frozen(), 0.3, o), InvalidInput);
  o.sign = -1;
  D[0](0, 1) += 1;
  CHECK_THROWS_AS(simulate_multihead(X0, D, WeightProcess::frozen(), 0.3, o), InvalidInput);
  CHECK_THROWS_AS(simulate_multihead(X0, {}, WeightProcess::frozen(), 0.3, o), InvalidInput);
}
