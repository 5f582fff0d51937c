// phase-diagram (GLPR, docs/sweeps.md, docs/math.md §2.4): the fraction of clustered pairs
// (⟨x_i, x_j⟩ > 0.999) over (β, t) for SA on the circle, n = 32, uniform random starts, computed as
// a sweep; compared with the equiangular ρ-ODE ρ' = 2(1−ρ)((n−1)ρ+1)/(e^{β(1−ρ)} + n − 1) from
// ρ(0) = 0 (the mean inner product of uniform starts), whose time t*(β) to reach ρ = 0.999 is the
// curve drawn over the paper's heat map.
//
// Criterion for "the level set lies near the ODE curve" (stated here, measured below): where the
// particles form one cluster (β ≤ 2) the time t½(β) at which the mean fraction crosses 1/2 is
// t*(β) times a factor in [1, 2] (the time uniform starts need to look equiangular); where
// t*(β) > T, the mean fraction at T stays below 1/2 (metastable clusters).
#include <cmath>
#include <sstream>
#include <varsphere/solvers/equiangular.hpp>
#include <varsphere/solvers/sweep.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

namespace {

/// First time at which ρ(t) from ρ(0) = 0 reaches `level` (linear interpolation on a 0.01 grid),
/// +∞ if not before `horizon`.
double ode_time(double beta, int n, double level, double horizon) {
  std::vector<double> times;
  for (double t = 0; t <= horizon; t += 0.01) times.push_back(t);
  const std::vector<double> rho = equiangular_rho({AttentionNormalization::Softmax, beta, n}, 0.0,
                                                  times, 1e-12);
  for (std::size_t k = 1; k < rho.size(); ++k) {
    if (rho[k] >= level) {
      return times[k - 1] + (level - rho[k - 1]) / (rho[k] - rho[k - 1]) * (times[k] - times[k - 1]);
    }
  }
  return INFINITY;
}

}  // namespace

std::vector<Row> phase_diagram(const Settings& s) {
  const std::string id = "phase-diagram", paper = "GLPR";
  const int n = 32, seeds = s.quick ? 48 : 512;
  const double T = 30;
  const std::vector<double> betas = {0.25, 0.5, 1, 2, 4, 8, 16};
  std::ostringstream spec;
  spec << R"({"grid": {"beta": [0.25, 0.5, 1, 2, 4, 8, 16]}, "seeds": )" << seeds
       << R"(, "seed": 1, "flow": {"model": "sa", "n": 32, "d": 2, "T": 30, "dt": 0.1},
             "observe": {"frames": 31, "pair_threshold": 0.999}})";
  const SweepSpec sweep = parse_sweep_spec(spec.str(), ".");
  const H5Table table = sweep_results_table(run_sweep(sweep, {}));
  const auto& mean = table.datasets.at("summary/pair_fraction/mean").values;
  const auto& se = table.datasets.at("summary/pair_fraction/stderr").values;
  const auto& times = table.datasets.at("grid/times").values;
  const int m = 31;
  std::vector<Row> rows;
  const std::string sample = " (" + std::to_string(seeds) + " starts)";

  // Small β: every pair merges.
  rows.push_back(at_least(id, paper, "mean fraction of clustered pairs at T = 30, beta = 0.25" + sample,
                          0.99, mean[0 * m + m - 1]));
  // Monotone in t at each β, within 3 standard errors.
  double worst = 0;
  for (std::size_t g = 0; g < betas.size(); ++g) {
    for (int f = 0; f + 1 < m; ++f) {
      const double drop = mean[g * m + f] - mean[g * m + f + 1];
      const double scale = std::max(se[g * m + f + 1], 1e-3 / std::sqrt(double(seeds)));
      worst = std::max(worst, drop / scale);
    }
  }
  rows.push_back(within(id, paper, "largest decrease in t of the mean fraction, in standard errors",
                        0, worst, 3));
  // The level set 1/2 against the ODE curve.
  Series curve{"beta", "time", {}, {}, true, false};
  std::vector<double> ode_curve;
  for (std::size_t g = 0; g < betas.size(); ++g) {
    const double t_star = ode_time(betas[g], n, 0.999, 200);
    double t_half = INFINITY;
    for (int f = 1; f < m; ++f) {
      const double a = mean[g * m + f - 1], b = mean[g * m + f];
      if (a < 0.5 && b >= 0.5) {
        t_half = times[g * m + f - 1] + (0.5 - a) / (b - a) * (times[g * m + f] - times[g * m + f - 1]);
        break;
      }
    }
    std::ostringstream label;
    label << "beta = " << betas[g];
    if (betas[g] <= 2) {
      rows.push_back(within(id, paper,
                            label.str() + ": t_1/2 (fraction = 1/2) / t* (ODE rho = 0.999)", 1.5,
                            t_half / t_star, 0.5));
    } else if (t_star > T) {
      rows.push_back(at_least(id, paper,
                              label.str() + ": t* = " + std::to_string(t_star).substr(0, 5) +
                                  " > T; 1/2 - mean fraction at T",
                              0.0, 0.5 - mean[g * m + m - 1]));
    }
    if (std::isfinite(t_half) && std::isfinite(t_star)) {
      curve.x.push_back(betas[g]);
      curve.y.push_back(t_half);
      ode_curve.push_back(t_star);
    }
  }
  curve.curves.push_back({"ODE t*(beta)", ode_curve});
  rows.back().series = curve;
  return rows;
}

}  // namespace varsphere::reproduce
