// Multi-head attention with time-dependent weights as a time-dependent gradient flow (MDCBS,
// docs/math.md §6): the energy balance along the project's velocity, the paper's metric slope 𝒢²,
// its head-count scaling for Ornstein–Uhlenbeck and oscillating weights, and stability in the
// initial data.
#include <cmath>
#include <numbers>
#include <sstream>
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/multihead_flow.hpp>
#include <varsphere/solvers/sweep.hpp>
#include <varsphere/core/configuration.hpp>

#include <Eigen/Eigenvalues>

#include "reproduction.hpp"

namespace varsphere::reproduce {

namespace {

// H distinct frozen heads I + spread·(symmetric Gaussian).
std::vector<Eigen::MatrixXd> random_heads(int H, Eigen::Index d, double spread,
                                          std::uint64_t seed) {
  Rng rng(seed);
  std::vector<Eigen::MatrixXd> D;
  for (int h = 0; h < H; ++h) {
    const Eigen::MatrixXd A = rng.normal_matrix(d, d);
    D.push_back(Eigen::MatrixXd::Identity(d, d) + 0.5 * spread * (A + A.transpose()));
  }
  return D;
}

std::vector<Eigen::MatrixXd> oscillating_start(Eigen::Index d, int H) {
  std::vector<Eigen::MatrixXd> D;
  for (int h = 0; h < H; ++h) D.push_back(WeightProcess::oscillating_target(d, h, H, 0.0));
  return D;
}

struct Sizes {
  Eigen::Index d;
  int n;
  double T, dt;
  std::vector<int> heads;
  int seeds;
};

// Mean of 𝒢² over t ∈ [a, b].
double window_mean(const EnergyLedger& L, double a, double b) {
  double sum = 0;
  int count = 0;
  for (std::size_t k = 0; k < L.t.size(); ++k)
    if (L.t[k] >= a - 1e-12 && L.t[k] <= b + 1e-12) sum += L.metric_slope[k], ++count;
  return sum / count;
}

// Time average of 𝒢² over t ∈ [T/2, T] (the paper's [10, 20] for T = 20) and its minimum there.
std::pair<double, double> late_slope(const EnergyLedger& L, double T) {
  double least = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < L.t.size(); ++k)
    if (L.t[k] >= 0.5 * T - 1e-12) least = std::min(least, L.metric_slope[k]);
  return {window_mean(L, 0.5 * T, T), least};
}

std::string sizes_text(const Sizes& z) {
  std::ostringstream s;
  s << "d = " << z.d << ", n = " << z.n << ", T = " << z.T << ", dt = " << z.dt << ", " << z.seeds
    << " seed" << (z.seeds > 1 ? "s" : "") << " per H";
  return s.str();
}

}  // namespace

std::vector<Row> edi_exact(const Settings& s) {
  const std::string id = "edi-exact", paper = "MDCBS";
  std::vector<Row> rows;
  const Configuration X0 = clustered_start(3, 12, 21);
  const std::vector<double> dts = {0.02, 0.01, 0.005, 0.0025};
  const int ou_seeds = s.quick ? 8 : 32;
  for (int H : {1, 10}) {
    for (const std::string kind : {"frozen", "oscillating", "ornstein-uhlenbeck"}) {
      const WeightProcess process = kind == "frozen" ? WeightProcess::frozen()
                                    : kind == "oscillating"
                                        ? WeightProcess::oscillating(H)
                                        : WeightProcess::ornstein_uhlenbeck(std::sqrt(2.0));
      const std::vector<Eigen::MatrixXd> D0 = kind == "frozen"        ? random_heads(H, 3, 0.5, 5)
                                              : kind == "oscillating" ? oscillating_start(3, H)
                                                                      : random_heads(H, 3, 0.0, 5);
      const int seeds = process.sigma > 0 ? ou_seeds : 1;
      std::vector<double> K, rms;
      EnergyLedger shown;
      double qv_gap = 0;
      for (double dt : dts) {
        double sum = 0;
        for (int seed = 0; seed < seeds; ++seed) {
          MultiHeadOptions o;
          o.dt = dt;
          o.noise_dt = dts.back();
          o.seed = 300 + seed;
          const MultiHeadResult r = simulate_multihead(X0, D0, process, 1.0, o);
          sum += r.ledger.residual.back() * r.ledger.residual.back();
          if (dt == dts.back() && seed == 0) shown = r.ledger;
          if (dt == dts.back() && process.sigma > 0) {
            qv_gap += (r.ledger.second_order.back() - r.ledger.ito_expected.back()) / seeds;
          }
        }
        K.push_back(1 / dt);
        rms.push_back(std::sqrt(sum / seeds));
      }
      std::ostringstream q;
      q << "H = " << H << ", " << kind << ": order in dt of the balance residual "
        << (seeds > 1 ? "(RMS over " + std::to_string(seeds) + " Brownian paths)" : "")
        << ", T = 1, dt = 0.02..0.0025";
      // Deterministic weights: the first-order Taylor remainder, order 1 exactly. OU: the mean
      // fourth-order and the martingale third-order terms are both O(dt); at coarse dt the
      // martingale part can dominate and steepen the slope, so the bound is "at least first order".
      Row r = seeds > 1 ? at_least(id, paper, q.str(), 0.9, fitted_order(K, rms))
                        : within(id, paper, q.str(), 1.0, fitted_order(K, rms), 0.1);
      if (H == 10 && process.sigma > 0) {
        // The ledger over time at the finest dt: each term from t = 0.
        Series ledger{"t", "E(t) - E(0)", shown.t, {}, false, false};
        for (double e : shown.energy) ledger.y.push_back(e - shown.energy.front());
        ledger.curves = {{"int <grad E, dX/dt>", shown.power},
                         {"int dE/dt (drift)", shown.explicit_time},
                         {"martingale", shown.martingale},
                         {"Ito (pathwise 2nd order)", shown.second_order},
                         {"residual", shown.residual}};
        r.series = ledger;
      }
      rows.push_back(r);
      if (process.sigma > 0) {
        rows.push_back(
            within(id, paper,
                   "H = " + std::to_string(H) +
                       ": pathwise 2nd-order term - expected Ito correction, mean over paths "
                       "(dt = 0.0025; 0 in expectation)",
                   0.0, qv_gap, 0.1 * std::abs(shown.ito_expected.back()) + 0.02));
      }
    }
  }
  // Deterministic weights through the flow integrators: the weight path solved once (RK4 +
  // Hermite), the tokens by rk4 on the time-dependent multi-head attention field, the ledger by the
  // trapezoid rule: the balance closes at second order.
  {
    const int H = 10;
    const WeightPath path(WeightProcess::oscillating(H), oscillating_start(3, H), 0.0, 1.0, 1e-3);
    const AttentionField field(3, path.schedule(), {AttentionNormalization::Softmax, 1.0, -1.0});
    std::vector<double> K, residual;
    for (int steps : {25, 50, 100, 200}) {
      FlowOptions o;
      o.dt = 1.0 / steps;
      K.push_back(steps);
      residual.push_back(std::abs(
          ledger_along(integrate(field, X0, 0.0, 1.0, o).trajectory, path, -1.0).residual.back()));
    }
    rows.push_back(
        within(id, paper,
               "H = 10, oscillating, rk4 flow integrator + trapezoid ledger: order in dt "
               "(second order)",
               2.0, fitted_order(K, residual), 0.15));
  }
  return rows;
}

std::vector<Row> edi_paper_slope(const Settings& s) {
  const std::string id = "edi-paper-slope", paper = "MDCBS";
  std::vector<Row> rows;
  const Configuration X0 = clustered_start(3, s.quick ? 12 : 24, 22);
  const std::vector<double> dts = {0.02, 0.01, 0.005, 0.0025};
  for (int H : {1, 10}) {
    const std::vector<Eigen::MatrixXd> D0 = random_heads(H, 3, 0.5, 6);
    std::vector<double> K, relative;
    for (double dt : dts) {
      MultiHeadOptions o;
      o.dt = dt;
      const EnergyLedger L = simulate_multihead(X0, D0, WeightProcess::frozen(), 2.0, o).ledger;
      const double dE = L.energy.back() - L.energy.front();
      K.push_back(1 / dt);
      relative.push_back((dE + L.paper.back()) / std::abs(dE));
    }
    if (H == 1) {
      std::vector<double> magnitude;
      for (double r : relative) magnitude.push_back(std::abs(r));
      rows.push_back(within(
          id, paper, "H = 1, frozen: (dE + int G^2)/|dE| -> 0, order in dt (dt = 0.02..0.0025)",
          1.0, fitted_order(K, magnitude), 0.1));
    } else {
      Row r = within(id, paper,
                     "H = 10, frozen: (dE + int G^2)/|dE| at dt = 0.0025 vs dt = 0.02 (ratio; "
                     "does not shrink: ~1)",
                     1.0, relative.back() / relative.front(), 0.1);
      r.series = Series{"1/dt", "(dE + int G^2)/|dE|, H = 10", K, relative, true, false};
      rows.push_back(r);
      // The finding: with the harmonic-mean mobility the paper's G^2 does not balance the energy
      // for H > 1; the sign says which way the inequality goes.
      rows.push_back(within(id, paper,
                            "H = 10: sign of dE + int G^2 (-1: dE < -int G^2, the paper's G^2 "
                            "under-counts the dissipation; size " +
                                std::to_string(relative.back()).substr(0, 7) + " of |dE|)",
                            -1.0, relative.back() < 0 ? -1.0 : 1.0, 0.0));
    }
  }
  return rows;
}

std::vector<Row> heads_ou(const Settings& s) {
  const std::string id = "heads-ou", paper = "MDCBS";
  std::vector<Row> rows;
  const Sizes z = s.quick ? Sizes{3, 24, 20.0, 0.02, {1, 10, 100}, 2}
                          : Sizes{3, 200, 20.0, 5e-3, {1, 10, 100}, 1};
  // As a sweep (docs/sweeps.md) over H: MDCBS's clustered starts seeded 600 + s, OU weights
  // (σ² = 2) seeded 500 + s, the ledger's 𝒢² every 0.1 — the runs of the former loop.
  std::ostringstream spec;
  spec.precision(17);
  spec << R"({"grid": {"heads": [)";
  for (std::size_t k = 0; k < z.heads.size(); ++k) spec << (k ? ", " : "") << z.heads[k];
  spec << R"(]}, "seeds": )" << z.seeds << R"(, "seed": 600, "seed_derivation": "offset",
    "flow": {"model": "multihead", "d": )" << z.d << R"(, "n": )" << z.n << R"(, "T": )" << z.T
       << R"(, "dt": )" << z.dt << R"(, "scheme": "euler-renormalize", "sign": "descent"},
    "init": {"kind": "clustered"},
    "weights": {"weight_process": "ornstein-uhlenbeck", "weight_sigma": )" << std::sqrt(2.0)
       << R"(, "process_seed": 500},
    "observe": {"frames": )" << static_cast<int>(std::lround(z.T / 0.1)) + 1 << "}}";
  const SweepResults results = run_sweep(parse_sweep_spec(spec.str(), "."), {});
  const std::vector<double> times =
      results.spec.observation_times(results.spec.point(0));
  std::vector<double> Hs, mean_slope(z.heads.size(), 0.0);
  std::vector<Row> curves;
  for (const SweepRun& run : results.runs) {
    double sum = 0;
    int count = 0;
    for (std::size_t k = 0; k < times.size(); ++k)
      if (times[k] >= 0.5 * z.T - 1e-12) sum += run.metric_slope[k], ++count;
    mean_slope[run.grid] += sum / count / z.seeds;
  }
  for (std::size_t g = 0; g < z.heads.size(); ++g) {
    const int H = z.heads[g];
    Hs.push_back(H);
    Row r = at_least(
        id, paper,
        "H = " + std::to_string(H) + ": time-averaged G^2 on [10, 20] > 0 (" + sizes_text(z) + ")",
        0.0, mean_slope[g]);
    r.series = Series{"t",     "G^2(t), H = " + std::to_string(H) + " (OU, sigma^2 = 2)",
                      times,   results.runs[g * z.seeds].metric_slope,
                      false,   true};
    curves.push_back(r);
  }
  const double b = -fitted_order(Hs, mean_slope);
  Row fit =
      within(id, paper, "fitted b in G^2 ~ a H^b over H = 1, 10, 100 (paper: -1)", -1.0, b, 0.15);
  fit.series = Series{"H (heads)", "time-averaged G^2 on [10, 20]", Hs, mean_slope, true, true};
  rows.push_back(fit);
  rows.insert(rows.end(), curves.begin(), curves.end());
  return rows;
}

std::vector<Row> heads_oscillating(const Settings& s) {
  const std::string id = "heads-oscillating", paper = "MDCBS";
  std::vector<Row> rows;
  const Sizes z =
      s.quick ? Sizes{2, 20, 20.0, 0.02, {1, 5, 20}, 1} : Sizes{2, 100, 20.0, 5e-3, {1, 5, 20}, 1};
  std::vector<double> Hs, mean_slope;
  for (int H : z.heads) {
    MultiHeadOptions o;
    o.dt = z.dt;
    o.record_every = std::max(1, int(std::lround(0.1 / z.dt)));
    const EnergyLedger L =
        simulate_multihead(clustered_start(z.d, z.n, 700), oscillating_start(z.d, H),
                           WeightProcess::oscillating(H), z.T, o)
            .ledger;
    const auto [mean, least] = late_slope(L, z.T);
    Hs.push_back(H);
    mean_slope.push_back(mean);
    std::ostringstream q;
    Row r;
    if (H == 1) {
      // One head: G² oscillates with the target (period 2π) and shows no decay: its mean over the
      // last period against the period before.
      const double period = 2 * std::numbers::pi;
      const double trend =
          window_mean(L, z.T - period, z.T) / window_mean(L, z.T - 2 * period, z.T - period);
      q << "H = 1: mean G^2 over the last period / the one before (no decay; min on [10, 20] = "
        << least << "; " << sizes_text(z) << ")";
      r = within(id, paper, q.str(), 1.0, trend, 0.25);
    } else {
      // Several heads: the phase-shifted targets average to 2I, G² falls by orders of magnitude
      // and is still decaying on [10, 20] (it levels off near 2e-5 by t ~ 50 for n = 20, H = 5).
      q << "H = " << H << ": min G^2 on [10, 20] (positive but small: the heads' oscillations "
        << "average out; mean " << mean << ")";
      r = at_least(id, paper, q.str(), 1e-6, least);
    }
    r.series = Series{"t",   "G^2(t), H = " + std::to_string(H) + " (oscillating)",
                      L.t,   L.metric_slope,
                      false, true};
    rows.push_back(r);
  }
  // The paper claims b ≈ 0. Measured: a steep drop once H ≥ 3 (the phase-shifted targets average
  // to 2I, so the head-averaged drive stops oscillating): b is far from 0.
  const double b = -fitted_order(Hs, mean_slope);
  std::ostringstream q;
  q << "-b over H = 1, 5, 20: G^2 ~ a H^b is not flat (paper: b ~ 0; measured b = " << b << ")";
  Row fit = at_least(id, paper, q.str(), 1.0, -b);
  fit.series = Series{"H (heads)", "time-averaged G^2 on [10, 20]", Hs, mean_slope, true, true};
  rows.push_back(fit);
  return rows;
}

std::vector<Row> stability_initial_data(const Settings&) {
  const std::string id = "stability-initial-data", paper = "MDCBS";
  std::vector<Row> rows;
  const int n = 16, H = 4;
  const double T = 4.0, dt = 0.01;
  const Configuration X0 = clustered_start(3, n, 23);
  const std::vector<Eigen::MatrixXd> D = random_heads(H, 3, 0.5, 7);
  MultiHeadOptions o;
  o.dt = dt;
  o.record_states = true;
  const MultiHeadResult base = simulate_multihead(X0, D, WeightProcess::frozen(), T, o);
  // L(t) = ‖∂F/∂X‖₂ of the velocity field along the path (frozen heads: A_h = D_h, V_h = D_h/H).
  const AttentionField field(3, multihead_attention_heads(D),
                             {AttentionNormalization::Softmax, 1.0, o.sign});
  std::vector<double> lipschitz;
  for (const auto& X : base.trajectory.frames) {
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(field.velocity_jacobian(0.0, X));
    lipschitz.push_back(svd.singularValues()(0));
  }
  Rng rng(24);
  const Eigen::MatrixXd direction = product::random_tangent(rng, X0);
  const Eigen::MatrixXd unit = direction / direction.norm();
  std::vector<double> deltas, worst_distance;
  double worst_ratio = 0;
  Series growth{"t", "distance / delta (delta = 1e-6)", {}, {}, false, true};
  for (double delta : {1e-4, 1e-5, 1e-6}) {
    const MultiHeadResult moved = simulate_multihead(
        product::exp(X0, Eigen::MatrixXd(delta * unit)), D, WeightProcess::frozen(), T, o);
    double worst = 0, integral = 0;
    for (std::size_t k = 0; k < base.trajectory.size(); ++k) {
      const double distance =
          product::distance(base.trajectory.frames[k], moved.trajectory.frames[k]);
      worst = std::max(worst, distance);
      if (k > 0) worst_ratio = std::max(worst_ratio, distance / (delta * std::exp(integral)));
      integral += lipschitz[k] * dt;
      if (delta == 1e-6)
        growth.x.push_back(base.trajectory.times[k]), growth.y.push_back(distance / delta);
    }
    deltas.push_back(delta);
    worst_distance.push_back(worst);
  }
  rows.push_back(within(id, paper,
                        "slope of max_t distance against delta (1e-4..1e-6): Lipschitz in the data",
                        1.0, -fitted_order(deltas, worst_distance), 0.02));
  Row r = within(id, paper,
                 "max over t in (0, T] of distance / (delta exp(int_0^t L)), L = |dF/dX|_2 "
                 "along the path (Gronwall: in [0, 1]); n = 16, H = 4 frozen heads, T = 4",
                 0.5, worst_ratio, 0.5);
  r.series = growth;
  rows.push_back(r);
  return rows;
}

}  // namespace varsphere::reproduce
