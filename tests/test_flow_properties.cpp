// Properties of the attention flows (docs/math.md §2): the equiangular reduction to a scalar ODE
// (Post-LN and Pre-LN), monotone energy with dE/dt = dissipation, convergence orders of the
// schemes, the save grid, and failure reporting.
#include <doctest/doctest.h>

#include <cmath>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/solvers/equiangular.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/manifolds/product.hpp>

using namespace varsphere;
using Eigen::MatrixXd;

namespace {

MatrixXd equiangular(int d, int n, double rho) {
  return equiangular_configuration(d, n, rho);
}

FlowOptions accurate(double save_dt) {
  FlowOptions o;
  o.scheme = FlowScheme::Dopri5;
  o.rtol = 1e-13;
  o.atol = 1e-14;
  o.dt = save_dt;
  return o;
}

}  // namespace

TEST_CASE("equiangular starts follow the scalar rho-ODE (Post-LN and Pre-LN, SA and USA)") {
  const int d = 5, n = 4;
  const double rho0 = 0.2, T = 3.0, save = 0.5;
  for (bool pre : {false, true}) {
    for (auto weights : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
      for (double beta : {0.0, 1.0, 4.0}) {
        CAPTURE(pre);
        CAPTURE(int(weights));
        CAPTURE(beta);
        const AttentionField field = AttentionField::identity(d, {weights, beta, 1.0});
        FlowOptions o = accurate(save);
        o.norm = pre ? LayerNormPlacement::Pre : LayerNormPlacement::Post;
        const FlowResult flow = integrate(field, equiangular(d, n, rho0), 0.0, T, o);
        REQUIRE(flow.trajectory.size() == 7);

        const std::vector<double> rho =
            equiangular_rho({weights, beta, n, pre ? LayerNormPlacement::Pre : LayerNormPlacement::Post}, rho0, flow.trajectory.times);
        for (std::size_t k = 1; k < flow.trajectory.size(); ++k) {
          const MatrixXd G = flow.trajectory.frames[k].transpose() * flow.trajectory.frames[k];
          CHECK(equiangular_spread(flow.trajectory.frames[k]) <= 1e-12);  // stays equiangular
          CHECK(std::abs(G(0, 1) - rho[k]) <= 1e-10);
        }
      }
    }
  }
}

TEST_CASE("energy rises along SA and USA flows and dE/dt equals the dissipation") {
  Rng rng(61);
  const int d = 3, n = 20;
  const MatrixXd X0 = product::random_point(rng, d, n);
  const MatrixXd I = MatrixXd::Identity(d, d);
  for (auto weights : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
    const double beta = 2.0;
    CAPTURE(int(weights));
    const AttentionField field = AttentionField::identity(d, {weights, beta, 1.0});
    const double h = 0.01;
    const FlowResult flow = integrate(field, X0, 0.0, 4.0, accurate(h));
    // Composite Simpson rule of the dissipation on the save grid (error O(h⁴)).
    std::vector<double> rate;
    double previous = -1e300;
    for (const auto& X : flow.trajectory.frames) {
      MatrixXd V;
      field(0.0, X, V);
      rate.push_back(weights == AttentionNormalization::Softmax ? sa_dissipation(X, V, I, beta)
                                                          : usa_dissipation(V));
      const double E = attention_energy(X, I, beta);
      CHECK(E >= previous - 1e-14);
      previous = E;
    }
    REQUIRE(rate.size() % 2 == 1);
    double integral = rate.front() + rate.back();
    for (std::size_t k = 1; k + 1 < rate.size(); ++k) integral += (k % 2 ? 4 : 2) * rate[k];
    integral *= h / 3;
    const double gain = attention_energy(flow.final_state, I, beta) - attention_energy(X0, I, beta);
    CHECK(gain > 0);
    CHECK(std::abs(gain - integral) <= 1e-9 * gain);
  }
}

TEST_CASE("convergence orders: rk4 is 4th order, Euler schemes 1st order") {
  Rng rng(62);
  const int d = 3, n = 10;
  const MatrixXd X0 = product::random_point(rng, d, n);
  const MatrixXd A = rng.normal_matrix(d, d) * 0.5;  // a general smooth field
  const AttentionField field(d, {{A, MatrixXd::Identity(d, d)}},
                             {AttentionNormalization::Softmax, 1.5, 1.0});
  const double T = 2.0;
  const MatrixXd reference = integrate(field, X0, 0.0, T, accurate(T)).final_state;
  auto slope = [&](FlowScheme scheme, double dt0) {
    FlowOptions o;
    o.scheme = scheme;
    o.record = false;
    std::vector<double> err;
    for (double dt : {dt0, dt0 / 2, dt0 / 4}) {
      o.dt = dt;
      err.push_back(product::distance(integrate(field, X0, 0.0, T, o).final_state, reference));
    }
    return std::log2(err[1] / err[2]);
  };
  const double rk4 = slope(FlowScheme::RK4, 0.2);
  const double euler = slope(FlowScheme::EulerRenormalize, 0.01);
  const double geodesic = slope(FlowScheme::GeodesicEuler, 0.01);
  MESSAGE("observed orders: rk4 " << rk4 << ", euler-renormalize " << euler << ", geodesic-euler "
                                  << geodesic);
  CHECK(rk4 == doctest::Approx(4.0).epsilon(0.08));
  CHECK(euler == doctest::Approx(1.0).epsilon(0.08));
  CHECK(geodesic == doctest::Approx(1.0).epsilon(0.08));
}

TEST_CASE("save grid, step counts and staying on the sphere") {
  Rng rng(63);
  const MatrixXd X0 = product::random_point(rng, 4, 6);
  const AttentionField field = AttentionField::identity(4, {AttentionNormalization::Softmax, 3.0, 1.0});
  FlowOptions o;
  o.dt = 0.03;  // 1.0 / 0.03 is not an integer: 34 even steps of 1/34
  o.save_every = 10;
  const FlowResult r = integrate(field, X0, 0.0, 1.0, o);
  CHECK(r.steps == 34);
  CHECK(r.rhs_evaluations == 4 * 34);
  REQUIRE(r.trajectory.size() == 5);  // t = 0, 10, 20, 30 steps and the end
  CHECK(r.trajectory.times[1] == doctest::Approx(10.0 / 34));
  CHECK(r.trajectory.times.back() == 1.0);
  for (const auto& X : r.trajectory.frames)
    CHECK((X.colwise().norm().array() - 1).abs().maxCoeff() <= 4e-16);

  FlowOptions dense = accurate(0.25);
  const FlowResult rd = integrate(field, X0, 0.0, 1.0, dense);
  REQUIRE(rd.trajectory.size() == 5);
  for (int k = 0; k < 5; ++k) CHECK(rd.trajectory.times[k] == doctest::Approx(0.25 * k));
  // Given save times: interpolated by dopri5, step times for fixed-step schemes.
  dense.save_times = {0.1, 0.35, 0.9};
  const FlowResult rg = integrate(field, X0, 0.0, 1.0, dense);
  REQUIRE(rg.trajectory.size() == 5);
  CHECK(rg.trajectory.times[2] == 0.35);
  CHECK((rg.trajectory.frames[2] - integrate(field, X0, 0.0, 0.35, accurate(0.35)).final_state)
            .norm() <= 1e-11);
  FlowOptions grid;
  grid.dt = 0.05;
  grid.save_times = {0.25, 0.5};
  CHECK(integrate(field, X0, 0.0, 1.0, grid).trajectory.size() == 4);
  grid.save_times = {0.33};
  CHECK_THROWS_AS(integrate(field, X0, 0.0, 1.0, grid), InvalidInput);
  // Zero duration: only the initial frame.
  CHECK(integrate(field, X0, 0.0, 0.0, o).trajectory.size() == 1);
}

TEST_CASE("bad parameters and overflow are reported, not integrated") {
  Rng rng(64);
  const MatrixXd X0 = product::random_point(rng, 3, 5);
  const AttentionField field = AttentionField::identity(3);
  FlowOptions o;
  CHECK_THROWS_AS(integrate(field, X0, 0.0, -1.0, o), InvalidInput);
  o.dt = 0;
  CHECK_THROWS_AS(integrate(field, X0, 0.0, 1.0, o), InvalidInput);
  o.dt = 0.1;
  MatrixXd bad = X0;
  bad(0, 0) = 2;
  CHECK_THROWS_AS(integrate(field, bad, 0.0, 1.0, o), InvalidInput);
  o.norm = LayerNormPlacement::Pre;
  o.scheme = FlowScheme::GeodesicEuler;
  CHECK_THROWS_AS(integrate(field, X0, 0.0, 1.0, o), InvalidInput);
  // USA at β = 800: exp(β⟨x_i, x_j⟩) overflows double; the run stops with a clear error.
  const AttentionField hot =
      AttentionField::identity(3, {AttentionNormalization::Unnormalized, 800.0, 1.0});
  CHECK_THROWS_AS(integrate(hot, X0, 0.0, 1.0, FlowOptions{}), Error);
}

TEST_CASE("a user-defined vector field integrates like a library one") {
  // Rotation about the z-axis, F(x) = Ω x with Ω skew: the exact solution is a rotation.
  struct Rotation {
    void operator()(double, const MatrixXd& X, MatrixXd& dX) const {
      Eigen::Matrix3d Omega;
      Omega << 0, -1, 0, 1, 0, 0, 0, 0, 0;
      dX = Omega * X;
    }
  };
  Rng rng(65);
  const MatrixXd X0 = product::random_point(rng, 3, 4);
  const double T = 1.3;
  Eigen::Matrix3d R;
  R << std::cos(T), -std::sin(T), 0, std::sin(T), std::cos(T), 0, 0, 0, 1;
  FlowOptions o;
  o.dt = 0.005;  // RK4 error ~ T·(Ωdt)⁴/120 ≈ 1e-11
  CHECK((integrate(Rotation{}, X0, 0.0, T, o).final_state - R * X0).norm() <= 1e-10);
}
