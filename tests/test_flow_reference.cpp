// The published research code's cases (docs/math.md §2, items 1 and 5):
//  * rotf: SA, n = 64, d = 3, β = 1 — the authors' Euler scheme replayed to 1e-9, the continuous
//    ODE solved by dopri5 against DOP853 to 1e-8, the energy rising monotonically to e/2;
//  * dotm: SA on the circle, n = 5, β = 4 — replay, and the metastable merge times of the ODE
//    (1.27, 2.41, 5.20 and 328.37, to the 0.005 spacing of the frames they are read from).
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/flow_diagnostics.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

#include "support/reference_case.hpp"

using namespace varsphere;
using namespace varsphere::testing;

namespace {
FlowOptions replay_options(double dt) {
  FlowOptions o;
  o.scheme = FlowScheme::EulerRenormalize;
  o.dt = dt;
  return o;
}
}  // namespace

TEST_CASE("rotf SA n=64 d=3 beta=1: replay, ODE solution and energy") {
  const Eigen::MatrixXd X0 = read_points_case("rotf_sa_d3_n64_b1_dt0p1.x0.mat");
  const AttentionField field = AttentionField::identity(3, {AttentionNormalization::Softmax, 1.0});

  const FlowResult replay = integrate(field, X0, 0.0, 15.0, replay_options(0.1));
  CHECK(replay.steps == 150);
  CHECK((replay.final_state - read_points_case("rotf_sa_d3_n64_b1_dt0p1.xT.mat"))
            .cwiseAbs()
            .maxCoeff() <= 1e-9);

  FlowOptions ode;
  ode.scheme = FlowScheme::Dopri5;
  ode.rtol = 1e-12;
  ode.atol = 1e-13;
  ode.dt = 0.1;
  const FlowResult accurate = integrate(field, X0, 0.0, 15.0, ode);
  CHECK((accurate.final_state - read_points_case("rotf_sa_d3_n64_b1_dt0p1.xT_ode.mat"))
            .cwiseAbs()
            .maxCoeff() <= 1e-8);

  // Energy along the saved frames (every 0.1) never decreases and ends at e^β/(2β) = e/2.
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(3, 3);
  double previous = -1;
  for (const auto& X : accurate.trajectory.frames) {
    const double E = attention_energy(X, I, 1.0);
    CHECK(E >= previous - 1e-13);
    previous = E;
  }
  CHECK(std::abs(previous - std::numbers::e / 2) <= 1e-9);
  // The authors' energy series at the replayed frames.
  const Eigen::VectorXd energy = read_series("rotf_sa_d3_n64_b1_dt0p1.energy.series");
  CHECK(std::abs(attention_energy(X0, I, 1.0) - energy(0)) <= 1e-14);
  CHECK(std::abs(attention_energy(replay.final_state, I, 1.0) - energy(energy.size() - 1)) <=
        1e-12);
}

TEST_CASE("dotm SA on the circle n=5 beta=4: replay and metastable merge times") {
  const Eigen::MatrixXd X0 = read_points_case("dotm_kinetic_sa_d2_n5_b4_dt0p1.x0.mat");
  const AttentionField field = AttentionField::identity(2, {AttentionNormalization::Softmax, 4.0});

  const FlowResult replay = integrate(field, X0, 0.0, 400.0, replay_options(0.1));
  CHECK(replay.steps == 4000);
  CHECK((replay.final_state - read_points_case("dotm_kinetic_sa_d2_n5_b4_dt0p1.xT.mat"))
            .cwiseAbs()
            .maxCoeff() <= 1e-9);
  // The authors' cluster counts at every step of the scheme.
  const Eigen::VectorXd counts =
      read_series("dotm_kinetic_sa_d2_n5_b4_dt0p1.clusters_cc0p999.series");
  REQUIRE(counts.size() == static_cast<Eigen::Index>(replay.trajectory.size()));
  int mismatches = 0;
  for (std::size_t k = 0; k < replay.trajectory.size(); ++k) {
    mismatches += count_clusters(replay.trajectory.frames[k]) != counts(k);
  }
  CHECK(mismatches == 0);

  // Continuous ODE: merge times from frames every 0.005 by dense output.
  FlowOptions ode;
  ode.scheme = FlowScheme::Dopri5;
  ode.rtol = 1e-11;
  ode.atol = 1e-12;
  ode.dt = 0.005;
  const FlowResult accurate = integrate(field, X0, 0.0, 400.0, ode);
  const auto rows = diagnose(accurate.trajectory, Eigen::MatrixXd::Identity(2, 2), 4.0);
  const std::vector<double> merges = merge_times(rows);
  // Energy never decreases and the staircase ends at the single-cluster value e^β/(2β).
  for (std::size_t k = 1; k < rows.size(); ++k) CHECK(rows[k].energy >= rows[k - 1].energy - 1e-13);
  CHECK(std::abs(rows.back().energy - std::exp(4.0) / 8.0) <= 1e-9);
  const Eigen::VectorXd expected = read_series("dotm_kinetic_sa_d2_n5_b4.ode_merge_times.series");
  REQUIRE(merges.size() == 4);
  // Both sides read merge times off frames 0.005 apart (measured differences 0, 0, 0.005,
  // 0.005): they agree to one frame.
  for (int k = 0; k < 4; ++k) CHECK(std::abs(merges[k] - expected(k)) <= 0.005 + 1e-9);
  MESSAGE("merge times " << merges[0] << ", " << merges[1] << ", " << merges[2] << ", "
                         << merges[3]);
}
