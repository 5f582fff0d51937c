// Coupled integration of tokens and head weights with an energy ledger (docs/math.md §6, MDCBS).
//
// Step k (t_k = kΔt), Euler–Maruyama for the weights and the normalized explicit step for tokens:
//   ΔD_h = f_h(D_h, t_k) Δt + σ ΔS_h,        ΔS_h = (ΔW_h + ΔW_hᵀ)/2, ΔW_h ~ N(0, Δt) entrywise,
//   x_i ← normalize(x_i + Δt · sign · P_{x_i} v_i(X, D)),     D_h ← D_h + ΔD_h.
// With σ = 0 (frozen, oscillating, user drifts) it is explicit Euler. The Brownian increments
// are drawn on a grid of step noise_dt (Δt must be a whole multiple of it) from the seed, in time
// order: runs with different Δt and the same noise_dt and seed see the same Brownian path, which
// is what a convergence study in Δt needs.
//
// The ledger telescopes ℰ along the discrete path (all sums from t = 0, left-point):
//   power        Σ ⟨∇_X ℰ, ΔX⟩                    → ∫ ⟨grad ℰ, Ẋ⟩ dt
//   explicit     Σ Σ_h ⟨∂ℰ/∂D_h, f_h⟩ Δt          → ∫ ∂_tℰ dt (the drift part)
//   martingale   Σ Σ_h ⟨∂ℰ/∂D_h, σ ΔS_h⟩          → the Itô integral (mean 0)
//   second_order Σ ½ d²ℰ[ΔD]                      → the Itô correction (pathwise)
//   ito_expected Σ σ² (Itô rate) Δt               → ∫ Σ (σ²/4)(⟨x_i,x_j⟩² + 1) e^h_ij/(2Hn²) dt
//   residual     ℰ(t) − ℰ(0) − (power + explicit + martingale + second_order)   = O(Δt)
//   paper        Σ 𝒢² Δt                          (the paper's dissipation, for ℰ(t) − ℰ(0) +
//   paper)
// second_order − ito_expected is the quadratic-variation fluctuation, O(√Δt) pathwise, 0 in mean.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/functionals/multihead_energy.hpp>
#include <varsphere/functionals/weight_process.hpp>
#include <varsphere/solvers/weight_path.hpp>
#include <vector>

namespace varsphere {

/// The MDCBS paper's starts: token i near one of 5 equispaced angles (d = 2), or near ±e_{i mod d}
/// (d ≥ 3: the octahedron's vertices on S²), with Gaussian noise of standard deviation 0.05 from
/// `rng`, normalized.
inline Configuration clustered_start(Eigen::Index d, int n, Rng& rng) {
  Configuration X(d, n);
  for (int i = 0; i < n; ++i) {
    Eigen::VectorXd v = Eigen::VectorXd::Zero(d);
    if (d == 2) {
      const double angle = 2 * 3.14159265358979323846 * (i % 5) / 5.0;
      v << std::cos(angle), std::sin(angle);
    } else {
      v(i % d) = (i / d) % 2 == 0 ? 1.0 : -1.0;
    }
    X.col(i) = (v + 0.05 * rng.normal_matrix(d, 1)).normalized();
  }
  return X;
}

/// The same from a seed.
inline Configuration clustered_start(Eigen::Index d, int n, std::uint64_t seed) {
  Rng rng(seed);
  return clustered_start(d, n, rng);
}

struct MultiHeadOptions {
  double dt = 5e-3;
  double noise_dt = 0.0;  ///< Brownian grid step; 0: dt
  double sign = -1.0;     ///< −1: the authors' descent (repulsive); +1: GLPR's ascent
  std::uint64_t seed = 1;
  int record_every = 1;  ///< ledger rows (and frames) every this many steps, plus the last
  bool record_states = false;
};

/// The ledger's running sums from t = 0 (see above).
struct LedgerTotals {
  double power = 0, explicit_time = 0, martingale = 0, second_order = 0, ito_expected = 0,
         paper = 0;
};

struct EnergyLedger {
  std::vector<double> t, energy, power, explicit_time, martingale, second_order, ito_expected,
      paper, metric_slope, residual;

  /// One row at time t; the residual is taken against the first row's energy.
  void append(double time, double e, double slope, const LedgerTotals& s);
};

struct MultiHeadResult {
  Configuration X;
  std::vector<Eigen::MatrixXd> D;
  EnergyLedger ledger;
  Trajectory trajectory;  ///< frames at the ledger times when record_states
};

inline MultiHeadResult simulate_multihead(const Configuration& X0, std::vector<Eigen::MatrixXd> D,
                                          const WeightProcess& process, double T,
                                          const MultiHeadOptions& options = {}) {
  validate_configuration(X0, kUnitTolerance, "multi-head flow: initial tokens");
  check_heads(D, X0.rows());
  if (!(T >= 0) || !std::isfinite(T) || !(options.dt > 0) || !std::isfinite(options.dt)) {
    throw InvalidInput("multi-head flow: need T >= 0 and a positive finite dt");
  }
  if (options.sign != 1.0 && options.sign != -1.0) {
    throw InvalidInput("multi-head flow: sign must be +1 or -1");
  }
  if (options.record_every < 1) throw InvalidInput("multi-head flow: record_every must be >= 1");
  if (!process.drift || !(process.sigma >= 0)) {
    throw InvalidInput("multi-head flow: the weight process needs a drift and sigma >= 0");
  }
  const double noise_dt = options.noise_dt > 0 ? options.noise_dt : options.dt;
  const double ratio = options.dt / noise_dt;
  const auto substeps = static_cast<long>(std::llround(ratio));
  if (substeps < 1 || std::abs(ratio - double(substeps)) > 1e-9 * ratio) {
    throw InvalidInput("multi-head flow: dt must be a whole multiple of noise_dt");
  }
  const auto steps = static_cast<long>(std::llround(T / options.dt));
  if (std::abs(T / options.dt - double(steps)) > 1e-9 * std::max(1.0, T / options.dt)) {
    throw InvalidInput("multi-head flow: T must be a whole number of steps dt");
  }

  const Eigen::Index d = X0.rows();
  const int H = static_cast<int>(D.size());
  Rng rng(options.seed);
  const double scale = std::sqrt(noise_dt);
  auto noise = [&] {  // σ ΔS_h for every head, summed over the Brownian substeps in time order
    std::vector<Eigen::MatrixXd> S(H, Eigen::MatrixXd::Zero(d, d));
    if (process.sigma == 0) return S;
    for (long m = 0; m < substeps; ++m)
      for (int h = 0; h < H; ++h) S[h] += scale * rng.normal_matrix(d, d);
    for (int h = 0; h < H; ++h) S[h] = (0.5 * process.sigma * (S[h] + S[h].transpose())).eval();
    return S;
  };

  MultiHeadResult result;
  Configuration X = normalize_columns(X0);
  LedgerTotals sum;
  for (long k = 0; k <= steps; ++k) {
    const double t = double(k) * options.dt;
    std::vector<Eigen::MatrixXd> drift(H), kick;
    if (k < steps) {
      kick = noise();
      for (int h = 0; h < H; ++h) drift[h] = process.drift(h, D[h], t);
    }
    std::vector<Eigen::MatrixXd> step(H);
    for (int h = 0; h < H && k < steps; ++h) step[h] = drift[h] * options.dt + kick[h];
    const MultiHeadEvaluation ev =
        evaluate_multihead(X, D, options.sign, k < steps ? &step : nullptr);
    if (!std::isfinite(ev.energy) || !ev.velocity.allFinite()) {
      throw Error("multi-head flow: the energy overflowed at t = " + std::to_string(t) +
                  " (weights too large for exp)");
    }
    if (k % options.record_every == 0 || k == steps) {
      result.ledger.append(t, ev.energy, ev.metric_slope, sum);
      if (options.record_states) result.trajectory.push_back(t, X);
    }
    if (k == steps) break;
    Configuration next = normalize_columns(X + options.dt * ev.velocity);
    sum.power += (ev.gradient.array() * (next - X).array()).sum();
    for (int h = 0; h < H; ++h) {
      sum.explicit_time += (ev.weight_gradient[h].array() * drift[h].array()).sum() * options.dt;
      sum.martingale += (ev.weight_gradient[h].array() * kick[h].array()).sum();
      D[h] += step[h];
    }
    sum.second_order += ev.second_order;
    sum.ito_expected += process.sigma * process.sigma * ev.ito_rate * options.dt;
    sum.paper += ev.metric_slope * options.dt;
    X = std::move(next);
  }
  result.X = X;
  result.D = std::move(D);
  return result;
}

/// The balance along a token trajectory computed by any flow integrator with deterministic weights
/// (WeightPath): at the saved times, power = ∫⟨∇_X ℰ, F⟩, explicit = ∫Σ_h⟨∂ℰ/∂D_h, Ḋ_h⟩ and the
/// paper's ∫𝒢², each by the trapezoid rule on its integrand (F the exact velocity at the saved
/// state), and residual = ℰ(t) − ℰ(0) − power − explicit: second order in the save step when the
/// path is accurate to that order (rk4, dopri5). martingale, second_order and ito_expected are 0.
EnergyLedger ledger_along(const Trajectory& path, const WeightPath& weights, double sign);

}  // namespace varsphere
